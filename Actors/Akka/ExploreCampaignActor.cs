using ActorCrash.Actors.Exploration;
using Akka.Actor;

namespace ActorCrash.Actors.Akka;

/// <summary>
/// Caller → <see cref="ExploreCampaignActor"/>: explore runs [0, MaxRuns) of the job over the machine
/// pool, merging into <paramref name="Report"/> in run order; the reply is <see cref="ExploreFinished"/>
/// (or a <see cref="Status.Failure"/> carrying the emulator's exception). <paramref name="Stop"/>
/// ends it early at a prefix of the runs.
/// </summary>
public sealed record StartExplore(ExploreJob Job, long MaxRuns, ExploreReport Report, CancellationToken Stop, int StretchSize = 256);

/// <summary>Reply to <see cref="StartExplore"/>: the report holds runs 0..Runs-1.</summary>
public sealed record ExploreFinished(long Runs);

/// <summary><see cref="ExploreCampaignActor"/> → <see cref="MachineActor"/>: run [First, First+Count) of the job; the reply is <see cref="ExploreStretchDone"/>.</summary>
public sealed record ExploreStretch(ExploreJob Job, long First, int Count, CancellationToken Stop);

/// <summary>
/// <see cref="ExploreCampaignActor"/> → <see cref="MachineActor"/>: the exploration is over (every stretch
/// is back); drop its explorer and devices. No reply. The next exploration builds a fresh one.
/// </summary>
public sealed record EndExplore
{
    public static EndExplore Instance { get; } = new();

    private EndExplore() { }
}

/// <summary>Reply to <see cref="ExploreStretch"/>: what the runs found (fewer than Count if it stopped early).</summary>
public sealed record ExploreStretchDone(ExploreTally Tally, int Count);

/// <summary>
/// Spreads an exploration's run indices over a pool of <see cref="MachineActor"/>s (one per core, each
/// with its own machine and strategy, on a thread of its own) in stretches of consecutive runs, two in
/// flight per machine so none waits for its next, and merges what comes back strictly in run order.
/// The result is a pure function of the run count: a stretch that stops early (a violation without
/// --keep-going, the exhaustive space done, <c>Stop</c>) ends the exploration there, and stretches
/// after it are dropped. So N runs on one core and on many give the same report and saved files, and a
/// time budget stops at a prefix of the runs. Violations are saved as their stretch is merged.
/// A campaign that finished is reusable: it answers at once, then drains (waits for the stretches still
/// running past the end, stashing a new <see cref="StartExplore"/>), tells its machines
/// <see cref="EndExplore"/> and takes the next exploration on the same machine actors and threads
/// (<see cref="ParallelExplorer"/> keeps idle campaigns per core count). Stopping a pool stops its pinned
/// dispatchers, and an Akka dispatcher's shutdown starts the system's scheduler, which then ticks
/// every 10 ms for the rest of the process (a timer thread and a thread-pool worker, a few percent
/// of a core that a worker loses when every core explores).
/// Near the end of a bounded exploration the stretches shrink (<see cref="StretchLength"/>), so the
/// machines finish within a few runs of each other instead of one idling while another runs its
/// last full stretch.
/// </summary>
public sealed class ExploreCampaignActor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>The explore workers' dispatcher (akka.hocon): a thread of its own per machine.</summary>
    public const string DispatcherId = "actorcrash.explore-dispatcher";

    private const int InFlightPerMachine = 2;

    private readonly IActorRef[] _machines;
    private readonly int[] _inFlight;
    private readonly Dictionary<long, ExploreStretchDone> _arrived = [];
    private StartExplore _job = null!;
    private IActorRef _requester = ActorRefs.Nobody;
    private CancellationTokenSource _halt = null!;
    private long _next;          // the first run not yet handed out
    private long _dispatchEnd;   // no run at or past this index is needed
    private bool _finished;

    public ExploreCampaignActor(int machines)
    {
        var props = MachineActor.Props();
        if (Context.System.Dispatchers.HasDispatcher(DispatcherId)) props = props.WithDispatcher(DispatcherId);
        _machines = [.. Enumerable.Range(0, machines).Select(i => Context.ActorOf(props, $"machine-{i}"))];
        _inFlight = new int[machines];
        Idle();
    }

    public IStash Stash { get; set; } = null!;

    private void Idle() => Receive<StartExplore>(Start);

    public static Props Props(int machines) => global::Akka.Actor.Props.Create(() => new ExploreCampaignActor(machines));

    private void Start(StartExplore s)
    {
        _job = s;
        _requester = Sender;
        _halt = CancellationTokenSource.CreateLinkedTokenSource(s.Stop);
        _next = s.Report.Runs;
        _dispatchEnd = s.MaxRuns;
        _finished = false;
        _arrived.Clear();
        Become(Running);
        if (_next >= _dispatchEnd || s.Stop.IsCancellationRequested) Finish();
        else for (var m = 0; m < _machines.Length; m++) Dispatch(m);
    }

    private void Running()
    {
        Receive<ExploreStretchDone>(Arrived);
        Receive<Status.Failure>(f => Fail(f.Cause));
    }

    private void Dispatch(int machine)
    {
        while (!_finished && _inFlight[machine] < InFlightPerMachine && _next < _dispatchEnd && !_halt.IsCancellationRequested)
        {
            var count = StretchLength(_job.StretchSize, _dispatchEnd - _next, _machines.Length);
            _machines[machine].Tell(new ExploreStretch(_job.Job, _next, count, _halt.Token));
            _inFlight[machine]++;
            _next += count;
        }
    }

    /// <summary>
    /// The next stretch's length when <paramref name="remaining"/> runs are left to hand out: the full
    /// <paramref name="stretch"/> while there are plenty, then the remainder over 8 × machines (guided
    /// self-scheduling: every machine holds up to two stretches, so what is in flight shrinks with what
    /// is left, to at most a quarter of it), never below a sixteenth of a stretch. One machine has no one to wait for: it
    /// gets full stretches to the end. The report does not depend on it (runs are merged in order).
    /// </summary>
    public static int StretchLength(int stretch, long remaining, int machines)
    {
        if (remaining <= 0) return 0;
        if (machines <= 1) return (int)Math.Min(stretch, remaining);
        var guided = remaining / (4L * InFlightPerMachine * machines);
        return (int)Math.Min(remaining, Math.Clamp(guided, Math.Max(1, stretch / 16), stretch));
    }

    private void Arrived(ExploreStretchDone d)
    {
        var machine = Array.IndexOf(_machines, Sender);
        if (machine >= 0) _inFlight[machine]--;
        if (_finished) return;
        var t = d.Tally;
        if (t.Runs < d.Count || t.Complete) _dispatchEnd = Math.Min(_dispatchEnd, t.First + t.Runs);  // nothing after it counts
        _arrived[t.First] = d;
        try
        {
            // Merge in run order; a stretch that stopped early is the last one merged.
            while (_arrived.Remove(_job.Report.Runs, out var next))
            {
                _job.Report.Merge(next.Tally);
                if (next.Tally.Runs < next.Count || next.Tally.Complete)
                {
                    Finish();
                    return;
                }
            }
        }
        catch (Exception e)  // saving a violation failed (a full disk): the exploration fails with it
        {
            Fail(e);
            return;
        }
        if (_job.Report.Runs >= _job.MaxRuns || (_halt.IsCancellationRequested && _inFlight.Sum() == 0))
        {
            Finish();
            return;
        }
        if (machine >= 0) Dispatch(machine);
    }

    private void Finish()
    {
        _finished = true;
        _halt.Cancel();  // stretches still running past the end stop at their next run
        _requester.Tell(new ExploreFinished(_job.Report.Runs));
        Become(Draining);
        if (_inFlight.Sum() == 0) Drained();
    }

    /// <summary>Finished, answered; waiting for the stretches still out. A new exploration waits in the stash.</summary>
    private void Draining()
    {
        Receive<ExploreStretchDone>(_ => Returned());
        Receive<Status.Failure>(_ => Returned());
        ReceiveAny(_ => Stash.Stash());
    }

    private void Returned()
    {
        var machine = Array.IndexOf(_machines, Sender);
        if (machine >= 0) _inFlight[machine]--;
        if (_inFlight.Sum() == 0) Drained();
    }

    private void Drained()
    {
        foreach (var m in _machines) m.Tell(EndExplore.Instance);
        _halt.Dispose();
        _halt = null!;
        _arrived.Clear();
        _job = null!;
        _requester = ActorRefs.Nobody;
        Become(Idle);
        Stash.UnstashAll();
    }

    private void Fail(Exception e)
    {
        if (_finished) return;
        _finished = true;
        _halt.Cancel();
        _requester.Tell(new Status.Failure(e));
        Become(() => ReceiveAny(_ => { }));
    }

    protected override void PostStop() => _halt?.Dispose();
}
