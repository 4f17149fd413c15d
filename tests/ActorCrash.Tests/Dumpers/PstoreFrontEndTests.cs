using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// pstore_dump() (fs/pstore/platform.c) as each era runs it: the reason filter against the backend's
/// max_reason, the oopscount in "&lt;Why&gt;#&lt;n&gt; Part&lt;k&gt;", the parts cut from the youngest lines
/// on whole-line boundaries, psinfo-&gt;buf_lock spun on or trylocked, and the record's time stamp.
/// </summary>
public class PstoreFrontEndTests
{
    internal const string OopsThenPanic = "{ at = 1ms, cpu = 1, event = oops }, { at = 200ms, cpu = 0, event = panic, message = \"Fatal exception\" }";
    private const string BufLockHolder = "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }";

    private static RunResult Ramoops(string design, string cpus = "", string triggers = DumperRuns.PanicCpu0, string ramoops = "", int cpuCount = 2) =>
        DumperRuns.Run(DumperRuns.Scenario($"ramoops {{ era = pstore, console_size = 0, pmsg_size = 0 {ramoops} }}", "panic=1", cpus, triggers, design)
            .Replace("cpus = 2", $"cpus = {cpuCount}", StringComparison.Ordinal));

    private static RunResult Efi(string cmdline = "panic=1", string efi = "var-size = 256") =>
        DumperRuns.Run(DumperRuns.Scenario($"dumpers = [efi-pstore]\nefi {{ {efi} }}", cmdline, design: "linux-6.x"));

    [Fact]
    public void Each_dump_pstore_takes_counts_one_more_oops_and_gets_the_next_zone()
    {
        var r = Ramoops("linux-6.x", triggers: OopsThenPanic);

        var oops = r.File("dmesg-ramoops-0")!;
        var panic = r.File("dmesg-ramoops-1")!;
        Assert.Equal((KmsgDumpReason.Oops, RecordState.Intact), (oops.Reason, oops.State));
        Assert.StartsWith("Oops#1 Part1\n", oops.Text, StringComparison.Ordinal);
        Assert.Equal((KmsgDumpReason.Panic, RecordState.Intact), (panic.Reason, panic.State));
        Assert.StartsWith("Panic#2 Part1\n", panic.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dump_the_reason_filter_drops_is_not_counted()
    {
        // dump_oops = 0: max_reason PANIC, so kmsg_dump() never calls pstore for the OOPS.
        var r = Ramoops("linux-6.x", triggers: OopsThenPanic, ramoops: ", dump_oops = 0");

        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_OOPS)");
        var only = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", KmsgDumpReason.Panic), (only.Name, only.Reason));
        Assert.StartsWith("Panic#1 Part1\n", only.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    public void Before_5_8_pstore_takes_the_oops_ramoops_refuses_it_and_the_panic_counts_second(string design)
    {
        // 3.5–5.7: pstore_dumper registers no max_reason, so kmsg_dump() hands the OOPS to pstore_dump(),
        // which counts it (oopscount++) before ramoops_pstore_write() skips it ("Skip Oopes when
        // configured to do so"): the panic's record is "Panic#2".
        var r = Ramoops(design, triggers: OopsThenPanic, ramoops: ", dump_oops = 0");

        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_OOPS)");
        var only = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", KmsgDumpReason.Panic), (only.Name, only.Reason));
        Assert.StartsWith("Panic#2 Part1\n", only.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backend_without_max_reason_gets_oops_and_panic_only_unless_printk_always_kmsg_dump()
    {
        // efi-pstore registers no max_reason: emergency_restart()'s EMERG dump reaches it only with always_kmsg_dump.
        var plain = Efi(efi: "var-size = 1024");
        var always = Efi("panic=1 printk.always_kmsg_dump", "var-size = 1024");

        Assert.Contains(plain.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_EMERG)");
        Assert.All(plain.Nvram, f => Assert.Equal(KmsgDumpReason.Panic, f.Reason));
        var emerg = always.Nvram.Where(f => f.Reason == KmsgDumpReason.Emerg).ToArray();
        Assert.NotEmpty(emerg);
        Assert.StartsWith("Emergency#2 Part1\n", emerg[0].Text, StringComparison.Ordinal);
        Assert.All(emerg, f => Assert.Equal(RecordState.Intact, f.State));
    }

    [Fact]
    public void The_parts_are_whole_lines_youngest_first_that_together_are_the_whole_log_in_syslog_form()
    {
        // 256-byte parts and kmsg_bytes 10 KiB: the dump takes the whole (short) log, one part after another backwards.
        var r = Efi();

        var bodies = r.Nvram.Select((f, i) =>
        {
            var header = $"Panic#1 Part{i + 1}\n";
            Assert.StartsWith(header, f.Text, StringComparison.Ordinal);
            return f.Text[header.Length..];
        }).ToArray();
        foreach (var body in bodies)
        {
            Assert.EndsWith("\n", body, StringComparison.Ordinal);
            Assert.All(body.TrimEnd('\n').Split('\n'), line => Assert.Matches(@"^<\d>\[[ \d]{5}\.\d{6}\] ", line));
        }
        var log = string.Concat(bodies.Reverse());
        Assert.StartsWith($"<6>[    0.000000] {KernelEra.V612.Banner}\n", log, StringComparison.Ordinal);
        Assert.Contains("<0>[    0.001000] Kernel panic - not syncing: Fatal exception\n", log);
        Assert.DoesNotContain("Rebooting in", log);   // printed after kmsg_dump(PANIC)
        // Every line once: the parts neither overlap nor skip.
        var lines = log.TrimEnd('\n').Split('\n');
        Assert.Equal(lines.Length, lines.Distinct().Count());
        Assert.Equal(r.Nvram.Sum(f => f.IntendedBytes), bodies.Sum(b => b.Length) + r.Nvram.Select((f, i) => $"Panic#1 Part{i + 1}\n".Length).Sum());
    }

    [Theory]
    [InlineData("linux-3.12", true)]    // "may corrupt error record": 3.12 carries on without the lock
    [InlineData("linux-4.10", false)]   // the same message, but it gives up
    public void A_stopped_holder_of_buf_lock_in_the_panic_path_gets_the_eras_message_and_its_lock_is_left_alone(string design, bool written)
    {
        var r = Ramoops(design, BufLockHolder);

        Assert.Contains(r.Milestones, m => m.Cpu == 0 && m.What == "pstore dump routine blocked in Panic path, may corrupt error record");
        Assert.True(r.Printed("pstore dump routine blocked in Panic path, may corrupt error record"));
        Assert.Equal(written, r.File("dmesg-ramoops-0") is { State: RecordState.Intact });
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var held = Assert.Single(r.LocksHeld, l => l.Lock == "pstore_buf_lock");
        Assert.Equal(("pstore_buf_lock", 1), (held.Lock, held.Cpu));   // CPU 0 never took it, so never released it
    }

    [Fact]
    public void An_oops_outside_nmi_may_block_so_it_spins_on_a_held_buf_lock_and_the_later_panic_trylocks()
    {
        // CPU 2 holds buf_lock for good. CPU 1's OOPS dump is not a cannot-block path: spin_lock() waits
        // (until the panic's NMI stops it there); CPU 0's PANIC dump only trylocks and skips.
        var r = Ramoops("linux-6.x", "{ cpu = 2, activity = spin, irqs = off, holding = [pstore_buf_lock] }", OopsThenPanic, cpuCount: 3);

        Assert.Contains("pstore_dump < kmsg_dump < die", r.Cpus[1].Doing);
        Assert.Contains(r.Milestones, m => m.Cpu == 0 && m.What == "pstore: dump skipped in Panic path because of concurrent dump");
        Assert.Empty(r.Nvram);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void The_record_time_is_the_dumps_start_today_padded_and_3_12s_gettimeofday_unpadded()
    {
        var today = Ramoops("linux-6.x", triggers: OopsThenPanic).File("dmesg-ramoops-0")!;
        var at = today.WrittenAtNs;
        Assert.Equal($"{Printk.EpochAtStart + at / 1_000_000_000}.{at % 1_000_000_000 / 1000:D6}", today.Timestamp);
        Assert.Matches(@"\.0\d{5}$", today.Timestamp);   // 47 ms: "%06lu" keeps the leading zero

        var old = Ramoops("linux-3.12", BufLockHolder).File("dmesg-ramoops-0")!;   // written at ≈1.063 s
        var t = old.WrittenAtNs;
        Assert.Equal($"{Printk.EpochAtStart + t / 1_000_000_000}.{t % 1_000_000_000 / 1000}", old.Timestamp);
        Assert.DoesNotMatch(@"\.0", old.Timestamp);
    }

    [Fact]
    public void Before_6_x_the_record_time_spins_on_a_stopped_xtime_lock_writer()
    {
        // 4.10: __getnstimeofday() retries the seqcount read while CPU 1, stopped inside its update, holds it.
        var r = Ramoops("linux-4.10", "{ cpu = 1, activity = spin, irqs = off, holding = [xtime_lock] }");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("xtime_lock", r.Cpus[0].Doing);
        Assert.Contains("record_time < write_dmesg < pstore_dump < kmsg_dump < panic", r.Cpus[0].Doing);
        Assert.Empty(r.Nvram);
    }
}
