using System.Text;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;
using Akka.Actor;

namespace ActorCrash.TestDevices;

/// <summary>
/// A vendor's dump device as an ordinary Akka actor (scenario: machine.actor-dumpers =
/// ["ActorCrash.TestDevices.NetDumper, ActorCrash.TestDevices"]): it keeps the last line of each dump
/// in persistent RAM at <see cref="Offset"/>, reports the record for the next boot, and completes.
/// </summary>
public sealed class NetDumper : ReceiveActor
{
    public const int Offset = 60_000;

    public NetDumper(DumperPort port)
    {
        var dumps = 0;
        Receive<ResetDevice>(_ => dumps = 0);
        Receive<KmsgDumpRequest>(r =>
        {
            var from = port.Cpus.ToList().IndexOf(Sender);
            port.Note($"{r.Text.Length} bytes of {r.Reason} from {(from >= 0 ? $"cpu{from}" : Sender.Path.Name)}");
            var last = r.Text.TrimEnd('\n').Split('\n')[^1];
            port.StoreNvram(Offset, Encoding.ASCII.GetBytes(last), delayNs: 1_000);
            port.Saved($"netdump-{dumps++}", r.Reason, r.Text);
            port.Complete();
        });
    }
}

/// <summary>A device with a bug: it throws on every dump request.</summary>
public sealed class BrokenDumper : ReceiveActor
{
    public BrokenDumper(DumperPort port)
    {
        Receive<ResetDevice>(_ => { });
        Receive<KmsgDumpRequest>(_ => throw new InvalidOperationException("brokendumper: ring buffer index out of range"));
    }
}

/// <summary>Not an actor: a scenario naming it is rejected.</summary>
public sealed class NotAnActor;

/// <summary>An actor a machine cannot construct (no DumperPort constructor): a scenario naming it is rejected.</summary>
public sealed class NoPortActor : ReceiveActor;
