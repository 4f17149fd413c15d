using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// ramoops_probe()'s layout and ramoops_pstore_write()/ramoops_pstore_read() (fs/pstore/ram.c) as the
/// next boot sees them: dmesg zones, then the console zone, then the pmsg zone; only part 1 of a crash
/// kept, cut to the zone behind its "====sec.usec-D|C" header; pmsg and console records read verbatim;
/// the boot messages and the zones the next boot finds.
/// </summary>
public class PstoreRamZoneLayoutTests
{

    [Fact]
    public void The_pmsg_zone_sits_above_the_console_zone_and_every_zone_the_next_boot_finds_is_a_valid_buffer()
    {
        // 20 KiB: three 4 KiB dmesg zones, the console zone at 12 KiB, the pmsg zone at 16 KiB. The oops and
        // the panic fill dmesg zones 0 and 1; zone 2 stays as the boot zapped it. A pmsg write that looks
        // like a dmesg header is userspace's text: only dmesg records have one.
        var (r, verdicts) = PersistentRamZoneTests.Run(", mem_size = 20K, console_size = 4K, pmsg_size = 4K, pmsg = [\"====1.500000-D\\nuserspace wrote this\"]",
            triggers: PstoreFrontEndTests.OopsThenPanic);

        var pmsg = r.File("pmsg-ramoops-0")!;
        Assert.Equal((RecordState.Intact, "====1.500000-D\nuserspace wrote this", "", -1L), (pmsg.State, pmsg.Text, pmsg.Timestamp, pmsg.WrittenAtNs));
        Assert.StartsWith("Oops#1 Part1\n", r.File("dmesg-ramoops-0")!.Text, StringComparison.Ordinal);
        Assert.StartsWith("Panic#2 Part1\n", r.File("dmesg-ramoops-1")!.Text, StringComparison.Ordinal);
        Assert.All(r.Nvram, f => Assert.Equal(RecordState.Intact, f.State));
        Assert.Null(r.File("dmesg-ramoops-2"));
        Assert.Null(r.File("(dmesg-ramoops-2)"));
        // persistent_ram_post_init() of every zone that holds data, and nothing about the empty one (found empty: pr_debug).
        var boot = r.Storage("ramoops").NextBootLog;
        Assert.Equal(["dmesg-ramoops-0", "dmesg-ramoops-1", "console-ramoops-0", "pmsg-ramoops-0"], boot.Select(l => l[..l.IndexOf(':')]));
        Assert.All(boot, l => Assert.Matches(@"^[a-z]+-ramoops-\d: persistent_ram: found existing buffer, size [1-9]\d*, start \d+$", l));
        Assert.Equal([.. r.Nvram.Select(RecordVerdict.Of)], verdicts);
    }

    [Fact]
    public void Only_part_1_of_a_long_dump_is_kept_and_it_is_cut_to_the_zone_behind_the_ramoops_header()
    {
        // 300 ms of printk-loop: kmsg_bytes (10 KiB) asks for three parts of the 4 KiB zones; ramoops
        // refuses every part but the first ("no report split across records"), so zones 1 to 3 stay empty.
        var (r, _) = PersistentRamZoneTests.Run(", mem_size = 16K, console_size = 0, pmsg_size = 0", cpus: PersistentRamZoneTests.Chatty,
            triggers: PersistentRamZoneTests.LatePanic);

        var dmesg = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", RecordState.Intact), (dmesg.Name, dmesg.State));
        // The "====sec.usec-D\n" header survives at the zone's start: the part was cut, not wrapped over it.
        Assert.Matches(@"^\d{10}\.\d{6}$", dmesg.Timestamp);
        Assert.StartsWith("Panic#1 Part1\n", dmesg.Text, StringComparison.Ordinal);
        Assert.InRange(dmesg.IntendedBytes, 4096 - 12 - 120, 4096 - 12);   // whole lines: as many as the zone holds
        Assert.Contains(r.Milestones, m => m.What == $"ramoops: dmesg-ramoops-0 written ({dmesg.IntendedBytes} bytes, KMSG_DUMP_PANIC)");
    }

    [Fact]
    public void A_compressed_part_carries_more_log_than_the_zone_and_reads_back_inflated()
    {
        // CONFIG_PSTORE_COMPRESS: big_oops_buf_sz = 4084 × 100 / 45 = 9075 bytes of log deflated into the 4084-byte buffer, header "-C".
        // Two seconds of printk-loop: far more log than that.
        var (r, _) = PersistentRamZoneTests.Run(", mem_size = 16K, console_size = 0, pmsg_size = 0", cpus: PersistentRamZoneTests.Chatty,
            triggers: "{ at = 2s, cpu = 0, event = panic, message = \"Fatal exception\" }", tail: "kconfig = \"CONFIG_PSTORE_COMPRESS=y\"");

        var dmesg = Assert.Single(r.Nvram);
        Assert.Equal(RecordState.Intact, dmesg.State);
        Assert.Matches(@"^\d{10}\.\d{6}$", dmesg.Timestamp);
        Assert.StartsWith("Panic#1 Part1\n", dmesg.Text, StringComparison.Ordinal);
        Assert.InRange(dmesg.Text.Length, 4084 + 1, 9075);
        Assert.EndsWith("\n", dmesg.Text, StringComparison.Ordinal);
        Assert.All(dmesg.Text.TrimEnd('\n').Split('\n').Skip(1), line => Assert.Matches(@"^<\d>\[[ \d]{5}\.\d{6}\] ", line));
    }

    [Theory]
    [InlineData(", console_size = 0", "")]                               // no console zone
    [InlineData("", "kconfig = \"CONFIG_PSTORE_CONSOLE=n\"")]            // a console zone but no pstore console
    public void The_pstore_console_is_announced_only_with_a_console_zone_and_config_pstore_console(string ramoops, string tail)
    {
        var (r, _) = PersistentRamZoneTests.Run(ramoops + ", pmsg_size = 0", tail: tail);

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Contains("] pstore: Registered ramoops as persistent store backend\n", dmesg.Text);
        Assert.DoesNotContain("console [pstore-1] enabled", dmesg.Text);
        Assert.Null(r.File("console-ramoops-0"));
    }

    [Fact]
    public void Before_5_8_ramoops_stores_an_oops_as_well_as_a_panic()
    {
        // 4.10's ramoops_pstore_write(): reason != OOPS && reason != PANIC is refused; an OOPS with dump_oops = 1 is kept.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", "linux-4.10", triggers: PstoreFrontEndTests.OopsThenPanic);

        Assert.Equal((KmsgDumpReason.Oops, RecordState.Intact), (r.File("dmesg-ramoops-0")!.Reason, r.File("dmesg-ramoops-0")!.State));
        Assert.StartsWith("Oops#1 Part1\n", r.File("dmesg-ramoops-0")!.Text, StringComparison.Ordinal);
        Assert.StartsWith("Panic#2 Part1\n", r.File("dmesg-ramoops-1")!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_lost_to_a_write_error_is_in_the_verdicts_under_the_empty_zones_name()
    {
        var (r, verdicts) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", machine: "faults = [ { at = 0ms, fault = write-error } ]");

        var lost = Assert.Single(verdicts);
        Assert.Equal("(dmesg-ramoops-0)", lost.Name);
        Assert.Equal(RecordState.Lost, lost.State);
        Assert.True(lost.IntendedBytes > 0);
        Assert.Equal([.. r.Nvram.Select(RecordVerdict.Of)], verdicts);
    }

    [Fact]
    public void In_4_10_a_stopped_holder_of_buf_lock_costs_the_panics_console_lines_and_then_hangs_it_at_the_reboot_countdown()
    {
        // pstore_console_write() trylocks psinfo->buf_lock while oops_in_progress, so the panic's lines are
        // dropped from the console zone; panic() then calls bust_spinlocks(0) before console_flush_on_panic()
        // and "Rebooting in %d seconds..", and from there the pstore console spins on the lock for good.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 16384, pmsg_size = 0", "linux-4.10", "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }");

        Assert.True(r.Printed("Kernel panic - not syncing: Fatal exception"));
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("spinning on pstore_buf_lock held by cpu1", r.Cpus[0].Doing);
        Assert.Contains("< panic_timeout_countdown < panic", r.Cpus[0].Doing);
    }

    [Fact]
    public void In_4_10_outside_an_oops_the_pstore_console_waits_for_buf_lock()
    {
        // CPU 1 holds buf_lock for good; CPU 2 prints a line every millisecond. With no oops in progress
        // pstore_console_write() spins: CPU 2 is stuck on its first line until the panic stops it there
        // (and the panic itself hangs on the lock after bust_spinlocks(0), as above).
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 16384, pmsg_size = 0", "linux-4.10",
            "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }, { cpu = 2, activity = printk-loop }",
            PersistentRamZoneTests.LatePanic, cpuCount: 3);

        Assert.Equal("halted in stop_this_cpu < write < release_console_sem < vprintk < printk_loop", r.Cpus[2].Doing);
        var lines = r.Console.Count(l => l.Text.Contains("eth0: tx timeout", StringComparison.Ordinal));
        Assert.True(lines <= 1, $"CPU 2 printed {lines} lines past a held buf_lock");
    }
}
