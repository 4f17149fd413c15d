using System.Text.RegularExpressions;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// efi-pstore as 4.10 and 6.x write it: the variable and file names, the parts of one dump, 6.x's
/// efivars_lock trylock and its QueryVariableInfo() space check before SetVariable(), and a full store.
/// </summary>
public class EfiPstoreEraTests
{
    private static RunResult Run(string efi = "var-size = 256", string design = "linux-6.x", string cpus = "", string extra = "") =>
        DumperRuns.Run(DumperRuns.Scenario($"dumpers = [efi-pstore]\nefi {{ {efi} }}\n{extra}", "panic=1", cpus, design: design));

    private static readonly Regex Variable = new(@"^EFI variable dump-type0-(\d+)-(\d+)-(\d+)-D$");

    [Theory]
    [InlineData("linux-6.x", "dmesg-efi_pstore")]
    [InlineData("linux-4.10", "dmesg-efi")]
    public void Each_part_is_one_variable_dump_type0_part_count_seconds_D_read_back_as_the_eras_pstore_file(string design, string prefix)
    {
        var r = Run(design: design);

        Assert.True(r.Nvram.Count >= 3, $"{r.Nvram.Count} parts");
        for (var i = 0; i < r.Nvram.Count; i++)
        {
            var f = r.Nvram[i];
            var m = Variable.Match(f.Note);
            Assert.True(m.Success, f.Note);
            var (part, count, seconds) = (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value));
            Assert.Equal((i + 1, 1), (part, count));   // parts 1, 2, … of the first dump (oopscount 1)
            Assert.Equal(Printk.EpochAtStart + f.WrittenAtNs / 1_000_000_000, seconds);
            Assert.Equal($"{prefix}-{(seconds * 100 + part) * 1000 + count}", f.Name);   // generic_id()
            Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Timestamp);
            Assert.StartsWith($"Panic#1 Part{part}\n", f.Text, StringComparison.Ordinal);
            Assert.Equal((RecordState.Intact, KmsgDumpReason.Panic, f.IntendedBytes), (f.State, f.Reason, f.StoredBytes));
            Assert.InRange(f.IntendedBytes, 1, 256);
        }
        var s = r.Storage("efi-pstore");
        Assert.Equal(r.Nvram.Sum(f => (long)f.IntendedBytes), s.BytesIssued);
        Assert.Equal(s.BytesIssued, s.BytesLanded);
        Assert.Equal([$"efivars: {r.Nvram.Count} dump variable(s)"], s.NextBootLog);
    }

    [Fact]
    public void Today_QueryVariableInfo_finds_the_store_full_before_SetVariable_so_the_firmware_rejects_nothing()
    {
        // 300 bytes of store: part 1 fits; for each later part 6.x's efivar_query_variable_info() (one
        // firmware call, 2 ms) says there is no room and SetVariable() is never called.
        var today = Run("var-size = 256, store-size = 300");

        Assert.Equal(RecordState.Intact, today.Nvram[0].State);
        var lost = today.Nvram.Skip(1).ToArray();
        Assert.NotEmpty(lost);
        Assert.All(lost, f => Assert.Equal((RecordState.Lost, "EFI_OUT_OF_RESOURCES: the variable store is full", 0), (f.State, f.Note, f.StoredBytes)));
        Assert.All(lost, f => Assert.StartsWith("(dmesg-efi_pstore-", f.Name, StringComparison.Ordinal));
        for (var i = 2; i < lost.Length; i++) Assert.Equal(2_000_000, lost[i].WrittenAtNs - lost[i - 1].WrittenAtNs);
        var s = today.Storage("efi-pstore");
        Assert.Equal(today.Nvram[0].IntendedBytes, s.BytesLanded);
        Assert.Equal(["efivars: 1 dump variable(s)"], s.NextBootLog);

        // 4.10 has no such check: SetVariable() itself returns EFI_OUT_OF_RESOURCES for every byte that did not fit.
        var old = Run("var-size = 256, store-size = 300", design: "linux-4.10");
        var o = old.Storage("efi-pstore");
        Assert.Equal(["efivars: 1 dump variable(s)", $"efivars: {o.BytesIssued - o.BytesLanded} bytes rejected by SetVariable()"], o.NextBootLog);
    }

    [Fact]
    public void Today_a_part_that_fits_exactly_in_the_space_left_is_written()
    {
        // store-size = parts 1 and 2 exactly: for part 2, QueryVariableInfo's free space equals its size.
        var plain = Run().Nvram;
        var r = Run($"var-size = 256, store-size = {plain[0].IntendedBytes + plain[1].IntendedBytes}");

        Assert.Equal([RecordState.Intact, RecordState.Intact], r.Nvram.Take(2).Select(f => f.State));
        Assert.All(r.Nvram.Skip(2), f => Assert.Equal(RecordState.Lost, f.State));
    }

    [Theory]
    [InlineData("efivars_lock")]
    [InlineData("efi_runtime_lock")]
    public void Today_a_stopped_holder_of_an_efi_lock_makes_every_part_fail_at_once_instead_of_waiting(string held)
    {
        // 6.x: down_trylock(&efivars_lock), then the non-blocking query's trylock of efi_runtime_lock.
        var r = Run(cpus: $"{{ cpu = 1, activity = spin, irqs = off, holding = [{held}] }}");

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.True(r.Nvram.Count >= 3);
        Assert.All(r.Nvram, f => Assert.Equal((RecordState.Lost, 0), (f.State, f.StoredBytes)));
        Assert.All(r.Nvram, f => Assert.StartsWith("EFI_NOT_READY", f.Note, StringComparison.Ordinal));
        Assert.All(r.Nvram, f => Assert.Equal(r.Nvram[0].WrittenAtNs, f.WrittenAtNs));   // no firmware call: no time passes
        Assert.Equal(0, r.Storage("efi-pstore").BytesLanded);
        Assert.Equal(held, Assert.Single(r.LocksHeld).Lock);   // only the stopped CPU's: the dump released what it took
    }

    [Fact]
    public void A_full_store_fault_loses_every_part_today_without_a_firmware_write()
    {
        var r = Run(extra: "faults = [ { at = 0ms, device = efi, fault = full } ]");

        Assert.All(r.Nvram, f => Assert.Equal((RecordState.Lost, "EFI_OUT_OF_RESOURCES: the variable store is full"), (f.State, f.Note)));
        Assert.Equal(["efivars: 0 dump variable(s)"], r.Storage("efi-pstore").NextBootLog);
        Assert.Empty(r.LocksHeld);
    }

    [Fact]
    public void With_compression_a_part_is_deflated_marked_C_and_read_back_inflated()
    {
        // CONFIG_PSTORE_COMPRESS: big_oops_buf (bufsize × 100 / 45) of log deflated into the 1 KiB buffer.
        const string Machine = "dumpers = [efi-pstore]\nefi { var-size = 1024 }";
        var plain = DumperRuns.Run(DumperRuns.Scenario(Machine, "panic=1", design: "linux-6.x")).Nvram;
        var zipped = DumperRuns.Run(DumperRuns.Scenario(Machine, "panic=1", design: "linux-6.x", tail: "kconfig = \"CONFIG_PSTORE_COMPRESS=y\"")).Nvram;

        var first = zipped[0];
        Assert.Matches(@"^EFI variable dump-type0-1-1-\d+-C$", first.Note);
        Assert.Equal(RecordState.Intact, first.State);
        Assert.StartsWith("Panic#1 Part1\n", first.Text, StringComparison.Ordinal);
        Assert.True(first.Text.Length > first.IntendedBytes, "the file shows the inflated text, longer than the variable");
        Assert.EndsWith(plain[0].Text["Panic#1 Part1\n".Length..], first.Text, StringComparison.Ordinal);   // the youngest lines end part 1 either way
        Assert.Contains("Linux version", first.Text);   // and this one part reaches back to the boot banner
    }
}
