using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>mtdoops on the emulated MTD flash: what the next boot reads back, page by page.</summary>
public class MtdoopsTests
{
    // 128 KiB partition of two 64 KiB erase blocks, 4 KiB records: 32 pages.
    private static string Scenario(string mtdoops = "", string design = "linux-2.6.38", string triggers = DumperRuns.PanicCpu0,
        string extra = "", string cmdline = "panic=1") =>
        DumperRuns.Scenario($"dumpers = [mtdoops]\nmtdoops {{ {mtdoops} }}\n{extra}", cmdline, triggers: triggers, design: design);

    [Fact]
    public void A_panic_write_on_an_empty_partition_lands_in_page_0_with_the_v1_header()
    {
        var r = DumperRuns.Run(Scenario());

        var page = Assert.Single(r.Nvram);
        Assert.Equal("mtdoops page 0", page.Name);
        Assert.Equal(RecordState.Intact, page.State);
        Assert.Equal("seq 1, magic 0x5d005d00", page.Note);   // an empty partition: nextpage = last, then mtdoops_inc_counter → page 0, seq 1
        Assert.Contains("Kernel panic - not syncing", page.Text);
        Assert.Equal("mtdoops: ready 1, 2 (no erase)", Assert.Single(r.Storage("mtdoops").NextBootLog));
    }

    [Fact]
    public void The_current_era_writes_the_v2_header_with_a_time_stamp()
    {
        var r = DumperRuns.Run(Scenario("era = current", design: "linux-6.x"));

        var page = Assert.Single(r.Nvram);
        Assert.Equal("seq 1, magic 0x5d005e00", page.Note);
        Assert.Matches(@"^\d{10}\.\d{6}$", page.Timestamp);
    }

    [Fact]
    public void Without_panic_write_nothing_is_written_and_the_kernel_says_so()
    {
        var r = DumperRuns.Run(Scenario("panic_write = false"));

        Assert.True(r.Printed("mtdoops: Cannot write from panic without panic_write"));
        Assert.Empty(r.Nvram);
        Assert.Equal(0, r.Storage("mtdoops").BytesIssued);
    }

    [Fact]
    public void A_panic_write_on_a_used_page_is_detected_and_reads_back_as_old_AND_new()
    {
        // The partition is full from earlier boots; the boot's work_erase of block 0 takes 10 s, so the
        // panic write lands on page 0 while it still holds record 1.
        var r = DumperRuns.Run(Scenario("prior-records = 32", extra: "mtd.erase-time = 10s"));

        Assert.True(r.Printed("mtdoops: write failure at 0"));
        var page0 = r.File("mtdoops page 0")!;
        Assert.Equal(RecordState.Corrupt, page0.State);
        Assert.Contains("programmed over a used page", page0.Note);
        Assert.StartsWith("seq 1,", page0.Note, StringComparison.Ordinal);   // seq 33 AND seq 1
        Assert.Equal(RecordState.Old, r.File("mtdoops page 1")!.State);
    }

    [Fact]
    public void An_erase_that_completes_after_the_panic_write_wipes_the_record()
    {
        var r = DumperRuns.Run(Scenario("prior-records = 32", extra: "mtd.erase-time = 500ms"));

        var page0 = r.File("mtdoops page 0")!;
        Assert.Contains("erased by the boot's work_erase", page0.Note);
        Assert.Null(r.File("mtdoops page 1"));   // the rest of block 0 was erased as the driver meant
        Assert.Equal(RecordState.Old, r.File("mtdoops page 16")!.State);
    }

    [Fact]
    public void A_reset_mid_program_reads_back_torn()
    {
        // Unprogrammed 0xFF padding reads the same as programmed padding: only a reset inside the text tears it.
        var r = DumperRuns.Run(Scenario(extra: "mtd { write-ns-per-byte = 100000, chunk = 64 }\nwatchdog { enabled = true, timeout = 60ms }", cmdline: "panic=10"));

        var page0 = r.File("mtdoops page 0")!;
        Assert.Equal(RecordState.Torn, page0.State);
        Assert.InRange(page0.StoredBytes, 8, page0.IntendedBytes - 1);
        Assert.Equal("hardware watchdog", r.Reason);
    }

    [Fact]
    public void Two_cpus_panicking_at_once_in_2_6_38_both_write_the_same_page_and_today_the_second_is_dropped()
    {
        const string two = DumperRuns.PanicCpu0 + ", { at = 1ms, cpu = 1, event = panic }";

        var old = DumperRuns.Run(Scenario(triggers: two), seed: 3);
        var now = DumperRuns.Run(Scenario("era = current", design: "linux-6.x", triggers: two), seed: 3);

        Assert.True(old.Nvram.Count >= 1);
        Assert.True(now.Nvram.Count <= 1 || now.Nvram.All(p => p.Intact));
    }
}
