using System.Diagnostics;
using ActorCrash.Cluster;
using ActorCrash.Config;
using ActorCrash.Experiments;

namespace ActorCrash.Cli.Commands;

/// <summary>
/// `actorcrash experiment FILE --cluster`: this process is the coordinator (and the seed node); the
/// rows come from `actorcrash node` workers into the session's store, and the table, journal and report
/// are then made from the store exactly as in a single-process run.
/// </summary>
public static class ClusterExperiment
{
    public static RunStatus Run(ExperimentSession session, string? bind, string? certificate, string? password, CancellationToken stop)
    {
        var settings = NodeSettings.For(NodeSettings.CoordinatorRole, bind, certificate: certificate, password: password);
        var campaign = new ExperimentCampaign(session);
        var clock = Stopwatch.StartNew();
        var coordinator = ClusterNode.StartCoordinator(campaign, settings, Console.Error.WriteLine);
        var end = coordinator.Run(stop).GetAwaiter().GetResult();
        var (written, duplicates, writeTime) = campaign.Stats;
        Console.Error.WriteLine($"cluster: {written:N0} rows stored in {clock.Elapsed.TotalSeconds:F1} s " +
            $"({written / Math.Max(1e-9, clock.Elapsed.TotalSeconds):N0} runs/s)" +
            (duplicates > 0 ? $", {duplicates:N0} rows received twice and kept once" : "") +
            $", SQLite {writeTime.TotalSeconds:F2} s ({written / Math.Max(1e-9, writeTime.TotalSeconds):N0} rows/s absorbed)");
        if (end.Error is { } error && error != "interrupted")
            throw new ScenarioException(session.Experiment.Source.Name, 0, "", "an experiment every design can run", error);
        return end.Completed ? RunStatus.Completed : RunStatus.Interrupted;
    }
}
