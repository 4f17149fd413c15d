using ActorCrash.Experiments;
using System.Diagnostics;
using Akka.Actor;

namespace ActorCrash.Cluster;

/// <summary>Why a worker's session with a coordinator ended.</summary>
public enum SessionEnd
{
    /// <summary>The coordinator said the campaign is complete.</summary>
    CampaignOver,
    /// <summary>The coordinator refused this node (a different build).</summary>
    Refused,
    /// <summary>The coordinator left or died, or this node was downed: join again.</summary>
    Lost,
}

/// <summary>
/// A worker node's one actor: registers with the coordinator singleton (through its proxy), pulls
/// batches, runs each on all its cores off the actor's thread, and sends back the rows. It holds at
/// most <see cref="NodeSettings.Prefetch"/> batches beyond the one running, so the cores never wait
/// for a round trip, and nothing is asked per emulated message: one request, one batch, one reply.
/// </summary>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    private sealed record Ran(Work Work, byte[] Rows, double Seconds);
    private sealed record Crashed(Work Work, string Error);
    private sealed class RegisterTick { public static readonly RegisterTick Instance = new(); }
    private sealed class AskAgain { public static readonly AskAgain Instance = new(); }

    private readonly IWorkRunner _runner;
    private readonly NodeSettings _settings;
    private readonly string _build;
    private readonly int _cores;
    private readonly IActorRef _coordinatorProxy;
    private readonly Action<string> _log;
    private readonly Action<SessionEnd, string> _ended;
    private readonly Dictionary<string, string> _texts = new();
    private readonly Queue<Work> _held = new();
    private readonly Stopwatch _sinceLog = Stopwatch.StartNew();
    private IActorRef? _coordinator;
    private string? _campaign;
    private Work? _running;
    private int _asked;
    private long _batches;
    private long _runs;
    private bool _over;

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerActor(IWorkRunner runner, NodeSettings settings, string build, int cores, IActorRef coordinatorProxy, Action<string> log, Action<SessionEnd, string> ended)
    {
        _runner = runner;
        _settings = settings;
        _build = build;
        _cores = cores;
        _coordinatorProxy = coordinatorProxy;
        _log = log;
        _ended = ended;
        Registering();
    }

    public static Props Props(IWorkRunner runner, NodeSettings settings, string build, int cores, IActorRef coordinatorProxy, Action<string> log, Action<SessionEnd, string> ended) =>
        global::Akka.Actor.Props.Create(() => new WorkerActor(runner, settings, build, cores, coordinatorProxy, log, ended));

    private int Capacity => 1 + _settings.Prefetch;

    private string NodeName => Endpoint.Of(Akka.Cluster.Cluster.Get(Context.System).SelfAddress).ToString();

    protected override void PreStart() => Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.Zero, _settings.RegisterRetry);

    private void Registering()
    {
        Receive<RegisterTick>(_ => _coordinatorProxy.Tell(new Register(_build, NodeName, _cores)));
        Receive<Welcome>(w =>
        {
            Timers.Cancel("register");
            _coordinator = Sender;
            _campaign = w.Experiment;
            _log($"worker {NodeName}: joined campaign {w.Experiment[..Math.Min(12, w.Experiment.Length)]} \"{w.Title}\" ({_cores} cores)");
            Become(Working);
            Ask();
        });
        Receive<Refused>(r =>
        {
            Timers.CancelAll();
            _ended(SessionEnd.Refused, r.Why);
        });
        Receive<CampaignOver>(o => Over(o.Experiment));
    }

    private void Working()
    {
        Receive<Work>(w =>
        {
            _asked = Math.Max(0, _asked - 1);
            if (w.ExperimentText is not null) _texts[w.Unit.Digest] = w.ExperimentText;
            _held.Enqueue(w);
            RunNext();
        });
        Receive<NoWork>(n =>
        {
            _asked = 0;
            if (n.Finished && _running is null && _held.Count == 0)
            {
                Over(_campaign ?? "");
                return;
            }
            Timers.StartSingleTimer("ask", AskAgain.Instance, TimeSpan.FromMilliseconds(500));
        });
        Receive<AskAgain>(_ => Ask());
        Receive<Ran>(r =>
        {
            _running = null;
            _batches++;
            _runs += r.Work.Unit.Count;
            _coordinator!.Tell(new WorkDone(r.Work.Batch, r.Work.Unit, r.Rows, r.Work.Unit.Count, r.Seconds));
            RunNext();
            Ask();
        });
        Receive<Crashed>(c =>
        {
            _running = null;
            _coordinator!.Tell(new WorkFailed(c.Work.Batch, c.Work.Unit, c.Error));
        });
        Receive<CampaignOver>(o => Over(o.Experiment));
        Receive<Welcome>(_ => { });
        Receive<RegisterTick>(_ => { });
    }

    /// <summary>Ask for as many batches as it takes to hold <see cref="Capacity"/>.</summary>
    private void Ask()
    {
        var want = Capacity - _held.Count - (_running is null ? 0 : 1) - _asked;
        if (want <= 0 || _coordinator is null) return;
        _asked += want;
        _coordinator.Tell(new RequestWork(want));
    }

    private void RunNext()
    {
        if (_running is not null || !_held.TryDequeue(out var w)) return;
        _running = w;
        if (!_texts.TryGetValue(w.Unit.Digest, out var text))
        {
            Self.Tell(new Crashed(w, $"no experiment text for {w.Unit.Digest} came with the work"));
            return;
        }
        if (_sinceLog.Elapsed >= _settings.ProgressInterval || _batches == 0)
        {
            _sinceLog.Restart();
            _log($"worker {NodeName}: running {w.Unit} on {_cores} cores ({_batches} batches, {_runs} runs done here)");
        }
        var runner = _runner;
        var cores = _cores;
        Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                return (object)new Ran(w, runner.Run(text, w.Unit, cores), clock.Elapsed.TotalSeconds);
            }
            catch (Exception e)
            {
                return new Crashed(w, e is ArgumentException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
        }).PipeTo(Self);
    }

    private void Over(string experiment)
    {
        if (_over) return;
        _over = true;
        Timers.CancelAll();
        _log($"worker {NodeName}: campaign {experiment[..Math.Min(12, experiment.Length)]} over ({_batches} batches, {_runs} runs here)");
        _ended(SessionEnd.CampaignOver, experiment);
    }
}
