using ActorCrash.Cluster;
using ActorCrash.Config;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorCrash.Tests.Cluster;

/// <summary>
/// Several cluster nodes (ActorSystems on 127.0.0.1, free ports) in this test process: a coordinator
/// and workers run a campaign to the rows a single process gives, also when a worker vanishes
/// mid-batch or has another build. Every wait is bounded; every system is stopped in finally.
/// </summary>
[Collection("cluster")]
public sealed class ClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public ClusterTests(ITestOutputHelper output) : base(output: output) => _output = output;

    private static readonly string[] Designs = ["linux-2.6.38", "linux-3.12", "linux-6.x"];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Failure detection and downing in a couple of seconds instead of Akka's defaults.</summary>
    public static readonly Akka.Configuration.Config Fast = ConfigurationFactory.ParseString("""
        akka.cluster.failure-detector { heartbeat-interval = 300ms, acceptable-heartbeat-pause = 1200ms }
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.singleton-proxy.singleton-identification-interval = 300ms
        """);

    /// <summary>A node whose Terminate() is a kill: no Leave, no coordinated shutdown; the others learn of it from the failure detector.</summary>
    private static readonly Akka.Configuration.Config Abrupt = ConfigurationFactory.ParseString(
        "akka.coordinated-shutdown.run-by-actor-system-terminate = off\nakka.cluster.run-coordinated-shutdown-when-down = off");

    private static string Scenario => ScenarioLoader.BuiltInText(ScenarioLoader.DefaultName);

    private void Note(string line)
    {
        try { _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"); } catch (InvalidOperationException) { }
    }

    private static NodeSettings CoordinatorSettings(int batch = 50) =>
        NodeSettings.For(NodeSettings.CoordinatorRole, bind: "127.0.0.1:0", environment: _ => null) with { BatchSize = batch, AkkaOverrides = Fast, ProgressInterval = TimeSpan.FromSeconds(1) };

    private static NodeSettings WorkerSettings(string coordinator, Akka.Configuration.Config? extra = null) =>
        NodeSettings.For(NodeSettings.WorkerRole, bind: "127.0.0.1:0", join: [coordinator], environment: _ => null) with
        {
            AkkaOverrides = extra is null ? Fast : extra.WithFallback(Fast),
            RegisterRetry = TimeSpan.FromMilliseconds(300),
        };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Workers_give_the_single_process_rows_whatever_their_number(int workers)
    {
        var campaign = new SeedCampaign(Scenario, Designs, 300);
        var runner = new SeedRunner();
        await using var coordinator = ClusterNode.StartCoordinator(campaign, CoordinatorSettings(), Note);
        var sessions = new List<ClusterNode.WorkerSession>();
        try
        {
            for (var i = 0; i < workers; i++) sessions.Add(ClusterNode.StartWorker(runner, WorkerSettings(coordinator.HostPort), 1, Note));
            var end = await coordinator.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            Assert.Equal(SeedCampaign.SingleProcess(Scenario, Designs, 300), campaign.Table());
            Assert.Equal(0, campaign.DuplicateRows);
            foreach (var s in sessions) Assert.Equal(SessionEnd.CampaignOver, (await s.Ended.WaitAsync(Bound)).End);
        }
        finally
        {
            await Task.WhenAll(sessions.Select(s => ClusterNode.Stop(s.System)));
        }
    }

    [Fact]
    public async Task A_worker_that_vanishes_mid_batch_loses_its_batches_to_the_others_and_no_row_is_lost_or_doubled()
    {
        var campaign = new SeedCampaign(Scenario, Designs, 400);
        await using var coordinator = ClusterNode.StartCoordinator(campaign, CoordinatorSettings(batch: 40), Note);
        var running = new TaskCompletionSource();
        var victimRunner = new BlockingRunner(running);
        // Killed, not stopped: no Leave, no coordinated shutdown; the others learn of it from the failure detector.
        var victim = ClusterNode.StartWorker(victimRunner, WorkerSettings(coordinator.HostPort, Abrupt), 1, Note);
        ClusterNode.WorkerSession? survivor = null;
        try
        {
            await running.Task.WaitAsync(Bound);  // the victim holds batches now
            survivor = ClusterNode.StartWorker(new SeedRunner(), WorkerSettings(coordinator.HostPort), 1, Note);
            await victim.System.Terminate().WaitAsync(Bound);
            var end = await coordinator.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            Assert.True(end.Reassigned >= 1, $"expected the vanished worker's batches to be reassigned, got {end.Reassigned}");
            Assert.Equal(SeedCampaign.SingleProcess(Scenario, Designs, 400), campaign.Table());
            Assert.Equal(0, campaign.DuplicateRows);
        }
        finally
        {
            victimRunner.Release();
            await ClusterNode.Stop(victim.System);
            if (survivor is not null) await ClusterNode.Stop(survivor.System);
        }
    }

    [Fact]
    public async Task A_worker_with_another_build_is_refused_and_says_why()
    {
        var campaign = new SeedCampaign(Scenario, Designs, 50);
        await using var coordinator = ClusterNode.StartCoordinator(campaign, CoordinatorSettings(), Note, build: "aaaaaaaaaaaaaaaa");
        var session = ClusterNode.StartWorker(new SeedRunner(), WorkerSettings(coordinator.HostPort), 1, Note, build: "bbbbbbbbbbbbbbbb");
        try
        {
            var (end, message) = await session.Ended.WaitAsync(Bound);
            Assert.Equal(SessionEnd.Refused, end);
            Assert.Contains("bbbbbbbbbbbbbbbb", message);
            Assert.Contains("aaaaaaaaaaaaaaaa", message);
            Assert.Contains("determinism", message);
            Assert.Empty(campaign.Rows);
            Assert.False(coordinator.Completion.IsCompleted);
        }
        finally
        {
            await ClusterNode.Stop(session.System);
        }
    }

    [Fact]
    public async Task A_coordinator_restarted_on_its_store_finishes_with_workers_that_rejoin()
    {
        var campaign = new SeedCampaign(Scenario, Designs, 400);
        var settings = CoordinatorSettings(batch: 40);
        var first = ClusterNode.StartCoordinator(campaign, settings with { Bind = settings.Bind with { Port = FreePort() } }, Note);
        var port = first.Address.Port!.Value;
        using var cancel = new CancellationTokenSource(Bound * 2);
        var slow = new SeedRunner { DelayMs = 100 };
        var workers = Enumerable.Range(0, 2).Select(_ => ClusterNode.RunWorker(slow, WorkerSettings($"127.0.0.1:{port}"), 1, once: true, Note, cancel.Token)).ToArray();
        try
        {
            while (campaign.Stores < 3) await Task.Delay(20, cancel.Token);
            // killed mid-campaign: no Leave, the workers see it unreachable, down themselves and join again
            await first.System.Terminate().WaitAsync(Bound);
            Assert.True(campaign.Rows.Count < 3 * 400, "the first coordinator finished before it was killed");
            await using var second = ClusterNode.StartCoordinator(campaign, settings with { Bind = settings.Bind with { Port = port } }, Note);
            var end = await second.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            Assert.Equal(SeedCampaign.SingleProcess(Scenario, Designs, 400), campaign.Table());
            Assert.Equal(0, campaign.DuplicateRows);
            foreach (var w in workers) Assert.Equal(SessionEnd.CampaignOver, (await w.WaitAsync(Bound)).End);
        }
        finally
        {
            await cancel.CancelAsync();
            await ClusterNode.Stop(first.System);
            foreach (var w in workers) await Task.WhenAny(w, Task.Delay(Bound));
        }
    }

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Signals when its first batch starts, then never finishes one: the worker dies holding it.</summary>
    private sealed class BlockingRunner(TaskCompletionSource running) : IWorkRunner
    {
        private readonly ManualResetEventSlim _release = new();

        public byte[] Run(string experimentText, WorkUnit unit, int parallelism)
        {
            running.TrySetResult();
            _release.Wait(TimeSpan.FromSeconds(60));
            throw new OperationCanceledException("released");
        }

        public void Release() => _release.Set();
    }
}
