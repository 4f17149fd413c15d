using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// disable_local_APIC() in the stop paths (arch/x86/kernel/smp.c, process.c): a CPU that
/// stop_this_cpu() halted, and the CPU that ran smp_send_stop() itself, turn their local APIC off,
/// so the perf counter's overflow NMI (the hard-lockup watchdog) no longer reaches them.
/// </summary>
public class LocalApicShutdownTests
{
    public static TheoryData<string> Eras() => ["linux-2.6.38", "linux-3.12", "linux-4.10", "linux-6.x"];

    [Theory]
    [MemberData(nameof(Eras))]
    public void A_cpu_stop_this_cpu_halted_gets_no_watchdog_nmi_any_more(string design)
    {
        // CPU 1 is idle: the REBOOT_VECTOR stops it at once. Its watchdog fires 100 ms later, with
        // nmi_watchdog=panic: with its APIC on it would panic (or self-stop) from the NMI.
        var r = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=panic",
            triggers: Panic0 + ", { at = 100ms, cpu = 1, event = nmi-watchdog }");
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 1).Fate);
        Assert.StartsWith("halted in stop_this_cpu", Cpu(r, 1).Doing);
        Assert.Empty(Lines(r, "LOCKUP"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    // 3.5–6.4's native_stop_other_cpus() (2.6.38's and 6.5's print the NMI's report only into buffers
    // no later flush reaches before the reset, so only this era shows it).
    [Theory]
    [InlineData("linux-3.12")]
    public void The_cpu_that_ran_smp_send_stop_gets_no_watchdog_nmi_after_it(string design)
    {
        // The panic CPU's own watchdog NMI 100 ms after the stop (during the panic=1 countdown).
        var r = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=panic",
            triggers: Panic0 + ", { at = 100ms, cpu = 0, event = nmi-watchdog }");
        Assert.True(TimeOf(r, "smp_send_stop") < 100 * Ms, Describe(r));
        Assert.Empty(Lines(r, "LOCKUP"));
        Assert.False(Has(r, "panic_smp_self_stop"), Describe(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }
}
