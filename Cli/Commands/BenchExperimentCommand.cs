using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class BenchExperimentSettings : CommandSettings
{
    [CommandArgument(0, "[experiment]")]
    [Description("Experiment to measure. Default: the built-in kmsg-dump-before-kdump.")]
    public string? Experiment { get; init; }

    [CommandOption("--runs <N>")]
    [Description("Seeds per design and cell in one measurement. Default: 200.")]
    public int Runs { get; init; } = 200;

    [CommandOption("--repeats <N>")]
    [Description("Measurements per worker count; medians are reported. Default: 5.")]
    public int Repeats { get; init; } = 5;

    [CommandOption("--workers <N>")]
    [Description("Worker actors of the parallel measurement. Default: one per core.")]
    public int? Workers { get; init; }

    public override ValidationResult Validate() =>
        Runs < 1 ? ValidationResult.Error("--runs must be at least 1")
        : Repeats < 1 ? ValidationResult.Error("--repeats must be at least 1")
        : Workers is < 2 ? ValidationResult.Error("--workers must be at least 2 (it is compared with 1)")
        : ValidationResult.Success();
}

/// <summary>
/// `actorcrash bench-experiment`: the experiment path end to end (Akka workers, the writer, SQLite
/// in a fresh store) with 1 worker and with one per core, alternated (and which goes first alternated)
/// so both see the same machine load, after warm-up pairs until the JIT is quiet; medians of runs/s,
/// the speed-up, the share of the time spent writing SQLite, and where the second core goes: the
/// workers' busy share, GC pauses, bytes allocated a run, machines built, JIT time.
/// </summary>
public sealed class BenchExperimentCommand : Command<BenchExperimentSettings>
{
    public override int Execute(CommandContext context, BenchExperimentSettings settings, CancellationToken cancellation)
    {
        var experiment = ExperimentLoader.Load(ExperimentLoader.Read(settings.Experiment ?? ExperimentLoader.BuiltInScheme + ExperimentLoader.DefaultName));
        var workers = settings.Workers ?? Environment.ProcessorCount;
        var seeds = new Seeds(1, (ulong)settings.Runs);
        var plan = new ExperimentPlan(experiment, seeds);
        Console.WriteLine($"bench-experiment: {experiment.Title} ({experiment.Source.Name}), {plan.TotalRuns:N0} runs per measurement " +
            $"({plan.Pairs.Count()} design x cell pairs x {seeds.Count} seeds), 1 vs {workers} workers, {settings.Repeats} repeats, {Environment.ProcessorCount} cores" +
#if DEBUG
            ", Debug build (use -c Release for figures)"
#else
            ", Release build"
#endif
            );
        // Warm up the JIT on both paths with whole measurements, not counted, until the JIT is quiet: tiered
        // compilation promotes a method after 30 calls and a background delay, and a ReadyToRun build
        // re-compiles its hot methods too; a warm-up of one measurement each left the JIT compiling into the
        // measured ones, on a core the 1-worker measurement leaves free and the N-worker one does not.
        var warmups = 0;
        Sample w1, wn;
        do
        {
            w1 = Measure(plan, 1, seeds);
            wn = Measure(plan, workers, seeds);
            warmups++;
        } while (warmups < MaxWarmups && (w1.JitShare > JitQuiet || wn.JitShare > JitQuiet) && !cancellation.IsCancellationRequested);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  warm-up: {warmups} pair(s) of measurements, not counted; JIT compiling {w1.JitShare:P1} / {wn.JitShare:P1} of the last pair's wall time (quiet below {JitQuiet:P0}, at most {MaxWarmups} pairs)"));
        var one = new List<Sample>();
        var many = new List<Sample>();
        for (var r = 0; r < settings.Repeats && !cancellation.IsCancellationRequested; r++)
        {
            // Alternate which goes first, so neither always follows the other's garbage.
            if (r % 2 == 0)
            {
                one.Add(Measure(plan, 1, seeds));
                many.Add(Measure(plan, workers, seeds));
            }
            else
            {
                many.Add(Measure(plan, workers, seeds));
                one.Add(Measure(plan, 1, seeds));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  repeat {r + 1}: 1 worker {one[^1].RunsPerSecond:N0} runs/s ({one[^1].CpuMsPerRun:F3} CPU-ms/run), {workers} workers {many[^1].RunsPerSecond:N0} runs/s ({many[^1].CpuMsPerRun:F3} CPU-ms/run), SQLite {many[^1].SqliteShare:P1} of the wall time, {many[^1].SqliteCpuShare:P1} of the CPU time ({many[^1].SqliteUsPerRow:F1} CPU-µs/row), GC pauses {one[^1].GcPauseShare:P1} / {many[^1].GcPauseShare:P1} of the wall time"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    1 / {workers} workers: busy {one[^1].BusyShare:P1} / {many[^1].BusyShare:P1} of workers x wall time, {one[^1].MachinesBuilt} / {many[^1].MachinesBuilt} machines built, {one[^1].AllocatedPerRun / 1024:F1} / {many[^1].AllocatedPerRun / 1024:F1} KB allocated a run, {one[^1].Gen0} / {many[^1].Gen0} gen0 GCs, JIT {one[^1].JitShare:P1} / {many[^1].JitShare:P1} of the wall time, other threads' CPU {one[^1].OtherCpuUsPerRun:F1} / {many[^1].OtherCpuUsPerRun:F1} µs a run"));
        }
        var (a, b) = (Median(one.Select(s => s.RunsPerSecond)), Median(many.Select(s => s.RunsPerSecond)));
        var paired = Median(one.Zip(many, (x, y) => y.RunsPerSecond / x.RunsPerSecond));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: 1 worker {a:N0} runs/s, {workers} workers {b:N0} runs/s, speed-up {b / a:F2}x (median of the paired ratios {paired:F2}x); SQLite writing {Median(many.Select(s => s.SqliteShare)):P1} of the wall time ({workers} workers), {Median(one.Select(s => s.SqliteShare)):P1} (1 worker)"));
        var (wallShare, cpuShare, usPerRow) = (Median(many.Select(s => s.SqliteShare)), Median(many.Select(s => s.SqliteCpuShare)), Median(many.Select(s => s.SqliteUsPerRow)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SQLite share, two definitions ({workers} workers): wall time inside ResultStore.Write over the measurement's wall time {wallShare:P1} " +
            $"(counts the writer waiting for a core the workers hold); the writing thread's CPU time inside Write over the process's CPU time {cpuShare:P1} " +
            $"(what writing costs); {usPerRow:F2} CPU-µs per row written"));
        var (busy1, busyN) = (Median(one.Select(s => s.BusyShare)), Median(many.Select(s => s.BusyShare)));
        var (kb1, kbN) = (Median(one.Select(s => s.AllocatedPerRun)) / 1024, Median(many.Select(s => s.AllocatedPerRun)) / 1024);
        var (gc1, gcN) = (Median(one.Select(s => s.GcPauseShare)), Median(many.Select(s => s.GcPauseShare)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"where the second core goes (medians): workers busy {busy1:P1} (1) / {busyN:P1} ({workers}) of workers x wall time; GC pauses {gc1:P1} / {gcN:P1} of the wall time; " +
            $"{kb1:F1} / {kbN:F1} KB allocated a run; CPU of the threads that are not workers (writer, coordinator, JIT, GC, Akka) {Median(one.Select(s => s.OtherCpuUsPerRun)):F1} / {Median(many.Select(s => s.OtherCpuUsPerRun)):F1} µs a run; machines built {Median(one.Select(s => (double)s.MachinesBuilt)):F0} / {Median(many.Select(s => (double)s.MachinesBuilt)):F0} ({plan.Pairs.Count()} design x cell pairs)"));
        var (ca, cb) = (Median(one.Select(s => s.CpuMsPerRun)), Median(many.Select(s => s.CpuMsPerRun)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU time per run: 1 worker {ca:F3} ms, {workers} workers {cb:F3} ms (ratio {cb / ca:F2}: near 1, the workers do not slow each other down; runs/s only shows the speed-up on a quiet machine)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"experiment_runs_per_s_1={a:F0} experiment_runs_per_s_{workers}={b:F0} speedup={b / a:F3} paired_speedup={paired:F3} sqlite_share={wallShare:F4} sqlite_cpu_share={cpuShare:F4} sqlite_cpu_us_per_row={usPerRow:F3} cpu_ms_per_run_1={ca:F4} cpu_ms_per_run_{workers}={cb:F4} busy_share_1={busy1:F4} busy_share_{workers}={busyN:F4} gc_pause_share_1={gc1:F4} gc_pause_share_{workers}={gcN:F4} kb_per_run={kbN:F2} warmups={warmups}"));
        return (int)ExitCode.Ok;
    }

    /// <param name="CpuMsPerRun">process CPU time per run: on a loaded machine the steadier figure; equal for 1 and N workers means nothing serialises them.</param>
    /// <param name="SqliteCpuShare">CPU time of the writing thread inside the store's Write over the process's CPU time: what writing costs, whoever waits for a core.</param>
    /// <param name="SqliteUsPerRow">CPU microseconds of writing per row.</param>
    /// <param name="GcPauseShare">the runtime's GC pauses (every managed thread stopped) over the wall time.</param>
    /// <param name="BusyShare">the workers' wall time inside units over workers × wall time: below 1, a worker waited (for a unit, a core, a GC).</param>
    /// <param name="JitShare">time the JIT spent compiling (any thread) over the wall time: near 0 once warm.</param>
    /// <param name="OtherCpuUsPerRun">CPU of every thread but the workers' (the writer, the coordinator, the JIT, the GC, Akka) per run: what competes with the workers for the cores.</param>
    private sealed record Sample(double RunsPerSecond, double SqliteShare, double CpuMsPerRun, double SqliteCpuShare, double SqliteUsPerRow, double GcPauseShare,
        double BusyShare, long MachinesBuilt, double AllocatedPerRun, int Gen0, double JitShare, double OtherCpuUsPerRun);

    /// <summary>Warm-up pairs at most, and the JIT share of a measurement's wall time below which the JIT counts as quiet.</summary>
    private const int MaxWarmups = 5;
    private const double JitQuiet = 0.01;

    private static Sample Measure(ExperimentPlan plan, int workers, Seeds seeds)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"actorcrash-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var sized = new ExperimentPlan(plan.Experiment, seeds);
            using var store = ResultStore.Open(Path.Combine(dir, ExperimentFiles.Store));
            store.Bind(plan.Experiment.Digest, plan.Experiment.Title, EmulatorBuild.Id);
            var stats = new WorkerStats();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var gc = GC.GetTotalPauseDuration();
            var (allocated, gen0, jit) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), System.Runtime.JitInfo.GetCompilationTime());
            var sw = Stopwatch.StartNew();
            ExperimentRunner.Run(sized, store, new RunnerOptions(workers, Stats: stats), CancellationToken.None);
            var elapsed = sw.Elapsed.TotalSeconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            gc = GC.GetTotalPauseDuration() - gc;
            return new Sample(sized.TotalRuns / elapsed, store.WriteTime.TotalSeconds / elapsed, cpu.TotalMilliseconds / sized.TotalRuns,
                store.WriteCpuTime.TotalMilliseconds / Math.Max(1e-9, cpu.TotalMilliseconds), store.WriteCpuTime.TotalMicroseconds / Math.Max(1, store.RowsWritten),
                gc.TotalSeconds / elapsed, stats.Busy.TotalSeconds / (workers * elapsed), stats.MachinesBuilt,
                (GC.GetTotalAllocatedBytes() - allocated) / (double)sized.TotalRuns, GC.CollectionCount(0) - gen0,
                (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalSeconds / elapsed,
                Math.Max(0, (cpu - stats.Cpu).TotalMicroseconds) / sized.TotalRuns);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(IEnumerable<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}
