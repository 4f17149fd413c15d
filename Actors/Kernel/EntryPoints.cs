using ActorCrash.Actors.Designs;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The other ways into panic() and the orderly shutdown paths (issue 11 B4): NMIs the platform
/// raises (arch/x86/kernel/nmi.c unknown_nmi_error, io_check_error), sysrq-c (drivers/tty/sysrq.c),
/// the soft-lockup detector (kernel/watchdog.c), khungtaskd (kernel/hung_task.c), WARN()
/// (kernel/panic.c __warn) and kernel_restart / kernel_halt / kernel_power_off (kernel/reboot.c,
/// kernel/sys.c before 3.x) with their kmsg_dump reasons. The design decides what panic() does.
/// </summary>
public static class EntryPoints
{
    /// <summary>
    /// unknown_nmi_error() (arch/x86/kernel/traps.c in 2.6.38, nmi.c from 3.2): "Uhhuh. NMI received for
    /// unknown reason", in eras before 5.18 the "strange power saving mode" hint, then panic() (nmi_panic()
    /// from 4.5, in the design's <see cref="PanicDesign.PanicFromNmi"/>) if unknown_nmi_panic ||
    /// panic_on_unrecovered_nmi, then "Dazed and confused, but trying to continue" — also after nmi_panic()
    /// returns on the CPU that is already panicking (no return there, unlike io_check_error()). From 6.9
    /// the two lines are ratelimited (<see cref="KernelEra.UnknownNmiRatelimited"/>).
    /// </summary>
    public static IEnumerable<Op> UnknownNmiError(CpuActor cpu, PanicDesign design)
    {
        var k = cpu.Machine.Kernel;
        var era = design.Era;
        k.Milestone(cpu, "NMI received for unknown reason");
        yield return Op.Call(EmergRatelimited(cpu, era, k.UnknownNmiReasonRatelimit, $"Uhhuh. NMI received for unknown reason 3d on CPU {cpu.Id}."));
        if (era.UnknownNmiPowerSavingHint)
            yield return Op.Call(Printk.PrEmerg(cpu, "Do you have a strange power saving mode enabled?"));
        if (k.Cmdline.UnknownNmiPanic || k.Cmdline.PanicOnUnrecoveredNmi)
            yield return Op.Call(design.PanicFromNmi(cpu, "NMI: Not continuing"));
        yield return Op.Call(EmergRatelimited(cpu, era, k.UnknownNmiDazedRatelimit, "Dazed and confused, but trying to continue"));
    }

    /// <summary>pr_emerg_ratelimited() where the era ratelimits the line (its call site's state in <paramref name="rs"/>), pr_emerg() before.</summary>
    private static IEnumerable<Op> EmergRatelimited(CpuActor cpu, KernelEra era, Ratelimit rs, string text)
    {
        if (!era.UnknownNmiRatelimited)
        {
            yield return Op.Call(Printk.PrEmerg(cpu, text));
            yield break;
        }
        var print = rs.Allow(cpu.Runtime.Now, out var suppressed);
        if (suppressed > 0)  // printk_deferred(KERN_WARNING "%s: %d callbacks suppressed\n", func, rs->missed)
            yield return Op.Call(Printk.Vprintk(cpu, $"{rs.Func}: {suppressed} callbacks suppressed", LogLevel.Warning));
        if (print) yield return Op.Call(Printk.PrEmerg(cpu, text));
    }

    /// <summary>io_check_error(): "NMI: IOCK error"; panics with kernel.panic_on_io_nmi.</summary>
    public static IEnumerable<Op> IoCheckError(CpuActor cpu, PanicDesign design)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, "NMI: IOCK error");
        yield return Op.Call(Printk.PrEmerg(cpu, $"NMI: IOCK error (debug interrupt?) for reason 71 on CPU {cpu.Id}."));
        if (k.Cmdline.PanicOnIoNmi)
        {
            yield return Op.Call(design.PanicFromNmi(cpu, "NMI IOCK error: Not continuing"));
            yield break;
        }
        // Re-enable the IOCK line, wait for a few seconds: the machine runs on.
        yield return Op.Delay(2 * Hardware.VirtualTime.Second);
    }

    /// <summary>
    /// sysrq_handle_crash(): from 5.0 panic("sysrq triggered crash"); before, "panic_on_oops = 1;
    /// /* force panic */" and a NULL store: an oops that panics (and, through kexec_should_crash, kdumps).
    /// </summary>
    public static IEnumerable<Op> SysrqHandleCrash(CpuActor cpu, PanicDesign design)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, "sysrq: Trigger a crash");
        yield return Op.Call(Printk.Vprintk(cpu, design.Era.SysrqPrefix + "Trigger a crash", LogLevel.Info));
        if (design.Era.SysrqCrashPanics)
        {
            yield return Op.Call(design.Panic(cpu, "sysrq triggered crash"));
            // Stryker disable once Statement : panic() does not return
            yield break;
        }
        k.PanicOnOopsForced = true;
        yield return Op.Call(Printk.Vprintk(cpu, "BUG: unable to handle kernel NULL pointer dereference at (null)", LogLevel.Alert));
        yield return Op.Call(Traps.Die(cpu, "Oops", design));
    }

    /// <summary>watchdog_timer_fn() (hard interrupt): "BUG: soft lockup - CPU#N stuck for 22s!" and the stuck CPU's stack; panics with softlockup_panic.</summary>
    public static IEnumerable<Op> WatchdogTimerFn(CpuActor cpu, PanicDesign design)
    {
        var k = cpu.Machine.Kernel;
        var flags = cpu.LocalIrqSave();   // the hrtimer runs with interrupts off
        k.Milestone(cpu, "soft lockup detected");
        var prefix = design.Era.WatchdogPrefix ? "watchdog: " : "";
        yield return Op.Call(Printk.PrEmerg(cpu, $"{prefix}BUG: soft lockup - CPU#{cpu.Id} stuck for 22s! [lkdtm:4242]"));
        // print_modules(); print_irqtrace_events(current); if (regs) show_regs(regs); else dump_stack();
        yield return Op.Call(Printk.DumpStack(cpu, "watchdog_timer_fn"));
        if (k.Cmdline.SoftlockupPanic)
        {
            yield return Op.Call(design.Panic(cpu, "softlockup: hung tasks"));
            // Stryker disable once Statement : panic() does not return
            yield break;
        }
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>check_hung_task() in khungtaskd: "INFO: task … blocked for more than 120 seconds."; panics with hung_task_panic.</summary>
    public static IEnumerable<Op> CheckHungTask(CpuActor cpu, PanicDesign design)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, "hung task detected");
        yield return Op.Call(Printk.Vprintk(cpu, "INFO: task lkdtm:4242 blocked for more than 120 seconds.", LogLevel.Err));
        if (k.Cmdline.HungTaskPanic)
            yield return Op.Call(design.Panic(cpu, "hung_task: blocked tasks"));
    }

    /// <summary>__warn(): the "cut here" report and its end-trace marker; panics with panic_on_warn (3.19+).</summary>
    public static IEnumerable<Op> Warn(CpuActor cpu, PanicDesign design, string where)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, $"WARNING: {where}");
        yield return Op.Call(Printk.Vprintk(cpu, "------------[ cut here ]------------"));
        yield return Op.Call(Printk.Vprintk(cpu, design.Era.Major == 2 ? $"WARNING: at {where}" : $"WARNING: CPU: {cpu.Id} PID: 4242 at {where}"));
        if (k.Cmdline.PanicOnWarn && !k.PanicOnWarnCleared)
        {
            yield return Op.Call(design.Panic(cpu, "panic_on_warn set ..."));
            // Stryker disable once Statement : panic() does not return
            yield break;
        }
        yield return Op.Call(Printk.Vprintk(cpu, "---[ end trace 0000000000000000 ]---"));
    }

    /// <summary>
    /// kernel_restart(NULL) (reboot(2), `reboot -f`): reboot notifiers and device shutdown (not
    /// modelled), "Restarting system", kmsg_dump(KMSG_DUMP_RESTART; SHUTDOWN from ≈5.x), then
    /// machine_restart(): machine_shutdown() stops the other CPUs, then the reset.
    /// </summary>
    public static IEnumerable<Op> KernelRestart(CpuActor cpu, PanicDesign design)
    {
        cpu.Machine.Kernel.Milestone(cpu, "kernel_restart");
        yield return Op.Call(Printk.PrEmerg(cpu, design.Era.RebootPrefix ? "reboot: Restarting system" : "Restarting system."));
        yield return Op.Call(design.KmsgDump(cpu, KmsgDumpReason.Restart));
        yield return Op.Call(MachineShutdown(cpu, design));
        yield return Op.Call(X86.MachineEmergencyRestart(cpu));   // __machine_emergency_restart(0)
    }

    /// <summary>kernel_halt() / kernel_power_off(): "System halted" / "Power down", kmsg_dump(HALT / POWEROFF; SHUTDOWN from ≈5.x), machine_halt() / machine_power_off().</summary>
    public static IEnumerable<Op> KernelHalt(CpuActor cpu, PanicDesign design, bool powerOff)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, powerOff ? "kernel_power_off" : "kernel_halt");
        var prefix = design.Era.RebootPrefix ? "reboot: " : "";
        yield return Op.Call(Printk.PrEmerg(cpu, powerOff ? $"{prefix}Power down{(prefix == "" ? "." : "")}" : $"{prefix}System halted{(prefix == "" ? "." : "")}"));
        yield return Op.Call(design.KmsgDump(cpu, powerOff ? KmsgDumpReason.Poweroff : KmsgDumpReason.Halt));
        yield return Op.Call(MachineShutdown(cpu, design));
        k.MachineStopped = powerOff ? $"powered off by cpu{cpu.Id} (kernel_power_off)" : $"halted by cpu{cpu.Id} (kernel_halt)";
        k.Milestone(cpu, powerOff ? "machine_power_off" : "machine_halt");
        cpu.LocalIrqDisable();
        cpu.Fate = CpuFate.PanicLoop;
        // Stryker disable once Conditional : the halt's label is not reported (a halted CPU's Doing is "halted in <routine>")
        yield return Op.HaltForever(powerOff ? "machine_power_off" : "machine_halt: stop_this_cpu");
    }

    /// <summary>
    /// native_machine_shutdown(): stop_other_cpus() — the kernel asks it to wait (wait = 1); the
    /// emulator uses the panic path's stop of the design's era (simplified: a CPU that never stops is
    /// left after the era's timeout instead of hanging the shutdown).
    /// </summary>
    private static IEnumerable<Op> MachineShutdown(CpuActor cpu, PanicDesign design) =>
        design.Era.Major >= 6 ? X86v6.NativeStopOtherCpus(cpu) : design.Era.Major >= 3 ? X86v3.NativeStopOtherCpus(cpu) : X86.NativeStopOtherCpus(cpu);
}
