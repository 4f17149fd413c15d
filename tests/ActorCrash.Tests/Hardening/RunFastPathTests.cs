using System.Reflection;
using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using Spectre.Console.Cli;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// `run`'s fast path (Cli/RunFastPath.cs) binds what Spectre binds, and a process gives the same
/// stdout, stderr and exit code whichever path it takes: every command line it does not take is Spectre's.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class RunFastPathTests
{
    private const string K1 = "scenarios/k1-two-cpus-panic.hocon";

    // Plain valid `run` command lines: the fast path takes each.
    public static TheoryData<string[]> Plain() => new(
        ["run"],
        ["run", K1],
        ["run", "built-in:thread-2011", "--seed", "7"],
        ["run", "--seed", "7", "built-in:thread-2011"],
        ["run", "--trace", K1],
        ["run", "--json", "built-in:k1-two-cpus-panic"],
        ["run", K1, "--design", "linux-6.x", "--seed", "0", "--json"],
        ["run", "--json", "--trace"],
        ["run", "--trace", "--seed", "18446744073709551615", "--design", "linux-3.12"],
        ["run", "--perfetto", "out/k1.json", "--svg", "out/k1.svg", K1],
        ["run", "missing.hocon"],
        ["run", "with space.hocon"],
        ["run", "a=b:c"],
        ["run", "--trace", "yes"],
        ["run", "--json", "1"],
        ["run", "--trace", "on"]);

    // Everything else goes to Spectre: help, malformed, unknown, repeated or misspelt options, bad values.
    public static TheoryData<string[]> NotPlain() => new(NotPlainLines);

    private static readonly string[][] NotPlainLines =
    [
        ["run", "--help"],
        ["run", "-h"],
        ["run", "--version"],
        ["run", "--seed=7"],
        ["run", "--seed:7"],
        ["run", "--seed"],
        ["run", "--seed", "-1"],
        ["run", "--seed", "abc"],
        ["run", "--seed", ""],
        ["run", "--seed", "1", "--seed", "2"],
        ["run", "--design", "linux-5.0"],
        ["run", "--designs", "linux-6.x"],
        ["run", "--sed", "7"],
        ["run", "--Seed", "7"],
        ["run", "--trace", "--trace"],
        ["run", "--trace", "true"],
        ["run", "--json", "False"],
        ["run", "--trace=true"],
        ["run", K1, "b"],
        ["run", ""],
        ["run", "--"],
        ["run", "-x"],
        ["run", "--json", "--seed"],
        ["Run"],
        ["explore", K1],
    ];

    [Fact]
    public void The_binder_knows_every_argument_and_option_RunSettings_declares()
    {
        var model = RunFastPath.Model;
        Assert.NotNull(model);   // null: RunSettings declares something the fast path does not bind, so every run takes Spectre's path
        var declared = Declared().Select(p => p.Name).Order();
        var bound = model.Options.Values.Select(o => o.Property.Name).Append(model.Argument!.Name).Distinct().Order();
        Assert.Equal(declared, bound);
        Assert.Equal(["--design", "--json", "--perfetto", "--seed", "--svg", "--trace"], model.Options.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Plain))]
    public void A_plain_run_command_line_binds_what_Spectre_binds(string[] args)
    {
        var fast = RunFastPath.TryParse(args);
        Assert.NotNull(fast);
        var spectre = SpectreBinds(args);
        Assert.NotNull(spectre);
        foreach (var p in Declared()) Assert.Equal(p.GetValue(spectre), p.GetValue(fast));
    }

    [Theory]
    [MemberData(nameof(NotPlain))]
    public void Any_other_command_line_is_left_to_Spectre(string[] args) => Assert.Null(RunFastPath.TryParse(args));

    public static TheoryData<string[]> Outputs()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"actorcrash-fastpath-{Environment.ProcessId}.hocon");
        File.WriteAllText(bad, "name = \"bad\"\nmachine { cpus = 4, no-such-key = 1 }\n");
        var data = new TheoryData<string[]>
        {
            // runs and their outputs
            new[] { "run", "--seed", "2", "--trace" },
            new[] { "run", "built-in:k1-two-cpus-panic", "--json" },
            new[] { "run", K1, "--design", "linux-6.x", "--seed", "5" },
            new[] { "run", "--trace", "built-in:race-two-panics", "--design", "vivek-2011" },
            // errors the run itself reports
            new[] { "run", "missing.hocon" },
            new[] { "run", "built-in:no-such-scenario" },
            new[] { "run", bad },
            new[] { "run", K1, "--perfetto", "/nonexistent-dir/k1.json" },
            new[] { "run", K1, "--svg", "/nonexistent-dir/k1.svg" },
        };
        foreach (var args in NotPlainLines) data.Add(args);
        return data;
    }

    [Theory]
    [MemberData(nameof(Outputs))]
    public void A_process_prints_and_exits_the_same_on_either_path(string[] args)
    {
        var spectre = CliHarness.Run(args);
        var program = CliHarness.RunAsProgram(args);
        Assert.Equal(spectre, program);
    }

    private static IEnumerable<PropertyInfo> Declared() =>
        typeof(RunSettings).GetProperties().Where(p => p.GetCustomAttributes<CommandOptionAttribute>().Any() || p.GetCustomAttributes<CommandArgumentAttribute>().Any());

    // What Spectre's parser binds to RunSettings for `args` (null when it refuses them), without running anything.
    private static RunSettings? SpectreBinds(string[] args)
    {
        Capturing.Bound = null;
        var app = new CommandApp();
        app.Configure(c =>
        {
            CliApp.Configure(c);
            c.AddCommand<Capturing>("run");
        });
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null);
        try
        {
            return app.Run(args) == 0 ? Capturing.Bound : null;
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    public sealed class Capturing : Command<RunSettings>
    {
        public static RunSettings? Bound;

        public override int Execute(CommandContext context, RunSettings settings, CancellationToken cancellation)
        {
            Bound = settings;
            return 0;
        }
    }
}
