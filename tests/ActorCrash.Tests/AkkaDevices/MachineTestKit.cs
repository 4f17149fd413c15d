using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Config;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorCrash.Tests.AkkaDevices;

/// <summary>
/// A TestKit for emulated machines: their device actors live in this TestKit's ActorSystem (so a
/// TestProbe can stand in for a device), and <see cref="Explore"/> hunts a property's violations the
/// way `actorcrash explore` does. Machines and explorers made here are disposed with the kit.
/// </summary>
public abstract class MachineTestKit(ITestOutputHelper? output = null) : Akka.TestKit.Xunit2.TestKit((ActorSystem?)null, output)
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>A machine for <paramref name="spec"/> in this kit's system; <paramref name="devices"/> replace built-in devices by name (see <see cref="Machine.ReplaceableDevices"/>).</summary>
    protected Machine NewMachine(ScenarioSpec spec, IReadOnlyDictionary<string, IActorRef>? devices = null) =>
        Own(new Machine(spec, Sys, devices));

    /// <summary>
    /// Runs <paramref name="scenario"/> (a built-in name, or a spec) up to <paramref name="runs"/> times
    /// under <paramref name="strategy"/> from <paramref name="seed"/>, checking <paramref name="property"/>,
    /// and stops at the first violation.
    /// </summary>
    protected ExploreReport Explore(ScenarioSpec scenario, string property, string strategy = Strategies.Default, long runs = 10_000, ulong seed = 1)
    {
        var explorer = Own(new Explorer(scenario, strategy, Properties.For([property]), system: Sys));
        return explorer.Explore(seed, done => done < runs);
    }

    protected ExploreReport Explore(string builtIn, string property, string strategy = Strategies.Default, long runs = 10_000, ulong seed = 1) =>
        Explore(ScenarioLoader.BuiltIn(builtIn), property, strategy, runs, seed);

    /// <summary>The first violation <see cref="Explore"/> finds; fails the test if there is none within the budget.</summary>
    protected Violation FindViolation(string builtIn, string property, long runs, string strategy = Strategies.Default)
    {
        var report = Explore(builtIn, property, strategy, runs);
        Assert.True(report.Violations.Count > 0, $"{strategy} found no {property} violation of {builtIn} in {report.Runs} runs");
        Assert.Equal(property, report.Violations[0].Property);
        return report.Violations[0];
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    protected override void AfterAll()
    {
        foreach (var d in _owned) d.Dispose();
        base.AfterAll();
    }
}
