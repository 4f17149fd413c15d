using System.Text.Json;
using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Actors.Runtime;
using ActorCrash.Cli.Output;
using Xunit;

namespace ActorCrash.Tests.Tracing;

/// <summary>Coverage as a mergeable accumulator, its JSON contract, and each known-bug signature pinned to its scenario.</summary>
public sealed class CoverageTests
{
    /// <summary>Runs [first, first + count) of a campaign (seed 1 + i, random) into a coverage of its own.</summary>
    private static Coverage Part(string scenario, long first, long count, string? design = null)
    {
        var spec = TraceKit.BuiltIn(scenario, design);
        using var machine = new Machine(spec);
        Coverage.Watch(machine);
        var c = new Coverage();
        for (var i = first; i < first + count; i++)
        {
            var summary = machine.Run(1 + (ulong)i, new RandomStrategy());
            c.Add(new RunView(machine, summary), i);
        }
        return c;
    }

    private static string Json(Coverage c) => CoverageOutput.Json(c, "s", "built-in:s", "random", 1);

    [Fact]
    public void Parts_merged_in_any_order_equal_one_pass_over_the_same_runs()
    {
        var whole = Json(Part("race-logbuf-wedge", 0, 300));
        var a = Part("race-logbuf-wedge", 0, 120);
        var b = Part("race-logbuf-wedge", 120, 100);
        var c = Part("race-logbuf-wedge", 220, 80);
        var abc = new Coverage();
        abc.Merge(a);
        abc.Merge(b);
        abc.Merge(c);
        var cba = new Coverage();
        cba.Merge(c);
        cba.Merge(b);
        cba.Merge(a);
        Assert.Equal(whole, Json(abc));
        Assert.Equal(whole, Json(cba));
    }

    [Fact]
    public void The_json_follows_its_schema_and_counts_what_the_runs_did()
    {
        var c = Part("thread-2011", 0, 20);
        c.Merge(Part("k1-two-cpus-panic", 0, 100));
        var json = Json(c);
        TraceKit.MatchesSchema("coverage", json);
        Assert.Equal(json, Json(c));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(1, doc.RootElement.GetProperty("schema_version").GetInt32());
        Assert.Equal(120, doc.RootElement.GetProperty("runs").GetInt64());
        Assert.Equal(KnownBugs.All.Count, doc.RootElement.GetProperty("known_bugs").GetArrayLength());
        var d = doc.RootElement.GetProperty("designs").EnumerateArray().Single();
        Assert.Equal("linux-2.6.38", d.GetProperty("design").GetString());
        var functions = d.GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("function").GetString()!, f => f.GetProperty("runs").GetInt64());
        Assert.Equal(120, functions["panic"]);
        Assert.Equal(20, functions["machine_kexec"]);       // only thread-2011 loads a crash kernel
        Assert.True(functions["native_stop_other_cpus"] >= 100);
        Assert.Equal(functions.Keys.Order(StringComparer.Ordinal), functions.Keys);
        var outcomes = d.GetProperty("outcomes").EnumerateArray().ToDictionary(f => f.GetProperty("outcome").GetString()!, f => f.GetProperty("runs").GetInt64());
        Assert.Equal(20, outcomes["vmcore_captured"]);
        Assert.Equal(120, outcomes.Values.Sum());
        var states = d.GetProperty("cpu_states").EnumerateArray().ToDictionary(s => s.GetProperty("state").GetString()!, s => s.GetProperty("cpus").GetInt64());
        Assert.Equal(20 * 8 + 100 * 4, states.Values.Sum());  // every CPU of every run, once
    }

    public static TheoryData<string, string, string, int, string?> Bugs => new()
    {
        // scenario, design with the bug, signature, seeds 1..N, design without it
        { "k1-two-cpus-panic", "linux-2.6.38", "stop-ipi-mutual-halt", 200, "linux-3.12" },
        { "k2-logbuf-lock-stopped-holder", "linux-4.10", "logbuf-lock-wedge", 20, "linux-6.x" },
        { "k3-dumper-blocks-kdump", "linux-2.6.38", "dumper-blocks-kdump", 5, "eric-2011" },
        { "k3-dumper-blocks-kdump", "linux-2.6.38", "dumper-hang", 5, "eric-2011" },
        { "k3-dumper-blocks-kdump", "linux-2.6.38", "lock-held-by-halted-cpu", 5, "eric-2011" },
        { "k4-emerg-dump-blocks-reboot", "linux-2.6.38", "dumper-blocks-reboot", 5, "linux-6.x" },
        { "k5-irqs-off-cpu-ignores-stop-ipi", "linux-2.6.38", "cpu-ignores-stop", 5, "linux-3.12" },
        { "k6-stray-write-into-crash-kernel", "linux-2.6.38", "crash-kernel-scribbled", 5, null },
        { "k7-second-panic-resets-during-kdump", "linux-2.6.38", "reset-mid-dump", 5, "linux-3.12" },
        { "k8-watchdog-tears-nvram-record", "linux-2.6.38", "torn-nvram-record", 5, null },
    };

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Each_known_bug_signature_is_hit_by_its_scenario_under_the_design_that_had_it(string scenario, string buggy, string bug, int seeds, string? fixedIn)
    {
        Assert.Contains(KnownBugs.All, b => b.Name == bug);
        var hit = Part(scenario, 0, seeds, buggy).Designs[buggy].Bugs;
        Assert.True(hit.ContainsKey(bug), $"{bug} not hit by {scenario} under {buggy} in {seeds} seeds; hit: {string.Join(", ", hit.Keys)}");
        if (fixedIn is null) return;
        var after = Part(scenario, 0, seeds, fixedIn).Designs[fixedIn].Bugs;
        Assert.False(after.ContainsKey(bug), $"{bug} still hit under {fixedIn}");
    }

    [Fact]
    public void Explore_adds_every_run_in_index_order_with_a_one_line_hook()
    {
        var spec = TraceKit.BuiltIn("race-logbuf-wedge");
        using var explorer = new Explorer(spec, "random", []);
        var report = new ExploreReport { Coverage = new Coverage() };
        explorer.Explore(1, runs => runs < 300, report: report);
        Assert.Equal(Json(Part("race-logbuf-wedge", 0, 300)), Json(report.Coverage!));
    }
}
