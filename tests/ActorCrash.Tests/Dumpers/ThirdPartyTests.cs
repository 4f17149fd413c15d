using ActorCrash.Actors;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>The scriptable third-party dumper: what each behaviour does to a 2.6.38 panic (panic=1, no kdump).</summary>
public class ThirdPartyTests
{
    private static RunResult Run(string thirdparty, string cpus = "") => DumperRuns.Run(DumperRuns.Scenario(
        $"dumpers = [ramoops, thirdparty]\nthirdparty {{ {thirdparty} }}", "panic=1", cpus, tail: "limits.virtual-time = 1m"));

    [Theory]
    [InlineData("behaviour = hang")]
    [InlineData("behaviour = spin-irqs-off")]
    [InlineData("behaviour = spin-irqs-on")]
    [InlineData("behaviour = slow-write")]
    public void A_dumper_that_never_returns_means_no_reboot(string behaviour)
    {
        var r = Run(behaviour);

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains(r.Milestones, m => m.What.StartsWith("thirdparty: dump(KMSG_DUMP_PANIC)", StringComparison.Ordinal));
        Assert.True(r.File("ramoops record 0")?.Intact, "ramoops, registered first, still saved its record");
    }

    [Theory]
    [InlineData("behaviour = slow-write, time = 200ms")]
    [InlineData("behaviour = spin-irqs-off, time = 10ms")]
    [InlineData("behaviour = fail")]
    [InlineData("behaviour = need-irq, time = 1ms")]         // 2.6.38's panic leaves interrupts on
    public void A_dumper_that_returns_lets_the_panic_reboot(string behaviour)
    {
        var r = Run(behaviour);

        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void A_dumper_needing_a_workqueue_survives_the_panic_dump_but_hangs_emergency_restarts_dump()
    {
        // KMSG_DUMP_PANIC runs before smp_send_stop: CPU 1 can still run the kworker. KMSG_DUMP_EMERG
        // (2.6.38 calls every dumper for it) runs after: no CPU is left to run it.
        var r = Run("behaviour = need-workqueue, time = 1ms");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains(r.Milestones, m => m.What == "thirdparty: dump(KMSG_DUMP_EMERG): need-workqueue");
        Assert.Contains("flush_work() with no CPU left to run the kworker", r.Cpus[0].Doing);
    }

    [Fact]
    public void A_sleeping_dumper_logs_scheduling_while_atomic()
    {
        var r = Run("behaviour = sleep, time = 1ms");

        Assert.True(r.Printed("BUG: scheduling while atomic"));
    }

    [Fact]
    public void A_dumper_taking_a_lock_a_wedged_cpu_holds_hangs_the_panic()
    {
        var r = Run("behaviour = take-lock, lock = ioapic_lock, time = 1ms", cpus: "{ cpu = 1, activity = spin, irqs = off, holding = [ioapic_lock] }");

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("ioapic_lock", r.Cpus[0].Doing);
    }

    [Fact]
    public void A_dumper_that_resets_the_board_reboots_before_the_panic_timeout()
    {
        var r = Run("behaviour = reboot");

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.True(r.EndTimeNs < 1_000_000_000, "reset long before panic=1's timeout");
    }
}
