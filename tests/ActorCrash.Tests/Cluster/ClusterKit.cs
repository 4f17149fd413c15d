using ActorCrash.Cluster;
using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using ActorCrash.Tests.Experiments;

namespace ActorCrash.Tests.Cluster;

/// <summary>Experiments for the cluster tests, their single-process answers, and runners that stall or die on cue.</summary>
internal static class ClusterKit
{
    /// <summary>The tiny experiment (two designs, three cells) with enough seeds for a few dozen batches.</summary>
    public static ExperimentSpec Experiment(int runs) => ExperimentKit.Load(ExperimentKit.Tiny.Replace("runs = 20", $"runs = {runs}"));

    public static ExperimentSession Session(ExperimentSpec e, string? dir = null, bool resume = false) =>
        ExperimentSession.Open(e, new Seeds(1, (ulong)e.Runs), dir ?? ExperimentKit.TempDir(), resume);

    /// <summary>What one process computes: the rows and the printed table.</summary>
    public static (IReadOnlyList<ResultRow> Rows, string Table) SingleProcess(ExperimentSpec e)
    {
        using var s = Session(e);
        ExperimentRunner.Run(s.Plan, s.Store, new RunnerOptions(1), CancellationToken.None);
        return Answer(s);
    }

    public static (IReadOnlyList<ResultRow> Rows, string Table) Answer(ExperimentSession s)
    {
        var text = new StringWriter();
        TableText.Write(s.Table(), text);
        var rows = s.Store.Rows(s.Experiment.Digest).OrderBy(r => (r.Design, r.Cell, r.Seed)).ToArray();
        // the replay commands name the session's folder; everything else must be identical
        return (rows, text.ToString().Replace(s.OutDir, "OUT"));
    }
}

/// <summary>The real runner, slowed by a wall-clock pause per batch so a campaign lasts long enough to interrupt.</summary>
internal sealed class SlowRunner(int pauseMs) : IWorkRunner
{
    private readonly ExperimentWorkRunner _inner = new();

    public byte[] Run(string experimentText, WorkUnit unit, int parallelism)
    {
        Thread.Sleep(pauseMs);
        return _inner.Run(experimentText, unit, parallelism);
    }
}

/// <summary>Signals when its first batch starts, then never finishes one: the worker dies holding it.</summary>
internal sealed class BlockingRunner : IWorkRunner
{
    private readonly ManualResetEventSlim _release = new();
    public readonly TaskCompletionSource Running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Run(string experimentText, WorkUnit unit, int parallelism)
    {
        Running.TrySetResult();
        _release.Wait(TimeSpan.FromSeconds(60));
        throw new OperationCanceledException("released");
    }

    public void Release() => _release.Set();
}
