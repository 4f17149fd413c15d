using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Tests.Dumpers;
using Xunit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// bust_spinlocks() in each design's panic(): oops_in_progress is what tells a console driver to
/// trylock its port lock instead of spinning on it (serial8250_console_write; here Eric's NVRAM
/// console). panic() raises it before its first printk and, in every era but 6.x, drops it again
/// after the dumps, before "Rebooting in %d seconds..": a port lock left held by a CPU that never
/// lets go is skipped for the panic lines and hangs the countdown's printk.
/// </summary>
public class OopsInProgressTests
{
    // CPU 1 spins with interrupts off holding the NVRAM console's port lock: 2.6.38's IPI never stops
    // it, the NMI of 3.5+ stops it with the lock held; either way the lock is never released.
    private static RunResult RunWithPortLockHeld(string design) =>
        DumperRuns.Run(DumperRuns.Scenario("nvram.size = 128K\ndumpers = [ramoops, nvram-console]", "panic=1",
            "{ cpu = 1, activity = spin, irqs = off, holding = [nvcon_port_lock] }", design: design));

    public static TheoryData<string> AllDesigns() => [.. Kit.All];

    /// <summary>Every design but 6.x, whose panic() has no bust_spinlocks(0).</summary>
    public static TheoryData<string> Bust0Designs() => [.. Kit.All.Where(d => d != "linux-6.x")];

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void While_the_panic_is_in_progress_the_console_writes_past_a_port_lock_it_cannot_take(string design)
    {
        var r = RunWithPortLockHeld(design);

        var con = r.File("console-nvcon-0")!;
        Assert.Contains("Kernel panic - not syncing: Fatal exception", con.Text);
        Assert.Contains("Call Trace:", con.Text);                     // dump_stack(), written after the panic line
        Assert.True(Kit.Has(r, "kmsg_dump(KMSG_DUMP_PANIC)"), Kit.Describe(r));  // the panic went on to kmsg_dump(PANIC)
        Assert.Contains(r.LocksHeld, l => l is { Lock: "nvcon_port_lock", Cpu: 1 });
    }

    [Theory]
    [MemberData(nameof(Bust0Designs))]
    public void After_bust_spinlocks_0_the_countdown_printk_spins_on_the_held_port_lock_forever(string design)
    {
        var r = RunWithPortLockHeld(design);

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("nvcon_port_lock", Kit.Cpu(r, 0).Doing);
        Assert.Contains("write < release_console_sem < vprintk < panic_timeout_countdown < panic", Kit.Cpu(r, 0).Doing);
        Assert.True(r.Printed("Rebooting in 1 seconds.."));             // it reached the serial console, then the NVRAM console's write spun
        Assert.DoesNotContain("Rebooting in", r.File("console-nvcon-0")!.Text);
        Assert.False(Kit.Has(r, "emergency_restart"));
    }

    [Fact]
    public void Linux_6_x_keeps_oops_in_progress_raised_to_the_end_of_panic_and_reboots()
    {
        // 6.x's panic() has no bust_spinlocks(0): console_unblank() and console_flush_on_panic() instead.
        var r = RunWithPortLockHeld("linux-6.x");

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Contains("Rebooting in 1 seconds..", r.File("console-nvcon-0")!.Text);
    }
}
