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

    /// <summary>
    /// The latency of a message <paramref name="from"/> → <paramref name="to"/> in [min, max]. By
    /// default a plain <see cref="NextInRange"/>; priority-based strategies (PCT) override it to give
    /// a high-priority receiver the short latency.
    /// </summary>
    long NextLatency(ActorId from, ActorId to, long min, long max) => NextInRange(min, max);

    /// <summary>
    /// A fault or trigger time in [min, max] for an event that will land on <paramref name="to"/>. By
    /// default a plain <see cref="NextInRange"/>; exhaustive search overrides it to place the event
    /// just before and after the deliveries to that actor it could fall between.
    /// </summary>
    long NextTime(ActorId to, long min, long max) => NextInRange(min, max);
}

/// <summary>
/// A strategy that reads the run as it goes — the clock, the step count, the deliveries so far
/// (<see cref="MachineRuntime.Trace"/>) — e.g. PCT's change points over steps, exhaustive search's
/// timing instants. <see cref="MachineRuntime.Start"/> attaches it before <see cref="ISchedulingStrategy.Start"/>.
/// It only reads: every choice still goes through the strategy's answers.
/// </summary>
public interface IRuntimeObserver
{
    void Attach(MachineRuntime runtime);
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

/// <summary>
/// Replays a recorded decision list exactly; reports the first point where the run asks something
/// else. With <paramref name="lenient"/> (shrinking) it never throws: when the list runs out or a
/// recorded value no longer fits, it takes the default choice (the first due message, the minimum)
/// and counts the divergence.
/// </summary>
public sealed class ReplayStrategy(IReadOnlyList<long> decisions, bool lenient = false) : ISchedulingStrategy
{
    private int _next;

    public string Name => "replay";

    /// <summary>Choices of the last run that did not come from the list (lenient mode only).</summary>
    public int Divergences { get; private set; }

    public void Start(ulong seed)
    {
        _next = 0;
        Divergences = 0;
    }

    public int NextDelivery(ReadOnlySpan<Pending> candidates)
    {
        var d = Take(out var recorded);
        if (recorded && d >= 0 && d < candidates.Length) return (int)d;
        if (lenient) return (int)Diverge(0);
        throw new ReplayDivergedException(recorded
            ? $"decision {_next - 1}: recorded {d}, but only {candidates.Length} messages were due"
            : $"decision {_next}: the recording has only {decisions.Count} decisions");
    }

    public long NextInRange(long min, long max)
    {
        var d = Take(out var recorded);
        if (recorded && d >= min && d <= max) return d;
        if (lenient) return Diverge(min);
        throw new ReplayDivergedException(recorded
            ? $"decision {_next - 1}: recorded {d}, outside [{min}, {max}]"
            : $"decision {_next}: the recording has only {decisions.Count} decisions");
    }

    private long Take(out bool recorded)
    {
        recorded = _next < decisions.Count;
        return recorded ? decisions[_next++] : 0;
    }

    private long Diverge(long fallback)
    {
        Divergences++;
        return fallback;
    }
}

public sealed class ReplayDivergedException(string message) : Exception(message);
