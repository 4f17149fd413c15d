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
    public static IActorRef CallbackDevice(ActorSystem system, Action<object> on)
    {
        var device = system.ActorOf(Props.Create(() => new Callback(on)).WithDispatcher(CallingThreadDispatcher.Id));
        device.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30)).Wait();
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
