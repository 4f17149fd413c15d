using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

/// <summary>Harness → itself: the fault's time has come.</summary>
internal sealed record InjectFault(FaultSpec Fault) : Message;

/// <summary>
/// The scenario's device faults (machine.faults): at each fault's virtual time it changes the device
/// model (a bit flip, a part that starts rejecting stores). Faults live in the devices and the
/// harness, never in a design.
/// </summary>
public sealed class FaultActor(Machine machine, Nvram nvram, IReadOnlyList<FaultSpec> faults) : EmulatedActor("faults")
{
    protected internal override void Receive(ActorId from, Message message)
    {
        if (message is not InjectFault { Fault: var f }) return;
        switch (f.Fault)
        {
            case FaultKinds.BitFlip:
                for (var i = 0; i < f.Bytes; i++) nvram.FlipBits(f.Offset + i, (byte)(1 << (i % 8)));
                machine.Note(-1, $"fault: bit flips in {f.Bytes} byte(s) of nvram at {f.Offset}");
                break;
            case FaultKinds.SlowWrite:
                nvram.Slowdown = f.Bytes;
                machine.Note(-1, $"fault: nvram stores {f.Bytes} times slower from now on");
                break;
            case FaultKinds.WriteError:
                nvram.RejectStores = true;
                machine.Note(-1, "fault: nvram rejects every store from now on");
                break;
            case FaultKinds.PartialWrite:
                nvram.PartialNextStore = f.Bytes;
                machine.Note(-1, $"fault: the next nvram store lands only its first {f.Bytes} byte(s)");
                break;
            case FaultKinds.PowerLoss:
                Runtime.Send(Self, machine.Firmware, PowerLoss.Instance);
                break;
        }
    }

    // Runs at the start of every run, after the queue is cleared: schedule this run's faults.
    protected internal override void Reset()
    {
        foreach (var f in faults) Runtime.Send(Self, Self, new InjectFault(f), f.AtNs);
    }
}
