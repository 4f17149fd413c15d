using System.Globalization;
using System.Net;
using System.Text;
using ActorCrash.Actors.Tracing;
using ActorCrash.Hardware;

namespace ActorCrash.Experiments.Traces;

/// <summary>
/// A run as an SVG sequence diagram: a lifeline per device that takes part, one row per event in
/// the order they happened — an arrow per delivery (sender → receiver, the message's trace text
/// above it, its virtual time on the left) and a marker per milestone on its CPU's lifeline
/// (milestones of no CPU span the diagram). Timer ticks a device sends itself are not drawn (they
/// are counted in the caption). A huge run is capped: the first <see cref="HeadRows"/> and the last
/// <see cref="TailRows"/> rows, with a marked gap saying how many were left out, and at most
/// <see cref="MaxLifelines"/> lifelines (further devices share one "others" lifeline). The SVG is
/// standalone (no script, no external reference), deterministic for the same run, and the
/// experiment report embeds it. Counts for checkers: <c>data-arrows</c>, <c>data-milestones</c>,
/// <c>data-lifelines</c>, <c>data-omitted</c> on the root element. Format: docs/traces.md.
/// </summary>
public static class SequenceDiagram
{
    /// <summary>Version of the diagram's structure (classes and data attributes), on the root as <c>data-schema-version</c>.</summary>
    public const int SchemaVersion = 1;
    public const int HeadRows = 150;
    public const int TailRows = 100;
    public const int MaxLifelines = 40;

    private const int Left = 96, Top = 56, ColumnW = 104, RowH = 20, LabelChars = 34;

    private enum RowKind { Delivery, Milestone, Gap }

    private readonly record struct Row(RowKind Kind, long TimeNs, int From, int To, string Text, int Omitted);

    public static string Render(RecordedRun run)
    {
        var r = run.Result;
        var cpuIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < run.Actors.Count; i++) cpuIndex[run.Actors[i]] = i;

        // Every event in the order it happened: deliveries (the trace) and milestones, merged by time.
        var all = new List<Row>();
        var ticks = 0;
        var m = 0;
        var marks = run.Recording.Events.Where(e => e.Kind == RecordedKind.Deliver).Select(e => e.Other).ToArray();
        for (var k = 0; k < r.Trace!.Count; k++)
        {
            var line = r.Trace[k];
            // A milestone goes after the delivery whose handling noted it (by time if that is unknown).
            var before = k < marks.Length ? marks[k] : -1;
            while (m < r.Milestones.Count && (before >= 0 ? m < before : r.Milestones[m].TimeNs < line.TimeNs))
                all.Add(MilestoneRow(r.Milestones[m++], cpuIndex));
            var (from, to) = (cpuIndex[line.From], cpuIndex[line.To]);
            if (from == to)
            {
                ticks++;
                continue;
            }
            all.Add(new Row(RowKind.Delivery, line.TimeNs, from, to, line.Message, 0));
        }
        while (m < r.Milestones.Count) all.Add(MilestoneRow(r.Milestones[m++], cpuIndex));

        var rows = all;
        var omitted = 0;
        if (all.Count > HeadRows + TailRows)
        {
            omitted = all.Count - HeadRows - TailRows;
            rows = [.. all.Take(HeadRows), new Row(RowKind.Gap, all[HeadRows].TimeNs, -1, -1, "", omitted), .. all.Skip(all.Count - TailRows)];
        }

        // Lifelines: the devices the drawn rows name, in device order (CPUs first), capped.
        var used = new SortedSet<int>();
        foreach (var row in rows)
        {
            if (row.From >= 0) used.Add(row.From);
            if (row.To >= 0) used.Add(row.To);
        }
        var lanes = new Dictionary<int, int>();
        var names = new List<string>();
        foreach (var device in used)
        {
            if (names.Count == MaxLifelines)
            {
                names.Add($"others ({used.Count - MaxLifelines})");
                break;
            }
            lanes[device] = names.Count;
            names.Add(run.Actors[device]);
        }
        int Lane(int device) => lanes.TryGetValue(device, out var lane) ? lane : MaxLifelines;
        double X(int lane) => Left + ColumnW * (lane + 0.5);

        var width = Left + ColumnW * Math.Max(names.Count, 1) + 16;
        var height = Top + RowH * (rows.Count + 1) + 28;
        var arrows = rows.Count(x => x.Kind == RowKind.Delivery);
        var milestones = rows.Count(x => x.Kind == RowKind.Milestone);
        var b = new StringBuilder();
        b.Append(Inv($"<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "));
        b.Append(Inv($"data-schema-version=\"{SchemaVersion}\" data-arrows=\"{arrows}\" data-milestones=\"{milestones}\" data-lifelines=\"{names.Count}\" data-omitted=\"{omitted}\" "));
        b.Append($"role=\"img\" aria-label=\"sequence diagram: {H(r.Scenario)}, {H(r.Design)}, seed {r.Seed}\">\n");
        b.Append("<defs><marker id=\"seq-arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#333\"/></marker></defs>\n");
        b.Append("<style>.sequence text{font:10px ui-monospace,Menlo,monospace;fill:#222}.sequence .life{stroke:#bbb;stroke-dasharray:3 3}")
            .Append(".sequence .head{fill:#eef1f8;stroke:#4269d0}.sequence .arrow{stroke:#333;stroke-width:1}.sequence .ms{fill:#c4262e}")
            .Append(".sequence .msband{stroke:#c4262e;stroke-dasharray:2 2}.sequence .mstext{fill:#c4262e}.sequence .time{fill:#777}.sequence .gap{fill:#fff4d6;stroke:#9a6700}</style>\n");
        var caption = Inv($"{r.Scenario} · {r.Design} · seed {r.Seed} · {r.Trace!.Count} deliveries, {r.Milestones.Count} milestones");
        if (ticks > 0) caption += Inv($" · {ticks} timer ticks (a device to itself) not drawn");
        if (omitted > 0) caption += Inv($" · {omitted} rows left out (first {HeadRows}, last {TailRows} drawn)");
        b.Append(Inv($"<text class=\"caption\" x=\"4\" y=\"14\">{H(caption)}</text>\n"));
        b.Append(Inv($"<text class=\"caption\" x=\"4\" y=\"{height - 8}\">outcome: {H(r.Outcome.ToString())}: {H(Clip(r.Reason, 160))}</text>\n"));

        var bottom = Top + RowH * (rows.Count + 1) - 8;
        for (var i = 0; i < names.Count; i++)
        {
            var x = X(i);
            b.Append(Inv($"<g class=\"lifeline\" data-actor=\"{H(names[i])}\"><line class=\"life\" x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{Top - 14}\" y2=\"{bottom}\"/>"));
            b.Append(Inv($"<rect class=\"head\" x=\"{x - ColumnW / 2.0 + 6:F1}\" y=\"{Top - 32}\" width=\"{ColumnW - 12}\" height=\"18\" rx=\"3\"/>"));
            b.Append(Inv($"<text x=\"{x:F1}\" y=\"{Top - 19}\" text-anchor=\"middle\">{H(Clip(names[i], 14))}</text></g>\n"));
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = Top + RowH * (i + 0.5);
            if (row.Kind == RowKind.Gap)
            {
                b.Append(Inv($"<g class=\"gap\"><rect class=\"gap\" x=\"{Left - 90}\" y=\"{y - 8:F1}\" width=\"{width - Left + 80}\" height=\"16\"/>"));
                b.Append(Inv($"<text x=\"{Left}\" y=\"{y + 4:F1}\">… {row.Omitted} rows left out …</text></g>\n"));
                continue;
            }
            b.Append(Inv($"<text class=\"time\" x=\"4\" y=\"{y + 4:F1}\">{VirtualTime.Format(row.TimeNs)}</text>"));
            if (row.Kind == RowKind.Milestone)
            {
                if (row.From < 0)
                {
                    b.Append(Inv($"<g class=\"milestone\"><line class=\"msband\" x1=\"{Left}\" x2=\"{width - 16}\" y1=\"{y:F1}\" y2=\"{y:F1}\"/>"));
                    b.Append(Inv($"<text class=\"mstext\" x=\"{Left + 4}\" y=\"{y - 3:F1}\">{H(Clip(row.Text, 120))}<title>{H(row.Text)}</title></text></g>\n"));
                }
                else
                {
                    var x = X(Lane(row.From));
                    b.Append(Inv($"<g class=\"milestone\"><circle class=\"ms\" cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"4\"/>"));
                    b.Append(Inv($"<text class=\"mstext\" x=\"{x + 7:F1}\" y=\"{y + 4:F1}\">{H(Clip(row.Text, 60))}<title>{H(row.Text)}</title></text></g>\n"));
                }
                continue;
            }
            var (x1, x2) = (X(Lane(row.From)), X(Lane(row.To)));
            if (Lane(row.From) == Lane(row.To)) x2 = x1 + ColumnW * 0.4;  // both among "others": a short stub
            b.Append(Inv($"<g class=\"delivery\"><line class=\"arrow\" x1=\"{x1:F1}\" x2=\"{x2:F1}\" y1=\"{y:F1}\" y2=\"{y:F1}\" marker-end=\"url(#seq-arrow)\"/>"));
            b.Append(Inv($"<text x=\"{(x1 + x2) / 2:F1}\" y=\"{y - 3:F1}\" text-anchor=\"middle\">{H(Clip(row.Text, LabelChars))}<title>{H(run.Actors[row.From])} → {H(run.Actors[row.To])}: {H(row.Text)}</title></text></g>\n"));
        }
        b.Append("</svg>\n");
        return b.ToString();
    }

    private static Row MilestoneRow(Actors.Kernel.Milestone m, Dictionary<string, int> index) =>
        new(RowKind.Milestone, m.TimeNs, m.Cpu >= 0 && index.TryGetValue($"cpu{m.Cpu}", out var d) ? d : -1, -1, m.What, 0);

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string H(string s) => WebUtility.HtmlEncode(s);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
