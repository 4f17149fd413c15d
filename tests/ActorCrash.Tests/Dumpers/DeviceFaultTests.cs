using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// Device faults on the MTD flash, the EFI variable store and persistent RAM (machine.faults with
/// <c>device</c>): what the driver logs, what reads back, and every byte accounted for.
/// </summary>
public class DeviceFaultTests
{
    private const string Panic = "Kernel panic - not syncing: Fatal exception";

    private static string Mtd(string faults, string extra = "", string cmdline = "panic=1") =>
        DumperRuns.Scenario($"dumpers = [mtdoops]\n{extra}\nfaults = [ {faults} ]", cmdline);

    private static string Efi(string faults, string extra = "", string cmdline = "panic=1") =>
        DumperRuns.Scenario($"dumpers = [efi-pstore]\nefi.var-size = 256\n{extra}\nfaults = [ {faults} ]", cmdline, design: "linux-4.10");

    /// <summary>Issued = landed + not stored, and the rejected bytes are the ones not stored.</summary>
    private static void AllBytesAccountedFor(StorageReport s, long rejected, string rejectedLine)
    {
        Assert.Equal(s.BytesIssued, s.BytesLanded + rejected);
        Assert.Equal(rejected, s.BytesLost);
        Assert.Contains(s.NextBootLog, l => l == rejectedLine);
    }

    [Fact]
    public void A_flash_write_error_fails_panic_write_and_the_record_is_lost()
    {
        var r = DumperRuns.Run(Mtd("{ at = 0ms, device = mtd, fault = write-error }"));

        Assert.True(r.Printed("mtdoops: write failure at 0 (0 of 4096 written), error -5"));
        var page = Assert.Single(r.Nvram);
        Assert.Equal(("mtdoops page 0", RecordState.Lost, 0), (page.Name, page.State, page.StoredBytes));
        Assert.Equal("write failure, error -5: the page reads erased (0xFF): nothing landed", page.Note);
        Assert.Equal("", page.Text);
        Assert.Equal(4096, page.IntendedBytes);
        AllBytesAccountedFor(r.Storage("mtdoops"), 4096, "mtd0: 4096 bytes rejected by a write error");
    }

    [Fact]
    public void A_full_flash_fails_panic_write_with_ENOSPC()
    {
        var r = DumperRuns.Run(Mtd("{ at = 0ms, device = mtd, fault = full }"));

        Assert.True(r.Printed("mtdoops: write failure at 0 (0 of 4096 written), error -28"));
        Assert.Equal(RecordState.Lost, Assert.Single(r.Nvram).State);
        AllBytesAccountedFor(r.Storage("mtdoops"), 4096, "mtd0: 4096 bytes rejected by the device being full");
    }

    [Fact]
    public void A_partial_program_leaves_a_hole_of_erased_bytes_and_the_driver_reports_the_short_write()
    {
        // chunk = 512: the first program lands 100 bytes, the other 412 stay 0xFF; the rest of the record lands.
        var r = DumperRuns.Run(Mtd("{ at = 0ms, device = mtd, fault = partial-write, bytes = 100 }"));

        Assert.True(r.Printed("mtdoops: write failure at 0 (3684 of 4096 written), error -5"));
        var page = Assert.Single(r.Nvram);
        Assert.Equal(RecordState.Torn, page.State);
        Assert.Equal(100, page.StoredBytes);
        Assert.StartsWith("write failure, error -5: seq 1, magic 0x5d005d00", page.Note, StringComparison.Ordinal);
        Assert.Equal(92, page.Text.Length);   // the text after the 8-byte header stops at the first 0xFF
        AllBytesAccountedFor(r.Storage("mtdoops"), 412, "mtd0: 412 bytes rejected by a write error");
    }

    [Fact]
    public void Bit_flips_in_flash_read_back_corrupt_from_the_first_flipped_byte()
    {
        var clean = DumperRuns.Run(Mtd(""));
        var r = DumperRuns.Run(Mtd("{ at = 500ms, device = mtd, fault = bit-flip, offset = 20, bytes = 3 }"));

        var page = Assert.Single(r.Nvram);
        Assert.Equal(RecordState.Corrupt, page.State);
        Assert.Equal(20, page.StoredBytes);
        Assert.Equal("seq 1, magic 0x5d005d00, 3 byte(s) read back with flipped bits", page.Note);
        var original = Assert.Single(clean.Nvram).Text;
        Assert.Equal(original[..12], page.Text[..12]);   // body byte 12 = flash byte 20
        Assert.NotEqual(original[12..15], page.Text[12..15]);
        Assert.Equal(original[15..], page.Text[15..]);
        var s = r.Storage("mtdoops");
        Assert.Equal(s.BytesIssued, s.BytesLanded);   // the flips came after the write: every byte landed
    }

    [Fact]
    public void A_slow_flash_keeps_panic_write_polling_until_the_watchdog_tears_the_record()
    {
        // The dump starts at about 37 ms; the watchdog fires at 150 ms.
        const string setup = "mtd.chunk = 64\nwatchdog { enabled = true, timeout = 150ms }";
        var fast = DumperRuns.Run(Mtd("", setup, "panic=10"));
        var slow = DumperRuns.Run(Mtd("{ at = 0ms, device = mtd, fault = slow-write, bytes = 100000 }", setup, "panic=10"));

        Assert.Equal(RecordState.Intact, Assert.Single(fast.Nvram).State);   // 4096 bytes at 10 ns
        var page = Assert.Single(slow.Nvram);                                  // at 1 ms a byte: 64 ms a chunk
        Assert.Equal(RecordState.Torn, page.State);
        Assert.Equal(64, page.StoredBytes);
        Assert.Equal("hardware watchdog", slow.Reason);
        var s = slow.Storage("mtdoops");
        Assert.True(s.BytesLanded < s.BytesIssued);
    }

    [Fact]
    public void An_efi_write_error_makes_SetVariable_return_EFI_DEVICE_ERROR_and_every_part_is_lost()
    {
        var r = DumperRuns.Run(Efi("{ at = 0ms, device = efi, fault = write-error }"));

        Assert.NotEmpty(r.Nvram);
        Assert.All(r.Nvram, f => Assert.Equal(RecordState.Lost, f.State));
        Assert.All(r.Nvram, f => Assert.StartsWith("EFI_DEVICE_ERROR", f.Note, StringComparison.Ordinal));
        Assert.All(r.Nvram, f => Assert.StartsWith("(dmesg-efi-", f.Name, StringComparison.Ordinal));
        var s = r.Storage("efi-pstore");
        Assert.Equal(0, s.BytesLanded);
        AllBytesAccountedFor(s, s.BytesIssued, $"efivars: {s.BytesIssued} bytes rejected by SetVariable()");
    }

    [Fact]
    public void A_full_efi_store_rejects_parts_after_the_fault_with_EFI_OUT_OF_RESOURCES()
    {
        // Under linux-4.10 the dump starts at about 52.4 ms and one SetVariable() takes about 2.2 ms: the
        // store is full before the second part lands.
        var r = DumperRuns.Run(Efi("{ at = 55500us, device = efi, fault = full }"));

        Assert.True(r.Nvram.Count >= 2);
        Assert.Equal(RecordState.Intact, r.Nvram[0].State);
        Assert.StartsWith("Panic#1 Part1\n", r.Nvram[0].Text, StringComparison.Ordinal);
        Assert.All(r.Nvram.Skip(1), f => Assert.Equal(RecordState.Lost, f.State));
        Assert.All(r.Nvram.Skip(1), f => Assert.StartsWith("EFI_OUT_OF_RESOURCES", f.Note, StringComparison.Ordinal));
        var s = r.Storage("efi-pstore");
        Assert.Equal(r.Nvram[0].IntendedBytes, s.BytesLanded);
        AllBytesAccountedFor(s, s.BytesIssued - s.BytesLanded, $"efivars: {s.BytesIssued - s.BytesLanded} bytes rejected by SetVariable()");
    }

    [Fact]
    public void A_slow_efi_store_makes_the_watchdog_reset_inside_SetVariable()
    {
        var r = DumperRuns.Run(Efi("{ at = 0ms, device = efi, fault = slow-write, bytes = 100 }",
            "watchdog { enabled = true, timeout = 60ms }", "panic=10"));

        var part = Assert.Single(r.Nvram);   // 2 ms + 256 µs, 100 times over: the reset comes first
        Assert.Equal(RecordState.Lost, part.State);
        Assert.Contains("never landed", part.Note);
        Assert.Equal("hardware watchdog", r.Reason);
    }

    [Fact]
    public void Full_persistent_ram_rejects_every_store_and_ramoops_does_not_notice()
    {
        var r = DumperRuns.Run(DumperRuns.Scenario(
            "dumpers = [ramoops]\nramoops.era = \"2.6.38\"\nfaults = [ { at = 0ms, fault = full } ]", "panic=1"));

        var record = Assert.Single(r.Nvram, n => n.Name.StartsWith("ramoops record", StringComparison.Ordinal));
        Assert.False(record.Intact);
        Assert.Equal(0, record.StoredBytes);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var s = r.Storage("ramoops");
        Assert.Equal(0, s.BytesLanded);
        AllBytesAccountedFor(s, s.BytesIssued, $"nvram: {s.BytesIssued} bytes rejected by the device being full");
        Assert.DoesNotContain(r.Console, l => l.Text.Contains(Panic, StringComparison.Ordinal) && l.Text.Contains("ramoops", StringComparison.Ordinal));
    }
}
