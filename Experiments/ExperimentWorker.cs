using ActorCrash.Actors;
using ActorCrash.Config;
using ActorCrash.Config.Experiments;
using Akka.Actor;

namespace ActorCrash.Experiments;

/// <summary>Coordinator → <see cref="ExperimentWorker"/>: run a unit of an experiment loaded in this process; the reply is <see cref="UnitDone"/> or <see cref="UnitFailed"/>.</summary>
public sealed record RunUnit(ExperimentSpec Experiment, WorkUnit Unit);

/// <summary>Coordinator → <see cref="ExperimentWorker"/>: run a unit given only the experiment's text (a remote worker); the reply is <see cref="UnitDone"/> or <see cref="UnitFailed"/>.</summary>
public sealed record RunUnitFromText(ExperimentSource Source, WorkUnit Unit);

/// <summary>Reply to <see cref="RunUnit"/>: the unit's rows, in seed order.</summary>
public sealed record UnitDone(WorkUnit Unit, IReadOnlyList<ResultRow> Rows);

/// <summary>
/// Reply when a unit could not be run: bad input (an experiment text that does not load, a cell the
/// design cannot read), or, with <paramref name="Internal"/>, an emulator bug.
/// </summary>
public sealed record UnitFailed(WorkUnit Unit, string Error, bool Internal = false);

/// <summary>
/// An Akka actor that runs an experiment's work units, one at a time, on whatever thread the
/// dispatcher gives it. It owns a <see cref="UnitRunner"/>: one emulated machine per (design, cell),
/// reused across units. A unit's rows depend only on the experiment and the seeds, so which worker
/// ran it, and when, changes nothing.
/// </summary>
public sealed class ExperimentWorker : ReceiveActor
{
    private readonly UnitRunner _runner;
    private readonly WorkerStats? _stats;

    /// <param name="stats">Where to count the time spent running units and the machines built (the benchmark's); null: not counted.</param>
    public ExperimentWorker(WorkerStats? stats)
    {
        _stats = stats;
        _runner = new UnitRunner(spec => new Machine(spec, Context));  // the machines' devices are this actor's children
        Receive<RunUnit>(u => Reply(u.Unit, () => _runner.Run(u.Experiment, u.Unit)));
        Receive<RunUnitFromText>(u => Reply(u.Unit, () => _runner.Run(u.Source, u.Unit)));
    }

    public static Props Props(WorkerStats? stats = null) => global::Akka.Actor.Props.Create(() => new ExperimentWorker(stats));

    protected override void PostStop() => _runner.Dispose();

    private void Reply(WorkUnit unit, Func<IReadOnlyList<ResultRow>> run)
    {
        try
        {
            var (start, cpu, built) = (System.Diagnostics.Stopwatch.GetTimestamp(), ThreadCpu.Now(), _runner.MachinesBuilt);
            var rows = run();
            _stats?.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start), ThreadCpu.Now() - cpu, _runner.MachinesBuilt - built);
            Sender.Tell(new UnitDone(unit, rows));
        }
        catch (Exception e) when (e is ScenarioException or ArgumentException)
        {
            Sender.Tell(new UnitFailed(unit, e.Message));
        }
        catch (Exception e)
        {
            // Never leave the coordinator waiting for a unit that will not come back.
            Sender.Tell(new UnitFailed(unit, $"{e.GetType().Name}: {e.Message}", Internal: true));
        }
    }
}

/// <summary>
/// What local workers did, summed over them (safe to add to from several threads): wall time and
/// thread CPU time spent running units, and machines built. `bench-experiment` prints busy time over
/// workers × wall time (below 1: a worker waited, for a unit, a core or a GC), the CPU of every other
/// thread per run, and the machines built per worker count.
/// </summary>
public sealed class WorkerStats
{
    private long _busyTicks, _cpuTicks, _machines;

    public TimeSpan Busy => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));
    /// <summary>The workers' thread CPU time inside units (Linux; zero elsewhere).</summary>
    public TimeSpan Cpu => TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks));
    public long MachinesBuilt => Interlocked.Read(ref _machines);

    internal void Add(TimeSpan busy, TimeSpan cpu, int machines)
    {
        Interlocked.Add(ref _busyTicks, busy.Ticks);
        Interlocked.Add(ref _cpuTicks, cpu.Ticks);
        Interlocked.Add(ref _machines, machines);
    }
}
