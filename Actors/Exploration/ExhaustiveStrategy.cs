using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// Bounded exhaustive search for small machines: a stateless depth-first search over decision
/// prefixes (VeriSoft-style). Each run replays the current prefix of alternatives and takes the first
/// alternative at every new choice point; after the run, <see cref="Advance"/> backtracks to the
/// deepest choice point with an untried alternative. Latency and fault-timing ranges are discretised
/// to {min, max} (two alternatives each); delivery choices enumerate every due message. No
/// partial-order reduction: the count is of all schedules in that discretised space.
/// </summary>
public sealed class ExhaustiveStrategy(bool partialOrderReduction = true) : ExplorationStrategy
{
    private readonly List<int> _choice = [];   // alternative taken at each choice point of the current path
    private readonly List<int> _arity = [];    // how many alternatives each had

    public override string Name => "exhaustive";

    /// <summary>Choices the partial-order reduction skipped (asleep or identical deliveries).</summary>
    public long Pruned { get; private set; }

    public bool PartialOrderReduction => partialOrderReduction;

    /// <summary>Schedules (complete runs) explored so far.</summary>
    public long Explored { get; private set; }

    /// <summary>True once every schedule of the discretised space has been run.</summary>
    public bool Complete { get; private set; }

    /// <summary>The deepest path seen (choice points of the longest run).</summary>
    public int MaxDepth { get; private set; }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates) => Take(step, candidates.Length);

    protected override long ChooseInRange(int step, long min, long max) => Take(step, 2) == 0 ? min : max;

    private int Take(int step, int arity)
    {
        if (step < _choice.Count)
        {
            // Deterministic replay of the prefix: the same point must offer the same alternatives.
            if (_arity[step] != arity)
                throw new InvalidOperationException($"exhaustive search: choice point {step} offered {arity} alternatives, {_arity[step]} before (the emulator is not deterministic)");
            return _choice[step];
        }
        _choice.Add(0);
        _arity.Add(arity);
        return 0;
    }

    /// <summary>After a run: moves to the next schedule. False when the space is exhausted.</summary>
    public bool Advance()
    {
        Explored++;
        MaxDepth = Math.Max(MaxDepth, Step);
        // Choice points past the end of this run belong to an abandoned path.
        if (_choice.Count > Step)
        {
            _choice.RemoveRange(Step, _choice.Count - Step);
            _arity.RemoveRange(Step, _arity.Count - Step);
        }
        while (_choice.Count > 0 && _choice[^1] + 1 >= _arity[^1])
        {
            _choice.RemoveAt(_choice.Count - 1);
            _arity.RemoveAt(_arity.Count - 1);
        }
        if (_choice.Count == 0)
        {
            Complete = true;
            return false;
        }
        _choice[^1]++;
        return true;
    }
}
