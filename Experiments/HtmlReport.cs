using System.Globalization;
using System.Net;
using System.Text;

namespace ActorCrash.Experiments;

/// <summary>
/// The experiment's report: one self-contained HTML file (inline CSS, inline SVG charts, a small
/// inline script; nothing fetched when it is opened) with the verdicts and their replay commands, the
/// reliability table, and a chart per probe: the measured share per design and cell with its 95 %
/// interval and the tolerance's threshold. The script only checks that every chart rendered and
/// marks the page (<c>body[data-rendered]</c>), which the headless-browser test reads.
/// </summary>
public static class HtmlReport
{
    private static readonly string[] Palette = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

    /// <param name="sequence">
    /// The SVG sequence diagram of a deviated design's first failing run (<see cref="Traces.FailingRuns"/>),
    /// embedded under the verdicts; null: none.
    /// </param>
    public static string Render(ReliabilityTable t, string status, DateTimeOffset start, DateTimeOffset end, Func<DesignVerdict, string?>? sequence = null)
    {
        var e = t.Experiment;
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        b.Append($"<title>{H(e.Title)} - ActorCrash experiment</title>\n");
        b.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        b.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body data-rendered=\"no\">\n");
        b.Append($"<header><h1>{H(e.Title)}</h1>");
        if (e.Description.Length > 0) b.Append($"<p class=\"desc\">{H(e.Description)}</p>");
        b.Append($"<p class=\"meta\">status <b>{H(status)}</b> · {(t.Deviated ? "<b class=\"bad\">deviated</b>" : "<b class=\"good\">held</b>")} · " +
                 $"seeds {t.Seeds} per design and cell · {t.Rows:N0} runs · strategy {H(e.Strategy)} · digest <code>{e.Digest[..16]}</code> · " +
                 $"{H(e.Source.Name)} · {start.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, {(end - start).TotalSeconds:F1} s · actorcrash {H(Journal.ToolVersion)}</p>");
        b.Append($"<p class=\"meta\">hypothesis: {H(e.Hypothesis.Title)} — {string.Join(", ", e.Hypothesis.Probes.Select(p => $"<code>{H(p.Name)} {H(p.Tolerance)}</code>"))}</p></header>\n");

        Glance(b, t);
        Verdicts(b, t);
        if (sequence is not null) Sequences(b, t, sequence);
        for (var i = 0; i < e.Hypothesis.Probes.Count; i++) Chart(b, t, i);
        Table(b, t);
        Method(b, t);
        b.Append("<script>\n").Append(Script).Append("</script>\n</body></html>\n");
        return b.ToString();
    }

    private static void Glance(StringBuilder b, ReliabilityTable t)
    {
        var designs = t.Experiment.Designs;
        b.Append("<section><h2>The hypothesis per cell and design</h2><table class=\"glance\"><tr><th>cell</th>");
        foreach (var d in designs) b.Append($"<th>{H(d)}</th>");
        b.Append("</tr>\n");
        foreach (var cell in t.Experiment.Cells)
        {
            b.Append($"<tr><td>{H(cell.Name)}</td>");
            foreach (var d in designs)
            {
                var c = t.Cells.First(x => x.Design == d && x.Cell == cell.Name);
                var (cls, text) = t.Judgement(c) switch
                {
                    "not-applicable" => ("na", "n/a"),
                    "held" => ("ok", "held"),
                    "deviated" => ("dev", "deviated"),
                    "baseline-fails" => ("warn", "baseline fails"),
                    "not-judged" => ("na", "not judged"),
                    var j => ("na", j),
                };
                b.Append($"<td class=\"{cls}\" title=\"{H(c.NotApplicable ?? string.Join(", ", c.Probes.Select(p => $"{p.Probe} {TableText.Format(p.Measured)}")))}\">{text}</td>");
            }
            b.Append("</tr>\n");
        }
        b.Append("</table></section>\n");
    }

    private static void Verdicts(StringBuilder b, ReliabilityTable t)
    {
        b.Append("<section><h2>Verdicts</h2><table class=\"verdicts\"><tr><th>design</th><th>verdict</th><th>first failure</th><th>replay</th></tr>\n");
        foreach (var v in t.Verdicts)
        {
            var (cls, text) = v.Status switch
            {
                DesignVerdict.Held => ("good", "held in every cell"),
                DesignVerdict.Deviated => ("bad", $"deviated: {v.Probe} in {v.Cell}" + (v.DeviatedCells.Count > 1 ? $" (and {v.DeviatedCells.Count - 1} more cells)" : "")),
                DesignVerdict.BaselineFailed => ("warn", $"baseline already fails: {v.Probe}"),
                _ => ("warn", "incomplete"),
            };
            b.Append($"<tr><td>{H(v.Design)}</td><td class=\"{cls}\">{H(text)}</td><td>{(v.Seed is { } s ? $"seed {s}: {H(v.Reason ?? "")}" : "")}</td>" +
                     $"<td>{(v.Replay is null ? "" : $"<code>{H(v.Replay)}</code>")}</td></tr>\n");
        }
        b.Append("</table></section>\n");
    }

    private static void Sequences(StringBuilder b, ReliabilityTable t, Func<DesignVerdict, string?> sequence)
    {
        var drawn = t.Verdicts.Where(v => v.Status == DesignVerdict.Deviated && v.Seed is not null)
            .Select(v => (Verdict: v, Svg: sequence(v))).Where(x => x.Svg is not null).ToArray();
        if (drawn.Length == 0) return;
        b.Append("<section><h2>The first failing run of each deviation</h2>\n");
        foreach (var (v, svg) in drawn)
        {
            var arrows = System.Text.RegularExpressions.Regex.Match(svg!, "data-arrows=\"(\\d+)\"").Groups[1].Value;
            b.Append($"<figure class=\"sequence\" data-arrows=\"{arrows}\"><figcaption>{H(v.Design)} / {H(v.Cell ?? "")}, seed {v.Seed}: {H(v.Reason ?? "")} " +
                     $"— <code>{H(v.Replay ?? "")} --svg FILE</code> draws it again, <code>--perfetto FILE</code> gives the timeline</figcaption>\n");
            b.Append(svg).Append("</figure>\n");
        }
        b.Append("</section>\n");
    }

    private static void Chart(StringBuilder b, ReliabilityTable t, int probe)
    {
        var e = t.Experiment;
        var p = e.Hypothesis.Probes[probe];
        var designs = e.Designs;
        var cells = e.Cells;
        const int left = 48, top = 16, plotH = 220, bottom = 120, bar = 9, gap = 3, groupGap = 14;
        var groupW = designs.Count * (bar + gap) - gap + groupGap;
        var width = left + cells.Count * groupW + 20;
        var height = top + plotH + bottom;
        double Y(double share) => top + plotH * (1 - share);
        var bars = 0;
        var svg = new StringBuilder();
        svg.Append(Inv($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{H(p.Name)} per design and cell\">"));
        foreach (var tick in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
            svg.Append(Inv($"<line class=\"grid\" x1=\"{left}\" x2=\"{width - 10}\" y1=\"{Y(tick):F1}\" y2=\"{Y(tick):F1}\"/><text class=\"tick\" x=\"{left - 6}\" y=\"{Y(tick) + 4:F1}\" text-anchor=\"end\">{tick * 100:0}%</text>"));
        for (var c = 0; c < cells.Count; c++)
        {
            var x0 = left + c * groupW + groupGap / 2;
            for (var d = 0; d < designs.Count; d++)
            {
                var r = t.Cells.First(x => x.Design == designs[d] && x.Cell == cells[c].Name);
                var x = x0 + d * (bar + gap);
                if (r.NotApplicable is not null || r.Runs == 0)
                {
                    svg.Append(Inv($"<text class=\"na\" x=\"{x + bar / 2.0:F1}\" y=\"{Y(0) - 3:F1}\" text-anchor=\"middle\">·</text>"));
                    continue;
                }
                var pr = r.Probes[probe];
                var s = pr.Measured;
                var y = Y(s.Value);
                svg.Append(Inv($"<rect class=\"bar{(pr.Held ? "" : " failed")}\" x=\"{x}\" y=\"{y:F1}\" width=\"{bar}\" height=\"{Math.Max(0.5, Y(0) - y):F1}\" fill=\"{Palette[d % Palette.Length]}\">"));
                svg.Append($"<title>{H(designs[d])} / {H(cells[c].Name)}: {H(p.Name)} {TableText.Format(s)} over {s.Runs} runs ({(pr.Held ? "held" : "DEVIATED")})</title></rect>");
                svg.Append(Inv($"<line class=\"ci\" x1=\"{x + bar / 2.0:F1}\" x2=\"{x + bar / 2.0:F1}\" y1=\"{Y(s.High):F1}\" y2=\"{Y(s.Low):F1}\"/>"));
                svg.Append(Inv($"<line class=\"ci\" x1=\"{x + 1.5:F1}\" x2=\"{x + bar - 1.5:F1}\" y1=\"{Y(s.High):F1}\" y2=\"{Y(s.High):F1}\"/><line class=\"ci\" x1=\"{x + 1.5:F1}\" x2=\"{x + bar - 1.5:F1}\" y1=\"{Y(s.Low):F1}\" y2=\"{Y(s.Low):F1}\"/>"));
                bars++;
            }
            var cx = x0 + (designs.Count * (bar + gap) - gap) / 2.0;
            svg.Append(Inv($"<text class=\"cell\" transform=\"translate({cx:F1},{Y(0) + 10:F1}) rotate(-40)\" text-anchor=\"end\">{H(cells[c].Name)}</text>"));
        }
        var ty = Y(p.Threshold);
        svg.Append(Inv($"<line class=\"threshold\" x1=\"{left}\" x2=\"{width - 10}\" y1=\"{ty:F1}\" y2=\"{ty:F1}\"><title>tolerance {H(p.Tolerance)}</title></line>"));
        svg.Append("</svg>");

        b.Append(Inv($"<section><h2>Probe <code>{H(p.Name)} {H(p.Tolerance)}</code></h2><figure class=\"chart\" data-bars=\"{bars}\">"));
        b.Append(svg);
        b.Append("<figcaption>");
        for (var d = 0; d < designs.Count; d++)
            b.Append($"<span class=\"key\"><i style=\"background:{Palette[d % Palette.Length]}\"></i>{H(designs[d])}</span>");
        b.Append("<span class=\"key\"><i class=\"thr\"></i>tolerance</span><span class=\"key\">whiskers: 95% Wilson interval; outlined bars deviate; · not applicable</span>");
        b.Append("</figcaption></figure></section>\n");
    }

    private static void Table(StringBuilder b, ReliabilityTable t)
    {
        b.Append("<section><h2>Reliability table</h2><table class=\"grid\"><tr>");
        foreach (var c in TableText.Columns) b.Append($"<th>{H(c)}</th>");
        b.Append("</tr>\n");
        foreach (var c in t.Cells)
        {
            if (c.NotApplicable is not null)
            {
                b.Append($"<tr class=\"na\"><td>{H(c.Design)}</td><td>{H(c.Cell)}</td><td colspan=\"7\" title=\"{H(c.NotApplicable)}\">not applicable: {H(c.NotApplicable)}</td></tr>\n");
                continue;
            }
            var judgement = t.Judgement(c);
            var status = judgement is "deviated" or "baseline-fails"
                ? $"<td class=\"{(judgement == "deviated" ? "bad" : "warn")}\">{H(judgement.Replace('-', ' '))}: {H(string.Join(", ", c.Probes.Where(p => !p.Held).Select(p => p.Probe)))}</td>"
                : $"<td class=\"{(judgement == "held" ? "good" : "warn")}\">{H(judgement.Replace('-', ' '))}</td>";
            b.Append($"<tr><td>{H(c.Design)}</td><td>{H(c.Cell)}</td><td class=\"n\">{c.Runs}</td>" +
                     $"<td>{TableText.Format(c.LogSaved)}</td><td>{TableText.Format(c.Vmcore)}</td><td>{TableText.Format(c.RebootedInTime)}</td>" +
                     $"<td>{TableText.Format(c.Hung)}</td><td>{TableText.Format(c.Halted)}</td>{status}</tr>\n");
        }
        b.Append("</table></section>\n");
    }

    private static void Method(StringBuilder b, ReliabilityTable t)
    {
        b.Append("<section><h2>Method</h2><dl>");
        b.Append($"<dt>baseline</dt><dd>the steady scenario {H(t.Experiment.Scenario)}, no fault</dd>");
        foreach (var a in t.Experiment.Method) b.Append($"<dt>{H(a.Name)}</dt><dd>{H(a.Description)}</dd>");
        b.Append("</dl></section>\n");
    }

    private static string H(string s) => WebUtility.HtmlEncode(s);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private const string Css = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d1d1f; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
        .desc { margin: 0 0 6px; max-width: 70em; } .meta { color: #555; margin: 2px 0; }
        code { font: 12px ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f3f3f5; padding: 1px 4px; border-radius: 3px; }
        table { border-collapse: collapse; } th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e8; text-align: left; vertical-align: top; }
        th { background: #f6f6f8; font-weight: 600; } td.n { text-align: right; } tr.na td { color: #888; }
        .good { color: #1a7f37; } .bad { color: #c4262e; font-weight: 600; } .warn { color: #9a6700; }
        figure.chart { margin: 0; overflow-x: auto; } svg.chart { display: block; }
        figure.sequence { margin: 8px 0 18px; overflow: auto; max-height: 720px; border: 1px solid #e4e4e8; } svg.sequence { display: block; }
        svg .grid { stroke: #e6e6ea; } svg .tick, svg .cell { font-size: 11px; fill: #555; } svg .na { fill: #999; font-size: 14px; }
        svg .ci { stroke: #222; stroke-width: 1; } svg .threshold { stroke: #c4262e; stroke-dasharray: 5 3; stroke-width: 1.5; }
        svg rect.failed { stroke: #c4262e; stroke-width: 1.5; }
        figcaption { font-size: 12px; color: #444; margin-top: 4px; } .key { margin-right: 14px; white-space: nowrap; }
        .key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
        .key i.thr { height: 0; border-top: 2px dashed #c4262e; width: 14px; vertical-align: 3px; }
        table.glance td.ok { background: #e6f4ea; color: #1a7f37; } table.glance td.dev { background: #fde7e9; color: #c4262e; font-weight: 600; }
        table.glance td.na { color: #999; } table.glance td.warn { background: #fff4d6; } table.glance td, table.glance th { text-align: center; } table.glance td:first-child { text-align: left; }
        dt { font-weight: 600; } dd { margin: 0 0 6px 16px; }

        """;

    // Checks that every chart and sequence diagram drew what the page says it holds, and marks the body for the test.
    private const string Script = """
        (function () {
          var errors = [];
          window.addEventListener('error', function (e) { errors.push(String(e.message)); document.body.setAttribute('data-errors', errors.join(' | ')); });
          // A figure is drawn when its SVG has a size and holds as many items as the figure says.
          function measure(figures, svgSelector, itemSelector, countAttribute) {
            var drawn = 0;
            figures.forEach(function (f) {
              var svg = f.querySelector(svgSelector);
              var items = svg ? svg.querySelectorAll(itemSelector) : [];
              var box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
              if (svg && items.length === Number(f.getAttribute(countAttribute)) && box.width > 0 && box.height > 0) drawn++;
            });
            return drawn;
          }
          var charts = document.querySelectorAll('figure.chart');
          var sequences = document.querySelectorAll('figure.sequence');   // the first failing runs' sequence diagrams
          var drawn = measure(charts, 'svg', 'rect.bar', 'data-bars');
          var shown = measure(sequences, 'svg.sequence', 'g.delivery line.arrow', 'data-arrows');
          document.body.setAttribute('data-charts', String(drawn) + '/' + String(charts.length));
          document.body.setAttribute('data-sequences', String(shown) + '/' + String(sequences.length));
          document.body.setAttribute('data-rendered', drawn === charts.length && shown === sequences.length && errors.length === 0 ? 'ok' : 'failed');
        })();

        """;
}
