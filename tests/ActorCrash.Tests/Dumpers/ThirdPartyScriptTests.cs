using ActorCrash.Actors;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// The scripted third-party dumper under 2.6.38 (kmsg_dump(PANIC) before smp_send_stop, interrupts
/// on): the interrupt state each behaviour leaves, what it holds, how long it takes, and which CPU it
/// needs. Registered before ramoops, so ramoops' record shows when the dump returned.
/// </summary>
public class ThirdPartyScriptTests
{
    private static RunResult Run(string thirdparty, string cpus = "", string triggers = DumperRuns.PanicCpu0,
        string design = "linux-2.6.38", string notifiers = "") => DumperRuns.Run(DumperRuns.Scenario(
        $"dumpers = [thirdparty, ramoops]\nthirdparty {{ {thirdparty} }}", "panic=1", cpus, triggers, design,
        tail: $"limits.virtual-time = 1m\n{notifiers}"));

    private static long At(RunResult r, int cpu, string what) => Assert.Single(r.Milestones, m => m.Cpu == cpu && m.What == what).TimeNs;

    private const string RebootOnCpu1 = DumperRuns.PanicCpu0 + ", { at = 50ms, cpu = 1, event = reboot }";

    [Fact]
    public void A_dumper_that_asks_the_board_for_a_reset_returns_and_the_next_dumper_runs_until_the_reset_lands()
    {
        // A module's dump() that resets the machine returns to kmsg_dump(): ramoops, next in the list,
        // is memsetting its record when the reset arrives (a panic notifier doing the same never returns).
        var r = Run("behaviour = reboot");

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Contains("ramoops_do_dump < kmsg_dump < panic", r.Cpus[0].Doing);
        Assert.DoesNotContain("waiting for the reset", r.Cpus[0].Doing);
    }

    [Theory]
    // CPU 1's kernel_restart runs the dumper (KMSG_DUMP_RESTART) at ≈53 ms for 200 ms. With interrupts off,
    // CPU 0's smp_send_stop() REBOOT_VECTOR waits until dump() has restored them: CPU 1 stops in kmsg_dump,
    // after the dumper, 200 ms on.
    [InlineData("spin-irqs-off", "", "stop_this_cpu < kmsg_dump < kernel_restart", true)]
    // CPU 1 runs with interrupts off; the dumper turns them on while it spins, so the IPI stops it inside dump().
    [InlineData("spin-irqs-on", ", irqs = off", "stop_this_cpu < dump < kmsg_dump < kernel_restart", false)]
    public void A_spinning_dumper_takes_the_stop_ipi_as_its_interrupt_state_allows_and_restores_the_callers(
        string behaviour, string irqs, string stoppedIn, bool afterTheSpin)
    {
        var r = Run($"behaviour = {behaviour}, time = 200ms", $"{{ cpu = 1, activity = spin{irqs} }}", RebootOnCpu1);

        var dump = At(r, 1, $"thirdparty: dump(KMSG_DUMP_RESTART): {behaviour}");
        Assert.Equal(CpuFate.StoppedByIpi, r.Cpus[1].Fate);
        Assert.Contains(stoppedIn, r.Cpus[1].Doing);
        var stopped = At(r, 0, "smp_send_stop: all other CPUs offline") - dump;
        if (afterTheSpin) Assert.InRange(stopped, 200_000_000, 201_000_000);
        else Assert.InRange(stopped, 0, 199_999_999);
    }

    [Fact]
    public void Take_lock_holds_a_free_lock_for_its_time_then_releases_it_and_restores_the_interrupts()
    {
        // spin_lock_irqsave / spin_unlock_irqrestore: after the dumper, a panic notifier that needs an
        // interrupt still gets one, the EMERG dump takes the lock again, and no lock is left held.
        var r = Run("behaviour = take-lock, lock = ioapic_lock, time = 1ms",
            notifiers: "panic-notifiers = [ { name = \"n\", behaviour = need-irq, time = 1ms } ]");

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Empty(r.LocksHeld);
        var dump = At(r, 0, "thirdparty: dump(KMSG_DUMP_PANIC): take-lock");
        var ramoops = Assert.Single(r.Milestones, m => m.What.StartsWith("ramoops: record 0 written", StringComparison.Ordinal)).TimeNs;
        Assert.InRange(ramoops - dump, 1_000_000, 2_000_000);   // 1 ms holding it, then ramoops' own memset and copy
        Assert.Contains(r.Milestones, m => m.What == "thirdparty: dump(KMSG_DUMP_EMERG): take-lock");
    }

    [Fact]
    public void Need_workqueue_waits_for_the_kworker_on_another_cpu_for_its_time()
    {
        var r = Run("behaviour = need-workqueue, time = 300ms");

        var dump = At(r, 0, "thirdparty: dump(KMSG_DUMP_PANIC): need-workqueue");
        var ramoops = Assert.Single(r.Milestones, m => m.What.StartsWith("ramoops: record 0 written", StringComparison.Ordinal)).TimeNs;
        Assert.InRange(ramoops - dump, 300_000_000, 301_000_000);
    }

    [Fact]
    public void Need_workqueue_with_every_other_cpu_panicking_too_hangs_both_dumps_in_flush_work()
    {
        // CPU 1 is online but in panic() itself: no kworker runs there either.
        var r = Run("behaviour = need-workqueue, time = 1ms", triggers: DumperRuns.PanicCpu0 + ", { at = 1ms, cpu = 1, event = panic }");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.All(r.Cpus, c => Assert.Contains("flush_work() with no CPU left to run the kworker", c.Doing));
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("ramoops: record", StringComparison.Ordinal));
    }

    [Fact]
    public void Sleep_in_a_panic_that_runs_with_interrupts_off_never_wakes()
    {
        // 3.12's panic() has interrupts off by kmsg_dump(): msleep()'s timer never fires.
        var r = Run("behaviour = sleep, time = 1ms", design: "linux-3.12");

        Assert.True(r.Printed("BUG: scheduling while atomic: swapper/0/0/0x00000002"));
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("thirdparty dumper: sleeping with interrupts off (no timer tick wakes it)", r.Cpus[0].Doing);
    }

    [Fact]
    public void Slow_work_without_a_time_never_returns_and_says_what_it_is_doing()
    {
        // The same script runs a dumper's dump() (slow-write) and a panic notifier's callback (slow).
        var dumper = Run("behaviour = slow-write");
        var notifier = Run("behaviour = fail", notifiers: "panic-notifiers = [ { name = \"n\", behaviour = slow } ]");

        Assert.Equal((Outcome.Hung, Outcome.Hung), (dumper.Outcome, notifier.Outcome));
        Assert.Contains("thirdparty dumper: writing", dumper.Cpus[0].Doing);
        Assert.Contains("panic notifier n: working", notifier.Cpus[0].Doing);
    }
}
