using ActorCrash.Actors.Exploration;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Spectre.Console.Cli;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>explore → replay → shrink → replay through the command line, with the exit codes of the style guide.</summary>
public class ExploreCliTests
{
    /// <summary>The verbs that run scenarios, in process (run, explore, replay, shrink); the exit code.</summary>
    internal static int Cli(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            ActorCrash.Cli.CliApp.Configure(c);
            c.AddCommand<RunCommand>("run");
            c.AddCommand<ExploreCommand>("explore");
            c.AddCommand<ReplayCommand>("replay");
            c.AddCommand<ShrinkCommand>("shrink");
        });
        return app.Run(args);
    }

    [Fact]
    public void A_violation_found_by_explore_replays_and_shrinks_from_its_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"actorcrash-explore-{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);

        Assert.Equal(1, Cli("explore", "built-in:race-dumper-blocks-kdump", "--strategy", "random", "--runs", "20000", "--out", dir));
        var file = Assert.Single(Directory.GetFiles(dir, "*.json"));
        var v = Violation.FromJson(File.ReadAllText(file));
        Assert.Equal(("built-in:race-dumper-blocks-kdump", "linux-2.6.38", "random", PropertyNames.Vmcore),
            (v.Scenario, v.Design, v.Strategy, v.Property));

        Assert.Equal(1, Cli("replay", file));   // reproduced, byte for byte: the property is violated again
        Assert.Equal(1, Cli("shrink", file));   // the reduced violation still fails, as replay says
        var min = file[..^5] + ".min.json";
        Assert.True(Violation.FromJson(File.ReadAllText(min)).Decisions.Count <= v.Decisions.Count);
        Assert.Equal(1, Cli("replay", min));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Exploring_a_property_that_holds_exits_0_and_the_determinism_check_passes() =>
        Assert.Equal(0, Cli("explore", "built-in:race-two-panics", "--property", "crash-kernel-intact", "--runs", "2000", "--check-determinism"));
}

