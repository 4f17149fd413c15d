using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// mtdoops and an oops that does not panic (no oops=panic): kmsg_dump(KMSG_DUMP_OOPS) leaves the
/// write to schedule_work(&amp;work_write), which never runs once the machine panics later (here at
/// 200 ms, after the oops has been printed and dumped).
/// </summary>
public class MtdoopsOopsTests
{
    private const string OopsThenPanic =
        "{ at = 1ms, cpu = 0, event = oops, message = \"BUG: unable to handle kernel NULL pointer dereference\" }, " +
        "{ at = 200ms, cpu = 1, event = panic, message = \"Fatal exception\" }";

    private const string WorkWrite = "mtdoops: OOPS dump left to work_write (never runs after a panic)";

    // Today's driver (era = current) runs under the design whose kernel has it.
    private static Actors.RunResult Run(string mtdoops) =>
        DumperRuns.Run(DumperRuns.Scenario($"dumpers = [mtdoops]\nmtdoops {{ {mtdoops} }}", "panic=1", triggers: OopsThenPanic,
            design: mtdoops.Contains("era = current", StringComparison.Ordinal) ? "linux-6.x" : "linux-2.6.38"));

    [Fact]
    public void The_oops_record_never_reaches_flash_and_the_later_panic_is_written_by_panic_write()
    {
        var r = Run("dump_oops = 1");

        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_OOPS)");
        var scheduled = Assert.Single(r.Milestones, m => m.What == WorkWrite);
        Assert.Equal(0, scheduled.Cpu);
        var page = Assert.Single(r.Nvram);   // only the PANIC record: the OOPS one stayed in oops_buf
        Assert.Equal(("mtdoops page 0", KmsgDumpReason.Panic, RecordState.Intact), (page.Name, page.Reason, page.State));
        Assert.Equal("seq 1, magic 0x5d005d00", page.Note);
        // The panic record's log tail still holds the oops (it is in the log), then the panic.
        var oops = page.Text.IndexOf("BUG: unable to handle kernel NULL pointer dereference", StringComparison.Ordinal);
        var panic = page.Text.IndexOf("Kernel panic - not syncing: Fatal exception", StringComparison.Ordinal);
        Assert.InRange(oops, 0, panic - 1);
        Assert.Equal(4096, r.Storage("mtdoops").BytesIssued);   // one record programmed, not two
    }

    [Fact]
    public void With_dump_oops_0_nothing_is_scheduled_and_the_panic_is_written()
    {
        var r = Run("dump_oops = 0");

        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("mtdoops: OOPS", StringComparison.Ordinal));
        var page = Assert.Single(r.Nvram);
        Assert.Equal((KmsgDumpReason.Panic, RecordState.Intact), (page.Reason, page.State));
        Assert.Contains("Kernel panic - not syncing: Fatal exception", page.Text);
    }

    [Fact]
    public void Today_the_pending_work_write_still_holds_oops_buf_busy_so_the_panic_dump_is_dropped_too()
    {
        // Current mtdoops clears oops_buf_busy only at the end of mtdoops_write(): the OOPS dump's
        // work_write never ran, so the PANIC dump's test_and_set_bit() fails and nothing reaches flash.
        var r = Run("dump_oops = 1, era = current");

        Assert.Contains(r.Milestones, m => m.What == WorkWrite);
        Assert.Contains(r.Milestones, m => m.What.StartsWith("mtdoops: oops_buf busy", StringComparison.Ordinal) && m.What.Contains("PANIC", StringComparison.Ordinal));
        Assert.Empty(r.Nvram);
        Assert.Equal(0, r.Storage("mtdoops").BytesIssued);
    }
}
