using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Actors.Runtime;
using ActorCrash.Cli.Bench;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>
/// Issue 5: the explorer finds the 2.6.38 races by varying orders, latencies and fault times — the
/// scenarios pin none of them — and what it finds replays byte for byte and shrinks.
/// Budgets are in runs; each test states how many the default portfolio needed when written.
/// </summary>
public class RaceExplorationTests : AkkaDevices.MachineTestKit
{
    private const ulong Seed = 1;

    // The TestKit's exploration helper: the machines' device actors live in this kit's ActorSystem.
    private Violation Find(string scenario, string property, long budget, string strategy = Strategies.Default) =>
        FindViolation(scenario, property, budget, strategy);

    private static Replayed Replay(string scenario, Violation v) => Replayer.Replay(ScenarioLoader.BuiltIn(scenario), v);

    [Fact]
    public void K1_two_cpus_panicking_at_once_stop_each_other()
    {
        // portfolio: 7 runs (delay-bounding; random alone: 725). Budget 20,000.
        var v = Find("race-two-panics", PropertyNames.NoHang, budget: 20_000);
        var r = Replay("race-two-panics", v).Result;
        Assert.Equal(Outcome.Hung, r.Outcome);  // neither rebooted nor a vmcore
        Assert.Equal(CpuFate.StoppedByIpi, r.Cpus[0].Fate);
        Assert.Equal(CpuFate.StoppedByIpi, r.Cpus[1].Fate);
        Assert.Equal(2, r.Milestones.Count(m => m.What.StartsWith("panic: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void K2_panic_cpu_spins_forever_on_logbuf_lock_held_by_a_wedged_cpu()
    {
        // portfolio: 5,368 runs (random alone: 352) — the lockup must land in a 20 us window of 10 ms. Budget 50,000.
        var v = Find("race-logbuf-wedge", PropertyNames.NoLockHeldByStopped, budget: 50_000);
        var r = Replay("race-logbuf-wedge", v).Result;
        var held = Assert.Single(r.LocksHeld, l => l.Lock == "logbuf_lock");
        Assert.Equal((2, "Wedged"), (held.Cpu, held.HolderFate));
        Assert.Equal(CpuFate.Panicking, r.Cpus[0].Fate);
        Assert.Contains("spinning on logbuf_lock", r.Cpus[0].Doing);
        Assert.Equal(Outcome.Hung, r.Outcome);
    }

    [Fact]
    public void K3_a_dumper_hanging_on_xtime_lock_blocks_kdump()
    {
        // portfolio: 277 runs. Budget 50,000.
        var v = Find("race-dumper-blocks-kdump", PropertyNames.Vmcore, budget: 50_000);
        var r = Replay("race-dumper-blocks-kdump", v).Result;
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("xtime_lock", r.Cpus[0].Doing);
        Assert.Contains("ramoops", r.Cpus[0].Doing);
        Assert.Contains("crash_kexec", r.Cpus[0].Doing);
        Assert.DoesNotContain(r.Milestones, m => m.What.StartsWith("machine_kexec", StringComparison.Ordinal));
    }

    [Fact]
    public void A_recorded_violation_replays_byte_identically_through_its_json()
    {
        var v = Find("race-two-panics", PropertyNames.NoHang, budget: 20_000, strategy: "random");
        var loaded = Violation.FromJson(v.ToJson());
        Assert.Equal(v.Decisions, loaded.Decisions);
        var first = Replay("race-two-panics", loaded);
        var second = Replay("race-two-panics", loaded);
        Assert.Equal(v.TraceSha256, first.TraceSha256);
        Assert.Equal(first.Trace, second.Trace);
        Assert.True(first.Violated);
    }

    [Theory]
    [InlineData("race-two-panics", PropertyNames.NoHang, true)]
    [InlineData("race-logbuf-wedge", PropertyNames.NoLockHeldByStopped, false)]  // one decision (the lockup's time): already minimal
    public void Shrinking_gives_a_schedule_no_longer_than_the_original_that_still_fails(string scenario, string property, bool reducible)
    {
        var v = Find(scenario, property, budget: 50_000, strategy: "random");
        var spec = ScenarioLoader.BuiltIn(scenario);
        var min = new Shrinker(spec, v).Shrink();
        Assert.True(min.Decisions.Count <= v.Decisions.Count, $"{min.Decisions.Count} > {v.Decisions.Count}");
        if (reducible)
            Assert.True(min.Decisions.Count(d => d != 0) < v.Decisions.Count(d => d != 0),
            $"nothing was reduced: {v.Decisions.Count} decisions [{string.Join(",", v.Decisions)}] -> [{string.Join(",", min.Decisions)}]");
        var replayed = Replayer.Replay(spec, min);
        Assert.True(replayed.Violated);
        Assert.Equal(min.TraceSha256, replayed.TraceSha256);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("delay-bounding")]
    public void Every_strategy_finds_the_lockups_inside_critical_sections(string strategy)
    {
        // The fault time is uniform in every strategy; the windows are 20 us in 10 ms and 2 us in 1 ms.
        Find("race-logbuf-wedge", PropertyNames.NoLockHeldByStopped, budget: 50_000, strategy: strategy);
        Find("race-dumper-blocks-kdump", PropertyNames.Vmcore, budget: 50_000, strategy: strategy);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("delay-bounding")]
    public void Random_and_delay_bounding_find_k1(string strategy) =>
        Find("race-two-panics", PropertyNames.NoHang, budget: 50_000, strategy: strategy);

    [Fact]
    public void Determinism_self_check_finds_no_difference()
    {
        var explorer = new Explorer(ScenarioLoader.BuiltIn("race-logbuf-wedge"), Strategies.Default, []);
        var report = explorer.Explore(Seed, runs => runs < 300, determinismEvery: 3);
        Assert.Equal(100, report.DeterminismChecks);
        Assert.Empty(report.NonDeterministic);
    }
}

/// <summary>Bounded exhaustive search: completeness on small machines, and that it finds K1 on two CPUs.</summary>
public class ExhaustiveSearchTests
{
    private static ScenarioSpec Small(string design, int cpus, string triggers) => ExhaustiveCases.Small(design, cpus, triggers);

    private const string OnePanic = ExhaustiveCases.OnePanic;
    private const string TwoPanics = ExhaustiveCases.TwoPanics;

    private static readonly string[] MustHold = ExhaustiveCases.MustHold;

    /// <summary>Runs the whole space and checks the count is honest: every schedule is run once, none twice.</summary>
    private static void ExploresEverySchedule(ScenarioSpec spec)
    {
        var report = new Explorer(spec, "exhaustive", Properties.For(MustHold)).Explore(1, runs => runs < 100_000, keepGoing: true);
        Assert.True(report.Complete, $"{report.Runs} schedules without exhausting the space");
        Assert.Empty(report.ViolationsByProperty);

        var machine = new Machine(spec);
        var dfs = new ExhaustiveStrategy();
        var seen = new HashSet<string>();
        do
        {
            machine.Run(1, dfs);
            seen.Add(string.Join(",", machine.Runtime.Decisions));
        } while (dfs.Advance());
        Assert.Equal(report.Runs, dfs.Runs);
        Assert.Equal(dfs.Explored, seen.Count);   // a schedule re-run at a higher deviation bound is counted once
    }

    [Theory]
    [InlineData("linux-3.12", 2)]   // 144 schedules at the range ends only; 3,008 with the trigger's instants (partial-order reduction on)
    [InlineData("linux-4.10", 2)]   // 144; 3,552
    public void Under_a_design_with_panic_lock_two_panics_never_hang_in_any_schedule(string design, int cpus) =>
        ExploresEverySchedule(Small(design, cpus, TwoPanics));

    [Theory]
    [InlineData(2)]   // 16 schedules when written (range ends only)
    [InlineData(3)]   // 224 (no ranged trigger: the same with the instants)
    public void Under_2638_one_panic_never_hangs_in_any_schedule(int cpus) =>
        ExploresEverySchedule(Small("linux-2.6.38", cpus, OnePanic));

    [Fact]
    public void Exhaustive_search_finds_k1_on_two_cpus_under_2638()
    {
        var report = new Explorer(Small("linux-2.6.38", 2, TwoPanics), "exhaustive", Properties.For([PropertyNames.NoHang])).Explore(1, runs => runs < 20_000);
        Assert.NotEmpty(report.Violations);
    }
}

/// <summary>The runtime and config hooks exploration relies on.</summary>
public class ExplorationHookTests
{
    [Fact]
    public void A_trigger_time_may_be_a_range_and_is_then_a_choice_of_the_run()
    {
        var spec = ScenarioLoader.BuiltIn("race-two-panics");
        var t = spec.Triggers.Single(x => x.Cpu == 1);
        Assert.Equal((0L, 100_000L), (t.AtNs, t.AtLatestNs));
        Assert.Null(spec.Triggers.Single(x => x.Cpu == 0).AtMaxNs);
        var machine = new Machine(spec);
        machine.Run(5);
        Assert.InRange(machine.Runtime.Decisions[0], 0, 100_000);
    }

    [Fact]
    public void Properties_are_read_and_an_unknown_one_lists_the_known()
    {
        Assert.Equal([PropertyNames.NoHang, PropertyNames.RebootInTime], ScenarioLoader.BuiltIn("race-two-panics").Properties);
        Assert.Empty(ScenarioLoader.Default().Properties);
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(
            "properties = [no-hnag]\ntriggers = [ { at = 0ms, cpu = 0, event = panic } ]", "test"));
        Assert.Contains("no-hang", e.Message);
        Assert.Contains("no-lock-held-by-stopped", e.Message);
    }

    [Fact]
    public void Lenient_replay_falls_back_to_the_first_message_and_the_minimum()
    {
        var machine = new Machine(ScenarioLoader.BuiltIn("race-two-panics"));
        var replay = new ReplayStrategy([], lenient: true);
        machine.Run(1, replay);
        Assert.True(replay.Divergences > 0);
        Assert.Equal(0, machine.Runtime.Decisions[0]);  // the ranged trigger at its minimum
        Assert.Throws<ReplayDivergedException>(() => machine.Run(1, new ReplayStrategy([])));
    }

    [Fact]
    public void A_strategy_replays_its_prefix_then_chooses()
    {
        var machine = new Machine(ScenarioLoader.BuiltIn("race-two-panics"));
        machine.Run(9, new RandomWalkStrategy());
        var recorded = machine.Runtime.Decisions.ToArray();
        var s = new PctStrategy { Prefix = recorded[..3] };
        machine.Run(1, s);
        Assert.Equal(recorded[..3], machine.Runtime.Decisions.Take(3));
        Assert.Null(s.Divergence);
    }
}

/// <summary>Custom properties over the milestones: an ordering and "eventually".</summary>
public class CustomPropertyTests
{
    private static ScenarioSpec Load(string properties) => ScenarioLoader.LoadText($$"""
        cmdline = "panic=10"
        machine { cpus = 2, kdump.loaded = false }
        triggers = [ { at = 0ms, cpu = 0, event = panic } ]
        properties = {{properties}}
        """, "test");

    [Fact]
    public void Before_and_eventually_hold_on_the_2638_order_and_break_on_the_reverse()
    {
        var spec = Load("""[no-hang, { before = ["kmsg_dump(KMSG_DUMP_PANIC)", "smp_send_stop"] }, { eventually = "machine reset" }]""");
        Assert.Equal(3, spec.Properties.Count);
        var report = new Explorer(spec, "random").Explore(1, runs => runs < 200, keepGoing: true);
        Assert.Empty(report.ViolationsByProperty);

        // 2.6.38 dumps before it stops the other CPUs: the reverse order is violated, and the message says where.
        var reverse = Load("""[{ before = ["smp_send_stop", "kmsg_dump(KMSG_DUMP_PANIC)"] }, { eventually = "vmcore saved" }]""");
        var found = new Explorer(reverse, "random").Explore(1, runs => runs < 10, keepGoing: true);
        Assert.Equal(10, found.ViolationsByProperty["before: smp_send_stop -> kmsg_dump(KMSG_DUMP_PANIC)"]);
        Assert.Equal(10, found.ViolationsByProperty["eventually: vmcore saved"]);
        Assert.Contains("before any \"smp_send_stop\"", found.Violations[0].Message);
    }

    [Fact]
    public void A_malformed_custom_property_is_an_error()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("""[{ after = ["a", "b"] }]"""));
        Assert.Contains("before = [A, B]", e.Message);
    }
}
