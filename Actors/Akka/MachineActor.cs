using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using Akka.Actor;

namespace ActorCrash.Actors.Akka;

/// <summary>Any → <see cref="MachineActor"/>: run the scenario once; the reply is a <see cref="RunResult"/>.</summary>
public sealed record RunScenario(ScenarioSpec Spec, ulong Seed, bool Trace = false);

/// <summary>
/// Any → <see cref="MachineActor"/>: run seeds [First, First+Count); the reply is a <see cref="BatchResult"/>.
/// Without <paramref name="Reports"/> only the verdicts come back (what a large campaign keeps).
/// </summary>
public sealed record RunBatch(ScenarioSpec Spec, ulong First, int Count, bool Trace = false, bool Reports = true);

/// <summary>Reply to <see cref="RunBatch"/>: one verdict per seed, and the full results if asked, in seed order.</summary>
public sealed record BatchResult(ulong First, IReadOnlyList<RunSummary> Summaries, IReadOnlyList<RunResult> Results);

/// <summary>Reply when a run could not be made (e.g. a scenario the machine cannot build).</summary>
public sealed record RunFailed(ulong Seed, string Error);

/// <summary>
/// An Akka actor hosting one emulated machine. The emulation runs inside its Receive, on whatever
/// thread the dispatcher gives it: a run is self-contained (its own runtime, clock and strategy), and
/// the machine's device actors, children of this actor on the deterministic dispatcher, process each
/// delivery on that same thread, so the thread changes nothing. The machine is built on the first
/// request for a scenario and reused for the next runs of the same scenario; its devices are stopped
/// when another scenario replaces it or this actor stops. For an exploration it hosts an
/// <see cref="Explorer"/> instead (its own machine, checker and strategy), built on the job's first
/// stretch and reused for the job's next ones.
/// </summary>
public sealed class MachineActor : ReceiveActor
{
    private ScenarioSpec? _spec;
    private Machine? _machine;
    private ExploreJob? _job;
    private Explorer? _explorer;

    public MachineActor()
    {
        Receive<RunScenario>(r => Reply(r.Spec, r.Seed, 1, r.Trace, reports: true, single: true));
        Receive<RunBatch>(b => Reply(b.Spec, b.First, b.Count, b.Trace, b.Reports, single: false));
        Receive<ExploreStretch>(Explore);
        Receive<EndExplore>(_ =>
        {
            _explorer?.Dispose();
            _explorer = null;
            _job = null;
        });
    }

    private void Explore(ExploreStretch s)
    {
        try
        {
            if (_explorer is null || !ReferenceEquals(_job, s.Job))
            {
                _explorer?.Dispose();
                _explorer = null;
                _explorer = new Explorer(s.Job, Context);
                _job = s.Job;
            }
            var stop = s.Stop;
            Sender.Tell(new ExploreStretchDone(_explorer.RunStretch(s.Job, s.First, s.Count, _ => !stop.IsCancellationRequested), s.Count));
        }
        catch (Exception e)  // an EmulatorFault (or any bug) ends the exploration at once, with its scenario and seed
        {
            Sender.Tell(new Status.Failure(e));
        }
    }

    public static Props Props() => global::Akka.Actor.Props.Create<MachineActor>();

    private void Reply(ScenarioSpec spec, ulong first, int count, bool trace, bool reports, bool single)
    {
        Machine machine;
        try
        {
            machine = MachineFor(spec);
        }
        catch (Exception e)  // the loader refuses bad scenarios: whatever fails here is reported, never left to a timeout
        {
            Sender.Tell(new RunFailed(first, e.Message));
            return;
        }
        try
        {
            if (single)
            {
                Sender.Tell(machine.RunAndReport(first, trace: trace));
                return;
            }
            var summaries = new RunSummary[count];
            var results = reports ? new RunResult[count] : [];
            for (var i = 0; i < count; i++)
            {
                summaries[i] = machine.Run(first + (ulong)i);
                if (reports) results[i] = machine.Report(trace);
            }
            Sender.Tell(new BatchResult(first, summaries, results));
        }
        catch (EmulatorFault e)
        {
            // An Ask completes at once with the fault, instead of the actor restarting and the Ask timing out.
            Sender.Tell(new Status.Failure(e));
        }
    }

    private Machine MachineFor(ScenarioSpec spec)
    {
        if (_machine is null || !ReferenceEquals(spec, _spec))
        {
            _machine?.Dispose();
            _machine = null;
            _machine = new Machine(spec, Context);
            _spec = spec;
        }
        return _machine;
    }

    protected override void PostStop()
    {
        _machine?.Dispose();
        _explorer?.Dispose();
    }
}
