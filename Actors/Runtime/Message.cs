namespace ActorCrash.Actors.Runtime;

/// <summary>Index of an emulated actor in its machine. Stable across runs of the same machine.</summary>
public readonly record struct ActorId(int Index)
{
    public static readonly ActorId None = new(-1);
    public override string ToString() => Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Base of every message between emulated actors: small immutable records. Their printed form is
/// part of the trace, so every field must print deterministically (no collections, no hash codes).
/// </summary>
public abstract record Message;

/// <summary>A message on its way: delivered at <see cref="Due"/>; <see cref="Seq"/> orders sends.</summary>
public struct Pending
{
    public long Due;
    public long Seq;
    public ActorId From;
    public ActorId To;
    public Message Message;
}

/// <summary>One delivered message, as the trace records it.</summary>
public readonly record struct TraceEntry(long Time, ActorId From, ActorId To, Message Message);
