using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ActorCrash.Config;
using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class ExperimentSettings : CommandSettings
{
    [CommandArgument(0, "[experiment]")]
    [Description("Experiment file (HOCON or JSON). Default: the built-in experiments/kmsg-dump-before-kdump.hocon.")]
    public string? Experiment { get; init; }

    [CommandOption("--runs <N>")]
    [Description("Runs per design and cell: seeds 1..N (overrides the experiment's `runs`).")]
    public int? Runs { get; init; }

    [CommandOption("--seeds <A..B>")]
    [Description("Seeds per design and cell, inclusive (instead of --runs).")]
    public string? Seeds { get; init; }

    [CommandOption("--designs <LIST>")]
    [Description("Designs to run, comma-separated (overrides the experiment's `designs`).")]
    public string? Designs { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Folder for the store, journal, report and cell scenarios. Default: actorcrash-experiments/NAME.")]
    public string? Out { get; init; }

    [CommandOption("--resume")]
    [Description("Continue the results in --out (refused if the experiment changed) instead of starting afresh.")]
    public bool Resume { get; init; }

    [CommandOption("--json")]
    [Description("Print the journal (JSON) instead of the table.")]
    public bool Json { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Worker actors. Default: one per core.")]
    public int? Workers { get; init; }

    [CommandOption("--batch <N>")]
    [Description("Seeds per work unit. Default: 50.")]
    public int Batch { get; init; } = 50;

    [CommandOption("--cluster")]
    [Description("Be the coordinator of a cluster: `actorcrash node` workers run the batches (Cluster/README.md).")]
    public bool Cluster { get; init; }

    [CommandOption("--bind <HOST:PORT>")]
    [Description("With --cluster: where the coordinator listens. Default: actorcrash.cluster.coordinator-bind (127.0.0.1:4053).")]
    public string? Bind { get; init; }

    [CommandOption("--tls-cert <FILE>")]
    [Description("With --cluster: PKCS#12 certificate for Akka.Remote's TLS (needed to bind anything but loopback).")]
    public string? TlsCert { get; init; }

    [CommandOption("--tls-password <PASSWORD>")]
    [Description("With --cluster: the certificate's password.")]
    public string? TlsPassword { get; init; }

    public IReadOnlyList<string>? DesignList => Designs?.Split(',').Select(d => d.Trim()).ToArray();

    public override ValidationResult Validate()
    {
        if (Options.All(Options.Runs(Runs), Options.DesignList(Designs)) is { Successful: false } bad) return bad;
        if (Runs is not null && Seeds is not null) return ValidationResult.Error("--runs and --seeds cannot be combined");
        if (Seeds is not null && !SeedRange.TryParse(Seeds, out _)) return ValidationResult.Error($"--seeds takes {SeedRange.Syntax}; got \"{Seeds}\"");
        if (Workers is < 1) return ValidationResult.Error("--workers must be at least 1");
        if (Batch < 1) return ValidationResult.Error("--batch must be at least 1");
        if (!Cluster && (Bind ?? TlsCert ?? TlsPassword) is not null) return ValidationResult.Error("--bind, --tls-cert and --tls-password go with --cluster");
        if (Out is not null && Options.OutDir(Out) is { Successful: false } badOut) return badOut;
        return ValidationResult.Success();
    }
}

/// <summary>
/// `actorcrash experiment`: runs an experiment's designs × cells × seeds on all cores through Akka
/// worker actors, with a live progress bar, into a SQLite store in --out; then prints the reliability
/// table and the verdicts, and writes the journal and the HTML report. Exit 0 held, 1 deviated,
/// 2 bad input; Ctrl-C (130) or SIGTERM (143) stops cleanly, keeping everything written.
/// </summary>
public sealed class ExperimentCommand : Command<ExperimentSettings>
{
    public override int Execute(CommandContext context, ExperimentSettings settings, CancellationToken cancellation)
    {
        var source = ExperimentLoader.Read(settings.Experiment ?? ExperimentLoader.BuiltInScheme + ExperimentLoader.DefaultName);
        var experiment = ExperimentLoader.Load(source, settings.DesignList);
        var seeds = settings.Seeds is not null && SeedRange.TryParse(settings.Seeds, out var range)
            ? new Seeds(range.First, range.Last)
            : new Seeds(1, (ulong)(settings.Runs ?? experiment.Runs));
        var outDir = settings.Out ?? Path.Combine("actorcrash-experiments", NameOf(source.Name));

        // SIGINT / SIGTERM (Interruption): stop handing out units, write every row received, print the table so far.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, Interruption.Token);

        ExperimentSession session;
        try
        {
            session = ExperimentSession.Open(experiment, seeds, outDir, settings.Resume, CliApp.Command);
        }
        catch (StoreMismatchException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return (int)ExitCode.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"error: --out: cannot write the results to \"{outDir}\": {e.Message}");
            return (int)ExitCode.BadInput;
        }
        using (session)
        {
            var start = DateTimeOffset.UtcNow;
            var options = new RunnerOptions(settings.Workers ?? Environment.ProcessorCount, settings.Batch);
            var status = settings.Cluster
                ? ClusterExperiment.Run(session, settings.Bind, settings.TlsCert, settings.TlsPassword, stop.Token)
                : Run(session, options, settings.Json, stop.Token);
            var table = session.Table();
            var journal = session.WriteOutputs(table, status == RunStatus.Completed ? "completed" : "interrupted", start, DateTimeOffset.UtcNow);
            if (settings.Json) Console.Out.WriteLine(journal);
            else
            {
                TableText.Write(table, Console.Out);
                Console.Out.WriteLine();
                Console.Out.WriteLine($"wrote {Path.Combine(outDir, ExperimentFiles.Store)} ({table.Rows:N0} rows), {Path.Combine(outDir, ExperimentFiles.Journal)}, " +
                    $"{Path.Combine(outDir, ExperimentFiles.Report)}, {Path.Combine(outDir, ExperimentFiles.Scenarios)}/DESIGN/CELL.hocon");
            }
            if (status == RunStatus.Interrupted)
            {
                Console.Error.WriteLine($"interrupted: {table.Rows:N0} of {session.Plan.TotalRuns:N0} runs are in the store; continue with: {ResumeCommand(settings, outDir)}");
                return Interruption.ExitCode ?? (int)ExitCode.Interrupted;
            }
            return table.Deviated ? (int)ExitCode.Violation : (int)ExitCode.Ok;
        }
    }

    private static RunStatus Run(ExperimentSession session, RunnerOptions options, bool json, CancellationToken stop)
    {
        var sw = Stopwatch.StartNew();
        ExperimentProgress? progress = null;
        var interactive = !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        RunStatus status = RunStatus.Completed;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { status = ExperimentRunner.Run(session.Plan, session.Store, options, stop, p => progress = p); }
            catch (Exception e) { failure = e; }
        }) { Name = "experiment-writer" };
        thread.Start();
        if (interactive)
            AnsiConsole.Progress().AutoClear(true).HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: Math.Max(1, session.Plan.TotalRuns));
                    while (!thread.Join(200))
                        if (progress is { } p)
                        {
                            task.Value = p.Written;
                            task.Description = Describe(p, sw);
                        }
                });
        else
        {
            var next = TimeSpan.FromSeconds(2);
            while (!thread.Join(200))
                if (sw.Elapsed >= next && progress is { } p)
                {
                    Console.Error.WriteLine($"progress: {Describe(p, sw)}");
                    next += TimeSpan.FromSeconds(2);
                }
        }
        if (failure is not null) throw failure;
        if (progress is { } done && !json)
            Console.Error.WriteLine($"ran {done.Written - done.AlreadyDone:N0} runs in {sw.Elapsed.TotalSeconds:F1} s" +
                (done.AlreadyDone > 0 ? $" ({done.AlreadyDone:N0} were in the store already)" : "") +
                $", {(done.Written - done.AlreadyDone) / Math.Max(1e-9, sw.Elapsed.TotalSeconds):N0} runs/s, SQLite {session.Store.WriteTime.TotalSeconds:F2} s");
        return status;
    }

    private static string Describe(ExperimentProgress p, Stopwatch sw)
    {
        var ran = p.Written - p.AlreadyDone;
        var rate = ran / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
        var left = p.Total - p.Written;
        var eta = rate > 0 ? TimeSpan.FromSeconds(left / rate) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.CellsDone}/{p.Cells} cells, {p.Written:N0}/{p.Total:N0} runs, {rate:N0}/s, ETA {eta:m\\:ss}, deviating {p.Against:N0}");
    }

    /// <summary>The same invocation with --resume, as a user pastes it.</summary>
    private static string ResumeCommand(ExperimentSettings s, string outDir)
    {
        var args = new List<string> { "experiment" };
        if (s.Experiment is not null) args.Add(s.Experiment);
        if (s.Runs is { } runs) args.AddRange(["--runs", $"{runs}"]);
        if (s.Seeds is not null) args.AddRange(["--seeds", s.Seeds]);
        if (s.Designs is not null) args.AddRange(["--designs", s.Designs]);
        args.AddRange(["--out", outDir, "--resume"]);
        return CliApp.Command([.. args]);
    }

    private static string NameOf(string source) =>
        source.StartsWith(ExperimentLoader.BuiltInScheme, StringComparison.Ordinal) ? source[ExperimentLoader.BuiltInScheme.Length..] : Path.GetFileNameWithoutExtension(source);
}
