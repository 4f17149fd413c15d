using ActorCrash.Config;

namespace ActorCrash.Cli.Bench;

/// <summary>
/// The scenarios `bench-explore` runs exhaustive search on, with and without partial-order
/// reduction: race-logbuf-wedge (a violation to find) and small machines under designs that are
/// correct there (absence to prove: the search must end Complete).
/// </summary>
public static class ExhaustiveCases
{
    /// <summary>A small machine: <paramref name="cpus"/> CPUs, no kdump, no dumper, panic=10.</summary>
    public static ScenarioSpec Small(string design, int cpus, string triggers, string dumpers = "") => ScenarioLoader.LoadText($$"""
        name = "small"
        design = "{{design}}"
        cmdline = "panic=10"
        machine { cpus = {{cpus}}, kdump.loaded = false, dumpers = [{{dumpers}}] }
        timing.console-ns-per-char = 0ns
        triggers = [ {{triggers}} ]
        limits.virtual-time = 1m
        """, "test");

    public const string OnePanic = "{ at = 0us, cpu = 0, event = panic }";
    public const string TwoPanics = OnePanic + "\n{ at = [0us, 100us], cpu = 1, event = panic }";

    /// <summary>What the fixed designs must never do in any schedule.</summary>
    public static readonly string[] MustHold = [PropertyNames.NoHang, PropertyNames.RebootInTime, PropertyNames.SingleKexecOrRestart];

    public static IEnumerable<(string Name, ScenarioSpec Spec, string[] Properties, long Budget)> All(string? only = null) => Cases().Where(c => only is null || c.Name == only);

    private static IEnumerable<(string Name, ScenarioSpec Spec, string[] Properties, long Budget)> Cases() =>
    [
        ("race-logbuf-wedge", ScenarioLoader.BuiltIn("race-logbuf-wedge"), [PropertyNames.NoLockHeldByStopped], 400_000),
        ("linux-3.12-2cpus-two-panics", Small("linux-3.12", 2, TwoPanics), MustHold, 1_000_000),
        ("linux-4.10-2cpus-two-panics", Small("linux-4.10", 2, TwoPanics), MustHold, 1_000_000),
        ("linux-2.6.38-3cpus-one-panic", Small("linux-2.6.38", 3, OnePanic), MustHold, 1_000_000),
        ("linux-2.6.38-2cpus-one-panic-ramoops", Small("linux-2.6.38", 2, OnePanic, "ramoops"), MustHold, 1_000_000),
    ];
}
