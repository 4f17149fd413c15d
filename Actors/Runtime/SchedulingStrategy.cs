using ActorCrash.Hardware;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// The scheduler seam: every nondeterministic choice of a run goes through one of these calls, and
/// nothing else decides. The runtime asks only real choices (two or more candidates, a range wider
/// than one value) and records each answer, so a run is replayed from its decision list.
/// </summary>
public interface ISchedulingStrategy
{
    string Name { get; }

    /// <summary>Called before each run.</summary>
    void Start(ulong seed);

    /// <summary>Which of the messages due at this instant goes first (candidates.Length ≥ 2).</summary>
    int NextDelivery(ReadOnlySpan<Pending> candidates);

    /// <summary>A latency, timing or fault choice in [min, max] (min &lt; max).</summary>
    long NextInRange(long min, long max);
}

/// <summary>The default: seeded uniform choices of order and latency.</summary>
public sealed class RandomStrategy : ISchedulingStrategy
{
    private readonly SimRandom _random = new(0);

    public string Name => "random";
    public void Start(ulong seed) => _random.Reseed(seed);
    public int NextDelivery(ReadOnlySpan<Pending> candidates) => (int)_random.Below((ulong)candidates.Length);
    public long NextInRange(long min, long max) => _random.Between(min, max);
}

/// <summary>Replays a recorded decision list exactly; reports the first point where the run asks something else.</summary>
public sealed class ReplayStrategy(IReadOnlyList<long> decisions) : ISchedulingStrategy
{
    private int _next;

    public string Name => "replay";
    public void Start(ulong seed) => _next = 0;

    public int NextDelivery(ReadOnlySpan<Pending> candidates)
    {
        var d = Take();
        if (d < 0 || d >= candidates.Length)
            throw new ReplayDivergedException($"decision {_next - 1}: recorded {d}, but only {candidates.Length} messages were due");
        return (int)d;
    }

    public long NextInRange(long min, long max)
    {
        var d = Take();
        if (d < min || d > max)
            throw new ReplayDivergedException($"decision {_next - 1}: recorded {d}, outside [{min}, {max}]");
        return d;
    }

    private long Take() => _next < decisions.Count
        ? decisions[_next++]
        : throw new ReplayDivergedException($"decision {_next}: the recording has only {decisions.Count} decisions");
}

public sealed class ReplayDivergedException(string message) : Exception(message);
