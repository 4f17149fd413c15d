using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>efi-pstore on the emulated UEFI variable store.</summary>
public class EfiPstoreTests
{
    private static string Scenario(string efi = "", string cpus = "", string extra = "", string cmdline = "panic=1") =>
        DumperRuns.Scenario($"dumpers = [efi-pstore]\nefi {{ {efi} }}\n{extra}", cmdline, cpus, design: "linux-4.10");

    [Fact]
    public void A_panic_dump_becomes_one_variable_per_part_read_back_as_dmesg_efi_files()
    {
        // 256-byte variables: the dump needs several parts, youngest lines first, until kmsg_bytes.
        var r = DumperRuns.Run(Scenario("var-size = 256"));

        var files = r.Nvram.Where(f => f.Name.StartsWith("dmesg-efi-", StringComparison.Ordinal)).ToArray();
        Assert.True(files.Length >= 2, $"{files.Length} parts");
        Assert.All(files, f => Assert.Equal(RecordState.Intact, f.State));
        Assert.All(files, f => Assert.InRange(f.IntendedBytes, 1, 256));
        Assert.StartsWith("Panic#1 Part1\n", files[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("Panic#1 Part2\n", files[1].Text, StringComparison.Ordinal);
        Assert.Contains("do_invalid_op", files[0].Text);   // part 1 holds the youngest lines
        Assert.Matches(@"^dmesg-efi-\d+$", files[0].Name);
        var storage = r.Storage("efi-pstore");
        Assert.Equal(storage.BytesIssued, storage.BytesLanded);
    }

    [Fact]
    public void Kmsg_bytes_bounds_how_many_parts_are_written()
    {
        var r = DumperRuns.Run(Scenario("var-size = 256", extra: "pstore.kmsg_bytes = 300"));

        Assert.Equal(2, r.Nvram.Count);   // part 1 (≤ 256 bytes) < 300, so part 2 is written; then the total is past 300
    }

    [Fact]
    public void With_efi_runtime_lock_held_the_write_returns_EFI_NOT_READY_instead_of_waiting()
    {
        // CPU 1 is inside a firmware call (GetVariable) when CPU 0 panics: the firmware is not re-entrant.
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = spin, holding = [efi_runtime_lock] }"));

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var part = Assert.Single(r.Nvram);
        Assert.Equal(RecordState.Lost, part.State);
        Assert.StartsWith("EFI_NOT_READY", part.Note, StringComparison.Ordinal);
        Assert.Equal(0, r.Storage("efi-pstore").BytesLanded);
    }

    [Fact]
    public void A_full_variable_store_rejects_the_parts_that_do_not_fit()
    {
        var r = DumperRuns.Run(Scenario("var-size = 256, store-size = 300"));

        Assert.Equal(RecordState.Intact, r.Nvram[0].State);
        Assert.Contains(r.Nvram, f => f.State == RecordState.Lost && f.Note.StartsWith("EFI_OUT_OF_RESOURCES", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reset_inside_SetVariable_loses_the_variable_whole()
    {
        // One SetVariable() takes 100 ms; the hardware watchdog fires 60 ms into the panic.
        var r = DumperRuns.Run(Scenario("call-time = 100ms", extra: "watchdog { enabled = true, timeout = 60ms }", cmdline: "panic=10"));

        var part = Assert.Single(r.Nvram);
        Assert.Equal(RecordState.Lost, part.State);
        Assert.Contains("never landed", part.Note);
    }
}
