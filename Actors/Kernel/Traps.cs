using ActorCrash.Actors.Designs;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The other ways into the crash path: an oops (die() → oops_end(), arch/x86/kernel/dumpstack.c and
/// kernel/panic.c's oops_exit()) and a stray store into the crash-kernel region. The design decides
/// what crash_kexec(), kmsg_dump() and panic() do; the order here is the same in every era.
/// </summary>
/// <summary>Where die() runs: an ordinary task, a hard interrupt handler, or an NMI handler.</summary>
public enum OopsContext { Task, Irq, Nmi }

public static class Traps
{
    // The oopsing task: an ordinary process in process context (not init, not the idle task), so
    // kexec_should_crash() comes down to the interrupt context and panic_on_oops.
    private const int OopsPid = 4242;
    private const string OopsComm = "modprobe";

    /// <summary>__die()'s report after the "Oops:" line, in the era's words.</summary>
    private static IEnumerable<string> OopsReport(KernelEra era, bool kdumpLoaded)
    {
        yield return era.StackHeader(0, OopsPid, OopsComm, kdumpLoaded).Replace("CPU: 0 ", "CPU: 0 ", StringComparison.Ordinal);
        if (era.HardwareNameLine) yield return "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014";
        yield return era.TraceAddresses
            ? "RIP: 0010:[<ffffffffa0000021>]  [<ffffffffa0000021>] crash_init+0x21/0x30 [crash]"
            : "RIP: 0010:crash_init+0x21/0x30 [crash]";
        yield return "Call Trace:";
        if (era.TaskBrackets) yield return " <TASK>";
        foreach (var (address, frame) in new[] { ("ffffffff81002042", "do_one_initcall+0x42/0x170"), ("ffffffff810a5f4b", "sys_init_module+0xbb/0x200"),
                     ("ffffffff8100b0f2", "system_call_fastpath+0x16/0x1b") })
            yield return era.TraceAddresses ? $" [<{address}>] {frame}" : $" {frame}";
        if (era.TaskBrackets) yield return " </TASK>";
    }

    /// <summary>
    /// die(str, regs, err): oops_begin() (interrupts off, bust_spinlocks(1)), __die() prints the oops,
    /// then oops_end(): if kexec_should_crash(current), crash_kexec(regs) directly — before
    /// oops_exit()'s kmsg_dump(KMSG_DUMP_OOPS) — then panic("Fatal exception") if panic_on_oops.
    /// Otherwise do_exit(SIGSEGV) kills the task and the CPU goes back to what it was doing.
    /// </summary>
    public static IEnumerable<Op> Die(CpuActor cpu, string str, PanicDesign design, OopsContext context = OopsContext.Task)
    {
        var k = cpu.Machine.Kernel;
        k.Milestone(cpu, context == OopsContext.Task ? $"oops: {str}" : $"oops in {(context == OopsContext.Irq ? "interrupt" : "NMI")} context: {str}");
        if (context == OopsContext.Nmi) cpu.Apic.AcceptNmi();   // inside an NMI handler: further NMIs are blocked
        var inInterrupt = context != OopsContext.Task;          // in_interrupt(): hard IRQ or NMI
        // oops_begin(): raw_local_irq_save(); die_lock; oops_enter(); bust_spinlocks(1)
        var flags = cpu.LocalIrqSave();
        Printk.BustSpinlocks(cpu, true);
        // __die()
        var era = design.Era;
        yield return Op.Call(Printk.Vprintk(cpu, $"{str}: 0002 [#1] {era.OopsFlags}", LogLevel.Alert));
        foreach (var line in OopsReport(era, k.KexecCrashImageLoaded)) yield return Op.Call(Printk.Vprintk(cpu, line));

        // oops_end()
        if (design.KexecShouldCrash(cpu, inInterrupt))
            yield return Op.Call(design.CrashKexec(cpu));
        Printk.BustSpinlocks(cpu, false);
        k.TaintDie = true;  // add_taint(TAINT_DIE)
        cpu.LocalIrqRestore(flags);
        // oops_exit(): print_oops_end_marker(); kmsg_dump(KMSG_DUMP_OOPS)
        yield return Op.Call(Printk.Vprintk(cpu, "---[ end trace 4a2f9e1c5d3b7086 ]---"));
        yield return Op.Call(design.KmsgDump(cpu, KmsgDumpReason.Oops));
        if (inInterrupt)
        {
            yield return Op.Call(design.Panic(cpu, "Fatal exception in interrupt"));
            // Stryker disable once Statement : panic() does not return
            yield break;
        }
        if (k.PanicOnOops)
        {
            yield return Op.Call(design.Panic(cpu, "Fatal exception"));
            // Stryker disable once Statement : panic() does not return
            yield break;
        }
        k.Milestone(cpu, "oops: do_exit(SIGSEGV), the machine runs on");
    }

    /// <summary>
    /// Code running on <paramref name="cpu"/> stores through a corrupted pointer into the reserved
    /// crash-kernel region (Vivek: CPUs left running "scribbling on old memory and possibly on new
    /// kernel's memory"). From ≈4.6 the loaded region is mapped read-only
    /// (arch_kexec_protect_crashkres): the store faults instead of landing. The oops that fault
    /// raises is not modelled. A stopped CPU runs nothing, so it writes nothing.
    /// </summary>
    public static IEnumerable<Op> StrayWrite(CpuActor cpu, bool regionProtected)
    {
        if (regionProtected)
        {
            cpu.Machine.Kernel.Milestone(cpu, "stray write into the crash-kernel region faults: mapped read-only (arch_kexec_protect_crashkres)");
            yield break;
        }
        cpu.SendToDevice(cpu.Machine.CrashKernel, new ScribbleCrashKernel(0x1c0));
    }
}
