using ActorCrash.Experiments;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Remote.Transport;
using static Akka.Cluster.ClusterEvent;

namespace ActorCrash.Cluster;

/// <summary>
/// Starts the ActorSystems of cluster nodes: the coordinator (its own seed, the campaign as a
/// cluster singleton) and workers (one session per coordinator incarnation: a worker whose
/// coordinator is gone starts a fresh ActorSystem and joins again, which is how it rejoins a
/// coordinator restarted with --resume).
/// </summary>
public static class ClusterNode
{
    /// <summary>Where the singleton manager lives; the singleton itself is its child "campaign".</summary>
    public const string ManagerName = "campaign-manager";

    /// <summary>Create a node's ActorSystem, turning a port already taken into a clear error.</summary>
    public static ActorSystem Start(NodeSettings settings)
    {
        try
        {
            return ActorSystem.Create(NodeSettings.SystemName, settings.ToAkkaConfig());
        }
        catch (Exception e) when (Unwrap(e) is System.Net.Sockets.SocketException or InvalidAssociationException or Akka.Configuration.ConfigurationException)
        {
            throw new NodeSetupException($"cannot listen on {settings.Bind}: {Unwrap(e).Message}" +
                                         (settings.Bind.Port != 0 ? " (is another coordinator or node using the port?)" : ""));
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e.InnerException is not null && e is AggregateException or System.Reflection.TargetInvocationException or Akka.Remote.RemoteTransportException) e = e.InnerException;
        return e.InnerException is System.Net.Sockets.SocketException s ? s : e;
    }

    /// <summary>
    /// Start the coordinator of <paramref name="campaign"/>: a node that is its own seed and runs the
    /// campaign as the cluster singleton. Its <see cref="Coordinator.Completion"/> ends when every batch
    /// is stored or the campaign fails.
    /// </summary>
    public static Coordinator StartCoordinator(ICampaign campaign, NodeSettings settings, Action<string> log, string? build = null)
    {
        var system = Start(settings);
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);  // the coordinator is the seed node
        var end = new TaskCompletionSource<CampaignEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(ClusterSingletonManager.Props(
            CoordinatorActor.Props(campaign, settings, build ?? EmulatorBuild.Id, log, end),
            PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system).WithRole(NodeSettings.CoordinatorRole)), ManagerName);
        log($"coordinator listening on {Endpoint.Of(cluster.SelfAddress)}; start workers with: actorcrash node --join {Endpoint.Of(cluster.SelfAddress)}");
        return new Coordinator(system, cluster.SelfAddress, end);
    }

    /// <summary>A running coordinator node.</summary>
    public sealed class Coordinator(ActorSystem system, Address address, TaskCompletionSource<CampaignEnd> end) : IAsyncDisposable
    {
        public ActorSystem System => system;
        public Address Address => address;
        public string HostPort => Endpoint.Of(address).ToString();
        public Task<CampaignEnd> Completion => end.Task;

        /// <summary>Wait for the campaign to end or <paramref name="cancel"/>; then leave the cluster.</summary>
        public async Task<CampaignEnd> Run(CancellationToken cancel)
        {
            try
            {
                var result = await end.Task.WaitAsync(cancel);
                await Task.Delay(300, CancellationToken.None);  // let CampaignOver reach the workers before leaving
                return result;
            }
            catch (OperationCanceledException)
            {
                return new CampaignEnd(false, 0, 0, 0, "interrupted");
            }
            finally
            {
                await Stop(system);
            }
        }

        public async ValueTask DisposeAsync() => await Stop(system);
    }

    /// <summary>
    /// Run a worker node until <paramref name="cancel"/> fires, or, with <paramref name="once"/>, until
    /// a campaign is over. Each session is one ActorSystem joined to the coordinator; when the
    /// coordinator is gone (left, killed, restarting) the next session joins again.
    /// Returns why it stopped; <see cref="SessionEnd.Refused"/> carries the coordinator's message.
    /// </summary>
    public static async Task<(SessionEnd End, string Message)> RunWorker(IWorkRunner runner, NodeSettings settings, int cores, bool once,
        Action<string> log, CancellationToken cancel, string? build = null)
    {
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var session = StartWorker(runner, settings, cores, log, build);
            try
            {
                var (end, message) = await session.Ended.WaitAsync(cancel);
                if (end == SessionEnd.Refused || (end == SessionEnd.CampaignOver && once)) return (end, message);
                if (end == SessionEnd.Lost) log($"worker: {message}; joining again");
            }
            finally
            {
                await Stop(session.System);
            }
            await Task.Delay(500, cancel);
        }
    }

    /// <summary>One worker session: an ActorSystem joining the seeds, with the worker actor started.</summary>
    public sealed record WorkerSession(ActorSystem System, Task<(SessionEnd End, string Message)> Ended);

    public static WorkerSession StartWorker(IWorkRunner runner, NodeSettings settings, int cores, Action<string> log, string? build = null)
    {
        var system = Start(settings);
        var ended = new TaskCompletionSource<(SessionEnd, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Akka.Cluster.Cluster.Get(system);
        log($"worker {Endpoint.Of(cluster.SelfAddress)}: joining {string.Join(", ", settings.Seeds)}");
        cluster.RegisterOnMemberRemoved(() => ended.TrySetResult((SessionEnd.Lost, "this node was removed from the cluster")));
        _ = system.WhenTerminated.ContinueWith(_ => ended.TrySetResult((SessionEnd.Lost, "the node's actor system stopped")), TaskScheduler.Default);
        var proxy = system.ActorOf(ClusterSingletonProxy.Props($"/user/{ManagerName}",
            ClusterSingletonProxySettings.Create(system).WithRole(NodeSettings.CoordinatorRole)), "coordinator");
        system.ActorOf(CoordinatorWatch.Props(() => ended.TrySetResult((SessionEnd.Lost, "the coordinator left the cluster"))), "coordinator-watch");
        system.ActorOf(WorkerActor.Props(runner, settings, build ?? EmulatorBuild.Id, cores, proxy, log,
            (end, message) => ended.TrySetResult((end, message))), "worker");
        return new WorkerSession(system, ended.Task);
    }

    /// <summary>Leave the cluster and stop, bounded: a node whose peers are gone must not hang here.</summary>
    public static async Task Stop(ActorSystem system)
    {
        var shutdown = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await Task.WhenAny(shutdown, Task.Delay(TimeSpan.FromSeconds(10)));
        await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(5)));
    }

    /// <summary>
    /// Calls back once when this session has no coordinator any more: a coordinator-role member left,
    /// exited or was removed, or none has been in the cluster for a while (this node joined a
    /// coordinator that was just leaving, and is alone in its cluster).
    /// </summary>
    private sealed class CoordinatorWatch : ReceiveActor, IWithTimers
    {
        private sealed class Check { public static readonly Check Instance = new(); }

        private readonly HashSet<Address> _coordinators = new();
        private int _checksWithout;

        public ITimerScheduler Timers { get; set; } = null!;

        public CoordinatorWatch(Action gone)
        {
            var fired = false;
            void Gone()
            {
                if (fired) return;
                fired = true;
                gone();
            }
            Receive<IMemberEvent>(m =>
            {
                if (!m.Member.HasRole(NodeSettings.CoordinatorRole)) return;
                if (m is MemberLeft or MemberExited or MemberRemoved or MemberDowned)
                {
                    _coordinators.Remove(m.Member.Address);
                    Gone();
                }
                else _coordinators.Add(m.Member.Address);
            });
            Receive<Check>(_ =>
            {
                var joined = Akka.Cluster.Cluster.Get(Context.System).SelfMember.Status == MemberStatus.Up;
                _checksWithout = joined && _coordinators.Count == 0 ? _checksWithout + 1 : 0;
                if (_checksWithout >= 5) Gone();  // ~10 s in a cluster without a coordinator
            });
        }

        public static Props Props(Action gone) => global::Akka.Actor.Props.Create(() => new CoordinatorWatch(gone));

        protected override void PreStart()
        {
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(IMemberEvent));
            Timers.StartPeriodicTimer("check", Check.Instance, TimeSpan.FromSeconds(2));
        }

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
