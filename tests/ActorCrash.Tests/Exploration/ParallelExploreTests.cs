using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>
/// Issue 14 item 1: explore on several cores gives what it gives on one — the same runs, outcomes,
/// violation counts, signatures and saved violations (seed, decisions, trace) — for every strategy.
/// This is also the check of the exploration contract (a strategy's choices in run i depend only on
/// (scenario, seed, i)): a strategy that learns from earlier runs makes the two disagree here.
/// Small stretches (7 runs) so the workers interleave and answers arrive out of order.
/// </summary>
public class ParallelExploreTests
{
    private const int Stretch = 7;

    /// <summary>../shared/bench/stoprace8.hocon (the Coyote comparison) on 12 CPUs: CPU 0 and 1 panic together.</summary>
    private const string StopRace = """
        name = "stoprace12"
        design = "linux-2.6.38"
        cmdline = "panic=10"
        machine { cpus = 12, kdump.loaded = false, dumpers = [ramoops], nvram { write-ns-per-byte = 0, chunk = 65536 } }
        cpus = [ { cpu = 3, activity = lock-loop, lock = logbuf_lock, period = 1h, hold = 10us } ]
        triggers = [
          { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" }
          { at = 0ms, cpu = 1, event = panic, message = "Fatal exception" }
        ]
        timing.console-ns-per-char = 0ns
        limits.virtual-time = 1m
        """;

    // k1-two-cpus-panic breaks vmcore on every run and no-hang, reboot-in-time now and then: 4 signatures in 1,000 runs.
    private const string Scenario = "k1-two-cpus-panic";

    private static ExploreJob Job(string scenario, string strategy, bool keepGoing = true, SavePolicy? save = null, int determinismEvery = 0) =>
        new(ScenarioLoader.BuiltIn(scenario), strategy,
            Properties.For([PropertyNames.NoHang, PropertyNames.NoLockHeldByStopped, PropertyNames.Vmcore, PropertyNames.RebootInTime]),
            Seed: 11, KeepGoing: keepGoing, DeterminismEvery: determinismEvery, Save: save);

    private static ExploreReport Parallel(ExploreJob job, int cores, long runs, CancellationToken stop = default) =>
        ParallelExplorer.ExploreAsync(job, cores, runs, new ExploreReport { Save = job.SavePolicy }, stop, stretchSize: Stretch)
            .GetAwaiter().GetResult();

    /// <summary>Everything a report says about its runs, as text (timings and cores aside).</summary>
    private static string Fingerprint(ExploreReport r) => string.Join("\n",
    [
        $"runs {r.Runs}, complete {r.Complete}, checks {r.DeterminismChecks}, nondeterministic {r.NonDeterministic.Count}",
        $"outcomes {string.Join("; ", r.Outcomes.Select(o => $"{o.Item1} {o.Item2}").Order(StringComparer.Ordinal))}",
        $"by property {string.Join(", ", r.ViolationsByProperty.Select(p => $"{p.Key} {p.Value}"))}",
        .. r.Signatures.Select(s => $"signature {s}"),
        .. r.Violations.Select(v => $"saved run {v.Run} seed {v.Seed} {v.Strategy} {v.Property} {v.TraceSha256} [{string.Join(",", v.Decisions)}]"),
    ]);

    public static TheoryData<string> AllStrategies() => [.. Strategies.Names];

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void One_core_and_two_give_the_same_report_for_every_strategy(string strategy)
    {
        // A property that breaks on every run, every run saved: every run's decisions and trace are compared.
        // StopRace: runs of many lengths (random: 70 to 98 choice points), so a k learnt from earlier runs could change later choices.
        var job = Job("race-two-panics", strategy, save: new SavePolicy(PerSignature: 10_000, MaxSaved: 10_000)) with
        {
            Spec = ScenarioLoader.LoadText(StopRace, "stoprace12"),
            Properties = Properties.For([PropertyNames.NoHang, PropertyNames.EventuallyPrefix + "no such milestone"]),
        };
        var one = Fingerprint(Parallel(job, 1, 400));
        var two = Fingerprint(Parallel(job, 2, 400));
        Assert.True(one.Split('\n').Count(l => l.StartsWith("saved run", StringComparison.Ordinal)) >= 400, "every run should be saved");
        if (strategy == "random")
        {
            var lengths = Parallel(job, 1, 400).Violations.Select(v => v.Decisions.Count).Distinct().Count();
            Assert.True(lengths > 10, $"runs of only {lengths} lengths: the test needs runs of many lengths (what a learnt k would follow)");
        }
        Assert.Equal(one, two);
        // And the same as the explorer on the caller's thread (what the tests' TestKit helper uses).
        using var explorer = new Explorer(job.Spec, strategy, job.Properties);
        var serial = explorer.Explore(job.Seed, r => r < 400, keepGoing: true, report: new ExploreReport { Save = job.SavePolicy });
        Assert.Equal(one, Fingerprint(serial));
    }

    [Fact]
    public void Without_keep_going_every_core_count_stops_at_the_same_first_violation()
    {
        var job = Job("race-two-panics", "random", keepGoing: false);
        var one = Parallel(job, 1, 20_000);
        Assert.NotEmpty(one.Violations);
        Assert.Equal(one.Violations[0].Run + 1, one.Runs);  // stopped at the violating run
        Assert.Equal(Fingerprint(one), Fingerprint(Parallel(job, 2, 20_000)));
        Assert.Equal(Fingerprint(one), Fingerprint(Parallel(job, 3, 20_000)));
    }

    [Fact]
    public void Every_signature_is_saved_once_and_the_rest_counted()
    {
        var r = Parallel(Job(Scenario, "random"), 2, 1000);
        Assert.NotEmpty(r.Signatures);
        Assert.Equal(r.ViolatingRuns, r.Signatures.Sum(s => s.Count));
        Assert.All(r.Signatures, s => Assert.Equal(1, s.Saved));
        Assert.Equal(r.Signatures.Count, r.Violations.Count);
        Assert.True(r.ViolatingRuns > r.Violations.Count, "a duplicate was needed to test counting");
        // The saved one of each signature is its first run.
        Assert.Equal(r.Signatures.Select(s => s.FirstRun).Order(), r.Violations.Select(v => v.Run).Order());
    }

    [Fact]
    public void The_cap_on_saved_files_holds_and_is_the_same_on_every_core_count()
    {
        var job = Job(Scenario, "random", save: new SavePolicy(PerSignature: 1000, MaxSaved: 5));
        var one = Parallel(job, 1, 1000);
        Assert.Equal(5, one.Violations.Count);
        Assert.True(one.ViolatingRuns > 5);
        Assert.Equal(one.Violations.Select(v => v.Run).Order(), one.Violations.Select(v => v.Run));  // in run order
        Assert.Equal(Fingerprint(one), Fingerprint(Parallel(job, 2, 1000)));
    }

    [Fact]
    public async Task A_stop_ends_at_a_prefix_of_the_runs_the_same_as_asking_for_that_many()
    {
        using var stop = new CancellationTokenSource();
        var report = new ExploreReport { Save = new SavePolicy(PerSignature: 1000), OnViolation = v => { if (v.Run > 50) stop.Cancel(); } };
        var job = Job(Scenario, "portfolio", save: report.Save);
        var stopped = await ParallelExplorer.ExploreAsync(job, 2, 1_000_000, report, stop.Token, stretchSize: Stretch);
        Assert.InRange(stopped.Runs, 51, 999_999);
        Assert.Equal(Fingerprint(Parallel(job, 1, stopped.Runs)), Fingerprint(stopped));
    }

    [Fact]
    public async Task A_pool_taken_again_starts_every_exploration_afresh()
    {
        // One job object, explored again and again on the same system and core count: the idle campaign
        // (its machine actors) is taken again, and must not keep what a machine recorded or its strategy.
        var job = Job(Scenario, "random", save: new SavePolicy(PerSignature: 3));
        var fresh = Fingerprint(Parallel(job, 2, 600));
        Assert.Contains("saved run", fresh);
        Assert.Equal(fresh, Fingerprint(Parallel(job, 2, 600)));
        // A campaign stopped early answers at once and drains the stretches still running (the other
        // machine's) while the next exploration, taken at once, waits for it. Every violation saved, so the
        // stop (at the first one past run 20) comes.
        var all = job with { Save = new SavePolicy(PerSignature: 1000) };
        using var stop = new CancellationTokenSource();
        var report = new ExploreReport { Save = all.SavePolicy, OnViolation = v => { if (v.Run > 20) stop.Cancel(); } };
        await ParallelExplorer.ExploreAsync(all, 2, 1_000_000, report, stop.Token, stretchSize: Stretch);
        Assert.InRange(report.Runs, 21, 10_000);
        Assert.Equal(fresh, Fingerprint(await ParallelExplorer.ExploreAsync(job, 2, 600, new ExploreReport { Save = job.SavePolicy }, stretchSize: Stretch)));
        Assert.Equal(Fingerprint(Parallel(all, 2, report.Runs)), Fingerprint(report));
        Assert.Equal(Fingerprint(Parallel(all, 1, report.Runs)), Fingerprint(report));
    }

    [Fact]
    public async Task Explorations_leave_the_systems_scheduler_unstarted()
    {
        // Stopping an explore pool stopped its pinned dispatchers (and the last machine's devices left the
        // devices' dispatcher empty); an Akka dispatcher that empties schedules its own shutdown, which
        // starts the system's scheduler, and that ticks every 10 ms for the rest of the process (a few
        // percent of a core that an N-core exploration loses and a 1-core one does not). Pools are now kept
        // and the devices' dispatcher always has the host actor. Akka keeps the scheduler's state private:
        // read it by name (HashedWheelTimerScheduler._workerState: 0 not started, 1 started).
        using var system = global::Akka.Actor.ActorSystem.Create("explore-scheduler", AkkaSettings.Load());
        var state = system.Scheduler.GetType().GetField("_workerState", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        Assert.NotNull(state);
        int Started() => (int)state.GetValue(system.Scheduler)!;
        Assert.Equal(0, Started());
        var job = Job(Scenario, "portfolio");
        for (var i = 0; i < 3; i++)
            foreach (var cores in new[] { 1, 2 })
                await ParallelExplorer.ExploreAsync(job, cores, 50, new ExploreReport { Save = job.SavePolicy }, system: system, stretchSize: Stretch);
        Assert.Equal(0, Started());
    }

    [Fact]
    public void The_determinism_self_check_runs_on_every_worker_and_counts_by_run_index()
    {
        var r = Parallel(Job("race-two-panics", "portfolio", determinismEvery: 10), 2, 200);
        Assert.Equal(20, r.DeterminismChecks);
        Assert.Empty(r.NonDeterministic);
    }

    [Fact]
    public void Stretches_shrink_near_the_end_so_the_machines_finish_together()
    {
        // Hand out 10,000 runs to two machines as the campaign does, in stretches of at most 256.
        var lengths = new List<int>();
        for (long remaining = 10_000; remaining > 0;)
        {
            var n = Actors.Akka.ExploreCampaignActor.StretchLength(256, remaining, machines: 2);
            Assert.InRange(n, 1, 256);
            lengths.Add(n);
            remaining -= n;
        }
        Assert.Equal(10_000, lengths.Sum());
        Assert.Equal(256, lengths[0]);                         // full stretches while plenty remain
        Assert.All(lengths.TakeLast(8), n => Assert.True(n <= 16, $"a stretch of {n} runs near the end"));
        Assert.Equal(lengths.OrderDescending(), lengths);      // never growing again
        // One machine has no one to wait for: full stretches to the end, then the remainder.
        Assert.Equal(256, Actors.Akka.ExploreCampaignActor.StretchLength(256, 300, machines: 1));
        Assert.Equal(44, Actors.Akka.ExploreCampaignActor.StretchLength(256, 44, machines: 1));
        Assert.Equal(0, Actors.Akka.ExploreCampaignActor.StretchLength(256, 0, machines: 2));
        // A small stretch still shrinks to single runs at the very end (what the tests' stretch of 7 exercises).
        Assert.Equal(1, Actors.Akka.ExploreCampaignActor.StretchLength(7, 5, machines: 2));
    }

    [Fact]
    public void Signatures_mask_numbers_only()
    {
        Assert.Equal("no-hang | Hung | cpu# at #.# s, cpu#", Explorer.Signature("no-hang", Actors.Outcome.Hung, "cpu0 at 0.058830 s, cpu12"));
        Assert.NotEqual(Explorer.Signature("no-hang", Actors.Outcome.Hung, "a"), Explorer.Signature("no-hang", Actors.Outcome.Rebooted, "a"));
    }
}
