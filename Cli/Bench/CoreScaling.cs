using System.Diagnostics;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;

namespace ActorCrash.Cli.Bench;

/// <summary>
/// bench-explore's core scaling (issue 14 item 1): stoprace8 explored through <see cref="ParallelExplorer"/>
/// on one core and on several, in one process, the same number of runs each time, in many short
/// pairs. The method, fixed before any sample is taken:
/// <list type="bullet">
/// <item>"One core" is one explore worker in this process (what <c>explore --cores 1</c> runs), not a
/// one-CPU affinity: the process keeps every CPU, so the JIT, the GC and Akka's threads run beside
/// the worker on the free one and a one-core sample is never slowed by a delayed tier-up.</item>
/// <item>Warm-up, not counted: <see cref="ShortWarmups"/> short explorations (512 runs, 1 and N cores
/// in turn; every sample takes its core count's pool again and builds fresh explorers on it, and that
/// code too must reach the JIT's last tier),
/// two 1-core samples that size a sample (<c>runs</c>) to about <c>seconds</c> on one core, then
/// pairs until both samples of a pair spent under 1 % of their wall time in the JIT (at most
/// <see cref="MaxWarmups"/> pairs: <c>jit_quiet=no</c> says the limit was hit).</item>
/// <item>Then <c>pairs</c> pairs, every sample kept: a 1-core and an N-core sample back to back,
/// alternating which goes first (ABBA), so a slow spell of the machine hits both sides alike. Per
/// strategy it prints the median of the paired ratios (N-core rate / 1-core rate of the same pair)
/// and the ratio of the medians, the paired ratios' quartiles, every sample, and whether every
/// pair's two reports were identical (they must be).</item>
/// <item>Beside each, where the time went (medians over the pairs, 1 core / N cores): the workers'
/// time on a CPU, runnable but waiting for one (another thread or process had it) and blocked
/// (waiting for work or a GC, or not yet started), each as a share of cores × wall; the workers'
/// CPU time per run (GC work included: a workstation GC runs on the allocating thread), its N-core /
/// 1-core ratio and the same for the whole process; the paired ratio had no worker waited for a CPU
/// (a projection for a shared machine, labelled as such); how often a worker blocked; the CPU of
/// every other thread; GCs, GC pause share, bytes allocated per run; the JIT's share and methods
/// compiled; the machine's steal time.</item>
/// </list>
/// Thread figures come from /proc/self/task (Linux; elsewhere they read zero).
/// </summary>
public static class CoreScaling
{
    public static readonly string[] DefaultStrategies = ["random", "pct", "delay-bounding", "portfolio"];

    /// <summary>Measured pairs per strategy unless told.</summary>
    public const int DefaultPairs = 15;

    /// <summary>Warm-up pairs at most, and the JIT share of a sample's wall time below which the JIT counts as quiet.</summary>
    private const int MaxWarmups = 10;
    private const int ShortWarmups = 80;
    private const double JitQuiet = 0.01;

    /// <summary>Two lines per strategy: the ratios and samples, then where the time went.</summary>
    public static void Measure(IEnumerable<string> strategies, int cores, int pairs, double seconds, TextWriter o)
    {
        var spec = FirstBug.Stoprace8();
        var properties = Properties.For(spec.Properties);
        foreach (var strategy in strategies)
        {
            var job = new ExploreJob(spec, strategy, properties, Seed: 1, KeepGoing: true, Save: new SavePolicy(MaxSaved: 0));
            // Every sample takes a kept pool and builds fresh explorers: run that code often enough, in short explorations, for
            // the tiered JIT to have compiled it at its last tier too (a method is recompiled after 30 calls).
            for (var i = 0; i < ShortWarmups; i++) Sample(job, i % 2 == 0 ? 1 : cores, 512);
            Sample(job, 1, 2048);
            var size = Sample(job, 1, 4096);
            var runs = Math.Max(2048, (long)(size.Report.Runs / size.Seconds * seconds) / 256 * 256);
            var warmups = 0;
            bool quiet;
            do
            {
                var (w1, wn) = (Sample(job, 1, runs), Sample(job, cores, runs));
                warmups++;
                quiet = w1.JitShare < JitQuiet && wn.JitShare < JitQuiet;
            } while (!quiet && warmups < MaxWarmups);

            var one = new List<Result>();
            var many = new List<Result>();
            var identical = true;
            for (var i = 0; i < pairs; i++)
            {
                Result s1, sn;
                if (i % 2 == 0)
                {
                    s1 = Sample(job, 1, runs);
                    sn = Sample(job, cores, runs);
                }
                else
                {
                    sn = Sample(job, cores, runs);
                    s1 = Sample(job, 1, runs);
                }
                one.Add(s1);
                many.Add(sn);
                identical &= Fingerprint(s1.Report) == Fingerprint(sn.Report);
            }
            o.WriteLine(Summary(strategy, cores, runs, one, many, identical));
            o.WriteLine(Detail(strategy, cores, runs, warmups, quiet, one, many));
        }
    }

    /// <summary>The `cores` line: ratios (both kinds), quartiles of the paired ratios, every sample.</summary>
    private static string Summary(string strategy, int cores, long runs, List<Result> one, List<Result> many, bool identical)
    {
        var rates1 = one.Select(r => runs / r.Seconds).ToList();
        var ratesN = many.Select(r => runs / r.Seconds).ToList();
        var paired = rates1.Zip(ratesN, (a, b) => b / a).ToList();
        double m1 = Quantile(rates1, 0.5), mn = Quantile(ratesN, 0.5);
        return $"cores scenario=stoprace8 strategy={strategy} runs={runs} pairs={one.Count} schedules_per_s_1core={m1:F0} " +
            $"schedules_per_s_{cores}cores={mn:F0} ratio={mn / m1:F2} median_paired_ratio={Quantile(paired, 0.5):F2} " +
            $"paired_ratio_quartiles={Quantile(paired, 0.25):F2}/{Quantile(paired, 0.75):F2} identical={(identical ? "yes" : "NO")} " +
            $"(1 core [{string.Join(",", rates1.Select(x => $"{x:F0}"))}], {cores} cores [{string.Join(",", ratesN.Select(x => $"{x:F0}"))}], " +
            $"paired ratios [{string.Join(",", paired.Select(x => $"{x:F2}"))}])";
    }

    /// <summary>The `cores-detail` line: where the workers' time went, and what else the process did, 1 core / N cores.</summary>
    private static string Detail(string strategy, int cores, long runs, int warmups, bool quiet, List<Result> one, List<Result> many)
    {
        string Both(Func<Result, int, double> f, string format) =>
            $"{Quantile(one.Select(r => f(r, 1)), 0.5).ToString(format)}/{Quantile(many.Select(r => f(r, cores)), 0.5).ToString(format)}";
        var cpu1 = Quantile(one.Select(r => r.WorkerCpu / runs), 0.5);
        var cpuN = Quantile(many.Select(r => r.WorkerCpu / runs), 0.5);
        // Each sample's wall time less the time its workers spent runnable but waiting for a CPU (per
        // worker): what it would have taken had nothing else wanted the CPUs. A projection for a shared
        // machine, not a measurement: it also leaves out this process's own other threads (JIT, GC, Akka).
        var uncontended = one.Zip(many, (a, b) => Uncontended(b, cores) / Uncontended(a, 1)).ToList();
        return $"cores-detail strategy={strategy} warmups={warmups} jit_quiet={(quiet ? "yes" : "no")} " +
            $"worker_on_cpu={Both((r, c) => r.WorkerCpu / (c * r.Seconds), "P1")} " +
            $"worker_queued={Both((r, c) => r.WorkerQueued / (c * r.Seconds), "P1")} " +
            $"worker_blocked={Both((r, c) => Math.Max(0, 1 - (r.WorkerCpu + r.WorkerQueued) / (c * r.Seconds)), "P1")} " +
            $"worker_cpu_us_per_run={cpu1 * 1e6:F1}/{cpuN * 1e6:F1} cpu_per_run_ratio={cpuN / cpu1:F3} " +
            $"process_cpu_per_run_ratio={Quantile(many.Select(r => r.ProcessCpu), 0.5) / Quantile(one.Select(r => r.ProcessCpu), 0.5):F3} " +
            $"uncontended_paired_ratio={Quantile(uncontended, 0.5):F2} " +
            $"worker_blocks_per_1k_runs={Both((r, _) => r.WorkerBlocks * 1e3 / runs, "F1")} " +
            $"other_threads_cpu_ms={Both((r, _) => r.OtherCpu * 1e3, "F0")} " +
            $"gcs_per_10k_runs={Both((r, _) => r.Gcs * 1e4 / runs, "F1")} gc_pause_share={Both((r, _) => r.GcPause / r.Seconds, "P2")} " +
            $"kb_per_run={Both((r, _) => r.Allocated / 1024.0 / runs, "F2")} jit_share={Both((r, _) => r.JitShare, "P2")} " +
            $"jit_methods={Both((r, _) => r.JitMethods, "F0")} " +
            $"steal_share={Both((r, _) => r.Steal, "P2")} {GcConfig(GC.GetConfigurationVariables())}";
    }

    /// <summary>
    /// The GC this process runs with, as the runtime reports it (so a run under <c>DOTNET_gcServer</c>,
    /// <c>DOTNET_gcConcurrent</c> or <c>DOTNET_GCGen0MaxBudget</c> says so in its output):
    /// <c>gc=workstation|server gc_concurrent=on|off gc_heaps=N gen0_max_budget_kb=N</c>.
    /// </summary>
    public static string GcConfig(IReadOnlyDictionary<string, object> variables)
    {
        bool On(string key) => variables.TryGetValue(key, out var v) && v is true;
        long Number(string key) => variables.TryGetValue(key, out var v) && v is IConvertible c ? c.ToInt64(null) : 0;
        return $"gc={(On("ServerGC") ? "server" : "workstation")} gc_concurrent={(On("ConcurrentGC") ? "on" : "off")} " +
            $"gc_heaps={Number("HeapCount")} gen0_max_budget_kb={Number("GCGen0MaxBudget") / 1024}";
    }

    private static double Uncontended(Result r, int cores) => 1 / Math.Max(1e-9, r.Seconds - r.WorkerQueued / cores);

    private sealed record Result(ExploreReport Report, double Seconds, double WorkerCpu, double WorkerQueued, long WorkerBlocks,
        double OtherCpu, double ProcessCpu, double GcPause, int Gcs, long Allocated, double JitShare, long JitMethods, double Steal);

    private static Result Sample(ExploreJob job, int cores, long runs)
    {
        using var process = Process.GetCurrentProcess();
        var processCpu = process.TotalProcessorTime;
        var threads = ThreadTimes.Snapshot();
        var steal = MachineTimes.Read();
        var (gcs, allocated, pause, jit) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), System.Runtime.JitInfo.GetCompilationTime());
        var methods = System.Runtime.JitInfo.GetCompiledMethodCount();
        var sw = Stopwatch.StartNew();
        var report = ParallelExplorer.Explore(job, cores, runs);
        var seconds = Math.Max(1e-9, sw.Elapsed.TotalSeconds);
        var (workers, others) = ThreadTimes.Since(threads, ExploreThreadPrefix, PoolThreads.TryGetValue(cores, out var pool) ? pool : (PoolThreads[cores] = []));
        process.Refresh();
        return new Result(report, seconds, workers.Sum(w => w.CpuSeconds), workers.Sum(w => w.QueuedSeconds), workers.Sum(w => w.Blocks),
            others.CpuSeconds, (process.TotalProcessorTime - processCpu).TotalSeconds, (GC.GetTotalPauseDuration() - pause).TotalSeconds, GC.CollectionCount(0) - gcs,
            GC.GetTotalAllocatedBytes() - allocated, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalSeconds / seconds,
            System.Runtime.JitInfo.GetCompiledMethodCount() - methods, MachineTimes.Read().StealShareSince(steal));
    }

    /// <summary>The explore machines' threads (PinnedDispatcher, named after actorcrash.explore-dispatcher), as Linux truncates the name.</summary>
    private const string ExploreThreadPrefix = "actorcrash.expl";

    /// <summary>
    /// Core count → the thread ids of its pool (<see cref="ParallelExplorer"/> keeps one per core count):
    /// a sample's workers are its pool's threads, not the idle ones of the other pool (which, on a loaded
    /// machine, spend a while runnable after their last stretch: Akka's idle workers yield with
    /// Thread.Sleep(0) up to 100 times before they block).
    /// </summary>
    private static readonly Dictionary<int, HashSet<string>> PoolThreads = [];

    private static string Fingerprint(ExploreReport r) =>
        $"{r.Runs}|{string.Join(",", r.ViolationsByProperty)}|{string.Join(",", r.Signatures)}|{r.DistinctOutcomes}";

    /// <summary>The q-quantile, interpolated between the two nearest samples (q = 0.5: the median, the mean of the middle two for an even count).</summary>
    public static double Quantile(IEnumerable<double> xs, double q)
    {
        var s = xs.Order().ToArray();
        if (s.Length == 0) return double.NaN;
        var at = q * (s.Length - 1);
        var lo = (int)Math.Floor(at);
        var hi = Math.Min(s.Length - 1, lo + 1);
        return s[lo] + (s[hi] - s[lo]) * (at - lo);
    }
}
