using System.Globalization;
using ActorCrash.Actors;
using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;

namespace ActorCrash.Cli.Commands;

/// <summary>An inclusive range of seeds, written A..B.</summary>
public readonly record struct SeedRange(ulong First, ulong Last)
{
    public const string Syntax = "a range of seeds A..B with A <= B and at most 10,000,000 seeds, e.g. 1..200";

    public ulong Count => Last - First + 1;

    public static bool TryParse(string text, out SeedRange range)
    {
        range = default;
        var dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0) return false;
        if (!ulong.TryParse(text.AsSpan(0, dots), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ||
            !ulong.TryParse(text.AsSpan(dots + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ||
            first > last || last - first >= Options.MaxSeeds)
            return false;
        range = new SeedRange(first, last);
        return true;
    }

    public override string ToString() => $"{First}..{Last}";
}

/// <summary>One design's row of a comparison: how its runs ended, over the same seeds as every other row.</summary>
public sealed record DesignRow(
    string Design,
    string Models,
    int Runs,
    int NvramIntact,      // the log-saved property holds: a kmsg dump of this run reads back intact (console and pmsg zones do not count)
    int Vmcore,
    int Rebooted,
    int Hung,
    int Halted,
    int Survived,
    long MedianEndNs);    // the lower median of the runs' virtual end times

/// <summary>A design left out because the scenario sets something it does not know, and why.</summary>
public sealed record SkippedDesign(string Design, string Why);

/// <summary>A comparison: one scenario, one range of seeds, one row per design.</summary>
public sealed record ComparisonReport(string Scenario, string Source, string Seeds, IReadOnlyList<DesignRow> Rows, IReadOnlyList<SkippedDesign> Skipped,
    string? Interrupted = null);  // SIGINT or SIGTERM stopped it: the rows count the runs made so far

/// <summary>
/// `compare`: the same scenario and seeds under several designs. The scenario is read again with its
/// <c>design</c> replaced, so everything that follows the design (its command line, the dumper
/// drivers of <c>era = auto</c>) is what that design would get; each design's machine runs every
/// seed with <see cref="Machine.Run"/>. A row depends only on (scenario, design, seeds).
/// </summary>
public static class DesignComparison
{
    /// <summary>"The log reached NVRAM intact", as `explore` checks it.</summary>
    private static readonly Property LogSaved = Properties.ByName(PropertyNames.LogSaved);

    /// <param name="path">The scenario file; null for the built-in default. It is read as each design would read it, never under its own design alone.</param>
    /// <param name="skipUnreadable">
    /// Leave out, with the reason, a design that cannot read the scenario (a kernel parameter it does
    /// not know); otherwise that is an error. Every design unreadable is an error either way.
    /// </param>
    public static ComparisonReport Run(string? path, SeedRange seeds, IReadOnlyList<PanicDesign> designs, bool skipUnreadable = false,
        CancellationToken stop = default)
    {
        var (text, source) = Scenarios.Text(path);
        var runs = new List<(PanicDesign Design, ScenarioSpec Spec)>();
        var skipped = new List<SkippedDesign>();
        ScenarioException? first = null;
        foreach (var d in designs)
        {
            try
            {
                runs.Add((d, ScenarioLoader.LoadText(WithDesign(text, d.Name), source)));
            }
            catch (ScenarioException e) when (skipUnreadable)
            {
                first ??= e;
                skipped.Add(new SkippedDesign(d.Name, e.Message));
            }
        }
        if (runs.Count == 0) throw first!;
        var rows = runs.Select(r => RunDesign(r.Spec, r.Design, seeds, stop)).Where(r => r.Runs > 0).ToArray();
        return new ComparisonReport(runs[0].Spec.Name, source, seeds.ToString(), rows, skipped);
    }

    /// <summary>The scenario with its <c>design</c> key replaced (a later key wins in HOCON).</summary>
    public static string WithDesign(string hocon, string design) => $"{hocon}\ndesign = \"{design}\"\n";

    private static DesignRow RunDesign(ScenarioSpec spec, PanicDesign design, SeedRange seeds, CancellationToken stop)
    {
        using var machine = new Machine(spec);
        var ends = new List<long>();
        int intact = 0, vmcore = 0, rebooted = 0, hung = 0, halted = 0, survived = 0;
        for (ulong i = 0; i < seeds.Count && !stop.IsCancellationRequested; i++)
        {
            var summary = machine.Run(seeds.First + i);
            ends.Add(summary.EndTimeNs);
            if (LogSaved.Check(new RunView(machine, summary)) is null) intact++;
            switch (summary.Outcome)
            {
                case Outcome.VmcoreCaptured: vmcore++; break;
                case Outcome.Rebooted: rebooted++; break;
                case Outcome.Halted: halted++; break;
                case Outcome.Survived: survived++; break;
                default: hung++; break;
            }
        }
        ends.Sort();
        return new DesignRow(design.Name, design.Models, ends.Count, intact, vmcore, rebooted, hung, halted, survived,
            ends.Count == 0 ? 0 : ends[(ends.Count - 1) / 2]);
    }
}
