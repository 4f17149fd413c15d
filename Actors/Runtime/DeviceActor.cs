using Akka.Actor;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// What every built-in device of the emulated machine shares (each CPU, the interrupt controller,
/// NVRAM, the MTD chip, the crash kernel, the firmware, the watchdog, the harness, the fault
/// injector): an Akka <see cref="UntypedActor"/> on the deterministic dispatcher, created once per
/// machine under its <see cref="Akka.DeviceBoard"/> and reset between runs by <see cref="ResetDevice"/>.
/// It owns its state and changes it only in <see cref="Receive"/>; it never Tells another device but
/// posts through <see cref="Runtime"/>, which delivers with the sending device as <c>Sender</c>.
/// </summary>
public abstract class DeviceActor : UntypedActor
{
    protected DeviceActor(string name, MachineRuntime runtime)
    {
        Name = name;
        Runtime = runtime;
    }

    /// <summary>The device's name in the trace and its actor name ("cpu0", "nvram").</summary>
    public string Name { get; }

    /// <summary>Its address in the runtime's pending set (set when the machine registers it).</summary>
    public ActorId Address { get; internal set; } = ActorId.None;

    public MachineRuntime Runtime { get; }

    /// <summary>The machine registered this device (its <see cref="Address"/> is set). A CPU hands the runtime the objects a delivery to it reads, to be prefetched.</summary>
    protected internal virtual void Registered() { }

    protected long Now => Runtime.Now;

    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case Message m:
                Receive(m);
                break;
            case ResetDevice:
                Reset();
                break;
            default:
                OnControl(message);
                break;
        }
    }

    /// <summary>Handles one delivery (the runtime's choice of what comes next). Runs to completion; nothing else is delivered meanwhile.</summary>
    protected abstract void Receive(Message message);

    /// <summary>Back to the power-on state before a run.</summary>
    protected abstract void Reset();

    /// <summary>A control message from the machine (not a delivery, never traced), e.g. a CPU's power-on.</summary>
    protected virtual void OnControl(object message) => Unhandled(message);
}

/// <summary>
/// Creates a device through its constructor and hands the instance to the machine, which keeps it
/// for the kernel code that runs on it and for the run's report. A restart by the supervisor would
/// produce a fresh instance the same way.
/// </summary>
internal sealed class DeviceProducer<T>(Func<T> make, Action<T> created) : IIndirectActorProducer where T : ActorBase
{
    public Type ActorType => typeof(T);

    public ActorBase Produce()
    {
        var actor = make();
        created(actor);
        return actor;
    }

    public void Release(ActorBase actor) { }

    public static Props Props(Func<T> make, Action<T> created) => global::Akka.Actor.Props.CreateBy(new DeviceProducer<T>(make, created));
}
