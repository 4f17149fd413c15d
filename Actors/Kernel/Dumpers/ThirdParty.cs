using ActorCrash.Config;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// An unaudited module's kmsg dumper, scripted so a scenario can model the drivers the 2011 thread
/// worried about: one that hangs, takes a lock, spins, needs an interrupt or a workqueue, sleeps,
/// writes slowly, fails, or resets the machine. It has no storage of its own.
/// </summary>
public sealed class ThirdParty(ThirdPartyParams p) : KmsgDumper("thirdparty")
{
    public override IReadOnlyList<string> BootMessages => [$"thirdparty: registered kmsg dumper ({p.Behaviour})"];

    public override void Reset() { }

    public override IReadOnlyList<NvramRecord> ReadBack() => [];

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd)
    {
        cpu.Machine.Kernel.Milestone(cpu, $"thirdparty: dump({Kmsg.Name(reason)}): {p.Behaviour}");
        // The script's steps run as this dump() itself (not a callee), so a backtrace or a fault in
        // them names the dumper's dump(), as the kernel's would.
        foreach (var op in Scripted.Run(cpu, p, "thirdparty dumper", rebootNeverReturns: false)) yield return op;
    }
}

/// <summary>
/// Kernel code a scenario scripts (a third-party dumper's dump(), a panic notifier's callback): it
/// returns, hangs, takes a lock, spins, needs an interrupt or a workqueue, sleeps, is slow, fails, or
/// resets the machine — run on the calling CPU under its interrupt state.
/// </summary>
public static class Scripted
{
    public static IEnumerable<Op> Run(CpuActor cpu, ThirdPartyParams p, string who, bool rebootNeverReturns)
    {
        var k = cpu.Machine.Kernel;
        switch (p.Behaviour)
        {
            case "return":
                yield return Op.Delay(cpu.Machine.Timing.StepNs);
                break;
            case "hang":
                yield return Op.SpinForever($"{who}: hung");
                break;
            case "take-lock":
            {
                // spin_lock_irqsave(): a lock whose holder was stopped is never released.
                var l = k.Lock(p.Lock!);
                var flags = cpu.LocalIrqSave();
                yield return Op.SpinLock(l);
                yield return ForAWhile(p, $"{who}: holding {l.Name}");
                cpu.Unlock(l);
                cpu.LocalIrqRestore(flags);
                break;
            }
            case "spin-irqs-off" or "spin-irqs-on":
            {
                var flags = cpu.Apic.InterruptsEnabled;
                if (p.Behaviour == "spin-irqs-off") cpu.LocalIrqDisable();
                else cpu.LocalIrqEnable();
                yield return ForAWhile(p, $"{who}: spinning ({p.Behaviour})");
                cpu.LocalIrqRestore(flags);
                break;
            }
            case "need-irq":
                yield return NeedsInterrupts(cpu, p, $"{who}: waiting for its device's interrupt with interrupts off");
                break;
            case "sleep":
                // msleep() in atomic context: nothing else can run, and only the timer interrupt ends it.
                yield return Op.Call(Printk.Vprintk(cpu, $"BUG: scheduling while atomic: swapper/{cpu.Id}/0/0x00000002"));
                yield return NeedsInterrupts(cpu, p, $"{who}: sleeping with interrupts off (no timer tick wakes it)");
                break;
            case "need-workqueue":
                // schedule_work() + flush_work(): some other online CPU must run the kworker.
                if (cpu.Machine.Cpus.Any(c => c.Id != cpu.Id && k.Online[c.Id] && c.Fate is CpuFate.Running or CpuFate.Idle))
                    yield return Op.Delay(p.TimeNs);
                else
                    yield return Op.SpinForever($"{who}: flush_work() with no CPU left to run the kworker");
                break;
            case "slow-write" or "slow":
                yield return ForAWhile(p, $"{who}: {(p.Behaviour == "slow" ? "working" : "writing")}");
                break;
            case "fail":
                yield return Op.Call(Printk.Vprintk(cpu, $"{who}: failed, error -{Pstore.EIO}"));
                break;
            case "fault":
                // A bug in the module: its dump() dereferences a bad pointer. The exception is the fault;
                // the CPU actor's supervisor resumes the CPU, which oopses here (CpuActor.Oops).
                throw new InvalidOperationException("BUG: unable to handle kernel NULL pointer dereference in thirdparty_dump");
            case "reboot":
                // A driver (or a hypervisor's panic notifier: Hyper-V, Xen) that resets the machine itself.
                k.Milestone(cpu, $"{who}: resetting the machine");
                cpu.SendToDevice(cpu.Machine.Firmware, new EmergencyRestart(cpu.Id));
                if (rebootNeverReturns) yield return Op.SpinForever($"{who}: waiting for the reset");
                else yield return Op.Delay(p.TimeNs);
                break;
        }
    }

    private static Op ForAWhile(ThirdPartyParams p, string what) => p.TimeNs > 0 ? Op.Delay(p.TimeNs) : Op.SpinForever(what);

    private static Op NeedsInterrupts(CpuActor cpu, ThirdPartyParams p, string forever) =>
        cpu.Apic.InterruptsEnabled ? Op.Delay(p.TimeNs) : Op.SpinForever(forever);
}
