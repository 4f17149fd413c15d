using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Kernel;

/// <summary>Helpers for the Actors/Kernel tests: a small machine written in the test, and the times and lines a run reports.</summary>
internal static class KernelKit
{
    public const long Ns = 1, Us = 1_000;

    public const string NoKdump = "kdump.loaded = false\n dumpers = []";
    public const string Kdump = "kdump.loaded = true\n dumpers = []";
    public const string Panic0 = "{ at = 1ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    /// <summary>A <paramref name="cpus"/>-CPU machine under <paramref name="design"/> (see CorrectionTests.Machine for the fields).</summary>
    public static RunResult RunOn(string design, int cpus, string machine, string cmdline, string cpuEntries = "", string triggers = Panic0, string tail = "", ulong seed = 1) =>
        Run(Inline(Fidelity.CorrectionTests.Machine(cpus, machine, cmdline, cpuEntries, triggers, tail), design), seed);

    /// <summary>Seeds 1..<paramref name="count"/> of the same machine.</summary>
    public static RunResult[] RunsOn(string design, int count, int cpus, string machine, string cmdline, string cpuEntries = "", string triggers = Panic0, string tail = "") =>
        Runs(Inline(Fidelity.CorrectionTests.Machine(cpus, machine, cmdline, cpuEntries, triggers, tail), design), count, first: 1);

    /// <summary>The time of the only milestone containing <paramref name="what"/>.</summary>
    public static long TimeOf(RunResult r, string what) =>
        Assert.Single(r.Milestones, m => m.What.Contains(what, StringComparison.Ordinal)).TimeNs;

    public static int Count(RunResult r, string what) => r.Milestones.Count(m => m.What.Contains(what, StringComparison.Ordinal));

    /// <summary>The console lines that contain <paramref name="text"/>.</summary>
    public static ConsoleLine[] Lines(RunResult r, string text) => [.. r.Console.Where(l => l.Text.Contains(text, StringComparison.Ordinal))];

    /// <summary>When the console finished printing the only line containing <paramref name="text"/>.</summary>
    public static long PrintedAt(RunResult r, string text) => Assert.Single(Lines(r, text)).TimeNs;

    /// <summary>The last console line printed strictly before <paramref name="timeNs"/>: on the panic CPU, the end of what it printed before a step that prints nothing.</summary>
    public static long LastPrintedBefore(RunResult r, long timeNs) => r.Console.Where(l => l.TimeNs < timeNs).Max(l => l.TimeNs);

    public static string[] MilestonesOf(RunResult r, int cpu) => [.. r.Milestones.Where(m => m.Cpu == cpu).Select(m => m.What)];
}
