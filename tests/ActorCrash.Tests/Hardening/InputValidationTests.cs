using System.Text;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>Issue 13, class by class: every bad scenario value is a located error, wherever it sits.</summary>
public class InputValidationTests
{
    private const string Panic = "triggers = [{ at = 0ms, cpu = 0, event = panic }]\n";

    private static ScenarioException Fails(string hocon) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(hocon, "x.hocon"));

    [Theory]
    [InlineData("machine.kdump.boot-time = null")]
    [InlineData("machine.nvram.size = null")]
    [InlineData("name = null")]
    [InlineData("design = null")]
    [InlineData("machine.thirdparty.lock = null")]
    [InlineData("machine.ramoops.pmsg = null")]
    public void Null_is_a_located_error_naming_the_key(string line)
    {
        var e = Fails(line + "\n" + Panic);
        Assert.Equal(1, e.Line);
        Assert.Equal(line.Split(' ')[0], e.Key);
        Assert.Matches("got (null|a value)", e.Message);
    }

    [Fact]
    public void Triggers_with_null_fields_are_located_errors()
    {
        var e = Fails("triggers = [{ at = null, cpu = 0, event = panic }]\n");
        Assert.Equal("triggers[0].at", e.Key);
        e = Fails("triggers = [{ at = 0ms, cpu = null, event = panic }]\n");
        Assert.Equal("triggers[0].cpu", e.Key);
    }

    [Theory]
    [InlineData("machine.mtd.size = garbage", "machine.mtd.size")]              // no mtdoops listed
    [InlineData("machine.efi.call-time = soon", "machine.efi.call-time")]       // no efi-pstore listed
    [InlineData("machine.thirdparty.behaviour = sing", "machine.thirdparty.behaviour")]
    [InlineData("machine.ramoops.pmsg_size = NaN", "machine.ramoops.pmsg_size")] // era 2.6.38 never reads it
    [InlineData("machine.mtdoops.era = later", "machine.mtdoops.era")]
    [InlineData("machine.nvram-console.size = -1", "machine.nvram-console.size")]
    public void Keys_the_chosen_dumpers_never_read_are_checked_anyway(string line, string key)
    {
        var e = Fails(line + "\n" + Panic);
        Assert.Equal((1, key), (e.Line, e.Key));
    }

    [Fact]
    public void Every_default_key_has_a_check()
    {
        var defaults = AkkaSettings.Load().GetConfig("actorcrash.scenario");
        var leaves = new List<string>();
        void Walk(string path, Akka.Configuration.Hocon.HoconValue v)
        {
            if (v.IsObject()) foreach (var (k, c) in v.GetObject().Items) Walk(path.Length == 0 ? k : $"{path}.{k}", c);
            else leaves.Add(path);
        }
        Walk("", defaults.Root);
        Assert.Empty(leaves.Except(KeyChecks.Keys));
    }

    [Theory]
    [InlineData("machine.nvram.size = 99999999999999999999", "machine.nvram.size")]
    [InlineData("machine.nvram.size = 2147483647", "machine.nvram.size")]
    [InlineData("machine.nvram.chunk = 4294967296", "machine.nvram.chunk")]
    [InlineData("limits.virtual-time = 9223372036854775807ns", "limits.virtual-time")]
    [InlineData("machine.kdump.boot-time = 100000000h", "machine.kdump.boot-time")]
    [InlineData("machine.nvram.write-ns-per-byte = 9223372036854775807", "machine.nvram.write-ns-per-byte")]
    public void Overflowing_values_are_located_errors(string line, string key)
    {
        var e = Fails(line + "\n" + Panic);
        Assert.Equal((1, key), (e.Line, e.Key));
    }

    [Fact]
    public void Limits_are_capped_and_the_error_says_it_is_a_cap()
    {
        var e = Fails("limits.steps = 1000000000000\n" + Panic);
        Assert.Equal("limits.steps", e.Key);
        Assert.Contains("cap", e.Message);
        e = Fails("limits.virtual-time = 100000h\n" + Panic);
        Assert.Contains("cap", e.Message);
    }

    [Fact]
    public void A_range_with_no_room_says_so_instead_of_from_4096_to_1()
    {
        var e = Fails("machine.nvram.size = 1\n" + Panic);
        Assert.Equal("machine.ramoops.mem_size", e.Key);
        Assert.Contains("no value fits", e.Message);
    }

    [Fact]
    public void A_huge_scenario_is_refused_and_the_error_names_the_limit()
    {
        var e = Fails(Panic + new string('#', Caps.MaxScenarioBytes + 1));
        Assert.Contains("limit", e.Message);
        var path = Path.GetTempFileName();
        File.WriteAllText(path, Panic + "# " + new string('x', Caps.MaxScenarioBytes));
        e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));
        Assert.Contains("limit on input files", e.Message);
        File.Delete(path);
    }

    [Theory]
    [InlineData("/dev/zero", "character device")]
    [InlineData("/tmp", "directory")]
    public void Non_regular_files_are_refused_at_once(string path, string kind)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));
        Assert.Contains(kind, e.Message);
    }

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        var fifo = Path.Combine(Path.GetTempPath(), $"actorcrash-fifo-{Environment.ProcessId}");
        File.Delete(fifo);
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)) await mk.WaitForExitAsync();
        var load = Task.Run(() => Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(fifo)));
        Assert.Same(load, await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Contains("FIFO", (await load).Message);
        File.Delete(fifo);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_with_its_byte_offset_and_line()
    {
        var bytes = Encoding.UTF8.GetBytes(Panic + "name = \"a").Concat(new byte[] { 0xff, (byte)'"', (byte)'\n' }).ToArray();
        var e = Assert.Throws<ScenarioException>(() => InputFiles.Decode(bytes, "x.hocon"));
        Assert.Contains($"byte offset {bytes.Length - 3}", e.Message);
        Assert.Equal(2, e.Line);
    }
}
