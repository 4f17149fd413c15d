using System.Buffers.Binary;
using System.Globalization;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// mtdoops (drivers/mtd/mtdoops.c) through one panic, era by era: what mtdoops_write() and
/// mtdoops_inc_counter() do after the record (the page marked used, the next page's erase or the
/// work scheduled for it, the wait for the chip), the boot messages and the records the earlier boots
/// left, and what the next boot reads back. 128 KiB partition, two 64 KiB erase blocks, 4 KiB records.
/// </summary>
public class MtdoopsPanicPathTests
{
    private static string Scenario(string mtdoops = "", string design = "linux-2.6.38", string extra = "",
        string cmdline = "panic=1", string cpus = "", string triggers = DumperRuns.PanicCpu0) =>
        DumperRuns.Scenario($"dumpers = [mtdoops]\nmtdoops {{ {mtdoops} }}\n{extra}", cmdline, cpus: cpus, triggers: triggers, design: design);

    private static string[] MtdoopsMilestones(RunResult r) =>
        [.. r.Milestones.Select(m => m.What).Where(w => w.StartsWith("mtdoops", StringComparison.Ordinal) || w.Contains("mtdoops work_", StringComparison.Ordinal))];

    private static Milestone At(RunResult r, string prefix) => Assert.Single(r.Milestones, m => m.What.StartsWith(prefix, StringComparison.Ordinal));

    // ---- boot ----

    [Fact]
    public void The_boot_log_says_when_the_mtd_cannot_write_from_a_panic()
    {
        static string BootLog(string mtdoops)
        {
            using var machine = new Machine(ScenarioLoader.LoadText(Scenario(mtdoops), DumperRuns.Source));
            machine.RunAndReport(1);
            return machine.Kernel.Log.Tail(machine.Kernel.Log.Length, machine.Kernel.Log.Length);
        }

        Assert.Contains("mtdoops: Panic write not supported by mtd0", BootLog("panic_write = false"));
        var with = BootLog("");
        Assert.Contains("mtdoops: Attached to MTD device 0", with);
        Assert.DoesNotContain("Panic write not supported", with);
    }

    [Fact]
    public void Earlier_boots_records_carry_their_own_time_stamps_one_second_apart_before_this_boot()
    {
        var r = DumperRuns.Run(Scenario("era = current, prior-records = 3", design: "linux-6.x"));

        var old = Enumerable.Range(0, 3).Select(p => r.File($"mtdoops page {p}")!).ToArray();
        Assert.All(old, p => Assert.Equal(RecordState.Old, p.State));
        Assert.All(old, p => Assert.Equal(-1, p.WrittenAtNs));   // not written by this boot
        Assert.Equal(["seq 1, magic 0x5d005e00", "seq 2, magic 0x5d005e00", "seq 3, magic 0x5d005e00"], old.Select(p => p.Note));
        var stamps = old.Select(p => decimal.Parse(p.Timestamp, CultureInfo.InvariantCulture)).ToArray();
        var panic = decimal.Parse(r.File("mtdoops page 3")!.Timestamp, CultureInfo.InvariantCulture);
        Assert.Equal([1m, 1m], stamps.Zip(stamps.Skip(1), (a, b) => b - a));
        Assert.InRange(panic - stamps[^1], 1m, 2m);   // the newest, 1 s before this boot; the panic in its first second
    }

    [Fact]
    public void A_v1_record_has_no_time_stamp()
    {
        var page = Assert.Single(DumperRuns.Run(Scenario()).Nvram);
        Assert.Equal("", page.Timestamp);
        Assert.True(page.Intact);
    }

    // ---- the record ----

    [Fact]
    public void A_log_longer_than_the_record_leaves_its_tail_the_record_filled_to_the_last_byte()
    {
        // CPU 1 prints lines as fast as the serial console takes them for a second: far more than a 4 KiB record holds.
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = printk-loop, period = 20us, hold = 2us }",
            triggers: "{ at = 1s, cpu = 0, event = panic, message = \"Fatal exception\" }"));

        var page = r.File("mtdoops page 0")!;
        Assert.Equal(RecordState.Intact, page.State);
        Assert.Equal(4096 - 8, page.Text.Length);   // no 0xFF padding: the text fills the page behind the header
        var dumped = page.Text.TrimEnd('\n').Split('\n')[^1];
        Assert.Contains(dumped, r.Console.Select(l => l.Text));   // the newest line, not the oldest part of the log
        Assert.Contains("Kernel panic - not syncing: Fatal exception", page.Text);
    }

    [Fact]
    public void The_panic_write_waits_for_the_chip_to_program_the_whole_record()
    {
        // 20 µs a byte: 4096 bytes take 81.92 ms to program; the panic CPU polls until they have.
        var r = DumperRuns.Run(Scenario(extra: "mtd { write-ns-per-byte = 20000 }"));

        var written = At(r, "mtdoops: page 0 written");
        Assert.Equal("mtdoops: page 0 written (seq 1, KMSG_DUMP_PANIC)", written.What);
        var dump = At(r, "kmsg_dump(KMSG_DUMP_PANIC)").TimeNs;
        Assert.InRange(written.TimeNs - dump, 81_920_000, 90_000_000);
        Assert.Equal(RecordState.Intact, r.File("mtdoops page 0")!.State);
    }

    [Fact]
    public void A_panic_write_over_a_used_page_says_so_when_it_is_done()
    {
        var r = DumperRuns.Run(Scenario("prior-records = 32", extra: "mtd.erase-time = 10s"));

        Assert.Equal("mtdoops: page 0 written (seq 33, KMSG_DUMP_PANIC, over a used page)", At(r, "mtdoops: page 0 written").What);
    }

    // ---- after the record: mtdoops_inc_counter() ----

    [Fact]
    public void In_2_6_38_a_second_panic_after_the_first_ones_write_takes_the_next_page_and_seq()
    {
        // Nothing stops a second panic() in 2.6.38; CPU 1 spins with interrupts off, so the first
        // panic's stop IPI never reaches it, and it panics after CPU 0's record has landed.
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = spin, irqs = off }",
            triggers: DumperRuns.PanicCpu0 + ", { at = 38ms, cpu = 1, event = panic, message = \"second\" }"));

        Assert.Equal(["mtdoops: page 0 written (seq 1, KMSG_DUMP_PANIC)", "mtdoops: page 1 written (seq 2, KMSG_DUMP_PANIC)"], MtdoopsMilestones(r));
        Assert.Equal(["seq 1, magic 0x5d005d00", "seq 2, magic 0x5d005d00"], r.Nvram.Select(p => p.Note));
        Assert.Equal("mtdoops: ready 2, 3 (no erase)", Assert.Single(r.Storage("mtdoops").NextBootLog));
    }

    [Fact]
    public void A_free_next_page_needs_neither_an_erase_nor_work_in_any_era()
    {
        foreach (var design in new[] { "linux-2.6.38", "linux-6.x" })
        {
            var r = DumperRuns.Run(Scenario(design == "linux-6.x" ? "era = current" : "", design: design));
            Assert.Equal(["mtdoops: page 0 written (seq 1, KMSG_DUMP_PANIC)"], MtdoopsMilestones(r));
        }
    }

    [Fact]
    public void From_3_0_to_5_9_the_panic_write_is_followed_by_work_write_scheduled_which_never_runs()
    {
        var r = DumperRuns.Run(Scenario(design: "linux-3.12"));

        Assert.Equal(["mtdoops: page 0 written (seq 1, KMSG_DUMP_PANIC)", "schedule_work(mtdoops work_write): queued, no kworker runs after the panic"],
            MtdoopsMilestones(r));
    }

    [Fact]
    public void Before_6_2_a_used_next_page_gets_work_erase_scheduled_and_the_next_boot_finds_it_used()
    {
        // 31 earlier records: the panic writes page 31, the last one; the next page wraps to page 0, used.
        var r = DumperRuns.Run(Scenario("prior-records = 31"));

        Assert.Equal(["mtdoops: page 31 written (seq 32, KMSG_DUMP_PANIC)", "schedule_work(mtdoops work_erase): queued, no kworker runs after the panic"],
            MtdoopsMilestones(r));
        Assert.Equal(RecordState.Old, r.File("mtdoops page 0")!.State);
        Assert.Equal("mtdoops: page 0 is used: work_erase erases block 0 first", Assert.Single(r.Storage("mtdoops").NextBootLog));
    }

    [Fact]
    public void From_6_2_a_used_next_page_has_its_block_erased_in_the_panic_and_the_panic_cpu_waits_for_it()
    {
        var r = DumperRuns.Run(Scenario("era = current, prior-records = 31", design: "linux-6.x", extra: "mtd.erase-time = 300ms"));

        Assert.Equal(["mtdoops: page 31 written (seq 32, KMSG_DUMP_PANIC)", "mtdoops: page 0 used, erasing its block in the panic", "mtdoops: erase done in the panic"],
            MtdoopsMilestones(r));
        var start = At(r, "mtdoops: page 0 used").TimeNs;
        Assert.Equal(start + 300_000_000, At(r, "mtdoops: erase done").TimeNs, 2_000_000d);
        // Block 0's earlier records are gone, block 1's are not, and the next boot writes page 0 without an erase.
        Assert.All(Enumerable.Range(0, 16), p => Assert.Null(r.File($"mtdoops page {p}")));
        Assert.Equal(RecordState.Old, r.File("mtdoops page 16")!.State);
        Assert.Equal(RecordState.Intact, r.File("mtdoops page 31")!.State);
        Assert.Equal("mtdoops: ready 0, 33 (no erase)", Assert.Single(r.Storage("mtdoops").NextBootLog));
        Assert.Equal("emergency_restart", r.Reason);
    }

    [Fact]
    public void An_erased_block_is_free_again_so_the_panic_after_the_boots_erase_needs_no_other()
    {
        // A full partition: the boot's work_erase erases block 0 (1 ms); the panic at 50 ms writes page 0, and page 1 is free.
        var r = DumperRuns.Run(Scenario("era = current, prior-records = 32", design: "linux-6.x", extra: "mtd.erase-time = 1ms",
            triggers: "{ at = 50ms, cpu = 0, event = panic, message = \"Fatal exception\" }"));

        Assert.Equal(["mtdoops: page 0 written (seq 33, KMSG_DUMP_PANIC)"], MtdoopsMilestones(r));
        Assert.Equal(RecordState.Intact, r.File("mtdoops page 0")!.State);
        Assert.Null(r.File("mtdoops page 1"));
        Assert.Equal(RecordState.Old, r.File("mtdoops page 16")!.State);
    }

    [Fact]
    public void A_panic_write_on_a_used_page_mid_block_erases_the_next_block_from_its_start()
    {
        // The boot's erase of block 0 takes 10 s: the panic writes page 0 over record 1; page 1 is still
        // used, so 6.2's panic-time erase starts at the next block boundary (mtdoops_workfunc_erase's
        // "mod"), block 1, which it erases while the panic CPU waits.
        var r = DumperRuns.Run(Scenario("era = current, prior-records = 32", design: "linux-6.x", extra: "mtd.erase-time = 10s"));

        Assert.Contains("mtdoops: page 1 used, erasing its block in the panic", MtdoopsMilestones(r));
        // mtd_erase() of block 1 returns when block 1 is erased, not when the boot's erase of block 0 ends.
        Assert.InRange(At(r, "mtdoops: erase done in the panic").TimeNs - At(r, "mtd0: erase block 1 done").TimeNs, 0, 1_000_000);
        // Both blocks end erased: block 1 by the panic, block 0 by the boot's erase, which ends after the
        // panic's record landed on page 0 and takes it too.
        var left = Assert.Single(r.Nvram);
        Assert.Equal("mtdoops page 0", left.Name);
        Assert.Contains("erased by the boot's work_erase", left.Note);
    }

    [Fact]
    public void Erases_that_fail_in_the_panic_mark_the_blocks_bad_and_the_panic_goes_on_to_its_reboot()
    {
        // Every erase fails (write error from the start): the panic-time erase of block 0 fails three
        // times, the block is marked bad, block 1 the same, "all blocks bad!", and panic() goes on.
        var r = DumperRuns.Run(Scenario("era = current, prior-records = 31", design: "linux-6.x",
            extra: "mtd.erase-time = 1ms\nfaults = [ { at = 0ms, device = mtd, fault = write-error } ]"));

        Assert.Contains("mtdoops: all blocks bad!", r.Milestones.Select(m => m.What));
        Assert.Contains("mtdoops: erase done in the panic", MtdoopsMilestones(r));
        Assert.Equal("emergency_restart", r.Reason);
        Assert.InRange(r.Milestones[^1].TimeNs, 0, 1_500_000_000);
        // The next boot's find_next_position() skips both blocks, now marked bad: it starts as on an empty partition.
        Assert.Equal(["mtd0: 4096 bytes rejected by a write error", "mtdoops: ready 0, 1 (no erase)"], r.Storage("mtdoops").NextBootLog);
    }

    // ---- reading back ----

    [Fact]
    public void The_next_boot_lists_only_pages_with_a_valid_header_and_a_record_nobody_wrote_reads_corrupt()
    {
        using var machine = new Machine(ScenarioLoader.LoadText(Scenario(), DumperRuns.Source));
        var mtdoops = Booted(machine);
        Header(mtdoops, 2, 7, Mtdoops.MagicV1);              // a record no boot of this run meant
        Header(mtdoops, 3, 0xffffffff, Mtdoops.MagicV1);     // no seq: not a record
        Header(mtdoops, 4, 9, 0xdeadbeef);                   // another magic: not a record
        var records = mtdoops.ReadBack();

        var page = Assert.Single(records);
        Assert.Equal("mtdoops page 2", page.Name);
        Assert.Equal(RecordState.Corrupt, page.State);
        Assert.False(page.Intact);
        Assert.Equal(0, page.StoredBytes);
        Assert.Equal(-1, page.WrittenAtNs);
        Assert.Equal("seq 7, magic 0x5d005d00", page.Note);
    }

    [Fact]
    public void Find_next_position_does_not_read_a_bad_blocks_headers()
    {
        using var machine = new Machine(ScenarioLoader.LoadText(Scenario(), DumperRuns.Source));
        var mtdoops = Booted(machine);
        Header(mtdoops, 0, 1, Mtdoops.MagicV1);
        Header(mtdoops, 16, 5, Mtdoops.MagicV1);   // the newest record, in block 1, which then goes bad
        mtdoops.Flash.MarkBad(16 * 4096);

        Assert.Equal("mtdoops: ready 1, 2 (no erase)", Assert.Single(mtdoops.Storage()!.NextBootLog));
    }

    [Fact]
    public void A_boot_forgets_what_the_last_run_wrote()
    {
        var spec = ScenarioLoader.LoadText(Scenario(), DumperRuns.Source);
        using var machine = new Machine(spec);
        var first = machine.RunAndReport(1);
        Assert.Equal(RecordState.Intact, first.File("mtdoops page 0")!.State);
        var mtdoops = machine.Kernel.DumpList.OfType<Mtdoops>().Single();

        mtdoops.Reset();

        Assert.Empty(mtdoops.ReadBack());
        Assert.Equal("mtdoops: ready 0, 1 (no erase)", Assert.Single(mtdoops.Storage()!.NextBootLog));
    }

    [Fact]
    public void Of_two_pages_with_the_same_seq_the_first_stays_the_newest()
    {
        // find_next_position(): "count > maxcount", strictly, in both rules that pick a larger seq.
        Assert.Equal("mtdoops: page 1 is used: work_erase erases block 0 first", NextAfter((0, 5), (1, 5)));
        Assert.Equal("mtdoops: page 1 is used: work_erase erases block 0 first", NextAfter((0, 0xc0000005), (1, 0xc0000005)));
        Assert.Equal("mtdoops: ready 2, 6 (no erase)", NextAfter((0, 4), (1, 5)));
    }

    private static string NextAfter(params (int Page, uint Seq)[] headers)
    {
        using var machine = new Machine(ScenarioLoader.LoadText(Scenario(), DumperRuns.Source));
        var mtdoops = Booted(machine);
        foreach (var (page, seq) in headers) Header(mtdoops, page, seq, Mtdoops.MagicV1);
        return Assert.Single(mtdoops.Storage()!.NextBootLog);
    }

    // The machine's mtdoops as a boot leaves an empty partition, for a test to lay out headers on.
    private static Mtdoops Booted(Machine machine)
    {
        var mtdoops = Assert.IsType<Mtdoops>(Assert.Single(machine.Kernel.DumpList));
        mtdoops.Reset();
        return mtdoops;
    }

    private static void Header(Mtdoops mtdoops, int page, uint seq, uint magic)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), magic);
        mtdoops.Flash.Program(page * 4096, h, out var errno);
        Assert.Equal(0, errno);
    }
}
