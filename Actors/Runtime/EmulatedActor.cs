namespace ActorCrash.Actors.Runtime;

/// <summary>
/// An actor of the emulated machine: it owns its state and changes it only when the runtime hands it
/// a message. It never calls another actor; it sends. Actors are built once per machine and reset
/// between runs, so a run costs no allocation of actors.
/// </summary>
public abstract class EmulatedActor
{
    protected EmulatedActor(string name) => Name = name;

    public string Name { get; }
    public ActorId Self { get; internal set; } = ActorId.None;
    protected internal MachineRuntime Runtime { get; internal set; } = null!;

    /// <summary>Handles one message. Runs to completion; the runtime delivers nothing else meanwhile.</summary>
    protected internal abstract void Receive(ActorId from, Message message);

    /// <summary>Back to the power-on state before a run.</summary>
    protected internal abstract void Reset();

    protected long Now => Runtime.Now;
}
