using System.Collections.Concurrent;
using ActorCrash.Config;
using Akka.Actor;

namespace ActorCrash.Experiments;

/// <summary>How a run of the experiment ended.</summary>
public enum RunStatus { Completed, Interrupted }

/// <summary>How the runner spreads the work: worker actors (one per core by default) and seeds per unit.</summary>
/// <param name="Stats">Counts the workers' busy time and machines built (the benchmark); null: not counted.</param>
public sealed record RunnerOptions(int Workers, int BatchSize = 50, WorkerStats? Stats = null)
{
    public static RunnerOptions Default => new(Environment.ProcessorCount);
}

/// <summary>Live counters of a running experiment, safe to read from another thread (the progress bar).</summary>
public sealed class ExperimentProgress
{
    private long _written, _against, _unitsDone, _cellsDone;

    public ExperimentProgress(long total, long alreadyDone, int units, int cells, int cellsDone)
    {
        Total = total;
        AlreadyDone = alreadyDone;
        _written = alreadyDone;
        Units = units;
        Cells = cells;
        _cellsDone = cellsDone;
    }

    /// <summary>(design, cell) pairs the experiment has.</summary>
    public int Cells { get; }

    /// <summary>(design, cell) pairs with every seed in the store.</summary>
    public long CellsDone => Interlocked.Read(ref _cellsDone);

    /// <summary>Runs the experiment has in all (designs × cells × seeds).</summary>
    public long Total { get; }

    /// <summary>Rows the store held before this session (a resumed run).</summary>
    public long AlreadyDone { get; }

    /// <summary>Units this session has to run.</summary>
    public int Units { get; }

    public long Written => Interlocked.Read(ref _written);

    /// <summary>Runs of fault cells that count against some probe of the hypothesis, so far this session.</summary>
    public long Against => Interlocked.Read(ref _against);

    public long UnitsDone => Interlocked.Read(ref _unitsDone);

    internal void Add(int rows, int against, bool cellDone)
    {
        Interlocked.Add(ref _written, rows);
        Interlocked.Add(ref _against, against);
        Interlocked.Increment(ref _unitsDone);
        if (cellDone) Interlocked.Increment(ref _cellsDone);
    }
}

/// <summary>
/// Runs an experiment's plan on this machine through Akka: an <see cref="ExperimentCoordinator"/>
/// hands work units to one <see cref="ExperimentWorker"/> per core (work pulling), and the calling
/// thread writes the rows they send back into the store in batched transactions. Stopping (Ctrl-C,
/// SIGTERM) ends the dispatch, writes every row already received, and returns: nothing written is lost,
/// and a resumed run continues from the store.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>Most rows written in one transaction.</summary>
    public const int MaxRowsPerTransaction = 4096;

    /// <summary>
    /// How long rows wait to be written with those that follow: a kill -9 loses at most this much of
    /// computed (never of committed) work, which a resumed run computes again.
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs what the store does not have yet; returns whether every unit was done.</summary>
    /// <exception cref="ScenarioException">A unit could not be run (it names why).</exception>
    public static RunStatus Run(ExperimentPlan plan, ResultStore store, RunnerOptions options, CancellationToken stop,
        Action<ExperimentProgress>? started = null)
    {
        var experiment = plan.Experiment;
        var done = store.Done(experiment.Digest);
        var units = plan.Units(options.BatchSize, (d, c, s) => done.Contains((d, c, s))).ToList();
        var pairs = plan.Pairs.ToList();
        var stored = pairs.ToDictionary(p => (p.Design, p.Cell.Name), _ => 0L);
        foreach (var k in done)
            if (plan.Seeds.Contains(k.Seed) && stored.ContainsKey((k.Design, k.Cell))) stored[(k.Design, k.Cell)]++;
        var progress = new ExperimentProgress(plan.TotalRuns, stored.Values.Sum(), units.Count, pairs.Count, stored.Values.Count(n => n == plan.Seeds.Count));
        started?.Invoke(progress);
        if (units.Count == 0) return RunStatus.Completed;

        var probes = experiment.Hypothesis.Probes;
        var inbox = new BlockingCollection<UnitDone>();
        var finished = new TaskCompletionSource<UnitFailed?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var system = ActorSystem.Create("experiment", AkkaSettings.Load());
        var workers = Enumerable.Range(0, Math.Max(1, options.Workers)).Select(i => system.ActorOf(ExperimentWorker.Props(options.Stats), $"worker-{i}")).ToArray();
        var coordinator = system.ActorOf(ExperimentCoordinator.Props(workers, units, u => new RunUnit(experiment, u), inbox.Add, finished), "coordinator");
        using var onStop = stop.Register(() => coordinator.Tell(StopExperiment.Instance));

        var batch = new List<ResultRow>(MaxRowsPerTransaction);
        var unitsInBatch = new List<(WorkUnit Unit, int Against)>();
        void Take(UnitDone done)
        {
            var a = 0;
            foreach (var row in done.Rows)
                if (row.Cell != Config.Experiments.ExperimentCell.Baseline && AgainstAny(row, probes)) a++;
            batch.AddRange(done.Rows);
            unitsInBatch.Add((done.Unit, a));
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (!inbox.TryTake(out var first, 50))
            {
                if (finished.Task.IsCompleted && inbox.Count == 0) break;
                continue;
            }
            // One transaction per flush interval (or per MaxRowsPerTransaction rows), not one per unit: this
            // thread wakes once per interval instead of taking a core from a worker for every unit, and a
            // commit's cost is spread over many rows. The run's end (or a stop) flushes at once.
            Take(first);
            var deadline = clock.Elapsed + FlushInterval;
            while (batch.Count < MaxRowsPerTransaction)
            {
                if (inbox.TryTake(out var next))
                {
                    Take(next);
                    continue;
                }
                var left = deadline - clock.Elapsed;
                if (left <= TimeSpan.Zero || finished.Task.IsCompleted) break;
                finished.Task.Wait(left);
            }
            store.Write(batch);
            foreach (var (unit, a) in unitsInBatch)
            {
                var n = stored[(unit.Design, unit.Cell)] += unit.Count;
                progress.Add(unit.Count, a, n == plan.Seeds.Count);
            }
            batch.Clear();
            unitsInBatch.Clear();
        }
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        if (finished.Task.Result is { } failed)
            throw failed.Internal
                ? new InvalidOperationException($"emulator error in {failed.Unit}: {failed.Error}")
                : new ScenarioException(experiment.Source.Name, 0, "", "an experiment every design can run", $"{failed.Unit}: {failed.Error}");
        return progress.UnitsDone == units.Count ? RunStatus.Completed : RunStatus.Interrupted;
    }

    private static bool AgainstAny(ResultRow row, IReadOnlyList<Config.Experiments.ProbeSpec> probes)
    {
        for (var i = 0; i < probes.Count; i++)
            if (probes[i].CountsAgainst(row.Measured(i))) return true;
        return false;
    }
}

/// <summary>Any → <see cref="ExperimentCoordinator"/>: hand out no more units; finish once those in flight are back.</summary>
public sealed record StopExperiment
{
    public static readonly StopExperiment Instance = new();
}

/// <summary>
/// Hands an experiment's units to its workers as they ask (two in flight per worker, the next when
/// one comes back) and passes every <see cref="UnitDone"/> to the sink. Completes
/// <c>finished</c> with null when every unit is back or after a stop, with the first failed unit otherwise.
/// Works with local or remote workers alike: <c>message</c> says what to send for a unit.
/// A worker keeps to one (design, cell) until its units are all handed out, then starts the next cell
/// no worker has started, and at the end helps with the cell that has the most units left: each
/// cell's machine is built by about one worker instead of by every worker (a machine costs a few runs
/// to build and is garbage the GC must promote). Which worker runs a unit changes no row.
/// </summary>
public sealed class ExperimentCoordinator : ReceiveActor
{
    private const int InFlightPerWorker = 2;

    private readonly CellUnits[] _cells;
    private readonly Dictionary<IActorRef, int> _workerCell = [];
    private int _nextCell;   // the first cell no worker has started
    private readonly Func<WorkUnit, object> _message;
    private readonly Action<UnitDone> _sink;
    private readonly TaskCompletionSource<UnitFailed?> _finished;
    private int _inFlight;
    private bool _stopping;

    // One cell's units in seed order; the first Next are handed out.
    private sealed class CellUnits(WorkUnit[] units)
    {
        public readonly WorkUnit[] Units = units;
        public int Next;
        public int Left => Units.Length - Next;
        public WorkUnit Take() => Units[Next++];
    }

    public ExperimentCoordinator(IReadOnlyList<IActorRef> workers, IEnumerable<WorkUnit> units, Func<WorkUnit, object> message,
        Action<UnitDone> sink, TaskCompletionSource<UnitFailed?> finished)
    {
        _cells = [.. units.GroupBy(u => (u.Design, u.Cell)).Select(g => new CellUnits([.. g]))];
        (_message, _sink, _finished) = (message, sink, finished);
        Receive<UnitDone>(d =>
        {
            _inFlight--;
            _sink(d);
            Next(Sender);
        });
        Receive<UnitFailed>(f =>
        {
            _inFlight--;
            _stopping = true;
            _finished.TrySetResult(f);
        });
        Receive<StopExperiment>(_ =>
        {
            _stopping = true;
            if (_inFlight == 0) _finished.TrySetResult(null);
        });
        foreach (var w in workers)
            for (var i = 0; i < InFlightPerWorker; i++) Next(w);
        if (_inFlight == 0) _finished.TrySetResult(null);
    }

    public static Props Props(IReadOnlyList<IActorRef> workers, IEnumerable<WorkUnit> units, Func<WorkUnit, object> message,
        Action<UnitDone> sink, TaskCompletionSource<UnitFailed?> finished) =>
        global::Akka.Actor.Props.Create(() => new ExperimentCoordinator(workers, units, message, sink, finished));

    private void Next(IActorRef worker)
    {
        if (!_stopping && Take(worker) is { } unit)
        {
            worker.Tell(_message(unit), Self);
            _inFlight++;
        }
        else if (_inFlight == 0) _finished.TrySetResult(null);
    }

    /// <summary>The worker's next unit: its cell's next, else a cell not started, else the last of the fullest cell.</summary>
    private WorkUnit? Take(IActorRef worker)
    {
        if (_workerCell.TryGetValue(worker, out var c) && _cells[c].Left > 0) return _cells[c].Take();
        while (_nextCell < _cells.Length)
        {
            c = _nextCell++;
            if (_cells[c].Left == 0) continue;
            _workerCell[worker] = c;
            return _cells[c].Take();
        }
        var fullest = -1;
        for (var i = 0; i < _cells.Length; i++)
            if (_cells[i].Left > 0 && (fullest < 0 || _cells[i].Left > _cells[fullest].Left)) fullest = i;
        if (fullest < 0) return null;
        _workerCell[worker] = fullest;   // the helper stays on that cell while it has units
        return _cells[fullest].Take();
    }
}
