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
            Sample(job, cores, runs);
            var one = new List<double>();
            var many = new List<double>();
            var cpu1 = new List<double>();
            var cpuN = new List<double>();
            var gcN = new List<double>();
            var identical = true;
            for (var i = 0; i < repeats; i++)
            {
                var s1 = Sample(job, 1, runs);
                var sn = Sample(job, cores, runs);
                one.Add(runs / s1.Seconds);
                many.Add(runs / sn.Seconds);
                cpu1.Add(runs / s1.CpuSeconds);
                cpuN.Add(runs / sn.CpuSeconds);
                gcN.Add(sn.GcPauseSeconds / sn.Seconds);
                identical &= Fingerprint(s1.Report) == Fingerprint(sn.Report);
            }
            double m1 = Median(one), mn = Median(many);
            // On a loaded machine the wall-clock ratio says little (other processes take the cores); the
            // runs per CPU-second (efficiency: 1 = no CPU spent on spreading) and the share of wall time
            // the runtime was paused for GC (a pause stops every worker) say what the cores would give.
            o.WriteLine($"cores scenario=stoprace8 strategy={strategy} runs={runs} schedules_per_s_1core={m1:F0} " +
                $"schedules_per_s_{cores}cores={mn:F0} ratio={mn / m1:F2} identical={(identical ? "yes" : "NO")} " +
                $"cpu_efficiency={Median(cpuN) / Median(cpu1):F2} gc_pause_share_{cores}cores={Median(gcN):P1} " +
                $"(median of {repeats}; 1 core [{string.Join(",", one.Select(x => $"{x:F0}"))}], {cores} cores [{string.Join(",", many.Select(x => $"{x:F0}"))}])");
        }
    }

    private static (ExploreReport Report, double Seconds, double CpuSeconds, double GcPauseSeconds) Sample(ExploreJob job, int cores, long runs)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var gc = GC.GetTotalPauseDuration();
        var sw = Stopwatch.StartNew();
        var report = ParallelExplorer.Explore(job, cores, runs);
        var seconds = Math.Max(1e-9, sw.Elapsed.TotalSeconds);
        process.Refresh();
        return (report, seconds, Math.Max(1e-9, (process.TotalProcessorTime - cpu).TotalSeconds), (GC.GetTotalPauseDuration() - gc).TotalSeconds);
    }

    private static string Fingerprint(ExploreReport r) =>
        $"{r.Runs}|{string.Join(",", r.ViolationsByProperty)}|{string.Join(",", r.Signatures)}|{r.DistinctOutcomes}";

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s[(s.Length - 1) / 2];
    }
}
