using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

// ---- the interrupt controller (local APICs and the IPI fabric) ----

/// <summary>CPU → interrupt controller: a fixed-vector IPI to every CPU but <paramref name="AllButCpu"/> (the APIC's all-but-self shorthand).</summary>
public sealed record SendIpi(InterruptVector Vector, int AllButCpu) : Message;

/// <summary>CPU → interrupt controller: NMI_VECTOR to every CPU but <paramref name="AllButCpu"/>.</summary>
public sealed record SendNmi(int AllButCpu) : Message;

/// <summary>
/// The IPI/NMI fabric: fans an ICR write out to the target CPUs, each delivery with its own seeded
/// latency. Whether a target takes it is the target's business (its <see cref="LocalApic"/>).
/// </summary>
public sealed class InterruptControllerActor(Machine machine) : DeviceActor("apic", machine.Runtime)
{
    protected override void Receive(Message message)
    {
        var t = machine.Timing;
        switch (message)
        {
            case SendIpi ipi:
                var deliver = new DeliverIpi(ipi.Vector);
                for (var cpu = 0; cpu < machine.CpuCount; cpu++)
                    if (cpu != ipi.AllButCpu) Runtime.Send(Address, machine.CpuAddress(cpu), deliver, t.IpiLatencyMinNs, t.IpiLatencyMaxNs);
                break;
            case SendNmi nmi:
                var deliverNmi = new DeliverNmi(NmiSource.Ipi);
                for (var cpu = 0; cpu < machine.CpuCount; cpu++)
                    if (cpu != nmi.AllButCpu) Runtime.Send(Address, machine.CpuAddress(cpu), deliverNmi, t.NmiLatencyMinNs, t.NmiLatencyMaxNs);
                break;
        }
    }

    protected override void Reset() { }
}

// ---- persistent RAM ----

/// <summary>
/// Whose bytes a store to a shared part carries: the driver's own count of what landed and what the
/// part rejected (several drivers — ramoops, the NVRAM console, a test dumper — may share one NVRAM).
/// </summary>
internal interface IStoreAccount
{
    void Stored(int landed, int rejected);
}

/// <summary>CPU → NVRAM: bytes stored at an offset (one chunk of a memcpy). Printed without its bytes.</summary>
public sealed record NvramStore(int Offset, ReadOnlyMemory<byte> Data) : Message
{
    /// <summary>The driver whose count the store goes to (not a field of the trace: internal).</summary>
    internal IStoreAccount? Account { get; init; }

    protected override bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append("Offset = ").Append(Offset).Append(", Length = ").Append(Data.Length);
        return true;
    }
}

/// <summary>CPU → NVRAM: a range set to one value (one chunk of a memset).</summary>
public sealed record NvramFill(int Offset, int Length, byte Value) : Message
{
    /// <summary>The driver whose count the fill goes to (not a field of the trace: internal).</summary>
    internal IStoreAccount? Account { get; init; }
}

/// <summary>Persistent RAM. Stores land when they arrive; a reset before that loses them, tearing the record.</summary>
public sealed class NvramActor(Nvram device, MachineRuntime runtime) : DeviceActor("nvram", runtime)
{
    public Nvram Device => device;

    protected override void Receive(Message message)
    {
        switch (message)
        {
            case NvramStore s:
                var stored = device.Store(s.Offset, s.Data.Span);
                s.Account?.Stored(stored, s.Data.Length - stored);
                break;
            case NvramFill f:
                var filled = device.Fill(f.Offset, f.Length, f.Value);
                f.Account?.Stored(filled, f.Length - filled);
                break;
        }
    }

    protected override void Reset() => device.PowerOn();
}

// ---- kdump: purgatory and the crash kernel ----

/// <summary>CPU → crash kernel: machine_kexec() jumped to purgatory.</summary>
public sealed record MachineKexec(int Cpu) : Message;

/// <summary>Harness → crash kernel: a stray write lands in the reserved region.</summary>
public sealed record ScribbleCrashKernel(int Offset) : Message;

/// <summary>Crash kernel → itself: boot finished / makedumpfile finished.</summary>
public sealed record CrashKernelStep(string Stage) : Message;

/// <summary>
/// The reserved crash-kernel region, purgatory and the kdump kernel. Purgatory checks the region's
/// SHA-256 and loops forever on a mismatch (no message, no reboot); otherwise the crash kernel boots
/// on one CPU and saves /proc/vmcore, and the machine is done.
/// </summary>
public sealed class CrashKernelActor(Machine machine, CrashKernelRegion region) : DeviceActor("kdump", machine.Runtime)
{
    public bool Kexeced { get; private set; }
    public bool Booted { get; private set; }
    public bool VmcoreSaved { get; private set; }
    public bool PurgatoryLooping { get; private set; }
    public bool BootFailed { get; private set; }
    public int KexecCpu { get; private set; } = -1;

    protected override void Receive(Message message)
    {
        var spec = machine.Spec.Machine.Kdump;
        switch (message)
        {
            case ScribbleCrashKernel s:
                region.Scribble(s.Offset, (byte)(s.Offset * 13));
                machine.Note(-1, $"stray write into the crash-kernel region at +{s.Offset}");
                break;
            case MachineKexec k when !Kexeced:
                Kexeced = true;
                KexecCpu = k.Cpu;
                if (!region.DigestMatches())
                {
                    PurgatoryLooping = true;
                    machine.Note(k.Cpu, "purgatory: SHA-256 mismatch, looping forever");
                    break;
                }
                Runtime.Send(Address, Address, new CrashKernelStep("boot"), spec.BootNs);
                break;
            case CrashKernelStep { Stage: "boot" }:
                if (spec.BootFails)
                {
                    BootFailed = true;
                    machine.Note(KexecCpu, "crash kernel: boot failed, no vmcore");
                    break;
                }
                Booted = true;
                machine.Note(KexecCpu, "crash kernel booted: /proc/vmcore ready");
                Runtime.Send(Address, Address, new CrashKernelStep("capture"), spec.CaptureNs);
                break;
            case CrashKernelStep { Stage: "capture" }:
                VmcoreSaved = true;
                machine.Note(KexecCpu, "vmcore saved (makedumpfile)");
                Runtime.Stop();
                break;
        }
    }

    protected override void Reset()
    {
        region.Reload();
        Kexeced = Booted = VmcoreSaved = PurgatoryLooping = BootFailed = false;
        KexecCpu = -1;
    }
}

// ---- the reset line and the hardware watchdog ----

/// <summary>CPU → firmware: machine_emergency_restart().</summary>
public sealed record EmergencyRestart(int Cpu) : Message;

/// <summary>Watchdog → firmware: the timeout expired.</summary>
public sealed record WatchdogExpired : Message
{
    public static readonly WatchdogExpired Instance = new();
}

/// <summary>Harness → firmware: the machine loses power.</summary>
public sealed record PowerLoss : Message
{
    public static readonly PowerLoss Instance = new();
}

/// <summary>The reset line: a warm reset ends the run (persistent RAM keeps its contents); power loss wipes RAM that is not backed.</summary>
public sealed class FirmwareActor(Machine machine) : DeviceActor("firmware", machine.Runtime)
{
    public string? ResetCause { get; private set; }
    public int ResetCpu { get; private set; } = -1;

    protected override void Receive(Message message)
    {
        if (ResetCause is not null) return;
        switch (message)
        {
            case EmergencyRestart r:
                ResetCause = "emergency_restart";
                ResetCpu = r.Cpu;
                break;
            case WatchdogExpired:
                ResetCause = "hardware watchdog";
                break;
            case PowerLoss:
                var backed = machine.Spec.Machine.Nvram.BatteryBacked;
                ResetCause = backed ? "power loss (battery-backed RAM kept)" : "power loss (RAM contents lost)";
                machine.NvramDevice.PowerLoss(backed);
                break;
            default:
                return;
        }
        machine.Note(ResetCpu, $"machine reset ({ResetCause})");
        Runtime.Stop();
    }

    protected override void Reset()
    {
        ResetCause = null;
        ResetCpu = -1;
    }
}

/// <summary>Machine → watchdog, after the CPUs' power-on (a control message, not traced): start counting.</summary>
public sealed record ArmWatchdog
{
    public static readonly ArmWatchdog Instance = new();
}

/// <summary>A hardware watchdog: nobody pings it during the panic, so it fires at last-ping + timeout.</summary>
public sealed class WatchdogActor(Machine machine, HardwareWatchdog model) : DeviceActor("watchdog", machine.Runtime)
{
    protected override void OnControl(object message)
    {
        if (message is not ArmWatchdog) Unhandled(message);
        else if (model.Enabled) Runtime.Send(Address, machine.Firmware, WatchdogExpired.Instance, Math.Max(0, model.ExpiresAtNs));
    }

    protected override void Receive(Message message) { }

    protected override void Reset() { }
}

/// <summary>
/// The scenario's harness: it injects the triggers and faults at their virtual times. Faults live
/// here and in the devices, never in a design.
/// </summary>
public sealed class HarnessActor(MachineRuntime runtime) : DeviceActor("harness", runtime)
{
    protected override void Receive(Message message) { }

    protected override void Reset() { }
}
