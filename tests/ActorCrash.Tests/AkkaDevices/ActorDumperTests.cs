using ActorCrash.Actors;
using ActorCrash.Config;
using ActorCrash.Tests.Emulator;
using Xunit;

namespace ActorCrash.Tests.AkkaDevices;

/// <summary>Issue 10 (b): a third-party dumper written as an ordinary Akka actor in another assembly, registered from a scenario by type name.</summary>
public class ActorDumperTests
{
    private const string NetDumper = "ActorCrash.TestDevices.NetDumper, ActorCrash.TestDevices";

    private static string Scenario(string types) => $$"""
        name = "netdump"
        cmdline = "panic=1"
        machine {
          cpus = 2
          kdump.loaded = false
          actor-dumpers = [{{types}}]
        }
        triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]
        """;

    [Fact]
    public void The_actor_gets_the_panic_log_from_the_dumping_cpu_stores_it_and_completes()
    {
        var r = Emu.Run(Emu.Load(Scenario($"\"{NetDumper}\"")), trace: true);

        Emu.InOrder(r, "netdumper: dump(KMSG_DUMP_PANIC)", "netdumper: ", "netdumper: dump complete", "machine reset");
        Assert.Contains(r.Milestones, m => m.What.StartsWith("netdumper: ", StringComparison.Ordinal) && m.What.EndsWith("bytes of Panic from cpu0", StringComparison.Ordinal));
        var trace = Emu.TraceText(r);
        Assert.Contains("cpu0 -> netdumper: kmsg_dump_request reason=panic text=\"", trace);
        Assert.Contains($"netdumper -> nvram: nvram_store offset={ActorCrash.TestDevices.NetDumper.Offset} ", trace);
        Assert.Contains("netdumper -> cpu0: wake channel=netdumper", trace);
        // kmsg_dump(PANIC), then 2.6.38's emergency_restart() hook kmsg_dump(EMERG): two records.
        var records = r.Nvram.Where(n => n.Dumper == "netdumper").ToArray();
        Assert.Equal(["netdump-0 Panic", "netdump-1 Emerg"], records.Select(n => $"{n.Name} {n.Reason}"));
        Assert.Contains("Kernel panic - not syncing: Fatal exception", records[0].Text);
        Assert.Contains("Rebooting in 1 seconds..", records[1].Text);
        Assert.Equal(Outcome.Rebooted, r.Outcome);  // panic=1 after the dump
    }

    [Fact]
    public void Runs_with_an_actor_dumper_are_deterministic_by_seed()
    {
        var spec = Emu.Load(Scenario($"\"{NetDumper}\""));
        var a = Enumerable.Range(1, 20).Select(s => Emu.Fingerprint(Emu.Run(spec, (ulong)s, trace: true))).ToArray();
        var b = Enumerable.Range(1, 20).Select(s => Emu.Fingerprint(Emu.Run(spec, (ulong)s, trace: true))).ToArray();
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("\"ActorCrash.TestDevices.Missing, ActorCrash.TestDevices\"", "no type \"ActorCrash.TestDevices.Missing, ActorCrash.TestDevices\"")]
    [InlineData("\"ActorCrash.TestDevices.NetDumper\"", "name its assembly too")]
    [InlineData("\"ActorCrash.TestDevices.NotAnActor, ActorCrash.TestDevices\"", "is not a concrete Akka actor")]
    [InlineData("\"ActorCrash.TestDevices.NoPortActor, ActorCrash.TestDevices\"", "no public constructor taking a DumperPort")]
    [InlineData($"\"{NetDumper}\", \"{NetDumper}\"", "listed twice")]
    public void A_type_that_is_not_a_loadable_actor_is_a_clear_error_at_its_line(string types, string problem)
    {
        var e = Assert.Throws<ScenarioException>(() => Emu.Load(Scenario(types)));
        Assert.StartsWith("machine.actor-dumpers", e.Key);
        Assert.Equal(6, e.Line);
        Assert.Contains(problem, e.Message);
    }
}
