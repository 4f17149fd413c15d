using ActorCrash.Cli.Commands;
using Spectre.Console.Cli;

namespace ActorCrash.Cli;

/// <summary>The verbs of `actorcrash`, one command class each: Program.cs and the tests' in-process app register them from here.</summary>
public static class Verbs
{
    // Every verb, with its description and examples.
    public static readonly (string Name, Action<IConfigurator> Add)[] All =
    [
        ("experiment", c => c.AddCommand<ExperimentCommand>("experiment")
            .WithDescription("Run a chaos experiment: designs x fault cells x seeds, a reliability table with 95% intervals, verdicts, journal, HTML report.")
            .WithExample("experiment")
            .WithExample("experiment", "experiments/stop-other-cpus.hocon", "--runs", "200", "--out", "out/stop")
            .WithExample("experiment", "--out", "out/kmsg", "--resume")
            .WithExample("experiment", "experiments/kmsg-dump-before-kdump.hocon", "--cluster", "--bind", "127.0.0.1:4053")),
        ("bench-cluster", c => c.AddCommand<BenchClusterCommand>("bench-cluster")
            .WithDescription("Measure an experiment's runs/s in one process vs a coordinator with worker processes on the same cores, and the rows/s the coordinator's store absorbs.")
            .WithExample("bench-cluster", "--runs", "100", "--repeats", "3")),
        ("node", c => c.AddCommand<NodeCommand>("node")
            .WithDescription("Start a cluster worker node: join the coordinator (experiment --cluster), pull batches, run them on every core.")
            .WithExample("node", "--join", "127.0.0.1:4053")),
        ("run", c => c.AddCommand<RunCommand>("run")
            .WithDescription("Run an emulated machine through a panic: console, milestones, outcome, NVRAM after the reset.")
            .WithExample("run")
            .WithExample("run", "scenarios/thread-2011.hocon", "--seed", "7", "--trace")),
        ("bench", c => c.AddCommand<BenchCommand>("bench")
            .WithDescription("Measure emulations and messages per second of the default scenario at several CPU counts.")
            .WithExample("bench", "--cpus", "8,64,512")),
        ("bench-scale", c => c.AddCommand<BenchScaleCommand>("bench-scale")
            .WithDescription("Measure the CPU time of one emulation at 512, 1024 and 4096 CPUs: local cost exponents, ns per message, GCs.")
            .WithExample("bench-scale", "--cpus", "512,1024,4096", "--repeats", "5")),
        ("explore", c => c.AddCommand<ExploreCommand>("explore")
            .WithDescription("Explore schedules (orders, latencies, fault times) of a scenario and check its properties on every run.")
            .WithExample("explore", "scenarios/race-two-panics.hocon", "--runs", "100000")
            .WithExample("explore", "scenarios/race-two-panics.hocon", "--strategy", "exhaustive", "--time", "30s")),
        ("replay", c => c.AddCommand<ReplayCommand>("replay")
            .WithDescription("Replay a violation saved by explore, byte for byte.")
            .WithExample("replay", "actorcrash-violations/race-two-panics-no-hang-seed42.json", "--trace")),
        ("shrink", c => c.AddCommand<ShrinkCommand>("shrink")
            .WithDescription("Reduce a violation's schedule and triggers to a shorter one that still fails; writes FILE.min.json.")
            .WithExample("shrink", "actorcrash-violations/race-two-panics-no-hang-seed42.json")),
        ("bench-explore", c => c.AddCommand<BenchExploreCommand>("bench-explore")
            .WithDescription("Measure explore runs/s per strategy and CPU count, and runs needed to find the race scenarios' bugs.")),
        ("bench-experiment", c => c.AddCommand<BenchExperimentCommand>("bench-experiment")
            .WithDescription("Measure experiment runs/s with 1 worker and with one per core (Akka workers, SQLite store), and SQLite's share of the time.")
            .WithExample("bench-experiment", "--runs", "100", "--repeats", "5")),
        ("designs", c => c.AddCommand<DesignsCommand>("designs")
            .WithDescription("List the panic-path designs: a one-line description and the kernel version or commit each models.")),
        ("show-design", c => c.AddCommand<ShowDesignCommand>("show-design")
            .WithDescription("Print a design's panic() step by step, and the kernel parameters it knows.")
            .WithExample("show-design", "linux-6.x")),
        ("compare", c => c.AddCommand<CompareCommand>("compare")
            .WithDescription("Run the same scenario and seeds under every design; a row per design: NVRAM intact, vmcore, rebooted, hung, halted.")
            .WithExample("compare", "--seeds", "1..200")
            .WithExample("compare", "scenarios/k1-two-cpus-panic.hocon", "--seeds", "1..500", "--designs", "linux-2.6.38,linux-3.12", "--csv")),
    ];

    /// <summary>
    /// Spectre reads every registered verb's settings by reflection before it parses the command line:
    /// a process that runs one verb registers only that one (help, none or an unknown verb: all of them).
    /// </summary>
    public static void Register(IConfigurator c, string[] args)
    {
        var named = args.Length > 0 ? All.Where(v => v.Name == args[0]).ToArray() : [];
        foreach (var (_, add) in named.Length > 0 ? named : All) add(c);
    }
}
