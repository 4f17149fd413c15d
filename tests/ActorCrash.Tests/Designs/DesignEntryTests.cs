using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using Registry = ActorCrash.Actors.Designs.Designs;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// What the 2011 proposals do where no scenario of the thread tells it (the design options'
/// defaults, Eric's irqs-off dump, their 2.6.38 machine_crash_shutdown), and the entry points the
/// shared PanicDesign code runs: nmi_panic() on the panic CPU itself, the hard-lockup detector's
/// modes, sysrq-b's local_irq_enable(), the crashing CPU's own NMI, an unknown design's name.
/// </summary>
public class DesignEntryTests
{
    private const string Kdump210 = "panic=10 crashkernel=128M";

    // ---- the design options: null means the defaults ----

    [Fact]
    public void Eric_2011_without_design_options_dumps_with_interrupts_as_the_caller_had_them()
    {
        var hocon = Fidelity.CorrectionTests.Machine(2, "kdump.loaded = false\n dumpers = [thirdparty]\n thirdparty { behaviour = need-irq, time = 1ms }",
            "panic=1", "", Panic0);
        var r = Run(Inline(hocon, "eric-2011") with { Options = null });
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void Vivek_2011_without_design_options_halts_the_cpu_that_loses_the_shutdown_mutex()
    {
        var spec = Load("k1-two-cpus-panic", "vivek-2011") with { Options = null };
        Assert.Contains(Runs(spec, 100), r => Has(r, "shutdown_mutex lost: halting"));
    }

    // ---- Eric's irqs-off dump: local_irq_save(); kmsg_dump(); local_irq_restore() ----

    [Fact]
    public void Eric_2011_irqs_off_dump_gives_the_caller_its_interrupts_back_after_the_dump()
    {
        // The panic comes from a task with interrupts on; 2.6.38's smp_send_stop keeps the caller's state,
        // so a notifier that needs an interrupt gets it only if the dump's local_irq_restore() ran.
        var hocon = Fidelity.CorrectionTests.Machine(2, "kdump.loaded = false\n dumpers = [ramoops]", "panic=1", "", Panic0,
            "design-options.eric-2011.irqs-off-dump = on\n panic-notifiers = [ { name = needs-irq, behaviour = need-irq, time = 1ms } ]");
        var r = Run(Inline(hocon, "eric-2011"));
        Assert.True(Has(r, "ramoops: record"), Describe(r));
        Assert.True(Has(r, "panic notifier needs-irq"), Describe(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    // ---- the 2011 proposals' kdump is 2.6.38's: no KMSG_DUMP_KEXEC in Eric's, no ioapic_zap_locks in either ----

    [Theory]
    [InlineData("eric-2011")]
    [InlineData("vivek-2011")]
    public void The_2011_proposals_kdump_spins_on_an_ioapic_lock_a_halted_cpu_holds(string design)
    {
        var r = RunOn(design, 2, "kdump.loaded = true\n dumpers = [ramoops]", Kdump210, "{ cpu = 1, activity = spin, holding = [ioapic_lock] }");
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.StartsWith("spinning on ioapic_lock held by cpu1 (interrupts off) in crash_shutdown_this_cpu", Cpu(r, 0).Doing);
        Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 1).Fate);
        Assert.Contains(r.LocksHeld, l => l is { Lock: "ioapic_lock", Cpu: 1 });
    }

    [Fact]
    public void Eric_2011_crash_kexec_has_no_dump_and_kexecs_first()
    {
        var r = RunOn("eric-2011", 2, "kdump.loaded = true\n dumpers = [ramoops]", Kdump210);
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.Equal(0, Count(r, "kmsg_dump("));
        Assert.False(Has(r, "ramoops: record"), Describe(r));
    }

    // ---- nmi_panic() (4.5+): on the CPU that already owns panic_cpu it returns ----

    [Theory]
    [InlineData("linux-4.5")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void A_hard_lockup_nmi_on_the_panic_cpu_itself_returns_into_its_panic(string design)
    {
        // CPU 1 spins with interrupts off: the panic CPU waits 1 s in smp_send_stop, and the watchdog NMI lands there.
        var r = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=panic", "{ cpu = 1, activity = spin, irqs = off }",
            Panic0 + ", { at = 500ms, cpu = 0, event = nmi-watchdog }");
        Assert.Single(Lines(r, "Watchdog detected hard LOCKUP on cpu 0"));
        Assert.False(Has(r, "nmi_panic_self_stop"), Describe(r));
        Assert.Single(Lines(r, "Kernel panic - not syncing: Fatal exception"));
        Assert.Empty(Lines(r, "Kernel panic - not syncing: Hard LOCKUP"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    // ---- watchdog_overflow_callback(): the detector off, warning only, panic ----

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void With_nmi_watchdog_0_a_hard_lockup_nmi_reports_nothing(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1 nmi_watchdog=0", triggers: "{ at = 1ms, cpu = 0, event = nmi-watchdog }");
        Assert.Empty(Lines(r, "LOCKUP"));
        Assert.False(Has(r, "panic"), Describe(r));
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    [Theory]
    [InlineData("linux-2.6.38", "WARNING: Watchdog detected hard LOCKUP on cpu 0")]
    [InlineData("linux-3.12", "WARNING: Watchdog detected hard LOCKUP on cpu 0")]
    [InlineData("linux-4.5", "NMI watchdog: Watchdog detected hard LOCKUP on cpu 0")]
    public void Without_nmi_watchdog_panic_a_hard_lockup_is_only_reported(string design, string report)
    {
        // (4.7+ prints it into the NMI buffer, 6.x defers it to an irq_work: neither reaches the console
        // in a run that does not panic, so 4.5 shows the 4.x wording.)
        var r = RunOn(design, 2, NoKdump, "panic=1", triggers: "{ at = 1ms, cpu = 0, event = nmi-watchdog }");
        var line = Assert.Single(Lines(r, "Watchdog detected hard LOCKUP"));
        Assert.EndsWith("] " + report, line.Text);
        Assert.False(Has(r, "panic"), Describe(r));
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    // ---- sysrq-b: sysrq_handle_reboot() enables interrupts before emergency_restart() ----

    [Fact]
    public void Sysrq_b_turns_interrupts_on_before_emergency_restarts_dump()
    {
        // __handle_sysrq() runs in the keyboard interrupt with interrupts off (here: the CPU that takes
        // the key is in an interrupts-off section); kmsg_dump(KMSG_DUMP_EMERG) then calls a dumper that
        // needs an interrupt, which it gets only because of the local_irq_enable().
        var r = RunOn("linux-2.6.38", 2, "kdump.loaded = false\n dumpers = [thirdparty]\n thirdparty { behaviour = need-irq, time = 1ms }", "panic=1",
            "{ cpu = 0, activity = spin, irqs = off }", "{ at = 1ms, cpu = 0, event = sysrq-b }");
        Assert.True(Has(r, "kmsg_dump(KMSG_DUMP_EMERG)"), Describe(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    // ---- do_nmi() during the kdump shootdown: the crashing CPU ignores crash_nmi_callback ----

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-4.10")]
    public void An_nmi_on_the_crashing_cpu_during_the_shootdown_wait_does_not_halt_it(string design)
    {
        // CPU 1 is stuck in an NMI handler: it never answers the shootdown, so the crashing CPU waits the
        // whole 1000 ms; an unknown NMI reaches the crashing CPU in that wait.
        var r = RunOn(design, 2, "kdump.loaded = true\n dumpers = []", Kdump210, "{ cpu = 1, activity = in-nmi }",
            Panic0 + ", { at = 500ms, cpu = 0, event = unknown-nmi }");
        Assert.True(Has(r, "nmi_shootdown_cpus: 1 CPU(s) did not answer the NMI within 1000 ms"), Describe(r));
        Assert.Equal(CpuFate.InCrashKernel, Cpu(r, 0).Fate);
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
    }

    // ---- Designs.ByName ----

    [Fact]
    public void An_unknown_design_name_is_refused_with_the_known_names()
    {
        var e = Assert.Throws<ArgumentException>(() => Registry.ByName("linux-9.9"));
        Assert.Equal("unknown design \"linux-9.9\"; known: " + string.Join(", ", All), e.Message);
        Assert.Null(Registry.Find("linux-9.9"));
    }
}
