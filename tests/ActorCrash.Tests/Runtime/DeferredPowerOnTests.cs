using ActorCrash.Actors;
using ActorCrash.Actors.Tracing;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using ActorCrash.Tests.Golden;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// A CPU whose power-on only starts its idle loop powers on at its first message of the run
/// (Machine.PowerOnCpus, CpuActor.PowerUpIfDeferred); with an observer attached every CPU powers on
/// at time 0 as before. The two must be indistinguishable in everything a run reports.
/// </summary>
public class DeferredPowerOnTests
{
    // An observer that records nothing: its presence alone makes every power-on eager.
    private sealed class Eager : IRunObserver
    {
        public void Started() { }
        public void Sent(long seq, int from, int to, long now) { }
        public void Delivering(long seq, long now) { }
        public void Entered(int cpu, long now, IEnumerator<Actors.Kernel.Op> code, int kind) { }
        public void Left(int cpu, long now) { }
    }

    private static string[] Digests(ScenarioSpec spec, bool eager, ulong seeds)
    {
        using var machine = new Machine(spec);
        if (eager) machine.Runtime.Observer = new Eager();
        var digests = new string[seeds];
        for (ulong s = 0; s < seeds; s++) digests[s] = GoldenTraces.Digest(machine.RunAndReport(s + 1, trace: true));
        return digests;
    }

    public static TheoryData<string, string> Pairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var s in new[] { "k1-two-cpus-panic", "k5-irqs-off-cpu-ignores-stop-ipi", "race-two-panics", "k7-second-panic-resets-during-kdump" })
            foreach (var d in new[] { "linux-2.6.38", "linux-6.x" })
                pairs.Add(s, d);
        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DeferredAndEagerPowerOnReportTheSame(string scenario, string design)
    {
        var (spec, rejected) = GoldenTraces.Load(scenario, design);
        Assert.True(spec is not null, rejected);
        // the 8-CPU machine of the shipped scenario and a 64-CPU one (most CPUs idle: deferred)
        foreach (var s in new[] { spec!, BenchCommand.WithCpus(spec!, 64) })
            Assert.Equal(Digests(s, eager: true, 12), Digests(s, eager: false, 12));
    }

    [Fact]
    public void ACpuNoMessageReachesEndsTheRunPoweredOn()
    {
        // CPU 0's panic is the only delivery: the step limit ends the run before anything reaches CPUs 1-3.
        var spec = ScenarioLoader.LoadText("machine.cpus = 4\nlimits.steps = 1\ntriggers = [{ at = 1ms, cpu = 0, event = panic }]\n", "test.hocon");
        using var machine = new Machine(spec);
        var first = machine.RunAndReport(1);
        var second = machine.RunAndReport(2);   // after a run: the reset of a CPU that did nothing last run
        foreach (var r in new[] { first, second })
        {
            Assert.Equal(1, r.Steps);
            Assert.Equal(4, r.Cpus.Count);
            Assert.All(r.Cpus.Skip(1), c => Assert.Equal(CpuFate.Idle, c.Fate));
            Assert.All(r.Cpus.Skip(1), c => Assert.Equal("idle (HLT) in idle_loop", c.Doing));
        }
    }
}
