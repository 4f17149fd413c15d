using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// __crash_kexec() and machine_crash_shutdown() of each era (kernel/kexec.c, kexec_core.c;
/// arch/x86/kernel/crash.c, reboot.c; domain reference §1.2 step 5, §1.3, §2.2, §2.3, §2.5): the
/// kexec_mutex trylock, 2.6.38's KMSG_DUMP_KEXEC hook, the NMI shootdown, the crashing CPU's own
/// shutdown (vmxoff and lapic_shutdown, disable_IO_APIC under ioapic_lock — zapped first from 3.x
/// — and crash_save_cpu), crash_smp_send_stop()'s "executes only once" (4.10), and the oops
/// path's crash_kexec() that takes panic_cpu (4.5).
/// </summary>
public class KdumpShutdownTests
{
    private const string Cmdline = "panic=10 crashkernel=128M";

    public static TheoryData<string> KdumpDesigns() => ["linux-2.6.38", "linux-3.12", "linux-4.5", "linux-4.10", "linux-6.x"];

    /// <summary>
    /// After the shootdown the crashing CPU shuts itself down: cpu_emergency_vmxoff() and
    /// lapic_shutdown() (one step), disable_IO_APIC() under ioapic_lock (one step), then
    /// crash_save_cpu() for its own registers, and machine_kexec() — two steps after the last CPU
    /// halted. With machine.timing.step = 3 µs the gap is 6 µs.
    /// </summary>
    [Theory]
    [MemberData(nameof(KdumpDesigns))]
    public void The_crashing_cpu_saves_its_own_registers_two_steps_after_the_shootdown(string design)
    {
        foreach (var r in RunsOn(design, 5, 3, Kdump, Cmdline, tail: "timing { step = 3us }"))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Equal(6 * Us, TimeOf(r, "machine_kexec: jumping to purgatory") - TimeOf(r, "nmi_shootdown_cpus: all other CPUs halted"));
            Assert.All(r.Cpus, c => Assert.True(c.RegistersSaved, $"cpu{c.Cpu} under {design}: no crash notes"));
            Assert.Equal(CpuFate.InCrashKernel, Cpu(r, 0).Fate);
            Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 1).Fate);
        }
    }

    /// <summary>
    /// A CPU halted by the shootdown NMI while it holds ioapic_lock keeps it for good. 2.6.38's
    /// disable_IO_APIC() then spins on it with interrupts off: no vmcore. From 3.x (already in
    /// 3.12's crash.c) ioapic_zap_locks() re-initialises the lock first — "Prevent crash_kexec()
    /// from deadlocking on ioapic_lock" — and kdump goes ahead.
    /// </summary>
    [Theory]
    [MemberData(nameof(KdumpDesigns))]
    public void A_cpu_holding_ioapic_lock_hangs_2_6_38_kdump_and_later_kernels_zap_the_lock(string design)
    {
        var r = RunOn(design, 2, Kdump, Cmdline, "{ cpu = 1, activity = spin, holding = [ioapic_lock] }");
        Assert.Equal(CpuFate.StoppedByNmi, Cpu(r, 1).Fate);
        if (design == "linux-2.6.38")
        {
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.StartsWith("spinning on ioapic_lock held by cpu1 (interrupts off) in crash_shutdown_this_cpu", Cpu(r, 0).Doing);
            Assert.False(Cpu(r, 0).RegistersSaved);
            Assert.Contains(r.LocksHeld, l => l.Lock == "ioapic_lock" && l.Cpu == 1);
        }
        else
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.True(Cpu(r, 0).RegistersSaved);
            Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "ioapic_lock");
        }
    }

    /// <summary>
    /// With crash_kexec_post_notifiers, 4.10's panic() stops the others with crash_smp_send_stop()
    /// before the notifiers; the machine_crash_shutdown() of the later __crash_kexec() calls it
    /// again, and it "executes only once": one shootdown, and machine_kexec() three steps after
    /// "crash kernel loaded" (crash_setup_regs, then the CPU's own two). A second NMI shootdown
    /// would wait its full 1000 ms for CPUs that are already halted.
    /// </summary>
    [Theory]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void Crash_smp_send_stop_executes_only_once_so_the_post_notifiers_kdump_shoots_down_nobody(string design)
    {
        foreach (var r in RunsOn(design, 5, 3, Kdump, Cmdline + " crash_kexec_post_notifiers"))
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Equal(1, Count(r, "nmi_shootdown_cpus"));
            InOrder(r, "nmi_shootdown_cpus: all other CPUs halted", "panic notifier", "kmsg_dump(KMSG_DUMP_PANIC)", "crash_kexec: crash kernel loaded");
            Assert.Equal(1500, TimeOf(r, "machine_kexec: jumping to purgatory") - TimeOf(r, "crash_kexec: crash kernel loaded"));
            Assert.All(r.Cpus, c => Assert.True(c.RegistersSaved, $"cpu{c.Cpu}: no crash notes"));
            Assert.True(Cpu(r, 1).Online);   // the NMI shootdown halts them without taking them offline
        }
    }

    /// <summary>
    /// Without post_notifiers 4.10 kdumps first: crash_smp_send_stop() runs inside
    /// machine_crash_shutdown(), its one shootdown, and panic()'s later smp_send_stop() never runs.
    /// </summary>
    [Fact]
    public void Linux_4_10_kdump_first_shoots_down_once_inside_machine_crash_shutdown()
    {
        var r = RunOn("linux-4.10", 3, Kdump, Cmdline);
        Assert.Equal(1, Count(r, "nmi_shootdown_cpus"));
        InOrder(r, "crash_kexec: crash kernel loaded", "nmi_shootdown_cpus: all other CPUs halted", "machine_kexec");
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
    }

    /// <summary>
    /// A CPU that cannot take the shootdown NMI (inside an NMI handler) costs the shootdown exactly
    /// its 1000 ms, in every era; kdump goes ahead without that CPU's registers.
    /// </summary>
    [Theory]
    [MemberData(nameof(KdumpDesigns))]
    public void A_cpu_that_never_answers_costs_the_shootdown_its_1000_ms_and_its_registers(string design)
    {
        var r = RunOn(design, 3, Kdump, Cmdline, "{ cpu = 2, activity = in-nmi }");
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        var late = Assert.Single(r.Milestones, m => m.What.StartsWith("nmi_shootdown_cpus", StringComparison.Ordinal));
        Assert.Equal("nmi_shootdown_cpus: 1 CPU(s) did not answer the NMI within 1000 ms", late.What);
        var loaded = TimeOf(r, "crash_kexec: crash kernel loaded");
        var dumpKexec = design == "linux-2.6.38" ? TimeOf(r, "kmsg_dump(KMSG_DUMP_KEXEC)") : loaded;
        Assert.Equal(loaded, dumpKexec);
        Assert.Equal(X86.CrashIpiWaitNs + 500, late.TimeNs - loaded);   // crash_setup_regs (one step), then the wait
        Assert.False(Cpu(r, 2).RegistersSaved);
        Assert.True(Cpu(r, 1).RegistersSaved);
        Assert.Equal(CpuFate.Wedged, Cpu(r, 2).Fate);
    }

    /// <summary>
    /// 2.6.38's crash_kexec() calls kmsg_dump(KMSG_DUMP_KEXEC) inside the mutex_trylock block, before
    /// the shootdown (§1.2 step 5a); "kexec: remove KMSG_DUMP_KEXEC" took it out, so from 3.x the oops
    /// path's crash_kexec() writes no KEXEC record — 4.5's, which takes panic_cpu, included.
    /// </summary>
    [Theory]
    [MemberData(nameof(KdumpDesigns))]
    public void Only_2_6_38_dumps_kmsg_kexec_when_an_oops_in_interrupt_kdumps(string design)
    {
        var r = RunOn(design, 2, "kdump.loaded = true\n dumpers = [ramoops]", Cmdline, triggers: "{ at = 1ms, cpu = 0, event = oops, context = irq }");
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        var kexecDumps = r.Milestones.Count(m => m.What.Contains("KMSG_DUMP_KEXEC", StringComparison.Ordinal));
        if (design == "linux-2.6.38")
        {
            InOrder(r, "crash_kexec: crash kernel loaded", "kmsg_dump(KMSG_DUMP_KEXEC)", "ramoops: record 0 written", "nmi_shootdown_cpus", "machine_kexec");
            Assert.Contains(r.Nvram, n => n.Reason == KmsgDumpReason.Kexec);
        }
        else
        {
            Assert.Equal(0, kexecDumps);
            Assert.DoesNotContain(r.Nvram, n => n.Reason == KmsgDumpReason.Kexec);
            InOrder(r, "oops in interrupt context", "crash_kexec: crash kernel loaded", "nmi_shootdown_cpus", "machine_kexec");
        }
    }

    /// <summary>
    /// 4.5's oops-path crash_kexec(): "Only one CPU is allowed to execute the crash_kexec() code as with
    /// panic()". CPU 0 panics and owns panic_cpu; CPU 1 oopses in interrupt context 2 ms later: its
    /// crash_kexec() returns at once (it neither tries kexec_mutex nor resets panic_cpu), so its
    /// panic("Fatal exception in interrupt") finds panic_cpu taken and self-stops, and the kdump is CPU 0's.
    /// </summary>
    [Theory]
    [InlineData("linux-4.5", false)]
    [InlineData("linux-4.10", false)]
    [InlineData("linux-6.x", false)]
    [InlineData("linux-4.5", true)]
    [InlineData("linux-4.10", true)]
    [InlineData("linux-6.x", true)]
    public void An_oops_on_another_cpu_during_a_panic_leaves_panic_cpu_alone_and_self_stops(string design, bool kdump)
    {
        var r = RunOn(design, 2, kdump ? Kdump : NoKdump, "panic=1" + (kdump ? " crashkernel=128M" : ""), "",
            Panic0 + ", { at = 3ms, cpu = 1, event = oops, context = irq }");
        var cpu1 = MilestonesOf(r, 1);
        Assert.Equal(["oops in interrupt context: Oops", "kmsg_dump(KMSG_DUMP_OOPS)", "panic: Fatal exception in interrupt", "panic_smp_self_stop"], cpu1);
        Assert.Equal(1, Count(r, "panic_smp_self_stop"));
        if (kdump)
        {
            Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
            Assert.Equal(0, Assert.Single(r.Milestones, m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal)).Cpu);
        }
        else
            Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>
    /// The oops path's crash_kexec() resets panic_cpu when it returns, "to allow another
    /// panic()/crash_kexec() call": CPU 1 oopses in interrupt context without a crash image, and
    /// while its oops_exit() dump is still running (a dumper that takes 500 ms) CPU 0 panics — and
    /// gets panic_cpu, and its smp_send_stop() stops CPU 1 before CPU 1's own panic("Fatal exception in interrupt").
    /// </summary>
    [Theory]
    [InlineData("linux-4.5")]
    [InlineData("linux-4.10")]
    [InlineData("linux-6.x")]
    public void The_oops_path_crash_kexec_hands_panic_cpu_back_for_a_later_panic(string design)
    {
        var r = RunOn(design, 2, "kdump.loaded = false\n dumpers = [thirdparty]\n thirdparty { behaviour = slow-write, time = 500ms }", "panic=1", "",
            "{ at = 1ms, cpu = 1, event = oops, context = irq }, { at = 300ms, cpu = 0, event = panic, message = \"Fatal exception\" }");
        Assert.Single(Lines(r, "Kernel panic - not syncing: Fatal exception"));
        Assert.Empty(Lines(r, "Kernel panic - not syncing: Fatal exception in interrupt"));
        Assert.Equal(["panic: Fatal exception"], MilestonesOf(r, 0).Where(m => m.StartsWith("panic:", StringComparison.Ordinal)));
        Assert.DoesNotContain("panic_smp_self_stop", MilestonesOf(r, 0));
        // CPU 0's smp_send_stop() reaches CPU 1 still in its dump (oops_end() gave it its interrupts back)
        Assert.Contains(Cpu(r, 1).Fate, new[] { CpuFate.StoppedByIpi, CpuFate.StoppedByNmi });
        Assert.Contains(r.Milestones, m => m.Cpu == 0 && m.What.StartsWith("smp_send_stop", StringComparison.Ordinal));
    }

    /// <summary>
    /// kexec_mutex is taken by trylock, never waited for: with another CPU holding it (a kexec_load
    /// in progress) panic()'s crash_kexec() returns and the panic carries on to its reboot, the
    /// mutex still with its owner.
    /// </summary>
    [Theory]
    [MemberData(nameof(KdumpDesigns))]
    public void A_busy_kexec_mutex_makes_crash_kexec_return_and_the_panic_carry_on(string design)
    {
        var r = RunOn(design, 2, Kdump, "panic=1 crashkernel=128M", "{ cpu = 1, activity = spin, holding = [kexec_mutex] }");
        Assert.Equal(1, Count(r, "crash_kexec: kexec_mutex busy, returning"));
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Contains(r.LocksHeld, l => l.Lock == "kexec_mutex" && l.Cpu == 1);
    }

    /// <summary>Without a crash image crash_kexec() takes the mutex, finds nothing to jump to, and releases it.</summary>
    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    public void Without_a_crash_image_crash_kexec_releases_kexec_mutex(string design)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "kexec_mutex");
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("crash_kexec", StringComparison.Ordinal));
    }
}
