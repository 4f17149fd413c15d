using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>ramoops as a pstore backend (ramoops.era = pstore): what the next boot reads back, under each fault.</summary>
public class PstoreRamTests
{
    // Two CPUs, no crash kernel, ramoops in the pstore era; `machine` adds to the machine section.
    private static string Scenario(string machine = "", string cmdline = "panic=2", string cpus = "", string triggers = DumperRuns.PanicCpu0) =>
        DumperRuns.Scenario("ramoops { era = pstore }\n" + machine, cmdline, cpus, triggers, design: "linux-6.x");

    [Fact]
    public void A_panic_dump_is_one_record_with_the_ramoops_and_pstore_headers()
    {
        var r = DumperRuns.Run(Scenario());

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Intact, dmesg.State);
        Assert.Equal(KmsgDumpReason.Panic, dmesg.Reason);
        Assert.Matches(@"^\d{10}\.\d{6}$", dmesg.Timestamp);                 // "====<sec>.<usec, 6 digits>-D"
        Assert.StartsWith("Panic#1 Part1\n", dmesg.Text, StringComparison.Ordinal);
        Assert.Contains(" do_invalid_op+0x95/0xb0\n", dmesg.Text, StringComparison.Ordinal);
        Assert.EndsWith(" Kernel Offset: 0x1e000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n",
            dmesg.Text, StringComparison.Ordinal);  // the youngest line: the x86 notifier's, just before kmsg_dump(PANIC)
        Assert.Null(r.File("dmesg-ramoops-1"));   // only part 1 is kept; EMERG is not a ramoops reason
        var storage = r.Storage("ramoops");
        Assert.Equal(storage.BytesIssued, storage.BytesLanded);
        Assert.Equal(0, storage.BytesLost);
    }

    [Fact]
    public void A_concurrent_dump_holding_buf_lock_makes_the_panic_skip_its_record_with_the_kernels_message()
    {
        // CPU 1 is inside pstore_dump (it holds psinfo->buf_lock) when CPU 0 panics.
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = spin, holding = [pstore_buf_lock] }"));

        Assert.True(r.Printed("pstore: dump skipped in Panic path because of concurrent dump"));
        Assert.DoesNotContain(r.Nvram, f => f.Name.StartsWith("dmesg-", StringComparison.Ordinal));
        Assert.Equal(Outcome.Rebooted, r.Outcome);   // the trylock keeps the panic going
        Assert.NotNull(r.File("console-ramoops-0"));  // the console zone does not need buf_lock
    }

    [Fact]
    public void A_second_cpu_dumping_in_nmi_during_the_panic_dump_skips_its_record_and_the_first_reads_back_intact()
    {
        // 6.x stops the other CPUs before kmsg_dump, so a second panic never gets there; CPU 1 spins with
        // interrupts off and nonmi_ipi leaves it running. CPU 0 dumps from ≈1.07 s to ≈1.18 s (100 us a
        // byte); CPU 1 oopses in NMI at 1.1 s, and its kmsg_dump(OOPS) reaches pstore_dump while CPU 0
        // holds buf_lock: in NMI it may only trylock.
        var r = DumperRuns.Run(Scenario("""
            nvram { write-ns-per-byte = 100000, chunk = 64 }
            ramoops { console_size = 0, pmsg_size = 0 }
            """, cmdline: "panic=10 nonmi_ipi", cpus: "{ cpu = 1, activity = spin, irqs = off }",
            triggers: DumperRuns.PanicCpu0 + ", { at = 1100ms, cpu = 1, event = oops, context = nmi }"));

        Assert.Contains(r.Milestones, m => m.Cpu == 1 && m.What == "kmsg_dump(KMSG_DUMP_OOPS)");
        Assert.Contains(r.Milestones, m => m.Cpu == 1 && m.What == "pstore: dump skipped in NMI path because of concurrent dump");
        var dmesg = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", RecordState.Intact, KmsgDumpReason.Panic), (dmesg.Name, dmesg.State, dmesg.Reason));
        Assert.DoesNotContain("Fatal exception in interrupt", dmesg.Text);   // CPU 0's dump, not CPU 1's
    }

    [Fact]
    public void The_pstore_time_stamp_does_not_wait_for_a_stopped_xtime_lock_writer()
    {
        // The timekeeper wedged inside write_seqlock(&xtime_lock): 2.6.38's do_gettimeofday() spins on it forever.
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = spin, irqs = off, holding = [xtime_lock] }"));

        Assert.Equal(RecordState.Intact, r.File("dmesg-ramoops-0")!.State);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void A_reset_mid_write_reads_back_torn_with_the_header_claiming_the_whole_record()
    {
        // 100 us a byte, 64-byte stores: the dump starts at ≈57 ms, the hardware watchdog fires at 80 ms, while the record is being copied.
        var r = DumperRuns.Run(Scenario("""
            nvram { write-ns-per-byte = 100000, chunk = 64 }
            ramoops { console_size = 0, pmsg_size = 0 }
            watchdog { enabled = true, timeout = 80ms }
            """, cmdline: "panic=10"));

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Torn, dmesg.State);
        Assert.False(dmesg.Intact);
        Assert.InRange(dmesg.StoredBytes, 1, dmesg.IntendedBytes - 1);
        Assert.StartsWith("Panic#1 Part1\n", dmesg.Text, StringComparison.Ordinal);
        var storage = r.Storage("ramoops");
        Assert.True(storage.BytesLost > 0, "a store was in flight at the reset");
        // buffer_size_add() ran before the memcpy: the zone header claims every byte.
        Assert.Contains($"size {dmesg.IntendedBytes}", Assert.Single(storage.NextBootLog, l => l.StartsWith("dmesg-ramoops-0", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_part_that_slows_down_mid_panic_lets_the_watchdog_tear_the_record()
    {
        // At 2 ns a byte the dump takes microseconds; 100 000 times slower from 30 ms it cannot finish before the 80 ms watchdog.
        var r = DumperRuns.Run(Scenario("""
            ramoops { console_size = 0, pmsg_size = 0 }
            nvram.chunk = 64
            watchdog { enabled = true, timeout = 80ms }
            faults = [ { at = 30ms, fault = slow-write, bytes = 100000 } ]
            """, cmdline: "panic=10"));

        Assert.Equal(RecordState.Torn, r.File("dmesg-ramoops-0")!.State);
        Assert.Equal("hardware watchdog", r.Reason);
    }

    [Fact]
    public void Ecc_corrects_a_block_with_few_bad_bytes_and_reports_one_with_more_as_unrecoverable()
    {
        // Zone 0's data starts at byte 12: 3 flips in its first 128-byte block, 10 in its third.
        var r = DumperRuns.Run(Scenario("""
            ramoops { ecc = 1 }
            faults = [ { at = 1s, fault = bit-flip, offset = 40, bytes = 3 }, { at = 1s, fault = bit-flip, offset = 300, bytes = 10 } ]
            """));

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Uncorrectable, dmesg.State);
        Assert.Equal("ECC: 3 Corrected bytes, 1 unrecoverable blocks", dmesg.Note);
        Assert.Equal(300 - 12, dmesg.StoredBytes);   // everything before the bad block reads back as written
    }

    [Fact]
    public void Ecc_repairs_a_few_flipped_bytes_completely()
    {
        var r = DumperRuns.Run(Scenario("""
            ramoops { ecc = 16 }
            faults = [ { at = 1s, fault = bit-flip, offset = 40, bytes = 8 } ]
            """));

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.EccCorrected, dmesg.State);
        Assert.True(dmesg.Intact);
        Assert.Equal(dmesg.IntendedBytes, dmesg.StoredBytes);
        Assert.Equal("ECC: 8 Corrected bytes, 0 unrecoverable blocks", dmesg.Note);
    }

    [Fact]
    public void Without_ecc_a_bit_flip_reads_back_corrupt()
    {
        var r = DumperRuns.Run(Scenario("faults = [ { at = 1s, fault = bit-flip, offset = 40, bytes = 1 } ]"));

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Corrupt, dmesg.State);
        Assert.Equal(40 - 12, dmesg.StoredBytes);
    }

    [Fact]
    public void A_bit_flip_in_the_zone_header_makes_the_next_boot_reset_the_zone()
    {
        var r = DumperRuns.Run(Scenario("faults = [ { at = 1s, fault = bit-flip, offset = 0, bytes = 1 } ]"));

        Assert.Null(r.File("dmesg-ramoops-0"));   // the next boot resets the zone: no pstore file
        var dmesg = r.File("(dmesg-ramoops-0)")!;
        Assert.Equal((RecordState.Lost, 0), (dmesg.State, dmesg.StoredBytes));
        Assert.Contains("no valid data in buffer", dmesg.Note);
    }

    [Fact]
    public void A_write_error_loses_the_record_and_every_rejected_byte_is_counted()
    {
        var r = DumperRuns.Run(Scenario("faults = [ { at = 0ms, fault = write-error } ]"));

        var storage = r.Storage("ramoops");
        Assert.Equal(0, storage.BytesLanded);
        Assert.Equal(storage.BytesIssued, storage.BytesLost);
        Assert.Contains(storage.NextBootLog, l => l.Contains("bytes rejected by a write error", StringComparison.Ordinal));
        Assert.Equal(RecordState.Lost, r.File("(dmesg-ramoops-0)")!.State);   // the zone is as the boot left it: empty, no file
    }

    [Fact]
    public void Max_reason_3_lets_emerg_through_and_todays_ramoops_stores_it()
    {
        // max_reason = 3 lets KMSG_DUMP_EMERG through kmsg_dump; since ≈5.8 ramoops stores every reason it
        // gets (correction A6; CorrectionTests shows 4.10 refusing it).
        var r = DumperRuns.Run(Scenario("ramoops { max_reason = 3 }"));

        Assert.NotNull(r.File("dmesg-ramoops-0"));
        Assert.StartsWith("Emergency#2 Part1", r.File("dmesg-ramoops-1")!.Text, StringComparison.Ordinal);
    }
}
