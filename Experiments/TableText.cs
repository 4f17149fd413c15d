using System.Globalization;
using System.Text;

namespace ActorCrash.Experiments;

/// <summary>The reliability table and the verdicts for a person: fixed-width text, no colour, byte-stable.</summary>
public static class TableText
{
    public static readonly string[] Columns = ["design", "cell", "runs", "log saved", "vmcore", "rebooted in time", "hung", "halted", "hypothesis"];

    public static void Write(ReliabilityTable t, TextWriter o)
    {
        var e = t.Experiment;
        o.WriteLine($"experiment: {e.Title} ({e.Source.Name}, digest {e.Digest[..12]})");
        o.WriteLine($"hypothesis: {(e.Hypothesis.Title.Length > 0 ? e.Hypothesis.Title + ": " : "")}{string.Join(", ", e.Hypothesis.Probes.Select(p => $"{p.Name} {p.Tolerance}"))}");
        o.WriteLine($"seeds {t.Seeds} per design and cell, strategy {e.Strategy}; shares with 95% Wilson intervals");
        var rows = new List<string[]> { Columns };
        foreach (var c in t.Cells)
        {
            if (c.NotApplicable is not null)
            {
                rows.Add([c.Design, c.Cell, "-", "n/a", "", "", "", "", "not applicable"]);
                continue;
            }
            rows.Add([c.Design, c.Cell, c.Runs == c.Planned ? $"{c.Runs}" : $"{c.Runs}/{c.Planned}",
                Format(c.LogSaved), Format(c.Vmcore), Format(c.RebootedInTime), Format(c.Hung), Format(c.Halted), Hypothesis(t, c)]);
        }
        WriteGrid(rows, o);
        foreach (var g in t.Cells.Where(c => c.NotApplicable is not null).GroupBy(c => c.Cell))
            o.WriteLine($"n/a: {g.Key} under {string.Join(", ", g.Select(c => c.Design))}: {g.First().NotApplicable}");
        foreach (var s in e.Skipped) o.WriteLine($"{s.Design} left out: {s.Why}");
        o.WriteLine("log saved: a kmsg dump of this run reads back intact; rebooted in time: reset within panic_timeout + 2 s of the first panic.");
        o.WriteLine();
        WriteMatrix(t, o);
        o.WriteLine();
        o.WriteLine("verdicts:");
        foreach (var v in t.Verdicts)
        {
            switch (v.Status)
            {
                case DesignVerdict.Held:
                    o.WriteLine($"  {v.Design}: held in every cell");
                    break;
                case DesignVerdict.Incomplete:
                    o.WriteLine($"  {v.Design}: incomplete (not every run is done; --resume continues)");
                    break;
                case DesignVerdict.BaselineFailed:
                    o.WriteLine($"  {v.Design}: the steady state already fails on the baseline ({v.Probe}), so the faults were not judged");
                    if (v.Replay is not null) o.WriteLine($"    first failing seed {v.Seed}: {v.Reason}\n    replay: {v.Replay}");
                    break;
                default:
                    o.WriteLine($"  {v.Design}: DEVIATED: {v.Probe} in {v.Cell}" +
                        (v.DeviatedCells.Count > 1 ? $" (and in {string.Join(", ", v.DeviatedCells.Skip(1))})" : ""));
                    if (v.Replay is not null) o.WriteLine($"    first failing seed {v.Seed}: {v.Reason}\n    replay: {v.Replay}");
                    break;
            }
        }
    }

    /// <summary>The hypothesis at a glance: a row per cell, a column per design.</summary>
    public static void WriteMatrix(ReliabilityTable t, TextWriter o)
    {
        var designs = t.Experiment.Designs;
        var rows = new List<string[]>();
        rows.Add(["hypothesis", .. designs]);
        foreach (var cell in t.Experiment.Cells)
            rows.Add([cell.Name, .. designs.Select(d => t.Judgement(t.Cells.First(c => c.Design == d && c.Cell == cell.Name)) switch
            {
                "not-applicable" => "n/a",
                "deviated" => "DEVIATED",
                "baseline-fails" => "BASELINE FAILS",
                "not-judged" => "not judged",
                var j => j,
            })]);
        WriteGrid(rows, o, groupFirstColumn: false);
    }

    /// <summary>"97.5% [86.8-99.6]".</summary>
    public static string Format(Share s) => string.Create(CultureInfo.InvariantCulture, $"{Pct(s.Value)} [{Pct(s.Low, false)}-{Pct(s.High, false)}]");

    private static string Pct(double x, bool sign = true) => (x * 100).ToString("0.#", CultureInfo.InvariantCulture) + (sign ? "%" : "");

    private static string Hypothesis(ReliabilityTable t, CellResult c) => t.Judgement(c) switch
    {
        "held" => c.Probes.All(p => p.Conclusive) ? "held" : "held (not conclusive)",
        "deviated" => "DEVIATED: " + Failing(c),
        "baseline-fails" => "BASELINE FAILS: " + Failing(c),
        "not-judged" => "not judged (the baseline fails)",
        var j => j,
    };

    private static string Failing(CellResult c) => string.Join(", ", c.Probes.Where(p => !p.Held).Select(p => $"{p.Probe} {Pct(p.Measured.Value)}"));

    private static void WriteGrid(List<string[]> rows, TextWriter o, bool groupFirstColumn = true)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        string Line(string[] r) => "| " + string.Join(" | ", r.Select((cell, i) => i is 2 && groupFirstColumn ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))) + " |";
        var rule = "|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|";
        o.WriteLine(Line(rows[0]));
        o.WriteLine(rule);
        string? design = null;
        foreach (var r in rows.Skip(1))
        {
            var shown = (string[])r.Clone();
            if (groupFirstColumn && r[0] == design) shown[0] = "";
            design = r[0];
            o.WriteLine(Line(shown));
        }
    }
}
