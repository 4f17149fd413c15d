using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Config;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>A dump device that never answers: the kernel side must give up after its timeout.</summary>
public sealed class DeafDumper : ReceiveActor
{
    public DeafDumper(DumperPort port) => ReceiveAny(_ => { });
}

/// <summary>
/// The kernel side of an actor dumper (machine.actor-dumpers) against its device: the wait for the
/// device's completion and its timeout, the records and milestones the device reports, the per-run
/// reset of what it saved, and the errors of a type that cannot be a device.
/// </summary>
public class ActorDumperBridgeTests
{
    private const string NetDumper = "ActorCrash.TestDevices.NetDumper, ActorCrash.TestDevices";

    private static string Scenario(string types, string cmdline = "panic=1") => $$"""
        name = "actor-dumper"
        cmdline = "{{cmdline}}"
        machine {
          cpus = 2
          kdump.loaded = false
          dumpers = []
          actor-dumpers = [{{types}}]
        }
        triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]
        """;

    private static RunResult[] RunTwice(string hocon)
    {
        var spec = ScenarioLoader.LoadText(hocon, DumperRuns.Source);
        var run = Task.Run(() =>
        {
            using var machine = new Machine(spec);
            return new[] { machine.RunAndReport(1), machine.RunAndReport(2) };
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the runs did not finish within 30 s of wall time");
        return run.Result;
    }

    [Fact]
    public void A_device_that_never_completes_is_given_up_on_after_one_second_and_the_panic_goes_on()
    {
        var r = DumperRuns.Run(Scenario("\"ActorCrash.Tests.Dumpers.DeafDumper, ActorCrash.Tests\""));

        var asked = Assert.Single(r.Milestones, m => m.What == "deafdumper: dump(KMSG_DUMP_PANIC)");
        var gaveUp = r.Milestones.Where(m => m.What == "deafdumper: no completion from the device within 1000 ms, giving up").ToArray();
        Assert.Equal(2, gaveUp.Length);   // the PANIC dump, then 2.6.38's emergency_restart() EMERG dump
        Assert.Equal((0, 1_000_000_000L), (gaveUp[0].Cpu, gaveUp[0].TimeNs - asked.TimeNs));
        Assert.DoesNotContain(r.Milestones, m => m.What == "deafdumper: dump complete");
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Empty(r.Nvram);
    }

    [Fact]
    public void Each_run_reads_back_only_its_own_records_as_the_device_reported_them_and_its_notes_are_the_devices()
    {
        var runs = RunTwice(Scenario($"\"{NetDumper}\""));

        foreach (var r in runs)
        {
            var records = r.Nvram.Where(n => n.Dumper == "netdumper").ToArray();
            Assert.Equal(["netdump-0 Panic", "netdump-1 Emerg"], records.Select(n => $"{n.Name} {n.Reason}"));
            // The device said it saved them: intact, every byte; it gives no write time.
            Assert.All(records, n => Assert.Equal((true, RecordState.Intact, -1L, n.IntendedBytes), (n.Intact, n.State, n.WrittenAtNs, n.StoredBytes)));
            // port.Note() is the device's milestone, not a CPU's.
            var note = Assert.Single(r.Milestones, m => m.What.EndsWith("bytes of Panic from cpu0", StringComparison.Ordinal));
            Assert.Equal(-1, note.Cpu);
            Assert.Contains(r.Milestones, m => m.What == "netdumper: dump complete");
        }
    }

    [Fact]
    public void A_request_prints_its_reason_and_length_but_never_the_log_text()
    {
        var request = new KmsgDumpRequest(KmsgDumpReason.Panic, "Kernel panic - not syncing\n");

        Assert.Equal("KmsgDumpRequest { Reason = Panic, Length = 27 }", request.ToString());
    }

    [Theory]
    [InlineData("ActorCrash.TestDevices.Missing, ActorCrash.TestDevices", "machine.actor-dumpers: no type \"ActorCrash.TestDevices.Missing, ActorCrash.TestDevices\"")]
    [InlineData("ActorCrash.TestDevices.Missing, ActorCrash.NoSuchAssembly", "machine.actor-dumpers: no type \"ActorCrash.TestDevices.Missing, ActorCrash.NoSuchAssembly\"")]
    [InlineData("ActorCrash.TestDevices.NoPortActor, ActorCrash.TestDevices",
        "machine.actor-dumpers: ActorCrash.TestDevices.NoPortActor needs a public constructor taking an ActorCrash.Actors.Kernel.Dumpers.DumperPort")]
    public void Building_a_device_from_a_type_that_cannot_be_one_is_an_argument_error_naming_it(string type, string message)
    {
        using var machine = new Machine(ScenarioLoader.LoadText(Scenario(""), DumperRuns.Source));

        var e = Assert.Throws<ArgumentException>(() => ActorDumper.Build(machine, type));
        Assert.Equal(message, e.Message);
    }
}
