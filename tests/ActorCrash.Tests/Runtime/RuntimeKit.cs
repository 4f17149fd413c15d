using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Akka.TestKit;

namespace ActorCrash.Tests.Runtime;

/// <summary>Devices and strategies for the runtime's own tests.</summary>
internal static class RuntimeKit
{
    private sealed class Callback(Action<object> on) : UntypedActor
    {
        protected override void OnReceive(object message) => on(message);
    }

    /// <summary>A device on the calling thread that hands each message to <paramref name="on"/>; started, so a Tell is handled before it returns.</summary>
    public static IActorRef CallbackDevice(ActorSystem system, Action<object> on) =>
        OnCallingThread(system, Props.Create(() => new Callback(on)));

    /// <summary>A device of <paramref name="props"/> on the calling-thread dispatcher (not the machine's board), started.</summary>
    public static IActorRef OnCallingThread(ActorSystem system, Props props)
    {
        var device = system.ActorOf(props.WithDispatcher(CallingThreadDispatcher.Id));
        device.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30)).Wait();
        return device;
    }

    /// <summary>A device that hands each message and its sender to <paramref name="on"/>, as <see cref="CallbackDevice"/>, but as the board's child (<see cref="OnBoard"/>).</summary>
    public static Props CallbackProps(Action<object, IActorRef> on) => Props.Create(() => new SenderCallback(on));

    private sealed class SenderCallback(Action<object, IActorRef> on) : UntypedActor
    {
        protected override void OnReceive(object message) => on(message, Sender);
    }

    /// <summary>A device actor on a new board of <paramref name="runtime"/>'s machine (the deterministic dispatcher, supervised as a machine's devices are), started.</summary>
    public static IActorRef OnBoard(ActorSystem system, MachineRuntime runtime, string name, Props props) =>
        OnBoard(Actors.Akka.DeviceHost.NewBoard(system, runtime), name, props);

    /// <summary>Another device actor on <paramref name="board"/>, started.</summary>
    public static IActorRef OnBoard(IActorRef board, string name, Props props)
    {
        var device = board.Ask<IActorRef>(new Actors.Akka.AddDevice(name, props)).GetAwaiter().GetResult();
        device.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return device;
    }
}

/// <summary>Answers NextDelivery from a script (cycled; none = always the first) and records the send sequences it was offered.</summary>
internal class ScriptedPicks(params int[] picks) : ISchedulingStrategy
{
    private int _next;
    public List<long[]> Offered { get; } = [];
    public virtual string Name => "scripted";
    public void Start(ulong seed) => _next = 0;

    public int NextDelivery(ReadOnlySpan<Pending> candidates)
    {
        var seqs = new long[candidates.Length];
        for (var i = 0; i < seqs.Length; i++) seqs[i] = candidates[i].Seq;
        Offered.Add(seqs);
        return picks.Length == 0 ? 0 : picks[_next++ % picks.Length] % candidates.Length;
    }

    public virtual long NextInRange(long min, long max) => min;
}
