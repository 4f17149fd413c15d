using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// pstore/ram's zones (fs/pstore/ram.c, ram_core.c) under 6.x unless said otherwise: the ECC's cost
/// in buffer size and its 8-byte limit, the console ring's wrap and its boot replay, the dmesg zones
/// round-robin, 6.x's buffer_lock, 4.10's EMERG refusal, and the next boot's verdict read without text.
/// </summary>
public class PersistentRamZoneTests
{
    internal static (RunResult Result, List<RecordVerdict> Verdicts) Run(string ramoops = "", string design = "linux-6.x", string cpus = "",
        string triggers = DumperRuns.PanicCpu0, string machine = "", string cmdline = "panic=1", string tail = "", int cpuCount = 2)
    {
        var spec = ScenarioLoader.LoadText(DumperRuns.Scenario($"ramoops {{ era = pstore {ramoops} }}\n{machine}", cmdline, cpus, triggers, design,
            tail: "limits.virtual-time = 1m\n" + tail).Replace("cpus = 2", $"cpus = {cpuCount}", StringComparison.Ordinal), DumperRuns.Source);
        var run = Task.Run(() =>
        {
            using var m = new Machine(spec);
            var r = m.RunAndReport(1);
            var verdicts = new List<RecordVerdict>();
            m.Kernel.DumpList.OfType<PstoreRam>().Single().ReadBackVerdicts(verdicts);
            return (r, verdicts);
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(20)), "the run did not finish within 20 s of wall time");
        return run.Result;
    }

    // A CPU printing a line every millisecond until the panic at 300 ms: far more log than one 4 KiB record.
    internal const string Chatty = "{ cpu = 1, activity = printk-loop }";
    internal const string LatePanic = "{ at = 300ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    [Theory]
    [InlineData(0, 4096 - 12)]
    // persistent_ram_init_ecc(): DIV_ROUND_UP(4084 - 16, 128 + 16) = 29 blocks, plus one for the header, 16 bytes each.
    [InlineData(16, 4096 - 12 - 30 * 16)]
    [InlineData(32, 4096 - 12 - 27 * 32)]   // DIV_ROUND_UP(4084 - 32, 160) = 26
    public void A_full_record_fills_the_zones_buffer_what_ecc_leaves_of_it(int ecc, int buffer)
    {
        var (r, _) = Run($", console_size = 0, pmsg_size = 0, ecc = {ecc}", cpus: Chatty, triggers: LatePanic);

        var dmesg = r.File("dmesg-ramoops-0")!;
        // Whole lines of the log behind the "====…-D" header, as many as the buffer holds.
        Assert.InRange(dmesg.IntendedBytes, buffer - 120, buffer);
        Assert.Equal(RecordState.Intact, dmesg.State);
        Assert.Equal(ecc == 0 ? "" : "ECC: No errors detected", dmesg.Note);
    }

    [Theory]
    [InlineData(8, RecordState.EccCorrected)]
    [InlineData(9, RecordState.Uncorrectable)]
    public void Ecc_corrects_up_to_eight_damaged_bytes_a_block(int bytes, RecordState state)
    {
        var (r, verdicts) = Run(", ecc = 16", machine: $"faults = [ {{ at = 1s, fault = bit-flip, offset = 40, bytes = {bytes} }} ]");

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(state, dmesg.State);
        Assert.Equal(state == RecordState.EccCorrected ? "ECC: 8 Corrected bytes, 0 unrecoverable blocks" : "ECC: 0 Corrected bytes, 1 unrecoverable blocks", dmesg.Note);
        Assert.Equal([.. r.Nvram.Select(RecordVerdict.Of)], verdicts);
    }

    [Fact]
    public void The_console_ring_wraps_keeping_the_newest_output_and_the_header_says_where_it_starts()
    {
        // A 4 KiB console zone and 800 ms of printk-loop (a line on the serial console every ≈5 ms): the ring wraps.
        var (r, verdicts) = Run(", console_size = 4096, pmsg_size = 0", cpus: Chatty, triggers: "{ at = 800ms, cpu = 0, event = panic, message = \"Fatal exception\" }");

        var con = r.File("console-ramoops-0")!;
        Assert.Equal(RecordState.Intact, con.State);
        Assert.Equal(4096 - 12, con.IntendedBytes);
        // The newest bytes, in order: they end with the last line the console printed.
        Assert.EndsWith(r.Console[^1].Text + "\n", con.Text, StringComparison.Ordinal);
        var printed = string.Concat(r.Console.Select(l => l.Text + "\n"));
        Assert.EndsWith(con.Text, printed, StringComparison.Ordinal);
        var boot = Assert.Single(r.Storage("ramoops").NextBootLog, l => l.StartsWith("console-ramoops-0: ", StringComparison.Ordinal));
        Assert.Matches(@"^console-ramoops-0: persistent_ram: found existing buffer, size 4084, start \d+$", boot);
        Assert.NotEqual("console-ramoops-0: persistent_ram: found existing buffer, size 4084, start 0", boot);
        Assert.Equal([.. r.Nvram.Select(RecordVerdict.Of)], verdicts);
    }

    [Fact]
    public void The_console_zone_starts_with_the_boot_log_the_pstore_console_replays_when_it_registers()
    {
        var (r, _) = Run(", console_size = 16384, pmsg_size = 0");

        var con = r.File("console-ramoops-0")!;
        Assert.StartsWith($"[    0.000000] {KernelEra.V612.Banner}\n", con.Text, StringComparison.Ordinal);
        Assert.Contains("[    0.000000] ramoops: using 0x", con.Text);
        Assert.Contains("[    0.000000] console [pstore-1] enabled\n", con.Text);
        Assert.EndsWith(string.Concat(r.Console.Select(l => l.Text + "\n")), con.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dmesg_zones_are_used_round_robin_and_a_new_crash_zaps_the_oldest()
    {
        // Two 4 KiB dmesg zones; two oopses and a panic: the panic's record replaces the first oops.
        var (r, verdicts) = Run(", mem_size = 8K, console_size = 0, pmsg_size = 0",
            triggers: "{ at = 1ms, cpu = 1, event = oops }, { at = 100ms, cpu = 1, event = oops }, { at = 300ms, cpu = 0, event = panic, message = \"Fatal exception\" }");

        Assert.StartsWith("Panic#3 Part1\n", r.File("dmesg-ramoops-0")!.Text, StringComparison.Ordinal);
        Assert.StartsWith("Oops#2 Part1\n", r.File("dmesg-ramoops-1")!.Text, StringComparison.Ordinal);
        Assert.Equal(2, r.Nvram.Count);
        Assert.All(r.Nvram, f => Assert.Equal(RecordState.Intact, f.State));
        // The zap: the panic's record is all the zone holds, not the end of the oops behind it.
        Assert.Equal(r.File("dmesg-ramoops-0")!.IntendedBytes, r.File("dmesg-ramoops-0")!.StoredBytes);
        Assert.Equal([.. r.Nvram.Select(RecordVerdict.Of)], verdicts);
    }

    [Theory]
    [InlineData("linux-6.x", true)]
    [InlineData("linux-4.10", false)]
    public void Only_6_x_takes_the_zones_buffer_lock_so_a_stopped_holder_hangs_its_dump(string design, bool hangs)
    {
        var (r, _) = Run(", console_size = 0, pmsg_size = 0", design, "{ cpu = 1, activity = spin, irqs = off, holding = [\"dmesg-ramoops-0.buffer_lock\"] }");

        Assert.Equal(hangs ? Outcome.Hung : Outcome.Rebooted, r.Outcome);
        Assert.Equal(hangs, r.Cpus[0].Doing.Contains("dmesg-ramoops-0.buffer_lock", StringComparison.Ordinal));
        Assert.Equal(!hangs, r.File("dmesg-ramoops-0") is { State: RecordState.Intact });
    }

    [Fact]
    public void Before_5_8_ramoops_refuses_an_emergency_dump_even_when_kmsg_dump_sends_it()
    {
        // printk.always_kmsg_dump sends KMSG_DUMP_EMERG to every dumper; 4.10's ramoops_pstore_write() only takes OOPS and PANIC.
        var (r, _) = Run(", console_size = 0, pmsg_size = 0", "linux-4.10", cmdline: "panic=1 printk.always_kmsg_dump");

        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_EMERG)");
        var only = Assert.Single(r.Nvram);
        Assert.Equal(("dmesg-ramoops-0", KmsgDumpReason.Panic), (only.Name, only.Reason));
    }

    [Fact]
    public void In_4_10_the_pstore_console_drops_lines_while_a_stopped_cpu_holds_buf_lock_during_the_oops()
    {
        // pstore_console_write() trylocks psinfo->buf_lock while oops_in_progress: the panic's lines never
        // reach the console zone (the serial console still prints them).
        var (r, _) = Run(", console_size = 16384, pmsg_size = 0", "linux-4.10", "{ cpu = 1, activity = spin, irqs = off, holding = [pstore_buf_lock] }");

        Assert.True(r.Printed("Kernel panic - not syncing: Fatal exception"));
        var con = r.File("console-ramoops-0")!;
        Assert.DoesNotContain("Kernel panic - not syncing", con.Text);
        Assert.Contains("console [pstore-1] enabled", con.Text);   // the boot replay needed no lock
    }
}
