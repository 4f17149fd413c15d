using ActorCrash.Actors;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// tools/testing/selftests/pstore/ (domain reference §5.2) on the emulator: pstore_tests before the
/// crash, pstore_crash_test (panic=3, SysRq-c), pstore_post_reboot_tests after the emulated reboot.
/// </summary>
public class PstoreSelftestTests
{
    private const string Pattern = "Testing pstore: uuid=";

    // The built-in scenario with this test's own uuid in /dev/pmsg0.
    private static string Scenario(string uuid, bool registered = true)
    {
        var text = ScenarioLoader.BuiltInText("pstore-selftest");
        text = text.Replace("uuid=6e1c7d2a-2f31-4a51-9c3e-8d7f0b1a2c3d", $"uuid={uuid}", StringComparison.Ordinal);
        return registered ? text : text.Replace("dumpers = [ramoops]", "dumpers = []", StringComparison.Ordinal);
    }

    /// <summary>pstore_tests + pstore_post_reboot_tests: the failures, empty when the selftest passes.</summary>
    private static List<string> Selftest(RunResult r, string uuid)
    {
        var failures = new List<string>();
        // pstore_tests: the backend and its console are registered (dmesg shows "console [pstore").
        if (!r.Nvram.Any() && !r.Console.Any(l => l.Text.Contains("console [pstore", StringComparison.Ordinal)))
            failures.Add("no pstore backend registered");
        if (r.Outcome != Outcome.Rebooted) failures.Add($"the machine did not reboot ({r.Outcome})");
        foreach (var name in new[] { "dmesg-ramoops-0", "console-ramoops-0", "pmsg-ramoops-0" })
            if (r.File(name) is null) failures.Add($"{name} missing");
        var dmesg = r.File("dmesg-ramoops-0");
        // 2.6.38's panic() prints no "---[ end trace" (the oops path does): its marker is the panic line.
        if (dmesg is not null && !dmesg.Text.Contains("Kernel panic - not syncing: sysrq triggered crash", StringComparison.Ordinal))
            failures.Add("dmesg-ramoops-0 lacks the panic message");
        var console = r.File("console-ramoops-0");
        if (console is not null && !console.Text.Contains("Kernel panic - not syncing", StringComparison.Ordinal))
            failures.Add("console-ramoops-0 lacks the panic message");
        var pmsg = r.File("pmsg-ramoops-0");
        if (pmsg is not null)
        {
            var count = pmsg.Text.Split(Pattern).Length - 1;
            if (count != 1) failures.Add($"pmsg-ramoops-0 holds the pattern {count} times");
            if (!pmsg.Text.Contains(Pattern + uuid, StringComparison.Ordinal)) failures.Add("pmsg-ramoops-0 lacks prev_uuid");
        }
        return failures;
    }

    [Fact]
    public void Passes_on_a_machine_with_ramoops_as_pstore_backend()
    {
        var uuid = Guid.NewGuid().ToString();
        var r = DumperRuns.Run(Scenario(uuid));

        Assert.Empty(Selftest(r, uuid));
        Assert.All(r.Nvram, f => Assert.True(f.Intact, $"{f.Name} reads back {f.State}"));
        Assert.Equal(Pattern + uuid, r.File("pmsg-ramoops-0")!.Text);
        Assert.StartsWith("Panic#1 Part1\n", r.File("dmesg-ramoops-0")!.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("linux-4.5")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void Passes_under_every_design_whose_kernel_has_pmsg(string design)
    {
        var uuid = Guid.NewGuid().ToString();
        var r = DumperRuns.Run(DesignComparison.WithDesign(Scenario(uuid), design));

        Assert.Equal(design, r.Design);
        Assert.Empty(Selftest(r, uuid));
    }

    [Theory]
    [InlineData("linux-3.12", "machine.ramoops.pmsg_size", "first appeared in Linux 4.1")]
    [InlineData("linux-2.6.38", "machine.ramoops.era", "first appeared in Linux 3.5")]
    [InlineData("eric-2011", "machine.ramoops.era", "first appeared in Linux 3.5")]
    public void Is_refused_by_a_design_whose_kernel_had_no_pmsg(string design, string key, string says)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(DesignComparison.WithDesign(Scenario("x"), design), "built-in:pstore-selftest"));
        Assert.Equal(key, e.Key);
        Assert.True(e.Line > 0);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Fails_when_its_precondition_is_broken_no_dumper_registered()
    {
        var uuid = Guid.NewGuid().ToString();
        var r = DumperRuns.Run(Scenario(uuid, registered: false));

        var failures = Selftest(r, uuid);
        Assert.Contains("no pstore backend registered", failures);
        Assert.Contains("dmesg-ramoops-0 missing", failures);
        Assert.Contains("pmsg-ramoops-0 missing", failures);
    }

    [Fact]
    public void The_console_file_holds_what_reached_the_console_after_the_dump_too()
    {
        var r = DumperRuns.Run(Scenario("x"));

        var console = r.File("console-ramoops-0")!;
        Assert.Contains("Rebooting in 3 seconds..", console.Text);                     // printed after kmsg_dump(PANIC)
        Assert.DoesNotContain("Rebooting in 3 seconds..", r.File("dmesg-ramoops-0")!.Text);
        Assert.Contains("console [pstore-1] enabled", console.Text);                    // the boot replay (CON_PRINTBUFFER)
    }
}
