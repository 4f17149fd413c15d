using Akka.Actor;
using AkkaConfig = Akka.Configuration.Config;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// The message queue of a built-in device actor (<see cref="DeviceActor"/>), configured as
/// <c>actorcrash.device-mailbox</c> in akka.hocon. On the deterministic dispatcher a device's mailbox
/// is drained on the Telling thread before Tell returns, and only its machine's thread Tells it (the
/// runtime's deliveries, the machine's control messages), so the queue holds one envelope almost
/// always and is never used from two threads at once. Akka's default queue is a lock-free
/// <c>ConcurrentQueue</c>: four objects and a 32-slot ring per actor whose enqueue position moves
/// round the ring, so at 4096 CPUs each delivery touched a cache line that had long left the cache.
/// This one keeps the envelope in a field (a FIFO list only if a device ever has more than one
/// waiting), which keeps the cost of a delivery flat as the CPU count grows. Order and content of
/// deliveries are unchanged: a run is byte-identical with either queue.
/// </summary>
public sealed class DeviceMailbox : MailboxType, IProducesMessageQueue<DeviceMessageQueue>
{
    /// <summary>The mailbox's id in akka.hocon.</summary>
    public const string ConfigId = "actorcrash.device-mailbox";

    public DeviceMailbox(Settings settings, AkkaConfig config) : base(settings, config) { }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new DeviceMessageQueue();
}

/// <summary>A FIFO of envelopes for one thread at a time (see <see cref="DeviceMailbox"/>): the first in a field, the rest in a queue.</summary>
public sealed class DeviceMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private Envelope _first;
    private int _count;
    private Queue<Envelope>? _rest;

    public bool HasMessages => _count > 0;

    public int Count => _count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        if (_count == 0) _first = envelope;
        else (_rest ??= new Queue<Envelope>()).Enqueue(envelope);
        _count++;
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (_count == 0)
        {
            envelope = default;
            return false;
        }
        envelope = _first;
        _count--;
        // The next in line moves up to the field (FIFO); the field drops its reference when the queue empties.
        _first = _count > 0 ? _rest!.Dequeue() : default;
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
