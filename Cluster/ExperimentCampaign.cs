using System.Diagnostics;
using ActorCrash.Experiments;

namespace ActorCrash.Cluster;

/// <summary>
/// An experiment session as the coordinator's campaign: the plan's units less what the store holds,
/// rows written to the session's SQLite store (INSERT OR IGNORE: a batch done twice counts once).
/// </summary>
public sealed class ExperimentCampaign(ExperimentSession session) : ICampaign
{
    private readonly Stopwatch _writing = new();
    private long _written, _duplicates;

    public string Experiment => session.Experiment.Digest;
    public string Title => session.Experiment.Title;
    public string Text { get; } = RowCodec.EncodeSource(session.Experiment.Source);
    public long TotalRuns => session.Plan.TotalRuns;

    /// <summary>Rows this coordinator wrote, rows it received that the store already had, and the time spent writing.</summary>
    public (long Written, long Duplicates, TimeSpan WriteTime) Stats => (_written, _duplicates, _writing.Elapsed);

    public IReadOnlyList<WorkUnit> Pending(int batchSize)
    {
        var done = session.Store.Done(Experiment);
        return session.Plan.Units(batchSize, (d, c, s) => done.Contains((d, c, s))).ToList();
    }

    public void Store(WorkUnit unit, byte[] rows)
    {
        var decoded = RowCodec.Decode(unit, rows);
        _writing.Start();
        try
        {
            var added = session.Store.Write(decoded);
            _written += added;
            _duplicates += decoded.Count - added;
        }
        finally
        {
            _writing.Stop();
        }
    }
}

/// <summary>
/// Runs a unit on a worker from the experiment's text alone, on all its cores: the seeds are cut into
/// one contiguous slice per core, each run by its own <see cref="UnitRunner"/> (kept between batches,
/// so each slot's machines are built once), and the rows joined in seed order.
/// </summary>
public sealed class ExperimentWorkRunner : IWorkRunner
{
    private readonly List<UnitRunner> _runners = [];
    private (string Text, ActorCrash.Config.Experiments.ExperimentSpec Spec)? _loaded;

    /// <summary>One batch at a time (a worker runs one; a second caller waits rather than share the runners).</summary>
    public byte[] Run(string experimentText, WorkUnit unit, int parallelism)
    {
        lock (_runners) return RunLocked(experimentText, unit, parallelism);
    }

    private byte[] RunLocked(string experimentText, WorkUnit unit, int parallelism)
    {
        // Loaded once per experiment text, with every design (a cell one design cannot read is n/a for it, as
        // in a single process; the digest does not depend on the designs chosen).
        if (_loaded is not { } loaded || loaded.Text != experimentText)
        {
            try
            {
                _loaded = loaded = (experimentText, ActorCrash.Config.Experiments.ExperimentLoader.Load(RowCodec.DecodeSource(experimentText)));
            }
            catch (Config.ScenarioException e)
            {
                throw new ArgumentException(e.Message, e);
            }
        }
        var experiment = loaded.Spec;
        var slices = Math.Max(1, Math.Min(parallelism, unit.Count));
        while (_runners.Count < slices) _runners.Add(new UnitRunner());
        var per = (unit.Count + slices - 1) / slices;
        var parts = new IReadOnlyList<ResultRow>[slices];
        try
        {
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices }, i =>
            {
                var first = i * per;
                var count = Math.Min(per, unit.Count - first);
                parts[i] = count <= 0 ? [] : _runners[i].Run(experiment, unit with { FirstSeed = unit.FirstSeed + (ulong)first, Count = count });
            });
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            if (e.InnerException is Config.ScenarioException or ArgumentException) throw new ArgumentException(e.InnerException.Message, e.InnerException);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        return RowCodec.Encode(unit, [.. parts.SelectMany(p => p)]);
    }
}
