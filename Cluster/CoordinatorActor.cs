using ActorCrash.Experiments;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using static Akka.Cluster.ClusterEvent;

namespace ActorCrash.Cluster;

/// <summary>How a clustered campaign ended on the coordinator.</summary>
public sealed record CampaignEnd(bool Completed, int Batches, long Runs, int Reassigned, string? Error);

/// <summary>
/// The campaign's coordinator, run as a cluster singleton (one per cluster, on the oldest node with
/// the coordinator role). It hands out batches to workers that ask (work pulling), writes the rows
/// they send to the campaign's store, and takes back the batches of a worker Akka's failure detector
/// marks unreachable or that leaves. Which worker ran what, and how often, changes no row: each is a
/// function of (experiment, design, cell, seed), and the store keeps a row once.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    private sealed record WorkerState(IActorRef Ref, string Node, int Cores)
    {
        public bool HasText { get; set; }
        public long Runs { get; set; }
        public long RunsAtLastTick { get; set; }
        public bool Reachable { get; set; } = true;
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly ICampaign _campaign;
    private readonly NodeSettings _settings;
    private readonly string _build;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<CampaignEnd> _end;
    private readonly WorkQueue<Address> _queue;
    private readonly Dictionary<Address, WorkerState> _workers = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _runsBefore;
    private TimeSpan _lastTick;
    private long _runs;
    private int _reassigned;

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(ICampaign campaign, NodeSettings settings, string build, Action<string> log, TaskCompletionSource<CampaignEnd> end)
    {
        _campaign = campaign;
        _settings = settings;
        _build = build;
        _log = log;
        _end = end;
        var pending = Batches.Tapered(campaign.Pending(settings.BatchSize), settings.BatchSize);
        _queue = new WorkQueue<Address>(pending);
        _runsBefore = campaign.TotalRuns - pending.Sum(u => (long)u.Count);

        Receive<Register>(OnRegister);
        Receive<RequestWork>(OnRequest);
        Receive<WorkDone>(OnDone);
        Receive<WorkFailed>(f => Fail($"{f.Unit}: {f.Error}"));
        Receive<UnreachableMember>(m => Lose(m.Member.Address, "unreachable"));
        Receive<ReachableMember>(m =>
        {
            if (_workers.TryGetValue(m.Member.Address, out var w)) w.Reachable = true;
        });
        Receive<MemberRemoved>(m =>
        {
            Lose(m.Member.Address, "removed");
            if (_workers.Remove(m.Member.Address, out var w)) _log($"node {w.Node} left");
        });
        Receive<IMemberEvent>(_ => { });
        Receive<CurrentClusterState>(_ => { });
        Receive<Tick>(_ => Progress());
    }

    public static Props Props(ICampaign campaign, NodeSettings settings, string build, Action<string> log, TaskCompletionSource<CampaignEnd> end) =>
        global::Akka.Actor.Props.Create(() => new CoordinatorActor(campaign, settings, build, log, end));

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(IMemberEvent), typeof(IReachabilityEvent));
        Timers.StartPeriodicTimer("progress", Tick.Instance, _settings.ProgressInterval);
        _log($"coordinator: campaign {Short(_campaign.Experiment)} \"{_campaign.Title}\": {_queue.Total} batches of up to {_settings.BatchSize} seeds to run" +
             (_runsBefore > 0 ? $" ({_runsBefore} runs already in the store)" : "") + ", waiting for workers");
        if (_queue.Finished) Finish();
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnRegister(Register r)
    {
        var address = Sender.Path.Address;
        if (r.Build != _build)
        {
            var why = $"node {r.Node} runs emulator build {r.Build}, the coordinator runs {_build}: mixing builds would break determinism " +
                      "(the same seed could end differently); install the coordinator's build on it";
            _log($"refused {why}");
            Sender.Tell(new Refused(why));
            return;
        }
        if (!_workers.ContainsKey(address))
        {
            _workers[address] = new WorkerState(Sender, r.Node, r.Cores);
            _log($"node {r.Node} up ({r.Cores} cores); {_workers.Count} worker(s)");
        }
        Sender.Tell(new Welcome(_campaign.Experiment, _campaign.Title));
    }

    private void OnRequest(RequestWork q)
    {
        var address = Sender.Path.Address;
        if (!_workers.TryGetValue(address, out var worker))
        {
            Sender.Tell(new NoWork(_queue.Finished));  // not (or no longer) registered: it registers again
            return;
        }
        var given = 0;
        while (given < q.Slots && _queue.Take(address) is { } b)
        {
            worker.Ref.Tell(new Work(b.Batch, b.Unit, worker.HasText ? null : _campaign.Text));
            worker.HasText = true;
            given++;
        }
        if (given == 0) Sender.Tell(new NoWork(_queue.Finished));
    }

    private void OnDone(WorkDone d)
    {
        if (d.Unit.Digest != _campaign.Experiment) return;
        if (_workers.TryGetValue(Sender.Path.Address, out var w)) w.Runs += d.Runs;
        if (!_queue.Complete(d.Batch)) return;  // done before by a worker thought lost: counted once
        try
        {
            _campaign.Store(d.Unit, d.Rows);
        }
        catch (Exception e)
        {
            Fail($"cannot store {d.Unit}: {e.Message}");
            return;
        }
        _runs += d.Runs;
        if (_queue.Finished) Finish();
    }

    private void Lose(Address address, string how)
    {
        if (_workers.TryGetValue(address, out var w)) w.Reachable = false;
        var back = _queue.Lost(address);
        if (back == 0) return;
        _reassigned += back;
        _log($"node {w?.Node ?? address.ToString()} {how}: {back} batch(es) back in the queue for the others");
    }

    private void Progress()
    {
        var now = _clock.Elapsed;
        var seconds = Math.Max(1e-3, (now - _lastTick).TotalSeconds);
        _lastTick = now;
        var nodes = string.Join(", ", _workers.Values.Select(w =>
        {
            var rate = (w.Runs - w.RunsAtLastTick) / seconds;
            w.RunsAtLastTick = w.Runs;
            return $"{w.Node} {rate:F0} runs/s{(w.Reachable ? "" : " (unreachable)")}";
        }));
        var done = _runsBefore + _runs;
        _log($"coordinator: {_workers.Count(w => w.Value.Reachable)} node(s) up, {_queue.InFlight} batch(es) in flight, " +
             $"{_queue.Done}/{_queue.Total} batches, {done}/{_campaign.TotalRuns} runs" + (nodes.Length > 0 ? $" | {nodes}" : ""));
    }

    private void Finish()
    {
        Timers.CancelAll();
        foreach (var w in _workers.Values) w.Ref.Tell(new CampaignOver(_campaign.Experiment));
        _log($"coordinator: campaign {Short(_campaign.Experiment)} complete: {_queue.Total} batches, {_runs} runs here" +
             (_reassigned > 0 ? $", {_reassigned} batch(es) reassigned after a node was lost" : ""));
        _end.TrySetResult(new CampaignEnd(true, _queue.Total, _runs, _reassigned, null));
        Become(Over);
    }

    private void Over()
    {
        Receive<Register>(r => Sender.Tell(new Welcome(_campaign.Experiment, _campaign.Title)));
        Receive<RequestWork>(_ => Sender.Tell(new NoWork(true)));
        ReceiveAny(_ => { });
    }

    private static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;

    private void Fail(string error)
    {
        Timers.CancelAll();
        foreach (var w in _workers.Values) w.Ref.Tell(new CampaignOver(_campaign.Experiment));
        _end.TrySetResult(new CampaignEnd(false, _queue.Total, _runs, _reassigned, error));
        Become(Over);
    }
}
