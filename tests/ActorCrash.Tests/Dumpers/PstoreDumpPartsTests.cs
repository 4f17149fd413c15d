using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// pstore_dump() (fs/pstore/platform.c) beyond PstoreFrontEndTests: the time stamp past the first second,
/// the iterator fixed when kmsg_dump() began, CONFIG_PSTORE_COMPRESS's big_oops_buf parts backwards through
/// the log and zlib_deflate's cost on the dumping CPU, the backend's own reason checks before ≈5.8, and the
/// interrupt state a dump leaves behind.
/// </summary>
public class PstoreDumpPartsTests
{
    private const string Compress = "kconfig = \"CONFIG_PSTORE_COMPRESS=y\"";
    private const string PanicAt2s = "{ at = 2s, cpu = 0, event = panic, message = \"Fatal exception\" }";

    [Fact]
    public void A_record_written_after_the_first_second_is_stamped_with_its_whole_seconds()
    {
        // CPU 1 spins with interrupts off: 6.x's smp_send_stop() waits a second for the REBOOT IPI, then NMIs; the dump comes after.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", cpus: "{ cpu = 1, activity = spin, irqs = off }");

        var dmesg = r.File("dmesg-ramoops-0")!;
        var at = dmesg.WrittenAtNs;
        Assert.True(at > 1_000_000_000, $"written at {at} ns");
        Assert.Equal($"{Printk.EpochAtStart + at / 1_000_000_000}.{at % 1_000_000_000 / 1000:D6}", dmesg.Timestamp);
    }

    [Fact]
    public void The_dump_reads_the_log_as_it_was_when_kmsg_dump_began_not_the_lines_pstore_prints_itself()
    {
        // 3.12 carries on without buf_lock after printing "may corrupt error record": that line comes after
        // kmsg_dump() set the dumper's iterator (next_seq = log_next_seq), so the record does not hold it.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", "linux-3.12", "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }");

        Assert.True(r.Printed("pstore dump routine blocked in Panic path, may corrupt error record"));
        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Contains("Kernel panic - not syncing: Fatal exception", dmesg.Text);
        Assert.DoesNotContain("pstore dump routine blocked", dmesg.Text);
    }

    [Fact]
    public void Compressed_parts_each_hold_up_to_big_oops_buf_of_log_and_go_backwards_through_it_without_overlap()
    {
        // 1 KiB variables: big_oops_buf_sz = 1024 × 100 / 45 = 2275 bytes of log a part, deflated.
        var r = DumperRuns.Run(DumperRuns.Scenario("dumpers = [efi-pstore]\nefi { var-size = 1024 }", "panic=1", PersistentRamZoneTests.Chatty, PanicAt2s,
            "linux-6.x", Compress));

        var parts = r.Nvram.Where(f => f.Reason == KmsgDumpReason.Panic).ToArray();
        Assert.True(parts.Length >= 3, $"{parts.Length} parts");
        var bodies = parts.Select((f, i) =>
        {
            Assert.Matches(@"-C$", f.Note);
            var header = $"Panic#1 Part{i + 1}\n";
            Assert.StartsWith(header, f.Text, StringComparison.Ordinal);
            // More than a plain part could hold, no more than big_oops_buf; the oldest, the last one written, may be short.
            Assert.InRange(f.Text.Length, i < parts.Length - 1 ? 1024 + 1 : 1, 2275);
            return f.Text[header.Length..];
        }).ToArray();
        var lines = string.Concat(bodies.Reverse()).TrimEnd('\n').Split('\n');
        Assert.Equal(lines.Length, lines.Distinct().Count());   // no line twice: each part ends where the younger one began
        Assert.EndsWith("Kernel Offset: 0x1e000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Deflating_a_part_costs_the_dumping_cpu_a_step_per_256_bytes_before_the_write()
    {
        // The model's zlib_deflate: plain bytes × StepNs / 256 of this CPU's time, between kmsg_dump() and the record's time stamp.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", cpus: PersistentRamZoneTests.Chatty, triggers: PanicAt2s, tail: Compress);
        var (plain, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", cpus: PersistentRamZoneTests.Chatty, triggers: PanicAt2s);

        long DumpToRecord(RunResult run) =>
            run.File("dmesg-ramoops-0")!.WrittenAtNs - Assert.Single(run.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_PANIC)").TimeNs;
        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(0, DumpToRecord(plain));
        Assert.Equal(dmesg.Text.Length * ScenarioLoader.LoadText(DumperRuns.Scenario("", "panic=1"), DumperRuns.Source).Timing.StepNs / 256, DumpToRecord(r));
    }

    [Fact]
    public void Before_5_8_an_oops_ramoops_does_not_dump_leaves_no_record()
    {
        // 4.10 with dump_oops = 0: kmsg_dump() gives pstore the OOPS, ramoops keeps only the panic.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0, dump_oops = 0", "linux-4.10", triggers: PstoreFrontEndTests.OopsThenPanic);

        var only = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", KmsgDumpReason.Panic), (only.Name, only.Reason));
    }

    [Fact]
    public void An_oops_dump_hands_its_cpu_back_with_interrupts_as_it_found_them()
    {
        // CPU 1 oopses in process context and carries on with interrupts on: the panic's REBOOT IPI stops
        // it at once, so CPU 0 never waits the second for it nor needs the NMI.
        var (r, _) = PersistentRamZoneTests.Run(", console_size = 0, pmsg_size = 0", triggers: PstoreFrontEndTests.OopsThenPanic);

        var panic = r.File("dmesg-ramoops-1")!;
        Assert.Equal(KmsgDumpReason.Panic, panic.Reason);
        Assert.True(panic.WrittenAtNs < 300_000_000, $"the panic dump began at {panic.WrittenAtNs} ns");
    }
}
