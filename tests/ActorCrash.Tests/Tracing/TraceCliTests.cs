using System.Text.Json;
using Xunit;

namespace ActorCrash.Tests.Tracing;

/// <summary>run/replay --perfetto/--svg and explore --coverage through the command line: files written, deterministic, bad paths exit 2.</summary>
public sealed class TraceCliTests
{
    private static int Cli(params string[] args) => Exploration.ExploreCliTests.Cli(args);

    [Fact]
    public void Run_writes_the_same_perfetto_trace_and_svg_for_the_same_seed()
    {
        var dir = TraceKit.TempDir();
        string P(string f) => Path.Combine(dir, f);
        Assert.Equal(0, Cli("run", "built-in:race-two-panics", "--seed", "5", "--perfetto", P("a.json"), "--svg", P("a.svg")));
        Assert.Equal(0, Cli("run", "built-in:race-two-panics", "--seed", "5", "--json", "--perfetto", P("b.json"), "--svg", P("b.svg")));
        Assert.Equal(File.ReadAllBytes(P("a.json")), File.ReadAllBytes(P("b.json")));
        Assert.Equal(File.ReadAllBytes(P("a.svg")), File.ReadAllBytes(P("b.svg")));
        TraceKit.MatchesSchema("perfetto-trace", File.ReadAllText(P("a.json")));
        System.Xml.Linq.XDocument.Parse(File.ReadAllText(P("a.svg")));
        // An existing file is replaced (the user named it), atomically: no temporary file is left.
        Assert.Equal(0, Cli("run", "built-in:race-two-panics", "--seed", "6", "--perfetto", P("a.json")));
        Assert.NotEqual(File.ReadAllBytes(P("a.json")), File.ReadAllBytes(P("b.json")));
        Assert.Equal(["a.json", "a.svg", "b.json", "b.svg"], Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_path_that_cannot_be_written_is_bad_input_before_anything_runs()
    {
        var dir = TraceKit.TempDir();
        var missing = Path.Combine(dir, "no-such-dir", "t.json");
        Assert.Equal(2, Cli("run", "--perfetto", missing));
        Assert.Equal(2, Cli("run", "--svg", dir));                        // a directory, not a file
        Assert.Equal(2, Cli("explore", "built-in:race-two-panics", "--runs", "10", "--out", dir, "--coverage", missing));
        Assert.False(Directory.Exists(Path.Combine(dir, "no-such-dir")));
        Assert.Empty(Directory.GetFiles(dir));                              // explore saved nothing: it never started
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Explore_coverage_writes_json_beside_the_violations_or_to_the_file_named()
    {
        var dir = TraceKit.TempDir();
        Assert.Equal(1, Cli("explore", "built-in:race-logbuf-wedge", "--strategy", "random", "--runs", "3000", "--keep-going", "--out", dir, "--coverage"));
        var json = File.ReadAllText(Path.Combine(dir, "race-logbuf-wedge-coverage.json"));
        TraceKit.MatchesSchema("coverage", json);
        var named = Path.Combine(dir, "named.json");
        Assert.Equal(1, Cli("explore", "built-in:race-logbuf-wedge", "--strategy", "random", "--runs", "3000", "--keep-going", "--out", dir, "--coverage", named));
        Assert.Equal(json, File.ReadAllText(named));   // deterministic: the same runs, the same bytes
        using var doc = JsonDocument.Parse(json);
        var design = doc.RootElement.GetProperty("designs")[0];
        Assert.Equal(3000, design.GetProperty("runs").GetInt64());
        Assert.Contains(design.GetProperty("known_bugs_hit").EnumerateArray(), b => b.GetProperty("name").GetString() == "logbuf-lock-wedge");
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Replay_writes_the_replayed_run_as_a_perfetto_trace()
    {
        var dir = TraceKit.TempDir();
        Assert.Equal(1, Cli("explore", "built-in:race-logbuf-wedge", "--strategy", "random", "--runs", "5000", "--out", dir));
        var file = Directory.GetFiles(dir, "*.json").Single();
        var trace = Path.Combine(dir, "replay.perfetto.json");
        Assert.Equal(1, Cli("replay", file, "--perfetto", trace, "--svg", Path.Combine(dir, "replay.svg")));
        var json = File.ReadAllText(trace);
        TraceKit.MatchesSchema("perfetto-trace", json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("hung", doc.RootElement.GetProperty("otherData").GetProperty("outcome").GetString());
        Assert.True(File.Exists(Path.Combine(dir, "replay.svg")));
        Directory.Delete(dir, recursive: true);
    }
}
