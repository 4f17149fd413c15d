using System.ComponentModel;
using System.Diagnostics;
using ActorCrash.Cluster;
using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class BenchClusterSettings : CommandSettings
{
    [CommandArgument(0, "[experiment]")]
    [Description("Experiment to run. Default: the built-in kmsg-dump-before-kdump.")]
    public string? Experiment { get; init; }

    [CommandOption("--runs <N>")]
    [Description("Runs per design and cell. Default: 100.")]
    public int Runs { get; init; } = 100;

    [CommandOption("--repeats <N>")]
    [Description("Measurements of each setup, side by side; medians are reported. Default: 3.")]
    public int Repeats { get; init; } = 3;

    [CommandOption("--workers <N>")]
    [Description("Worker processes of the cluster setup, one core each. Default: the core count.")]
    public int? Workers { get; init; }

    public override ValidationResult Validate() =>
        Runs < 1 || Repeats < 1 || Workers is < 1 ? ValidationResult.Error("--runs, --repeats and --workers must be at least 1") : ValidationResult.Success();
}

/// <summary>
/// `actorcrash bench-cluster`: the same experiment on the same cores, alternately in one process
/// (the experiment runner, one worker actor per core) and as a coordinator (this process) with N
/// worker processes of one core each on 127.0.0.1; then how many rows per second the coordinator's
/// store absorbs (decoding batches of the wire format and writing them to SQLite). Wall-clock time is
/// read here, in the harness: the cluster's clock runs from the first worker registering to the last row
/// stored (main a9e4ed5 and earlier also counted the coordinator's 300 ms pause and its leaving the cluster after
/// the last row, which is no campaign work). Worker processes are started before the coordinator and killed after.
/// </summary>
public sealed class BenchClusterCommand : Command<BenchClusterSettings>
{
    public override int Execute(CommandContext context, BenchClusterSettings settings, CancellationToken cancellation)
    {
        var source = ExperimentLoader.Read(settings.Experiment ?? ExperimentLoader.BuiltInScheme + ExperimentLoader.DefaultName);
        var experiment = ExperimentLoader.Load(source);
        var seeds = new Seeds(1, (ulong)settings.Runs);
        var cores = Environment.ProcessorCount;
        var workers = settings.Workers ?? cores;
        var root = Path.Combine(Path.GetTempPath(), "actorcrash-bench-cluster", $"{Environment.ProcessId}");
        var single = new List<double>();
        var clustered = new List<double>();
        var steady = new List<double>();
        var lags = new List<double>();
        var batch = NodeSettings.For(NodeSettings.CoordinatorRole, "127.0.0.1:0", environment: _ => null).BatchSize;
        // One coordinator port for every repeat: the worker processes, started once, rejoin each new coordinator
        // warm (JIT, machines built), as long-lived nodes do; the first repeat of each setup warms up and is not counted.
        var settings2 = NodeSettings.For(NodeSettings.CoordinatorRole, $"127.0.0.1:{Endpoint.FreeLoopbackPort()}", environment: _ => null);
        var children = new List<Process>();
        try
        {
            for (var i = 0; i < workers; i++) children.Add(StartNode(settings2.Bind.ToString()));
            for (var r = 0; r <= settings.Repeats; r++)
            {
                var one = Single(experiment, seeds, Path.Combine(root, $"single-{r}"), cores, batch);
                var many = Clustered(experiment, seeds, Path.Combine(root, $"cluster-{r}"), settings2, workers);
                Console.Error.WriteLine($"{(r == 0 ? "warm-up" : $"repeat {r}")}: one process {one:N0} runs/s, coordinator + {workers} workers {many.FromFirst:N0} runs/s " +
                                        $"from the first worker up ({many.FromAll:N0} runs/s from the last worker up, {many.JoinLag:F2} s later; " +
                                        $"leaving the cluster after the last row took {many.Leaving:F2} s, not counted)");
                if (r == 0) continue;
                single.Add(one);
                clustered.Add(many.FromFirst);
                steady.Add(many.FromAll);
                lags.Add(many.JoinLag);
            }
            var absorb = Absorb(experiment, Path.Combine(root, "single-0"), Path.Combine(root, "absorb"), batch);
            var s = Median(single);
            var c = Median(clustered);
            // on a shared machine the load changes between repeats: the ratio of each side-by-side pair is the figure
            var ratio = Median([.. single.Zip(clustered, (one, many) => many / one)]);
            var steadyRatio = Median([.. single.Zip(steady, (one, many) => many / one)]);
            var table = new Table().AddColumns("setup", "runs/s (median)", "vs one process");
            table.AddRow($"one process, {cores} worker actors", $"{s:N0}", "1.00x");
            table.AddRow($"coordinator + {workers} worker processes x 1 core, from the first worker up", $"{c:N0}", $"{ratio:F2}x (median of the repeats' ratios)");
            table.AddRow($"  the same, from the last worker up", $"{Median(steady):N0}", $"{steadyRatio:F2}x");
            AnsiConsole.Write(table);
            Console.WriteLine("definition: one process = ExperimentRunner.Run end to end (its ActorSystem, workers and machines are made inside the clock); " +
                              "cluster = from the first worker registering with the coordinator to the last row stored (the coordinator's 'complete' line), " +
                              "worker processes warm (started once, the first repeat of each setup is a warm-up); cluster_overhead_pct = 1 - the median of the " +
                              $"repeats' cluster/one-process ratios. The steady figure counts only rows stored after the last worker registered " +
                              $"(median join lag {Median(lags):F2} s).");
            Console.WriteLine($"experiment={experiment.Title} runs={PlannedRuns(experiment, seeds)} cores={cores} batch={batch}");
            Console.WriteLine($"single_runs_per_s={s:F0} cluster_runs_per_s={c:F0} cluster_to_single_ratio={ratio:F3} cluster_overhead_pct={(1 - ratio) * 100:F1} " +
                              $"cluster_steady_runs_per_s={Median(steady):F0} cluster_steady_overhead_pct={(1 - steadyRatio) * 100:F1} join_lag_s={Median(lags):F2}");
            Console.WriteLine($"coordinator_absorbs_rows_per_s={absorb:F0} (decode + SQLite, batches of {batch})");
            Console.WriteLine($"estimate: one coordinator feeds about {absorb / (s / cores):F0} one-core workers of this experiment " +
                              $"({absorb / s:F0} {cores}-core nodes) before SQLite is the limit; at {batch} seeds a batch that is " +
                              $"{absorb / batch:F0} batches/s at the coordinator");
            return (int)ExitCode.Ok;
        }
        finally
        {
            foreach (var p in children)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(TimeSpan.FromSeconds(10));
                p.Dispose();
            }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static long PlannedRuns(ExperimentSpec experiment, Seeds seeds) => new ExperimentPlan(experiment, seeds).TotalRuns;

    private static double Single(ExperimentSpec experiment, Seeds seeds, string dir, int cores, int batch)
    {
        using var session = ExperimentSession.Open(experiment, seeds, dir, resume: false);
        var clock = Stopwatch.StartNew();
        ExperimentRunner.Run(session.Plan, session.Store, new RunnerOptions(cores, batch), CancellationToken.None);
        return session.Plan.TotalRuns / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// One clustered measurement. The clock runs in this process, on the coordinator's log lines (written
    /// synchronously by the coordinator actor): from the first and from the last of <paramref name="workers"/>
    /// registering to the campaign's "complete" line, logged when the last row is stored (before the cluster
    /// is left and shut down, which is not the campaign's work).
    /// </summary>
    private static Clocked Clustered(ExperimentSpec experiment, Seeds seeds, string dir, NodeSettings settings, int workers)
    {
        using var session = ExperimentSession.Open(experiment, seeds, dir, resume: false);
        var campaign = new ExperimentCampaign(session);
        var up = 0;
        var clock = Stopwatch.StartNew();
        double first = double.NaN, all = double.NaN, complete = double.NaN;
        long storedAtAll = 0;
        var coordinator = ClusterNode.StartCoordinator(campaign, settings, line =>
        {
            if (line.StartsWith("node ", StringComparison.Ordinal) && line.Contains(" up ("))
            {
                var n = Interlocked.Increment(ref up);
                if (n == 1) first = clock.Elapsed.TotalSeconds;
                if (n == workers)
                {
                    all = clock.Elapsed.TotalSeconds;
                    storedAtAll = campaign.Stats.Written;
                }
            }
            else if (line.StartsWith("coordinator: campaign ", StringComparison.Ordinal) && line.Contains(" complete: "))
                complete = clock.Elapsed.TotalSeconds;
        });
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var end = coordinator.Run(bound.Token).GetAwaiter().GetResult();
        var leaving = clock.Elapsed.TotalSeconds - complete;
        if (!end.Completed) throw new InvalidOperationException($"the clustered run did not complete: {end.Error}");
        if (double.IsNaN(all)) all = first;  // fewer workers came than started (one was slow to rejoin): the others did it all
        return new Clocked(end.Runs / Math.Max(1e-9, complete - first), (end.Runs - storedAtAll) / Math.Max(1e-9, complete - all), all - first, leaving);
    }

    /// <param name="FromFirst">runs/s from the first worker registering to the last row stored.</param>
    /// <param name="FromAll">runs/s of the rows stored from the last worker registering to the last row stored.</param>
    /// <param name="JoinLag">seconds between the first and the last worker registering.</param>
    /// <param name="Leaving">seconds from the last row stored until the coordinator had left the cluster and stopped (not counted).</param>
    private sealed record Clocked(double FromFirst, double FromAll, double JoinLag, double Leaving);

    /// <summary>Rows/s through what the coordinator does per batch: decode the wire rows, write them in one transaction.</summary>
    private static double Absorb(ExperimentSpec experiment, string from, string dir, int batch)
    {
        List<ResultRow> rows;
        using (var store = ResultStore.Open(Path.Combine(from, ExperimentFiles.Store))) rows = [.. store.Rows(experiment.Digest)];
        Directory.CreateDirectory(dir);
        using var target = ResultStore.Open(Path.Combine(dir, ExperimentFiles.Store));
        target.Bind(experiment.Digest, experiment.Title, EmulatorBuild.Id);
        var units = new List<(WorkUnit Unit, byte[] Bytes)>();
        const int copies = 20;  // seeds shifted by copy, so every row is new to the store
        foreach (var g in rows.GroupBy(r => (r.Design, r.Cell)))
            for (var k = 0; k < copies; k++)
            {
                var shifted = g.OrderBy(r => r.Seed).Select(r => r with { Seed = r.Seed + (ulong)(k * 1_000_000) }).ToArray();
                for (var i = 0; i < shifted.Length; i += batch)
                {
                    var part = shifted.Skip(i).Take(batch).ToArray();
                    var unit = new WorkUnit(experiment.Digest, g.Key.Design, g.Key.Cell, part[0].Seed, part.Length);
                    units.Add((unit, RowCodec.Encode(unit, part)));
                }
            }
        var clock = Stopwatch.StartNew();
        long written = 0;
        foreach (var (unit, bytes) in units) written += target.Write(RowCodec.Decode(unit, bytes));
        return written / clock.Elapsed.TotalSeconds;
    }

    private static Process StartNode(string join)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(BenchClusterCommand).Assembly.Location);
        foreach (var a in new[] { "node", "--join", join, "--cores", "1" }) info.ArgumentList.Add(a);
        var p = Process.Start(info)!;
        p.ErrorDataReceived += (_, _) => { };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
