using System.ComponentModel;
using System.Runtime.InteropServices;
using ActorCrash.Cli.Bench;
using ActorCrash.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class BenchScaleSettings : CommandSettings
{
    [CommandArgument(0, "[scenario]")]
    [Description("Scenario to measure. Default: the built-in scenario.")]
    public string? Scenario { get; init; }

    [CommandOption("--cpus <LIST>")]
    [Description("CPU counts, comma-separated. Default: 512,1024,4096.")]
    public string Cpus { get; init; } = "512,1024,4096";

    [CommandOption("--repeats <N>")]
    [Description("Rounds: samples per CPU count, taken in turn (512, 1024, 4096, 512, …); medians are reported. Default: 41.")]
    public int Repeats { get; init; } = 41;

    [CommandOption("--messages <N>")]
    [Description("Delivered messages per sample (whole emulations, at least one). Default: 50000.")]
    public int Messages { get; init; } = 50_000;

    [CommandOption("--warmup <N>")]
    [Description("Emulations run before the rounds at each CPU count (the JIT's tier-up). Default: enough for 2,000,000 messages.")]
    public int? Warmup { get; init; }

    public override ValidationResult Validate()
    {
        if (Repeats < 1) return ValidationResult.Error("--repeats must be at least 1");
        if (Messages < 1) return ValidationResult.Error("--messages must be at least 1");
        if (Warmup is < 0) return ValidationResult.Error("--warmup must be 0 or more");
        if (!Cpus.Split(',').All(c => int.TryParse(c, out var n) && n is >= 2 and <= 4096))
            return ValidationResult.Error("--cpus takes CPU counts from 2 to 4096, comma-separated, e.g. 512,1024,4096");
        return ValidationResult.Success();
    }
}

/// <summary>
/// `actorcrash bench-scale`: the cost of one emulation as the CPU count grows, in the machine
/// thread's CPU time (not wall time: steadier on a shared machine), measured in interleaved rounds
/// (<see cref="ScaleRounds"/>), with each step's local exponent from the medians, its spread (a
/// bootstrap of the samples, and the exponent of each round), how much of it is messages per
/// emulation and how much CPU time per message, bytes allocated, GCs and wall time per emulation.
/// With <c>ACTORCRASH_CALLGRIND_SHIM</c> set (Cli/Bench/cachegrind.sh) it marks the samples for
/// callgrind, so cache misses per message can be read for exactly the measured emulations.
/// </summary>
public sealed class BenchScaleCommand : Command<BenchScaleSettings>
{
    /// <summary>
    /// The version of the machine-readable lines (README: "bench output"). 2: rounds interleaved;
    /// `cpus=` lines keep version 1's keys in order and add keys after them; `step=` lines are new.
    /// </summary>
    public const int OutputVersion = 2;

    public override int Execute(CommandContext context, BenchScaleSettings settings, CancellationToken cancellation)
    {
        var baseSpec = Scenarios.Load(settings.Scenario);
        var marks = CallgrindMarks.FromEnvironment();
        var cpus = settings.Cpus.Split(',').Select(int.Parse).ToArray();
        var sizes = ScaleRounds.Measure([.. cpus.Select(n => BenchCommand.WithCpus(baseSpec, n))], settings.Repeats, settings.Messages, settings.Warmup,
            beforeSample: marks is null ? null : marks.Zero, afterSample: marks is null ? null : marks.Dump, afterFirstRun: marks is null ? null : marks.Start);
        // A step from each CPU count to the next one (the first has none: "-").
        var steps = new ScaleStep?[sizes.Count];
        for (var i = 1; i < sizes.Count; i++)
            if (sizes[i].Cpus != sizes[i - 1].Cpus) steps[i] = ScaleRounds.Step(sizes[i - 1], sizes[i]);

        var table = new Table().AddColumns("CPUs", "messages/emulation", "CPU µs/emulation (quartiles)", "wall µs/emulation", "CPU ns/message",
            "local exponent", "bytes/emulation", "gen0/1/2 GCs per 1k emulations");
        var rows = new List<string>();
        for (var i = 0; i < sizes.Count; i++)
        {
            var m = sizes[i];
            var k = steps[i]?.FromMedians;
            double cpu = m.CpuMicros(), wall = m.WallMicros;
            table.AddRow($"{m.Cpus}", $"{m.Messages:F0}", $"{cpu:F1} ({m.CpuMicros(0.25):F0}–{m.CpuMicros(0.75):F0})", $"{wall:F1}", $"{m.CpuNsPerMessage:F0}",
                k is { } e ? $"{e:F2}" : "-", $"{m.Bytes:N0}", $"{m.GcPer1k(0):F1} / {m.GcPer1k(1):F1} / {m.GcPer1k(2):F1}");
            rows.Add(I($"cpus={m.Cpus} messages_per_emulation={m.Messages:F1} cpu_us_per_emulation={cpu:F2} cpu_ns_per_message={m.CpuNsPerMessage:F1} ") +
                $"local_exponent={(k is { } x ? I($"{x:F3}") : "-")} " +
                I($"bytes_per_emulation={m.Bytes:F0} gen0_per_1k={m.GcPer1k(0):F2} gen1_per_1k={m.GcPer1k(1):F2} gen2_per_1k={m.GcPer1k(2):F2} emulations_per_sample={m.Samples[0].Emulations} ") +
                I($"samples={m.Samples.Count} cpu_us_p25={m.CpuMicros(0.25):F2} cpu_us_p75={m.CpuMicros(0.75):F2} wall_us_per_emulation={wall:F2} cpu_per_wall={cpu / wall:F3}"));
        }
        AnsiConsole.Write(table);
        var stepTable = new Table().AddColumns("step", "k from medians", "bootstrap quartiles (5–95 %)", "k per round: median (quartiles)",
            "k of messages/emulation", "k of CPU ns/message");
        var stepRows = new List<string>();
        foreach (var s in steps.OfType<ScaleStep>())
        {
            stepTable.AddRow($"{s.FromCpus} → {s.ToCpus}", $"{s.FromMedians:F3}", $"{s.BootP25:F3}–{s.BootP75:F3} ({s.BootP05:F3}–{s.BootP95:F3})",
                $"{s.ByRound:F3} ({s.ByRoundP25:F3}–{s.ByRoundP75:F3})", $"{s.Messages:F3}", $"{s.PerMessage:F3}");
            stepRows.Add(I($"step={s.FromCpus}-{s.ToCpus} local_exponent={s.FromMedians:F3} bootstrap_p05={s.BootP05:F3} bootstrap_p25={s.BootP25:F3} ") +
                I($"bootstrap_p75={s.BootP75:F3} bootstrap_p95={s.BootP95:F3} round_median={s.ByRound:F3} round_p25={s.ByRoundP25:F3} round_p75={s.ByRoundP75:F3} ") +
                I($"messages_exponent={s.Messages:F3} per_message_exponent={s.PerMessage:F3}"));
        }
        if (stepRows.Count > 0) AnsiConsole.Write(stepTable);
        AnsiConsole.WriteLine($"CPU time of the thread running the emulations (clock_gettime(CLOCK_THREAD_CPUTIME_ID); Linux only): {settings.Repeats} rounds, each one sample of " +
            $"about {settings.Messages:N0} messages per CPU count in turn (after one untimed emulation); medians and quartiles over the samples. " +
            "Local exponent k: cost per emulation grows as N^k from the previous CPU count (1 = linear); its spread over " +
            $"{ScaleRounds.BootstrapResamples} bootstrap resamples of the samples, and k of each round's pair of samples; " +
            "k of messages/emulation + k of CPU ns/message ≈ k.");
        Console.WriteLine($"bench_scale_output_version={OutputVersion}");
        Console.WriteLine(I($"rounds={settings.Repeats} messages_per_sample={settings.Messages} bootstrap_resamples={ScaleRounds.BootstrapResamples}"));
        foreach (var r in rows) Console.WriteLine(r);
        foreach (var r in stepRows) Console.WriteLine(r);
        return (int)ExitCode.Ok;
    }

    private static string I(FormattableString s) => FormattableString.Invariant(s);
}

/// <summary>
/// Marks for callgrind around the measured emulations (diagnostics only): the shared library named by
/// <c>ACTORCRASH_CALLGRIND_SHIM</c> (built by Cli/Bench/cachegrind.sh from valgrind's callgrind.h)
/// starts the instrumentation after a machine's first run, zeroes the counters before a sample and dumps them after.
/// </summary>
internal sealed class CallgrindMarks
{
    private delegate void Mark();

    private readonly Mark _start, _zero, _dump;

    private CallgrindMarks(nint lib)
    {
        _start = Export(lib, "cg_start");
        _zero = Export(lib, "cg_zero");
        _dump = Export(lib, "cg_dump");
    }

    private static Mark Export(nint lib, string name) => Marshal.GetDelegateForFunctionPointer<Mark>(NativeLibrary.GetExport(lib, name));

    public static CallgrindMarks? FromEnvironment() =>
        Environment.GetEnvironmentVariable("ACTORCRASH_CALLGRIND_SHIM") is { Length: > 0 } path ? new CallgrindMarks(NativeLibrary.Load(path)) : null;

    private bool _started;

    /// <summary>
    /// Instrumentation on (valgrind --instr-atstart=no): after the process start-up and the machine's
    /// first run. The first time, one zero and dump too, so the marks' own marshalling stubs are made
    /// outside the samples (that dump is the first file; each sample's is a later one).
    /// </summary>
    public void Start()
    {
        _start();
        if (_started) return;
        _started = true;
        _zero();
        _dump();
    }

    public void Zero() => _zero();

    public void Dump() => _dump();
}
