using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using Spectre.Console.Cli;

// Program.cs only wires the verbs; each verb is one command class.
if (args is ["run", ..])
{
    // `run` is one emulation (start-up, Cli/README.md). Nothing in it repeats often enough to pay back
    // code emitted at run time: Akka's RegexOptions.Compiled patterns run on Regex's interpreter and
    // its expression trees are interpreted instead of being emitted and JIT-compiled first. Set before
    // anything reads it (RuntimeFeature reads the switch once); the campaign verbs keep emitted code.
    AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);
    // It builds its machine in the process's device system: create that ActorSystem on another core
    // while the command line and the scenario are parsed here.
    ActorCrash.Actors.Akka.DeviceHost.Prestart();
}

// Every verb, with its description and examples.
(string Name, Action<IConfigurator> Add)[] verbs =
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

var app = new CommandApp();
Interruption.Listen();
app.Configure(c =>
{
    CliApp.Configure(c);
    // Spectre reads every registered verb's settings by reflection before it parses the command line:
    // a process that runs one verb registers only that one (help, none or an unknown verb: all of them).
    var named = args.Length > 0 ? verbs.Where(v => v.Name == args[0]).ToArray() : [];
    foreach (var (_, add) in named.Length > 0 ? named : verbs) add(c);
});
return app.Run(args);
