using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

/// <summary>Harness → itself: the fault's time has come.</summary>
internal sealed record InjectFault(FaultSpec Fault) : Message;

/// <summary>
/// The scenario's device faults (machine.faults): at each fault's virtual time it changes the device
/// model (a bit flip, a part that starts rejecting stores) of persistent RAM, the MTD flash or the
/// EFI variable store. Faults live in the devices and the harness, never in a design.
/// </summary>
public sealed class FaultActor(Machine machine, Nvram nvram, IReadOnlyList<FaultSpec> faults) : DeviceActor("faults", machine.Runtime)
{
    protected override void Receive(Message message)
    {
        if (message is not InjectFault { Fault: var f }) return;
        var (device, kind) = (f.Device, f.Fault);
        if (kind == FaultKinds.PowerLoss)
        {
            Runtime.Send(Address, machine.Firmware, PowerLoss.Instance);
            return;
        }
        if (Store(device) is not { } store)
        {
            machine.Note(-1, $"fault: no {device} device registered, {kind} has nothing to damage");
            return;
        }
        switch (kind)
        {
            case FaultKinds.BitFlip:
                for (var i = 0; i < f.Bytes; i++) store.FlipBits(f.Offset + i, (byte)(1 << (i % 8)));
                machine.Note(-1, $"fault: bit flips in {f.Bytes} byte(s) of {device} at {f.Offset}");
                break;
            case FaultKinds.SlowWrite:
                store.Slowdown = f.Bytes;
                machine.Note(-1, $"fault: {device} stores {f.Bytes} times slower from now on");
                break;
            case FaultKinds.WriteError:
                store.Refusing = StoreRefusal.WriteError;
                machine.Note(-1, $"fault: {device} rejects every store from now on");
                break;
            case FaultKinds.Full:
                store.Refusing = StoreRefusal.Full;
                machine.Note(-1, $"fault: {device} is full: every store from now on fails for want of space");
                break;
            case FaultKinds.PartialWrite:
                store.PartialNextStore = f.Bytes;
                machine.Note(-1, $"fault: the next {device} store lands only its first {f.Bytes} byte(s)");
                break;
        }
    }

    // The device a fault names; the MTD flash and the EFI variable store belong to their dumpers.
    private IFaultableStore? Store(string device) => device switch
    {
        FaultKinds.Mtd => machine.Kernel.DumpList.OfType<Mtdoops>().FirstOrDefault()?.Flash,
        FaultKinds.Efi => machine.Kernel.DumpList.OfType<EfiPstore>().FirstOrDefault()?.Store,
        _ => nvram,
    };

    // Runs at the start of every run, after the queue is cleared: schedule this run's faults.
    protected override void Reset()
    {
        foreach (var f in faults) Runtime.Send(Address, Address, new InjectFault(f), f.AtNs);
    }
}
