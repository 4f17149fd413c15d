namespace ActorCrash.Actors.Runtime;

/// <summary>Index of a device actor in its machine's runtime. Stable across runs of the same machine.</summary>
public readonly record struct ActorId(int Index)
{
    public static readonly ActorId None = new(-1);
    public override string ToString() => Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Base of every message between the emulated machine's device actors: small immutable records. Their
/// printed form is part of the trace, so every field must print deterministically (no collections,
/// no hash codes).
/// </summary>
public abstract record Message;

/// <summary>
/// A message on its way: delivered at <see cref="Due"/>; <see cref="Seq"/> orders sends. The message
/// itself waits in the runtime's slot <see cref="Slot"/>, so moving a pending delivery around the
/// queue copies no object reference (no GC write barrier).
/// </summary>
public struct Pending
{
    public long Due;
    public long Seq;
    public ActorId From;
    public ActorId To;
    internal int Slot;
}

/// <summary>One delivered message, as the trace records it.</summary>
public readonly record struct TraceEntry(long Time, ActorId From, ActorId To, Message Message);

/// <summary>
/// Machine → every device actor, before each run (not a delivery: never traced): back to the
/// power-on state. The runtime's queue is empty when it arrives; a device may post its first messages.
/// </summary>
public sealed record ResetDevice
{
    public static readonly ResetDevice Instance = new();
}
