using ActorCrash.Actors;
using ActorCrash.Experiments;

namespace ActorCrash.Cli.Bench;

/// <summary>One sample of <see cref="ScaleRounds"/>: a few emulations in a row of one machine, per emulation.</summary>
public sealed record ScaleSample(int Round, int Emulations, double Messages, double CpuMicros, double WallMicros, double Bytes, double Gc0, double Gc1, double Gc2)
{
    public double CpuNsPerMessage => CpuMicros * 1000 / Messages;
}

/// <summary>What <see cref="ScaleRounds"/> measured at one CPU count, over all its samples.</summary>
public sealed record ScaleSize(int Cpus, IReadOnlyList<ScaleSample> Samples)
{
    public int Emulations => Samples.Sum(s => s.Emulations);

    /// <summary>Messages per emulation over every measured emulation (not a median: it is the work, not a timing).</summary>
    public double Messages => Samples.Sum(s => s.Messages * s.Emulations) / Emulations;

    public double Bytes => Samples.Sum(s => s.Bytes * s.Emulations) / Emulations;

    /// <summary>GCs of generation <paramref name="gen"/> per 1,000 emulations, over every measured emulation.</summary>
    public double GcPer1k(int gen) => 1000 * Samples.Sum(s => (gen switch { 0 => s.Gc0, 1 => s.Gc1, _ => s.Gc2 }) * s.Emulations) / Emulations;

    public double CpuMicros(double q = 0.5) => CoreScaling.Quantile(Samples.Select(s => s.CpuMicros), q);

    public double WallMicros => CoreScaling.Quantile(Samples.Select(s => s.WallMicros), 0.5);

    public double CpuNsPerMessage => CoreScaling.Quantile(Samples.Select(s => s.CpuNsPerMessage), 0.5);
}

/// <summary>
/// The local exponent between two CPU counts, k = ln(cost ratio) / ln(CPU ratio), three ways: from the
/// two medians (<see cref="FromMedians"/>, what the table shows); its spread over a bootstrap of the
/// samples (each size's samples resampled with replacement, the medians' k recomputed); and per round
/// (<see cref="ByRound"/>: the two sizes' samples of the same round, taken seconds apart, so a drift
/// of the machine's speed cancels out), with its quartiles. <see cref="Messages"/> and
/// <see cref="PerMessage"/> split k into messages per emulation and CPU time per message.
/// </summary>
public sealed record ScaleStep(int FromCpus, int ToCpus, double FromMedians, double BootP05, double BootP25, double BootP75, double BootP95,
    double ByRound, double ByRoundP25, double ByRoundP75, double Messages, double PerMessage);

/// <summary>
/// `bench-scale`'s measurement: one machine per CPU count, measured in interleaved rounds. A round
/// takes one sample of each CPU count in turn (512, 1024, 4096, then the next round), so whatever
/// the host does meanwhile (another process, a frequency change) falls on every size alike instead
/// of on whichever size was being measured then. A sample is one untimed emulation (the machine's
/// objects back in the cache after the other machines ran) and then enough emulations for about
/// <c>messages</c> deliveries, timed with the thread's CPU clock and the wall clock.
/// </summary>
public static class ScaleRounds
{
    /// <summary>Bootstrap resamples for the exponents' spread; the generator is seeded, so the figures are reproducible from the samples.</summary>
    public const int BootstrapResamples = 2000;

    public static IReadOnlyList<ScaleSize> Measure(IReadOnlyList<Config.ScenarioSpec> specs, int rounds, int messages, int? warmup, Action<int, int>? progress = null,
        Action? beforeSample = null, Action? afterSample = null, Action? afterFirstRun = null)
    {
        var machines = new List<Machine>();
        try
        {
            var seeds = new ulong[specs.Count];
            var perSample = new int[specs.Count];
            for (var i = 0; i < specs.Count; i++)
            {
                var machine = new Machine(specs[i]);
                machines.Add(machine);
                seeds[i] = 1;
                var perRun = machine.Run(seeds[i]++).Steps;   // one run to learn its size (and JIT its path)
                afterFirstRun?.Invoke();
                var w = warmup ?? (int)Math.Max(1, 2_000_000 / Math.Max(1, perRun));
                for (var k = 0; k < w; k++) machine.Run(seeds[i]++);
                perSample[i] = (int)Math.Max(1, messages / Math.Max(1, perRun));
            }
            var samples = specs.Select(_ => new List<ScaleSample>()).ToArray();
            ThreadCpu.Now();   // its first call (JIT, marshalling stub) outside the measured part
            for (var r = 0; r < rounds; r++)
            {
                for (var i = 0; i < machines.Count; i++)
                {
                    var machine = machines[i];
                    machine.Run(seeds[i]++);   // untimed: this machine's objects back in the cache
                    samples[i].Add(Sample(machine, r, perSample[i], ref seeds[i], beforeSample, afterSample));
                }
                progress?.Invoke(r + 1, rounds);
            }
            return [.. specs.Select((s, i) => new ScaleSize(s.Machine.CpuCount, samples[i]))];
        }
        finally
        {
            foreach (var m in machines) m.Dispose();
        }
    }

    private static ScaleSample Sample(Machine machine, int round, int emulations, ref ulong seed, Action? before, Action? after)
    {
        long messages = 0;
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        before?.Invoke();
        var wall = System.Diagnostics.Stopwatch.GetTimestamp();
        var cpu = ThreadCpu.Now();
        for (var i = 0; i < emulations; i++) messages += machine.Run(seed++).Steps;
        cpu = ThreadCpu.Now() - cpu;
        var wallTime = System.Diagnostics.Stopwatch.GetElapsedTime(wall);
        after?.Invoke();
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        double per(long x) => (double)x / emulations;
        return new ScaleSample(round, emulations, per(messages), cpu.TotalMicroseconds / emulations, wallTime.TotalMicroseconds / emulations, per(bytes),
            per(GC.CollectionCount(0) - g0), per(GC.CollectionCount(1) - g1), per(GC.CollectionCount(2) - g2));
    }

    /// <summary>The exponent from <paramref name="a"/> to <paramref name="b"/> (see <see cref="ScaleStep"/>).</summary>
    public static ScaleStep Step(ScaleSize a, ScaleSize b)
    {
        var logN = Math.Log((double)b.Cpus / a.Cpus);
        double k(double ca, double cb) => Math.Log(cb / ca) / logN;
        // Bootstrap: a fixed seed, so the same samples give the same spread (this is the CLI, not the model).
        var random = new Random(unchecked(a.Cpus * 7919 + b.Cpus));
        var ax = a.Samples.Select(s => s.CpuMicros).ToArray();
        var bx = b.Samples.Select(s => s.CpuMicros).ToArray();
        var boot = new double[BootstrapResamples];
        var ra = new double[ax.Length];
        var rb = new double[bx.Length];
        for (var i = 0; i < boot.Length; i++)
        {
            for (var j = 0; j < ra.Length; j++) ra[j] = ax[random.Next(ax.Length)];
            for (var j = 0; j < rb.Length; j++) rb[j] = bx[random.Next(bx.Length)];
            boot[i] = k(CoreScaling.Quantile(ra, 0.5), CoreScaling.Quantile(rb, 0.5));
        }
        // Per round: the two sizes' samples of the same round.
        var byRound = a.Samples.Join(b.Samples, s => s.Round, s => s.Round, (sa, sb) => k(sa.CpuMicros, sb.CpuMicros)).ToArray();
        return new ScaleStep(a.Cpus, b.Cpus, k(a.CpuMicros(), b.CpuMicros()),
            CoreScaling.Quantile(boot, 0.05), CoreScaling.Quantile(boot, 0.25), CoreScaling.Quantile(boot, 0.75), CoreScaling.Quantile(boot, 0.95),
            CoreScaling.Quantile(byRound, 0.5), CoreScaling.Quantile(byRound, 0.25), CoreScaling.Quantile(byRound, 0.75),
            k(a.Messages, b.Messages), k(a.CpuNsPerMessage, b.CpuNsPerMessage));
    }
}
