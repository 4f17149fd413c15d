using System.Diagnostics;
using System.Text;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Emulator;

/// <summary>Shared helpers for the emulator tests: building scenarios, running them with a wall-clock bound, reading results.</summary>
internal static class Emu
{
    public const long Us = 1_000, Ms = 1_000_000, S = 1_000_000_000;

    /// <summary>A panic on CPU 0 at 0 ms, the trigger most scenarios here start from.</summary>
    public const string PanicCpu0 = """triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]""";

    public static ScenarioSpec Load(string hocon) => ScenarioLoader.LoadText(hocon, "test");

    /// <summary>
    /// Runs one seed on a fresh machine off the test thread and fails if it does not finish within
    /// <paramref name="wallLimit"/> (default 10 s): a run that never ends must fail, not hang the suite.
    /// </summary>
    public static RunResult Run(ScenarioSpec spec, ulong seed = 1, bool trace = false, TimeSpan? wallLimit = null)
    {
        var limit = wallLimit ?? TimeSpan.FromSeconds(10);
        var run = Task.Run(() =>
        {
            using var machine = new Machine(spec);
            return machine.RunAndReport(seed, trace: trace);
        });
        Assert.True(run.Wait(limit), $"seed {seed} of {spec.Name} did not finish within {limit.TotalSeconds} s of wall time");
        return run.Result;
    }

    public static RunResult Run(string hocon, ulong seed = 1) => Run(Load(hocon), seed);

    /// <summary>
    /// Asserts that milestones matching <paramref name="expected"/> (substrings) occur in this order
    /// (others may come between), at non-decreasing virtual times; returns the matched milestones.
    /// </summary>
    public static Milestone[] InOrder(RunResult r, params string[] expected)
    {
        var found = new Milestone[expected.Length];
        var from = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var at = -1;
            for (var j = from; j < r.Milestones.Count; j++)
                if (r.Milestones[j].What.Contains(expected[i], StringComparison.Ordinal))
                {
                    at = j;
                    break;
                }
            Assert.True(at >= 0, $"milestone \"{expected[i]}\" missing after \"{(i == 0 ? "(start)" : expected[i - 1])}\"; milestones:\n{Describe(r)}");
            found[i] = r.Milestones[at];
            if (i > 0) Assert.True(found[i].TimeNs >= found[i - 1].TimeNs, $"\"{expected[i]}\" is earlier than \"{expected[i - 1]}\"");
            from = at + 1;
        }
        return found;
    }

    public static Milestone One(RunResult r, string what) => Assert.Single(r.Milestones, m => m.What.Contains(what, StringComparison.Ordinal));

    public static bool Has(RunResult r, string what) => r.Milestones.Any(m => m.What.Contains(what, StringComparison.Ordinal));

    public static CpuReport Cpu(RunResult r, int cpu) => r.Cpus.Single(c => c.Cpu == cpu);

    public static string Describe(RunResult r) =>
        string.Join("\n", r.Milestones.Select(m => $"  {m.TimeNs,15} cpu{m.Cpu} {m.What}"));

    /// <summary>Everything a run reports, as one string: two runs are the same run iff these are equal.</summary>
    public static string Fingerprint(RunResult r)
    {
        var b = new StringBuilder();
        b.Append(r.Scenario).Append('|').Append(r.Design).Append('|').Append(r.Seed).Append('|').Append(r.Strategy).Append('|')
            .Append(r.Outcome).Append('|').Append(r.Reason).Append('|').Append(r.EndTimeNs).Append('|').Append(r.Steps).Append('\n');
        foreach (var m in r.Milestones) b.Append("M ").Append(m).Append('\n');
        foreach (var c in r.Console) b.Append("C ").Append(c).Append('\n');
        foreach (var n in r.Nvram) b.Append("N ").Append(n).Append('\n');
        foreach (var c in r.Cpus) b.Append("P ").Append(c).Append('\n');
        foreach (var l in r.LocksHeld) b.Append("L ").Append(l).Append('\n');
        b.Append("D ").AppendJoin(',', r.Decisions).Append('\n');
        b.Append(TraceText(r));
        return b.ToString();
    }

    /// <summary>The formatted trace, one delivered message a line.</summary>
    public static string TraceText(RunResult r) =>
        r.Trace is null ? "(no trace)" : string.Join("\n", r.Trace.Select(t => t.ToString()));

    /// <summary>Wall time of <paramref name="action"/>.</summary>
    public static TimeSpan Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed;
    }
}
