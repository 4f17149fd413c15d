using System.ComponentModel;
using System.Diagnostics;
using ActorCrash.Actors;
using ActorCrash.Actors.Akka;
using ActorCrash.Config;
using Akka.Actor;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>The wall time of one benchmark measurement: `--time` with a unit, like explore's (`--seconds N` still read).</summary>
public abstract class MeasurementSettings : CommandSettings
{
    [CommandOption("--time <T>")]
    [Description("Wall time of one measurement, with a unit (500ms, 2s). Default: 1s.")]
    public string? Time { get; init; }

    [CommandOption("--seconds <S>", IsHidden = true)]
    [Description("Old spelling of --time in seconds.")]
    public double? SecondsOption { get; init; }

    /// <summary>The measurement's wall time in seconds (Validate has checked it).</summary>
    public double Seconds => Options.ParseWallTime(Time)?.TotalSeconds ?? SecondsOption ?? 1;

    protected ValidationResult ValidateTime() =>
        Options.WallTime(Time) is { Successful: false } time ? time
        : SecondsOption is <= 0 or > 604800 || SecondsOption is double.NaN
            ? ValidationResult.Error("--seconds: expected a positive number of seconds (at most 7 days); prefer --time 2s")
            : ValidationResult.Success();
}

public sealed class BenchSettings : MeasurementSettings
{
    [CommandArgument(0, "[scenario]")]
    [Description("Scenario to measure. Default: the built-in scenario.")]
    public string? Scenario { get; init; }

    [CommandOption("--cpus <LIST>")]
    [Description("CPU counts to measure, comma-separated. Default: 8,64,512,1024,4096.")]
    public string Cpus { get; init; } = "8,64,512,1024,4096";

    [CommandOption("--repeats <N>")]
    [Description("Measurements per CPU count; the median is reported. Default: 5.")]
    public int Repeats { get; init; } = 5;

    [CommandOption("--startups <N>")]
    [Description("Times `actorcrash run [[scenario]]` is started as a new process to time its start-up (median); 0 skips it. Default: 10.")]
    public int Startups { get; init; } = 10;

    public override ValidationResult Validate()
    {
        if (Repeats < 1) return ValidationResult.Error("--repeats must be at least 1");
        if (Startups < 0) return ValidationResult.Error("--startups must be 0 or more");
        if (ValidateTime() is { Successful: false } time) return time;
        if (!Cpus.Split(',').All(c => int.TryParse(c, out var n) && n is >= 2 and <= 4096))
            return ValidationResult.Error("--cpus takes CPU counts from 2 to 4096, comma-separated, e.g. 8,64,512");
        return ValidationResult.Success();
    }
}

/// <summary>
/// `actorcrash bench`: emulations and delivered messages per second, median of several
/// measurements, for the scenario scaled to several CPU counts; then the same through the Akka
/// campaign pool. Wall-clock time is read here, in the harness, never in the model.
/// </summary>
public sealed class BenchCommand : Command<BenchSettings>
{
    /// <summary>The version of the machine-readable lines printed after the table (README: "bench output").</summary>
    public const int OutputVersion = 2;

    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellation)
    {
        var baseSpec = Scenarios.Load(settings.Scenario);
        var table = new Table().AddColumns("CPUs", "emulations/s", "messages/s", "µs/emulation", "messages/emulation", "bytes alloc/emulation", "local exponent");
        var rows = new List<string>();
        (int Cpus, double Micros)? previous = null;
        foreach (var n in settings.Cpus.Split(',').Select(int.Parse))
        {
            var spec = WithCpus(baseSpec, n);
            var m = Measure(spec, settings.Repeats, settings.Seconds);
            // Cost per emulation ~ N^k between this CPU count and the previous one: k = 1 is linear.
            double? exponent = previous is { } p && p.Cpus != n ? Math.Log(m.MicrosPerRun / p.Micros) / Math.Log((double)n / p.Cpus) : null;
            previous = (n, m.MicrosPerRun);
            table.AddRow($"{n}", $"{m.RunsPerSecond:N0}", $"{m.MessagesPerSecond:N0}", $"{m.MicrosPerRun:F1}",
                $"{m.MessagesPerRun:F0}", $"{m.BytesPerRun:N0}", exponent is { } e ? $"{e:F2}" : "-");
            rows.Add($"cpus={n} emulations_per_s={m.RunsPerSecond:F0} messages_per_s={m.MessagesPerSecond:F0} us_per_emulation={m.MicrosPerRun:F2} " +
                $"messages_per_emulation={m.MessagesPerRun:F1} bytes_per_emulation={m.BytesPerRun:F0} local_exponent={(exponent is { } x ? $"{x:F3}" : "-")}");
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("local exponent k: cost per emulation grows as N^k from the previous CPU count (1 = linear); bytes: GC.GetAllocatedBytesForCurrentThread over every measured run");
        var campaign = MeasureCampaign(WithCpus(baseSpec, 8), settings.Repeats, settings.Seconds);
        AnsiConsole.WriteLine($"Akka campaign (verdicts only), 8 CPUs, {Environment.ProcessorCount} machine actors: {campaign:N0} emulations/s (median of {settings.Repeats})");
        // `run` of the scenario measured above (none: the built-in one), as a user starts it.
        var startup = settings.Startups > 0 ? StartupTime.Measure(settings.Scenario is { } path ? ["run", path] : ["run"], settings.Startups) : null;
        if (startup is { } st)
            AnsiConsole.WriteLine($"start-up: `actorcrash run{(settings.Scenario is { } sc ? " " + sc : "")}` as a new process, wall time {st.Median * 1000:F0} ms (median of {settings.Startups}; min {st.Min * 1000:F0}, max {st.Max * 1000:F0})" +
                (st.CpuMedian is { } c ? $", CPU time (user+sys) {c * 1000:F0} ms (median)" : "") + $" via {st.Command}");
        Console.WriteLine($"bench_output_version={OutputVersion}");
        foreach (var r in rows) Console.WriteLine(r);
        Console.WriteLine($"campaign_cpus=8 emulations_per_s={campaign:F0}");
        if (startup is { } s2)
            Console.WriteLine($"startup_run_ms={s2.Median * 1000:F1} startup_runs={settings.Startups}" +
                (s2.CpuMedian is { } c2 ? $" startup_run_cpu_ms={c2 * 1000:F1}" : ""));
        return (int)ExitCode.Ok;
    }

    private sealed record Measurement(double RunsPerSecond, double MessagesPerSecond, double MicrosPerRun, double MessagesPerRun, double BytesPerRun);

    private static Measurement Measure(ScenarioSpec spec, int repeats, double seconds)
    {
        using var machine = new Machine(spec);
        ulong seed = 0;
        // Warm up until tiered compilation has produced optimised code (tier-0 runs ~4x slower).
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < Math.Max(1, seconds)) machine.Run(seed++);
        var samples = new List<Measurement>();
        for (var r = 0; r < repeats; r++)
        {
            long runs = 0, messages = 0;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                for (var i = 0; i < 64; i++, runs++) messages += machine.Run(seed++).Steps;
            }
            var elapsed = sw.Elapsed.TotalSeconds;
            bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
            samples.Add(new Measurement(runs / elapsed, messages / elapsed, elapsed * 1e6 / runs, (double)messages / runs, (double)bytes / runs));
        }
        return samples.OrderBy(s => s.RunsPerSecond).ElementAt(samples.Count / 2);
    }

    private static double MeasureCampaign(ScenarioSpec spec, int repeats, double seconds)
    {
        using var system = ActorSystem.Create("bench", AkkaSettings.Load());
        var campaign = system.ActorOf(CampaignActor.Props(Environment.ProcessorCount), "campaign");
        var ask = (ulong first, int count) =>
            campaign.Ask<CampaignResult>(new RunCampaign(spec, first, count, BatchSize: 256, Reports: false), TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        ask(0, 50_000);  // warm up every machine actor's JIT
        var count = 20_000;
        var samples = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            ask((ulong)(r + 1) * 1_000_000, count);
            samples.Add(count / sw.Elapsed.TotalSeconds);
            if (sw.Elapsed.TotalSeconds < seconds / 2) count *= 2;
        }
        system.Terminate().Wait();
        samples.Sort();
        return samples[samples.Count / 2];
    }

    /// <summary>The scenario on a machine of <paramref name="n"/> CPUs; CPUs it does not describe are idle.</summary>
    public static ScenarioSpec WithCpus(ScenarioSpec spec, int n)
    {
        var cpus = Enumerable.Range(0, n)
            .Select(i => i < spec.Cpus.Count ? spec.Cpus[i] : new CpuSpec(i, CpuActivity.Idle, false, [], 0, 0, null))
            .ToArray();
        return spec with { Machine = spec.Machine with { CpuCount = n }, Cpus = cpus };
    }
}
