using ActorCrash.Actors;
using ActorCrash.Actors.Akka;
using ActorCrash.Config;
using ActorCrash.Tests.Emulator;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.AkkaDevices;

/// <summary>
/// Issue 10 (c): an exception thrown inside a device actor is handled by its supervisor the way the
/// kernel treats a fault in that code: kernel code faulting on a CPU oopses there; another device's
/// failure ends the run with an outcome naming the actor and the exception. Never a crash or a hang.
/// </summary>
public class SupervisionTests : MachineTestKit
{
    private static ScenarioSpec FaultingDumper(string design = "linux-2.6.38") => Kit(design, """
        name = "faulting-dumper"
        cmdline = "panic=1"
        machine { cpus = 2, kdump.loaded = false, dumpers = [thirdparty], thirdparty.behaviour = fault }
        triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]
        """);

    private static ScenarioSpec BrokenDevice() => Emu.Load("""
        name = "broken-device"
        cmdline = "panic=1"
        machine { cpus = 2, kdump.loaded = false, dumpers = [], actor-dumpers = ["ActorCrash.TestDevices.BrokenDumper, ActorCrash.TestDevices"] }
        triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]
        """);

    private static ScenarioSpec Kit(string design, string hocon) => Designs.Kit.Inline(hocon, design);

    [Fact]
    public void A_dumper_whose_code_throws_makes_the_dumping_cpu_oops_inside_it()
    {
        var r = Emu.Run(FaultingDumper());
        var fault = Emu.InOrder(r, "thirdparty: dump(KMSG_DUMP_PANIC): fault", "kernel fault on cpu0 in dump < kmsg_dump < panic")[1];
        Assert.Contains("InvalidOperationException: BUG: unable to handle kernel NULL pointer dereference in thirdparty_dump", fault.What);
        Assert.Equal(0, fault.Cpu);
        // What follows is the design's oops path on that CPU (die(): the oops banner on the console), not a crash of the tool.
        Assert.Contains(r.Console, c => c.Text.Contains("kernel fault in dump", StringComparison.Ordinal));
    }

    [Fact]
    public void Under_every_design_the_oops_path_dumps_again_and_the_second_fault_is_a_recursive_one()
    {
        foreach (var design in Designs.Kit.All)
        {
            var r = Emu.Run(FaultingDumper(design));
            // die() → kmsg_dump(KMSG_DUMP_OOPS) calls the same broken dumper: do_exit's recursive-fault path.
            Emu.InOrder(r, "kernel fault on cpu0 in dump < kmsg_dump < ", "kmsg_dump(KMSG_DUMP_OOPS)", "kernel fault on cpu0 in dump < kmsg_dump < die");
            Assert.Contains(r.Console, c => c.Text.Contains("Fixing recursive fault but reboot is needed!", StringComparison.Ordinal));
            Assert.Equal(Outcome.Hung, r.Outcome);
            Assert.Contains("halted in recursive_fault", r.Reason);  // the machine hangs there, as a kernel would; the tool does not
        }
    }

    [Fact]
    public void A_device_actor_that_throws_ends_the_run_with_an_outcome_naming_it_and_the_exception()
    {
        var r = Emu.Run(BrokenDevice());
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Equal("device brokendumper failed (InvalidOperationException: brokendumper: ring buffer index out of range); its supervisor stopped the machine", r.Reason);
        Assert.True(Emu.Has(r, "brokendumper: actor failed: InvalidOperationException: brokendumper: ring buffer index out of range"));
    }

    [Fact]
    public void The_supervisor_resumes_the_device_so_the_next_runs_on_the_same_machine_are_the_same()
    {
        var machine = NewMachine(BrokenDevice());
        var first = machine.RunAndReport(1, trace: true);
        var again = machine.RunAndReport(1, trace: true);
        Assert.Equal(Emu.Fingerprint(first), Emu.Fingerprint(again));
        var faulting = NewMachine(FaultingDumper());
        Assert.Equal(Emu.Fingerprint(faulting.RunAndReport(3, trace: true)), Emu.Fingerprint(faulting.RunAndReport(3, trace: true)));
    }

    [Fact]
    public void A_replay_that_runs_out_inside_a_device_reaches_the_caller_not_the_supervisor()
    {
        var machine = NewMachine(ScenarioLoader.Default());
        machine.Run(1);
        var decisions = machine.Runtime.Decisions.ToArray();
        Assert.True(decisions.Length > 4);
        // The recording ends at a latency a device's code asks for: the exception unwinds that device's
        // receive, and the run rethrows it (it is the caller's problem, not an emulated fault).
        var e = Assert.Throws<Actors.Runtime.ReplayDivergedException>(() => machine.Run(1, new Actors.Runtime.ReplayStrategy(decisions[..4])));
        Assert.Contains("the recording has only 4 decisions", e.Message);
        Assert.DoesNotContain(machine.Kernel.Milestones, m => m.What.Contains("kernel fault", StringComparison.Ordinal));
        // and the machine is fine for the next run
        Assert.Equal(Emu.Fingerprint(NewMachine(ScenarioLoader.Default()).RunAndReport(1, trace: true)), Emu.Fingerprint(machine.RunAndReport(1, trace: true)));
    }

    [Fact]
    public void A_machine_actor_answers_a_faulting_run_with_its_result()
    {
        var host = Sys.ActorOf(MachineActor.Props());
        host.Tell(new RunScenario(BrokenDevice(), 1));
        var r = ExpectMsg<RunResult>(TimeSpan.FromSeconds(20));
        Assert.Contains("device brokendumper failed", r.Reason);
        host.Tell(new RunScenario(FaultingDumper(), 1));
        Assert.True(Emu.Has(ExpectMsg<RunResult>(TimeSpan.FromSeconds(20)), "kernel fault on cpu0"));
    }
}
