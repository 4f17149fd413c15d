using System.Diagnostics;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;

namespace ActorCrash.Cli.Bench;

/// <summary>
/// bench-explore's core scaling (issue 14 item 1): stoprace8 explored on one core and on several, in
/// the same process, alternating, the same number of runs each time; per strategy the median
/// schedules/s of each, their ratio, and whether the two reports were identical (they must be).
/// </summary>
public static class CoreScaling
{
    public static readonly string[] DefaultStrategies = ["random", "pct", "delay-bounding", "portfolio"];

    /// <summary>Warm-up pairs at most, and the JIT share of a sample's wall time below which the JIT counts as quiet.</summary>
    private const int MaxWarmups = 5;
    private const double JitQuiet = 0.01;

    /// <summary>One line per strategy: schedules/s on 1 and on <paramref name="cores"/> cores, the ratio, identical or not.</summary>
    public static void Measure(IEnumerable<string> strategies, int cores, int repeats, double seconds, TextWriter o)
    {
        var spec = FirstBug.Stoprace8();
        var properties = Properties.For(spec.Properties);
        foreach (var strategy in strategies)
        {
            var job = new ExploreJob(spec, strategy, properties, Seed: 1, KeepGoing: true, Save: new SavePolicy(MaxSaved: 0));
            // Warm-up on one core (JIT tier-up); the second warm-up sizes a sample to about `seconds` there.
            Sample(job, 1, 2048);
            var warm = Sample(job, 1, 4096);
            var runs = Math.Max(2048, (long)(warm.Report.Runs / warm.Seconds * seconds));
            // Then pairs of whole samples, not counted, until the JIT is quiet: a JIT still compiling runs on
            // the core a 1-core sample leaves free, and takes one from a 2-core sample.
            var warmups = 0;
            Result w1, wn;
            do
            {
                w1 = Sample(job, 1, runs);
                wn = Sample(job, cores, runs);
                warmups++;
            } while (warmups < MaxWarmups && (w1.JitShare > JitQuiet || wn.JitShare > JitQuiet));
            var one = new List<Result>();
            var many = new List<Result>();
            var identical = true;
            for (var i = 0; i < repeats; i++)
            {
                // Alternate which goes first, so neither always follows the other's garbage or start-up.
                var (s1, sn) = i % 2 == 0 ? (Sample(job, 1, runs), Sample(job, cores, runs)) : Swap(Sample(job, cores, runs), Sample(job, 1, runs));
                one.Add(s1);
                many.Add(sn);
                identical &= Fingerprint(s1.Report) == Fingerprint(sn.Report);
            }
            double m1 = Median(one, r => runs / r.Seconds), mn = Median(many, r => runs / r.Seconds);
            // On a loaded machine the wall-clock ratio says little (other processes take the cores); the
            // runs per CPU-second (efficiency: 1 = no CPU spent on spreading) and the share of wall time
            // the runtime was paused for GC (a pause stops every worker) say what the cores would give.
            o.WriteLine($"cores scenario=stoprace8 strategy={strategy} runs={runs} schedules_per_s_1core={m1:F0} " +
                $"schedules_per_s_{cores}cores={mn:F0} ratio={mn / m1:F2} identical={(identical ? "yes" : "NO")} " +
                $"cpu_efficiency={Median(many, r => runs / r.CpuSeconds) / Median(one, r => runs / r.CpuSeconds):F2} gc_pause_share_{cores}cores={Median(many, r => r.GcPauseSeconds / r.Seconds):P1} " +
                $"(median of {repeats}; 1 core [{string.Join(",", one.Select(x => $"{runs / x.Seconds:F0}"))}], {cores} cores [{string.Join(",", many.Select(x => $"{runs / x.Seconds:F0}"))}])");
            // Where the second core goes: the explore threads' CPU over cores x wall (below 1: a worker waited,
            // for a stretch, a core or a GC), the CPU of every other thread (the campaign, Akka, the JIT, the
            // GC), GCs and bytes allocated per run, the JIT's share; 1 core / N cores, medians.
            o.WriteLine($"cores-detail strategy={strategy} warmups={warmups} " +
                $"worker_cpu_share_1core={Median(one, r => r.WorkerCpuSeconds / r.Seconds):P1} worker_cpu_share_{cores}cores={Median(many, r => r.WorkerCpuSeconds / (cores * r.Seconds)):P1} " +
                $"other_threads_cpu_ms_1core={Median(one, r => r.OtherCpuSeconds * 1000):F0} other_threads_cpu_ms_{cores}cores={Median(many, r => r.OtherCpuSeconds * 1000):F0} " +
                $"gcs_per_10k_runs={Median(one, r => r.Gcs * 1e4 / runs):F1}/{Median(many, r => r.Gcs * 1e4 / runs):F1} " +
                $"bytes_per_run={Median(one, r => r.Allocated / (double)runs):F0}/{Median(many, r => r.Allocated / (double)runs):F0} " +
                $"jit_share={Median(one, r => r.JitShare):P1}/{Median(many, r => r.JitShare):P1}");
        }
    }

    private static (Result, Result) Swap(Result many, Result one) => (one, many);

    private sealed record Result(ExploreReport Report, double Seconds, double CpuSeconds, double GcPauseSeconds,
        double WorkerCpuSeconds, double OtherCpuSeconds, int Gcs, long Allocated, double JitShare);

    private static Result Sample(ExploreJob job, int cores, long runs)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var gc = GC.GetTotalPauseDuration();
        var (gcs, allocated, jit) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes(), System.Runtime.JitInfo.GetCompilationTime());
        var threads = ThreadTimes.ByName();
        var sw = Stopwatch.StartNew();
        var report = ParallelExplorer.Explore(job, cores, runs);
        var seconds = Math.Max(1e-9, sw.Elapsed.TotalSeconds);
        process.Refresh();
        var total = Math.Max(1e-9, (process.TotalProcessorTime - cpu).TotalSeconds);
        var workers = ThreadTimes.Since(threads, ExploreThreadPrefix);
        return new Result(report, seconds, total, (GC.GetTotalPauseDuration() - gc).TotalSeconds, workers, Math.Max(0, total - workers),
            GC.CollectionCount(0) - gcs, GC.GetTotalAllocatedBytes() - allocated, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalSeconds / seconds);
    }

    /// <summary>The explore machines' threads (PinnedDispatcher, named after actorcrash.explore-dispatcher), as Linux truncates the name.</summary>
    private const string ExploreThreadPrefix = "actorcrash.expl";

    private static string Fingerprint(ExploreReport r) =>
        $"{r.Runs}|{string.Join(",", r.ViolationsByProperty)}|{string.Join(",", r.Signatures)}|{r.DistinctOutcomes}";

    private static double Median(List<Result> xs, Func<Result, double> f)
    {
        var s = xs.Select(f).Order().ToArray();
        return s[(s.Length - 1) / 2];
    }
}
