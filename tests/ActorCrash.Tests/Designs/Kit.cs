using ActorCrash.Actors;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Designs;

/// <summary>Helpers for the design tests: a built-in scenario read as another design would read it, many seeds, milestones.</summary>
internal static class Kit
{
    public const long Ms = 1_000_000, S = 1_000_000_000;

    /// <summary>
    /// The built-in scenario <paramref name="name"/> with <paramref name="extra"/> HOCON appended and
    /// its design replaced, exactly as `compare` reads it.
    /// </summary>
    public static ScenarioSpec Load(string name, string design, string extra = "") =>
        ScenarioLoader.LoadText(DesignComparison.WithDesign(ScenarioLoader.BuiltInText(name) + "\n" + extra, design), $"built-in:{name}");

    /// <summary>A scenario written in the test, under <paramref name="design"/>.</summary>
    public static ScenarioSpec Inline(string hocon, string design) =>
        ScenarioLoader.LoadText(DesignComparison.WithDesign(hocon, design), "test");

    /// <summary>Seeds [first, first + count) on one machine, each run reported in full.</summary>
    public static RunResult[] Runs(ScenarioSpec spec, int count, ulong first = 0)
    {
        using var machine = new Machine(spec);
        var runs = new RunResult[count];
        for (var i = 0; i < count; i++) runs[i] = machine.RunAndReport(first + (ulong)i);
        return runs;
    }

    public static RunResult Run(ScenarioSpec spec, ulong seed = 1)
    {
        using var machine = new Machine(spec);
        return machine.RunAndReport(seed);
    }

    public static CpuReport Cpu(RunResult r, int cpu) => r.Cpus.Single(c => c.Cpu == cpu);

    public static bool Has(RunResult r, string what) => r.Milestones.Any(m => m.What.Contains(what, StringComparison.Ordinal));

    /// <summary>Index of the first milestone containing <paramref name="what"/>; fails if there is none.</summary>
    public static int At(RunResult r, string what)
    {
        for (var i = 0; i < r.Milestones.Count; i++)
            if (r.Milestones[i].What.Contains(what, StringComparison.Ordinal)) return i;
        Assert.Fail($"seed {r.Seed} under {r.Design}: no milestone \"{what}\"; milestones:\n{Describe(r)}");
        return -1;
    }

    /// <summary>Asserts the milestones occur in this order (others may come between).</summary>
    public static void InOrder(RunResult r, params string[] whats)
    {
        for (var i = 1; i < whats.Length; i++)
            Assert.True(At(r, whats[i - 1]) < At(r, whats[i]), $"under {r.Design}: \"{whats[i - 1]}\" is not before \"{whats[i]}\":\n{Describe(r)}");
    }

    public static string Describe(RunResult r) =>
        string.Join("\n", r.Milestones.Select(m => $"  {m.TimeNs,15} cpu{m.Cpu} {m.What}")) + $"\n  outcome {r.Outcome}: {r.Reason}";

    /// <summary>A dump written during the run that reads back intact (what `compare` counts as NVRAM intact).</summary>
    public static bool DumpIntact(RunResult r) => r.Nvram.Any(n => n.Intact && n.WrittenAtNs >= 0);

    public static readonly string[] All = ["linux-2.6.38", "vivek-2011", "eric-2011", "linux-3.12", "linux-4.5", "linux-4.10", "linux-6.x"];
}
