using ActorCrash.Actors;
using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments;

/// <summary>A share of runs with its 95 % Wilson score interval.</summary>
public readonly record struct Share(long Count, long Runs, double Low, double High)
{
    private const double Z = 1.959963984540054; // the 97.5th percentile of the normal distribution

    public double Value => Runs == 0 ? 0 : (double)Count / Runs;

    public static Share Of(long count, long runs)
    {
        if (runs == 0) return new Share(0, 0, 0, 1);
        double n = runs, p = count / n, z2 = Z * Z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        // The interval always contains the observed share; at 0 and at all of them it touches the end exactly.
        return new Share(count, runs, count == 0 ? 0 : Math.Max(0, centre - half), count == runs ? 1 : Math.Min(1, centre + half));
    }
}

/// <summary>One probe in one cell under one design: the share of runs its measure was true, and whether that is within its tolerance.</summary>
public sealed record ProbeResult(string Probe, string Tolerance, Share Measured, bool Held, bool Conclusive, ulong? FirstFailingSeed, string? FirstFailingReason);

/// <summary>What a design × cell did: how its runs ended (with intervals) and each probe's result.</summary>
public sealed record CellResult(
    string Design,
    string Cell,
    IReadOnlyList<string> Actions,
    long Runs,                  // rows present (fewer than planned when interrupted)
    long Planned,
    string? NotApplicable,      // why the design cannot run this cell (no rows then)
    Share LogSaved,
    Share Vmcore,
    Share RebootedInTime,
    Share Hung,
    Share Halted,
    Share Survived,
    IReadOnlyList<ProbeResult> Probes)
{
    public bool Complete => NotApplicable is not null || Runs == Planned;

    /// <summary>held, deviated, not-applicable or incomplete (a cell with rows missing is judged on none).</summary>
    public string Status => NotApplicable is not null ? "not-applicable" : Runs == 0 ? "incomplete" : Probes.All(p => p.Held) ? "held" : "deviated";
}

/// <summary>The verdict for one design: held; deviated (the first probe and cell that broke it, with the seed); or its baseline already failed.</summary>
public sealed record DesignVerdict(string Design, string Status, string? Probe, string? Cell, ulong? Seed, string? Reason, string? Replay, IReadOnlyList<string> DeviatedCells)
{
    public const string Held = "held", Deviated = "deviated", BaselineFailed = "baseline-failed", Incomplete = "incomplete";
}

/// <summary>
/// The reliability table of an experiment, from its rows: for each design × cell the shares of
/// runs with the log saved intact, the vmcore captured, rebooted within panic_timeout + 2 s, hung,
/// halted (95 % Wilson intervals), each probe against its tolerance, and a verdict per design.
/// A pure function of the rows: the same rows give the same table, however they were computed.
/// </summary>
public sealed class ReliabilityTable
{
    private ReliabilityTable(ExperimentSpec experiment, Seeds seeds, IReadOnlyList<CellResult> cells, IReadOnlyList<DesignVerdict> verdicts, long rows)
    {
        Experiment = experiment;
        Seeds = seeds;
        Cells = cells;
        Verdicts = verdicts;
        Rows = rows;
    }

    public ExperimentSpec Experiment { get; }
    public Seeds Seeds { get; }
    public IReadOnlyList<CellResult> Cells { get; }
    public IReadOnlyList<DesignVerdict> Verdicts { get; }
    public long Rows { get; }

    public bool Complete => Cells.All(c => c.Complete);

    /// <summary>
    /// What the hypothesis says about a cell, in the light of its design's baseline: held, deviated,
    /// baseline-fails (the baseline itself), not-judged (a fault cell of a design whose baseline
    /// fails), not-applicable or incomplete.
    /// </summary>
    public string Judgement(CellResult c)
    {
        if (c.NotApplicable is not null) return "not-applicable";
        if (c.Runs == 0) return "incomplete";
        if (Verdicts.First(v => v.Design == c.Design).Status == DesignVerdict.BaselineFailed)
            return c.Cell == ExperimentCell.Baseline ? "baseline-fails" : "not-judged";
        return c.Status;
    }

    /// <summary>Some design deviated or failed its baseline.</summary>
    public bool Deviated => Verdicts.Any(v => v.Status is DesignVerdict.Deviated or DesignVerdict.BaselineFailed);

    /// <param name="replay">(design, cell, seed) → the command that replays that run.</param>
    public static ReliabilityTable From(ExperimentSpec experiment, Seeds seeds, IEnumerable<ResultRow> rows, Func<string, string, ulong, string> replay)
    {
        var byCell = rows.Where(r => seeds.Contains(r.Seed))
            .GroupBy(r => (r.Design, r.Cell))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Seed).ToArray());
        var cells = new List<CellResult>();
        var verdicts = new List<DesignVerdict>();
        long total = 0;
        foreach (var design in experiment.Designs)
        {
            var mine = new List<CellResult>();
            foreach (var cell in experiment.Cells)
            {
                var scenario = cell.For(design);
                var got = byCell.GetValueOrDefault((design, cell.Name)) ?? [];
                total += got.Length;
                mine.Add(Judge(experiment, design, cell, scenario.NotApplicable, got, scenario.NotApplicable is null ? seeds.Count : 0));
            }
            cells.AddRange(mine);
            verdicts.Add(Verdict(design, mine, replay));
        }
        return new ReliabilityTable(experiment, seeds, cells, verdicts, total);
    }

    private static CellResult Judge(ExperimentSpec e, string design, ExperimentCell cell, string? na, ResultRow[] rows, long planned)
    {
        long n = rows.Length;
        Share Count(Func<ResultRow, bool> f) => Share.Of(rows.LongCount(f), n);
        var probes = new List<ProbeResult>();
        for (var i = 0; i < e.Hypothesis.Probes.Count; i++)
        {
            var p = e.Hypothesis.Probes[i];
            var measured = Count(r => r.Measured(i));
            var held = n > 0 && p.Holds(measured.Value);
            // Conclusive: the whole 95 % interval is on the verdict's side of the threshold.
            var conclusive = n > 0 && p.Holds(measured.Low) == held && p.Holds(measured.High) == held;
            var failing = rows.FirstOrDefault(r => p.CountsAgainst(r.Measured(i)));
            probes.Add(new ProbeResult(p.Name, p.Tolerance, measured, held, conclusive, failing?.Seed, failing?.Reason));
        }
        return new CellResult(design, cell.Name, cell.Actions, n, planned, na,
            Count(r => r.LogSaved), Count(r => r.Outcome == Outcome.VmcoreCaptured), Count(r => r.RebootedInTime),
            Count(r => r.Outcome == Outcome.Hung), Count(r => r.Outcome == Outcome.Halted), Count(r => r.Outcome == Outcome.Survived),
            probes);
    }

    private static DesignVerdict Verdict(string design, IReadOnlyList<CellResult> cells, Func<string, string, ulong, string> replay)
    {
        var baseline = cells[0];
        if (baseline.Runs == 0) return new DesignVerdict(design, DesignVerdict.Incomplete, null, null, null, null, null, []);
        var failed = baseline.Probes.FirstOrDefault(p => !p.Held);
        if (failed is not null)
            return new DesignVerdict(design, DesignVerdict.BaselineFailed, failed.Probe, baseline.Cell, failed.FirstFailingSeed, failed.FirstFailingReason,
                failed.FirstFailingSeed is { } s ? replay(design, baseline.Cell, s) : null, []);
        var deviated = cells.Skip(1).Where(c => c.Status == "deviated").ToList();
        if (deviated.Count == 0)
            return new DesignVerdict(design, cells.All(c => c.Complete) ? DesignVerdict.Held : DesignVerdict.Incomplete, null, null, null, null, null, []);
        var first = deviated[0];
        var probe = first.Probes.First(p => !p.Held);
        return new DesignVerdict(design, DesignVerdict.Deviated, probe.Probe, first.Cell, probe.FirstFailingSeed, probe.FirstFailingReason,
            probe.FirstFailingSeed is { } seed ? replay(design, first.Cell, seed) : null, [.. deviated.Select(c => c.Cell)]);
    }
}
