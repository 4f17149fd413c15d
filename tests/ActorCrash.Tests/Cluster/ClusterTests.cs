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

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Failure detection and downing in a couple of seconds instead of Akka's defaults.</summary>
    public static readonly Akka.Configuration.Config Fast = ConfigurationFactory.ParseString("""
        akka.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 3s }
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.singleton-proxy.singleton-identification-interval = 300ms

        """);

    /// <summary>A node whose Terminate() is a kill: no Leave, no coordinated shutdown; the others learn of it from the failure detector.</summary>
    private static readonly Akka.Configuration.Config Abrupt = ConfigurationFactory.ParseString(
        "akka.coordinated-shutdown.run-by-actor-system-terminate = off\nakka.cluster.run-coordinated-shutdown-when-down = off");

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
    public async Task Workers_give_the_single_process_rows_and_table_whatever_their_number(int workers)
    {
        var e = ClusterKit.Experiment(100);
        using var session = ClusterKit.Session(e);
        var campaign = new ExperimentCampaign(session);
        await using var coordinator = ClusterNode.StartCoordinator(campaign, CoordinatorSettings(batch: 30), Note);
        var sessions = new List<ClusterNode.WorkerSession>();
        try
        {
            for (var i = 0; i < workers; i++) sessions.Add(ClusterNode.StartWorker(new ExperimentWorkRunner(), WorkerSettings(coordinator.HostPort), 1, Note));
            var end = await coordinator.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            var (rows, table) = ClusterKit.Answer(session);
            var (expectedRows, expectedTable) = ClusterKit.SingleProcess(e);
            Assert.Equal(session.Plan.TotalRuns, rows.Count);
            Assert.Equal(expectedRows, rows);
            Assert.Equal(expectedTable, table);
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
        var e = ClusterKit.Experiment(100);
        using var session = ClusterKit.Session(e);
        var campaign = new ExperimentCampaign(session);
        await using var coordinator = ClusterNode.StartCoordinator(campaign, CoordinatorSettings(batch: 20), Note);
        var victimRunner = new BlockingRunner();
        var victim = ClusterNode.StartWorker(victimRunner, WorkerSettings(coordinator.HostPort, Abrupt), 1, Note);
        ClusterNode.WorkerSession? survivor = null;
        try
        {
            await victimRunner.Running.Task.WaitAsync(Bound);  // the victim holds batches now
            survivor = ClusterNode.StartWorker(new ExperimentWorkRunner(), WorkerSettings(coordinator.HostPort), 1, Note);
            await victim.System.Terminate().WaitAsync(Bound);
            var end = await coordinator.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            Assert.True(end.Reassigned >= 1, $"expected the vanished worker's batches to be reassigned, got {end.Reassigned}");
            var (rows, table) = ClusterKit.Answer(session);
            var (expectedRows, expectedTable) = ClusterKit.SingleProcess(e);
            Assert.Equal(expectedRows, rows);
            Assert.Equal(expectedTable, table);
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
        var e = ClusterKit.Experiment(20);
        using var session = ClusterKit.Session(e);
        await using var coordinator = ClusterNode.StartCoordinator(new ExperimentCampaign(session), CoordinatorSettings(), Note, build: "aaaaaaaaaaaaaaaa");
        var worker = ClusterNode.StartWorker(new ExperimentWorkRunner(), WorkerSettings(coordinator.HostPort), 1, Note, build: "bbbbbbbbbbbbbbbb");
        try
        {
            var (end, message) = await worker.Ended.WaitAsync(Bound);
            Assert.Equal(SessionEnd.Refused, end);
            Assert.Contains("bbbbbbbbbbbbbbbb", message);
            Assert.Contains("aaaaaaaaaaaaaaaa", message);
            Assert.Contains("determinism", message);
            Assert.Equal(0, session.Store.Count(e.Digest));
            Assert.False(coordinator.Completion.IsCompleted);
        }
        finally
        {
            await ClusterNode.Stop(worker.System);
        }
    }

    [Fact]
    public async Task A_coordinator_restarted_on_its_store_finishes_with_workers_that_rejoin()
    {
        var e = ClusterKit.Experiment(100);
        var dir = Experiments.ExperimentKit.TempDir();
        var settings = CoordinatorSettings(batch: 20);
        var port = Endpoint.FreeLoopbackPort();
        using var cancel = new CancellationTokenSource(Bound * 2);
        Task<(SessionEnd End, string Message)>[] workers = [];
        ClusterNode.Coordinator? first = null;
        try
        {
            using (var session = ClusterKit.Session(e, dir))
            {
                var campaign = new ExperimentCampaign(session);
                first = ClusterNode.StartCoordinator(campaign, settings with { Bind = settings.Bind with { Port = port }, AkkaOverrides = Abrupt.WithFallback(Fast) }, Note);
                workers = [.. Enumerable.Range(0, 2).Select(_ => ClusterNode.RunWorker(new SlowRunner(100), WorkerSettings($"127.0.0.1:{port}"), 1, once: true, Note, cancel.Token))];
                while (session.Store.Count(e.Digest) < 60) await Task.Delay(20, cancel.Token);
                // killed mid-campaign: no Leave; the workers see it unreachable, down themselves and join again
                await first.System.Terminate().WaitAsync(Bound);
                Assert.True(session.Store.Count(e.Digest) < session.Plan.TotalRuns, "the first coordinator finished before it was killed");
            }
            using (var resumed = ClusterKit.Session(e, dir, resume: true))
            {
                await using var second = ClusterNode.StartCoordinator(new ExperimentCampaign(resumed), settings with { Bind = settings.Bind with { Port = port } }, Note);
                var end = await second.Completion.WaitAsync(Bound);
                Assert.True(end.Completed, end.Error);
                var (rows, table) = ClusterKit.Answer(resumed);
                var (expectedRows, expectedTable) = ClusterKit.SingleProcess(e);
                Assert.Equal(expectedRows, rows);
                Assert.Equal(expectedTable, table);
                foreach (var w in workers) Assert.Equal(SessionEnd.CampaignOver, (await w.WaitAsync(Bound)).End);
            }
        }
        finally
        {
            await cancel.CancelAsync();
            if (first is not null) await ClusterNode.Stop(first.System);
            foreach (var w in workers) await Task.WhenAny(w, Task.Delay(Bound));
        }
    }


    [Fact]
    public async Task Nodes_with_a_certificate_run_the_campaign_over_Akka_Remote_TLS()
    {
        var pfx = Path.Combine(Experiments.ExperimentKit.TempDir(), "node.pfx");
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
                "CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllBytes(pfx, cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "secret"));
        }
        // a self-signed certificate: validation against a trusted root is suppressed, the handshake is still TLS
        string? Env(string name) => name switch
        {
            NodeSettings.CertificateVariable => pfx,
            NodeSettings.PasswordVariable => "secret",
            NodeSettings.SuppressValidationVariable => "true",
            _ => null,
        };
        var e = ClusterKit.Experiment(20);
        using var session = ClusterKit.Session(e);
        var coordinatorSettings = NodeSettings.For(NodeSettings.CoordinatorRole, bind: "127.0.0.1:0", environment: Env) with { AkkaOverrides = Fast, BatchSize = 20 };
        Assert.NotNull(coordinatorSettings.Tls);
        Assert.True(coordinatorSettings.ToAkkaConfig().GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        await using var coordinator = ClusterNode.StartCoordinator(new ExperimentCampaign(session), coordinatorSettings, Note);
        var worker = ClusterNode.StartWorker(new ExperimentWorkRunner(),
            NodeSettings.For(NodeSettings.WorkerRole, bind: "127.0.0.1:0", join: [coordinator.HostPort], environment: Env) with { AkkaOverrides = Fast },
            1, Note);
        try
        {
            var end = await coordinator.Completion.WaitAsync(Bound);
            Assert.True(end.Completed, end.Error);
            Assert.Equal(ClusterKit.SingleProcess(e).Rows, ClusterKit.Answer(session).Rows);
        }
        finally
        {
            await ClusterNode.Stop(worker.System);
        }
    }
}
