using System.Xml.Linq;
using ActorCrash.Experiments.Traces;
using Xunit;

namespace ActorCrash.Tests.Tracing;

/// <summary>run --svg as a contract: well-formed standalone SVG, a lifeline per device, an arrow per delivery, capped for huge runs.</summary>
public sealed class SequenceDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XElement Parse(string svg)
    {
        var root = XDocument.Parse(svg).Root!;  // well-formed XML, or this throws
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("1", (string?)root.Attribute("data-schema-version"));
        Assert.DoesNotContain("<script", svg);
        Assert.DoesNotContain("href=\"http", svg);
        return root;
    }

    [Fact]
    public void Every_delivery_between_devices_is_an_arrow_and_every_milestone_a_mark()
    {
        var run = TraceKit.Record("thread-2011");
        var root = Parse(SequenceDiagram.Render(run));
        var between = run.Result.Trace!.Count(t => t.From != t.To);
        var arrows = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "delivery").ToArray();
        Assert.Equal(between, arrows.Length);
        Assert.Equal(between.ToString(), (string?)root.Attribute("data-arrows"));
        Assert.Equal(run.Result.Milestones.Count, root.Descendants(Svg + "g").Count(g => (string?)g.Attribute("class") == "milestone"));
        Assert.Equal("0", (string?)root.Attribute("data-omitted"));
        var lifelines = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "lifeline").Select(g => (string)g.Attribute("data-actor")!).ToArray();
        Assert.Equal(["cpu0", "cpu1", "cpu2", "cpu3", "cpu4", "cpu5", "cpu6", "cpu7", "apic", "nvram", "kdump", "harness"], lifelines);
        // The message text is the trace's, with the full text in a tooltip.
        Assert.Contains(arrows, a => a.Descendants(Svg + "title").Any(t => t.Value == "apic → cpu3: deliver_nmi source=ipi"));
    }

    [Fact]
    public void A_huge_run_is_capped_and_says_how_much_it_left_out()
    {
        var run = TraceKit.Record("thread-2011", 1, "linux-6.x", "machine.cpus = 512");
        var svg = SequenceDiagram.Render(run);
        var root = Parse(svg);
        var omitted = int.Parse((string)root.Attribute("data-omitted")!);
        Assert.True(omitted > 0);
        var rows = int.Parse((string)root.Attribute("data-arrows")!) + int.Parse((string)root.Attribute("data-milestones")!);
        Assert.Equal(SequenceDiagram.HeadRows + SequenceDiagram.TailRows, rows);
        Assert.Contains($"{omitted} rows left out", svg);
        Assert.Equal(SequenceDiagram.MaxLifelines + 1, int.Parse((string)root.Attribute("data-lifelines")!));
        Assert.Contains(root.Descendants(Svg + "g"), g => ((string?)g.Attribute("data-actor"))?.StartsWith("others (", StringComparison.Ordinal) == true);
        Assert.True(svg.Length < 400_000, $"{svg.Length} bytes");
    }

    [Fact]
    public void The_same_run_gives_the_same_bytes()
    {
        Assert.Equal(SequenceDiagram.Render(TraceKit.Record("k1-two-cpus-panic", 59)), SequenceDiagram.Render(TraceKit.Record("k1-two-cpus-panic", 59)));
    }
}
