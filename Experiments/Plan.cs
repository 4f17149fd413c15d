using ActorCrash.Actors;
using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments;

/// <summary>
/// A unit of work: seeds [FirstSeed, FirstSeed + Count) of one design and one cell of the experiment
/// whose digest is <see cref="Digest"/>. What a worker is given (with the experiment's text) and what
/// the store is keyed by; the rows it yields depend on nothing else.
/// </summary>
public sealed record WorkUnit(string Digest, string Design, string Cell, ulong FirstSeed, int Count)
{
    public ulong LastSeed => FirstSeed + (ulong)Count - 1;

    public override string ToString() => $"{Design}/{Cell} seeds {FirstSeed}..{LastSeed}";
}

/// <summary>An inclusive range of seeds; an experiment's runs are seeds 1..runs.</summary>
public readonly record struct Seeds(ulong First, ulong Last)
{
    public long Count => (long)(Last - First + 1);

    public bool Contains(ulong seed) => seed >= First && seed <= Last;

    public override string ToString() => $"{First}..{Last}";
}

/// <summary>
/// The result of one run of one cell under one design: the row the store keeps, keyed by
/// (Digest, Design, Cell, Seed). <see cref="Probes"/> has one character per probe of the hypothesis,
/// in order: '1' when the probe's measure is true on this run (its property held, or the run ended
/// that way), '0' otherwise; the tolerance then says whether the share of '1's is acceptable.
/// </summary>
public sealed record ResultRow(
    string Digest,
    string Design,
    string Cell,
    ulong Seed,
    Outcome Outcome,
    long EndNs,                 // virtual time at the end of the run
    long Steps,                 // messages delivered
    bool LogSaved,              // a kmsg dump of this run reads back intact (the log-saved property)
    bool RebootedInTime,        // reset within panic_timeout + 2 s of the first panic (panic=N > 0)
    string Probes,
    string Reason)              // the outcome's reason, as `run` prints it
{
    /// <summary>Whether probe <paramref name="i"/>'s measure is true on this run.</summary>
    public bool Measured(int i) => Probes[i] == '1';
}

/// <summary>
/// Which runs an experiment is made of: designs × cells × seeds, less the (design, cell) pairs the
/// design cannot read. Units come in a fixed order (design, cell, seed), each at most
/// <c>batchSize</c> seeds, skipping seeds already done: the rows do not depend on how the seeds were cut.
/// </summary>
public sealed class ExperimentPlan(ExperimentSpec experiment, Seeds seeds)
{
    public ExperimentSpec Experiment { get; } = experiment;
    public Seeds Seeds { get; } = seeds;

    /// <summary>The (design, cell) pairs that run, in order.</summary>
    public IEnumerable<(string Design, ExperimentCell Cell)> Pairs =>
        from design in Experiment.Designs
        from cell in Experiment.Cells
        where cell.For(design).Spec is not null
        select (design, cell);

    public long TotalRuns => Pairs.LongCount() * Seeds.Count;

    /// <param name="done">Whether (design, cell, seed) already has its row (resume); null when nothing is done.</param>
    public IEnumerable<WorkUnit> Units(int batchSize, Func<string, string, ulong, bool>? done = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        foreach (var (design, cell) in Pairs)
        {
            ulong? start = null;
            var count = 0;
            for (var seed = Seeds.First; ; seed++)
            {
                var missing = done is null || !done(design, cell.Name, seed);
                if (missing)
                {
                    start ??= seed;
                    count++;
                }
                if (start is { } s && (!missing || count == batchSize || seed == Seeds.Last))
                {
                    yield return new WorkUnit(Experiment.Digest, design, cell.Name, s, count);
                    start = null;
                    count = 0;
                }
                if (seed == Seeds.Last) break;
            }
        }
    }
}
