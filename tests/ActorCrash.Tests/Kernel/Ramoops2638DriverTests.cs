using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// 2.6.38's drivers/char/ramoops.c (Ramoops.cs; domain reference §1.2 steps 6a–6b, corrected):
/// fixed 4096-byte records, max_count = mem_size / 4096, written round-robin; only OOPS (with
/// dump_oops), PANIC and KEXEC are stored; each record is "====" + do_gettimeofday() as "sec.usec\n"
/// + the newest tail of the log, and the record slot advances only after the copy.
/// </summary>
public class Ramoops2638DriverTests
{
    private static RunResult RunRamoops(string ramoops, string triggers) =>
        RunOn("linux-2.6.38", 2, $"kdump.loaded = false\n dumpers = [ramoops]\n ramoops {{ {ramoops} }}", "panic=1", "", triggers);

    private const string TwoOopsesThenPanic =
        "{ at = 1ms, cpu = 1, event = oops }, { at = 200ms, cpu = 1, event = oops }, { at = 400ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    private static string[] Written(RunResult r) =>
        [.. r.Milestones.Where(m => m.What.StartsWith("ramoops: record ", StringComparison.Ordinal)).Select(m => m.What[..m.What.IndexOf(' ', 16)] + " " + m.What[(m.What.LastIndexOf(' ') + 1)..])];

    [Fact]
    public void Records_go_round_robin_over_mem_size_over_4096_slots()
    {
        var r = RunRamoops("mem_size = 8K, dump_oops = 1", TwoOopsesThenPanic);
        Assert.Equal(["ramoops: record 0 KMSG_DUMP_OOPS)", "ramoops: record 1 KMSG_DUMP_OOPS)", "ramoops: record 0 KMSG_DUMP_PANIC)"], Written(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        var records = r.Nvram.OrderBy(n => n.Name).ToArray();
        Assert.Equal(["ramoops record 0", "ramoops record 1"], records.Select(n => n.Name));
        Assert.Equal([KmsgDumpReason.Panic, KmsgDumpReason.Oops], records.Select(n => n.Reason));
        Assert.All(records, n => Assert.True(n.Intact));
        Assert.Contains("Kernel panic - not syncing: Fatal exception", records[0].Text);
    }

    [Fact]
    public void Without_dump_oops_only_the_panic_is_stored_and_emerg_never_is()
    {
        var r = RunRamoops("mem_size = 8K, dump_oops = 0", TwoOopsesThenPanic);
        Assert.Equal(["ramoops: record 0 KMSG_DUMP_PANIC)"], Written(r));
        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_EMERG)");   // emergency_restart() dumps EMERG; ramoops ignores it
        var record = Assert.Single(r.Nvram);
        Assert.Equal(KmsgDumpReason.Panic, record.Reason);
    }

    [Fact]
    public void A_record_is_the_time_header_and_the_newest_tail_of_the_log_in_4096_bytes()
    {
        var r = RunRamoops("mem_size = 16K, dump_oops = 1", "{ at = 1ms, cpu = 1, event = oops }, { at = 400ms, cpu = 0, event = panic, message = \"Fatal exception\" }");
        var panic = r.Nvram.Single(n => n.Reason == KmsgDumpReason.Panic);
        Assert.Equal("ramoops record 1", panic.Name);
        Assert.Equal(Printk.GetTimeOfDay(panic.WrittenAtNs), panic.Timestamp);
        Assert.StartsWith($"===={panic.Timestamp}\n", panic.Text);
        Assert.InRange(panic.Text.Length, 1, Ramoops.FixedRecordSize);
        Assert.Equal(panic.IntendedBytes, panic.Text.Length);
        Assert.Equal(panic.IntendedBytes, panic.StoredBytes);
        // the newest lines: the panic's own, and the end of the log at kmsg_dump's snapshot
        Assert.Contains("Kernel panic - not syncing: Fatal exception", panic.Text);
        Assert.EndsWith("\n", panic.Text);
        var oops = r.Nvram.Single(n => n.Reason == KmsgDumpReason.Oops);
        Assert.Equal("ramoops record 0", oops.Name);
        Assert.DoesNotContain("Kernel panic", oops.Text);
        Assert.True(oops.WrittenAtNs < panic.WrittenAtNs);
    }

    [Fact]
    public void A_long_log_keeps_only_its_newest_4096_bytes()
    {
        var r = RunOn("linux-2.6.38", 2, "kdump.loaded = false\n dumpers = [ramoops]\n ramoops { mem_size = 8K }", "panic=1",
            "{ cpu = 1, activity = printk-loop, period = 1ms, hold = 1us }", "{ at = 300ms, cpu = 0, event = panic, message = \"Fatal exception\" }",
            "timing { console-ns-per-char = 0ns }");
        var panic = r.Nvram.Single(n => n.Reason == KmsgDumpReason.Panic);
        Assert.Equal(Ramoops.FixedRecordSize, panic.IntendedBytes);
        Assert.True(panic.Intact);
        Assert.DoesNotContain("resetting queue 1\n", panic.Text);   // the oldest lines fell off the front
        Assert.Contains("Kernel panic - not syncing: Fatal exception", panic.Text);
    }
}
