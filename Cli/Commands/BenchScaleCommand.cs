using System.ComponentModel;
using System.Runtime.InteropServices;
using ActorCrash.Actors;
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
    [Description("Samples per CPU count; the median is reported. Default: 5.")]
    public int Repeats { get; init; } = 5;

    [CommandOption("--messages <N>")]
    [Description("Delivered messages per sample (whole emulations, at least one). Default: 200000.")]
    public int Messages { get; init; } = 200_000;

    [CommandOption("--warmup <N>")]
    [Description("Emulations run before the samples at each CPU count (the JIT's tier-up). Default: enough for 2,000,000 messages.")]
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
/// thread's CPU time (not wall time: steadier on a shared machine), with the local exponent between
/// successive CPU counts, CPU time per delivered message, bytes allocated and GCs per emulation.
/// With <c>ACTORCRASH_CALLGRIND_SHIM</c> set (Cli/Bench/cachegrind.sh) it marks the samples for
/// callgrind, so cache misses per message can be read for exactly the measured emulations.
/// </summary>
public sealed class BenchScaleCommand : Command<BenchScaleSettings>
{
    /// <summary>The version of the machine-readable lines (README: "bench output").</summary>
    public const int OutputVersion = 1;

    public override int Execute(CommandContext context, BenchScaleSettings settings, CancellationToken cancellation)
    {
        var baseSpec = Scenarios.Load(settings.Scenario);
        var marks = CallgrindMarks.FromEnvironment();
        var table = new Table().AddColumns("CPUs", "messages/emulation", "CPU µs/emulation", "CPU ns/message", "local exponent",
            "bytes/emulation", "gen0/1/2 GCs per 1k emulations");
        var rows = new List<string>();
        (int Cpus, double Micros)? previous = null;
        foreach (var n in settings.Cpus.Split(',').Select(int.Parse))
        {
            var m = Measure(BenchCommand.WithCpus(baseSpec, n), settings, marks);
            // Cost per emulation ~ N^k between this CPU count and the previous one: k = 1 is linear.
            double? k = previous is { } p && p.Cpus != n ? Math.Log(m.CpuMicros / p.Micros) / Math.Log((double)n / p.Cpus) : null;
            previous = (n, m.CpuMicros);
            table.AddRow($"{n}", $"{m.Messages:F0}", $"{m.CpuMicros:F1}", $"{m.CpuMicros * 1000 / m.Messages:F0}", k is { } e ? $"{e:F2}" : "-",
                $"{m.Bytes:N0}", $"{m.Gc0 * 1000:F1} / {m.Gc1 * 1000:F1} / {m.Gc2 * 1000:F1}");
            rows.Add($"cpus={n} messages_per_emulation={m.Messages:F1} cpu_us_per_emulation={m.CpuMicros:F2} cpu_ns_per_message={m.CpuMicros * 1000 / m.Messages:F1} " +
                $"local_exponent={(k is { } x ? $"{x:F3}" : "-")} bytes_per_emulation={m.Bytes:F0} gen0_per_1k={m.Gc0 * 1000:F2} gen1_per_1k={m.Gc1 * 1000:F2} gen2_per_1k={m.Gc2 * 1000:F2} emulations_per_sample={m.Emulations}");
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"CPU time of the thread running the emulations (clock_gettime(CLOCK_THREAD_CPUTIME_ID); Linux only), median of {settings.Repeats} samples of about {settings.Messages:N0} messages; " +
            "local exponent k: cost per emulation grows as N^k from the previous CPU count (1 = linear)");
        Console.WriteLine($"bench_scale_output_version={OutputVersion}");
        foreach (var r in rows) Console.WriteLine(r);
        return (int)ExitCode.Ok;
    }

    private sealed record Sample(int Emulations, double Messages, double CpuMicros, double Bytes, double Gc0, double Gc1, double Gc2);

    private static Sample Measure(Config.ScenarioSpec spec, BenchScaleSettings settings, CallgrindMarks? marks)
    {
        using var machine = new Machine(spec);
        ulong seed = 1;
        var perRun = machine.Run(seed++).Steps;   // one run to learn its size (and JIT its path)
        marks?.Start();
        var warmup = settings.Warmup ?? (int)Math.Max(1, 2_000_000 / Math.Max(1, perRun));
        for (var i = 0; i < warmup; i++) machine.Run(seed++);
        var emulations = (int)Math.Max(1, settings.Messages / Math.Max(1, perRun));
        var samples = new List<Sample>();
        for (var r = 0; r < settings.Repeats; r++)
        {
            long messages = 0;
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            ThreadCpu.Now();   // its first call (JIT, marshalling stub) outside the measured part
            marks?.Zero();
            var cpu = ThreadCpu.Now();
            for (var i = 0; i < emulations; i++) messages += machine.Run(seed++).Steps;
            cpu = ThreadCpu.Now() - cpu;
            marks?.Dump();
            bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
            double per(long x) => (double)x / emulations;
            samples.Add(new Sample(emulations, per(messages), cpu.TotalMicroseconds / emulations, per(bytes),
                per(GC.CollectionCount(0) - g0), per(GC.CollectionCount(1) - g1), per(GC.CollectionCount(2) - g2)));
        }
        return samples.OrderBy(s => s.CpuMicros).ElementAt(samples.Count / 2);
    }
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
