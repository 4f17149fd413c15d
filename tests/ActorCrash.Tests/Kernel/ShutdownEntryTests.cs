using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// kernel/reboot.c's entries that are not a panic (EntryPoints.cs): kernel_halt(), kernel_power_off()
/// and kernel_restart(). Each prints its line ("reboot: " prefix from 3.14), runs kmsg_dump with its
/// reason, stops the other CPUs with the era's native_stop_other_cpus(), then machine_halt() /
/// machine_power_off() park the calling CPU for good, or machine_restart() resets the machine.
/// </summary>
public class ShutdownEntryTests
{
    private static RunResult Entry(string design, string evt) =>
        RunOn(design, 4, NoKdump, "panic=10", triggers: $"{{ at = 1ms, cpu = 0, event = {evt} }}");

    [Theory]
    [InlineData("linux-2.6.38", "halt", "System halted.", "kernel_halt", "KMSG_DUMP_HALT", "machine_halt", "halted by cpu0 (kernel_halt)")]
    [InlineData("linux-2.6.38", "poweroff", "Power down.", "kernel_power_off", "KMSG_DUMP_POWEROFF", "machine_power_off", "powered off by cpu0 (kernel_power_off)")]
    [InlineData("linux-6.x", "halt", "reboot: System halted", "kernel_halt", "KMSG_DUMP_HALT", "machine_halt", "halted by cpu0 (kernel_halt)")]
    [InlineData("linux-6.x", "poweroff", "reboot: Power down", "kernel_power_off", "KMSG_DUMP_POWEROFF", "machine_power_off", "powered off by cpu0 (kernel_power_off)")]
    public void Halt_and_power_off_print_dump_stop_the_others_and_park_the_calling_cpu(
        string design, string evt, string line, string entry, string reason, string machine, string stoppedBy)
    {
        var r = Entry(design, evt);

        Assert.Equal("[    0.001000] " + line, Assert.Single(r.Console).Text);   // the trigger is at 1 ms
        var mine = MilestonesOf(r, 0);
        Assert.Equal(entry, mine[0]);
        Assert.Equal($"kmsg_dump({reason})", mine[1]);
        Assert.StartsWith("smp_send_stop: all other CPUs", mine[2]);
        Assert.Equal(machine, mine[3]);
        Assert.Equal(4, mine.Length);
        Assert.True(TimeOf(r, machine) >= TimeOf(r, "smp_send_stop"));

        Assert.Equal(Outcome.Halted, r.Outcome);
        Assert.Contains(stoppedBy, r.Reason);
        Assert.Equal(CpuFate.PanicLoop, Cpu(r, 0).Fate);
        Assert.Contains("halted in kernel_halt", Cpu(r, 0).Doing);
        foreach (var other in new[] { 1, 2, 3 })
        {
            Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, other).Fate);
            Assert.False(Cpu(r, other).Online);
        }
    }

    [Theory]
    [InlineData("linux-2.6.38", "Restarting system.")]
    [InlineData("linux-3.12", "Restarting system.")]
    [InlineData("linux-4.10", "reboot: Restarting system")]
    [InlineData("linux-6.x", "reboot: Restarting system")]
    public void Kernel_restart_prints_the_eras_line_dumps_stops_the_others_and_resets(string design, string line)
    {
        var r = Entry(design, "reboot");

        Assert.Equal("[    0.001000] " + line, Assert.Single(r.Console).Text);   // the trigger is at 1 ms
        var mine = MilestonesOf(r, 0);
        Assert.Equal("kernel_restart", mine[0]);
        Assert.StartsWith("kmsg_dump(KMSG_DUMP_RESTART)", mine[1]);   // 3.x–5.x: skipped, not an error path
        Assert.StartsWith("smp_send_stop: all other CPUs", mine[2]);
        Assert.Contains("machine_emergency_restart", mine);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        foreach (var other in new[] { 1, 2, 3 }) Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, other).Fate);
    }

    /// <summary>
    /// machine_shutdown()'s stop is the era's: 2.6.38 and 3.x wait for the CPUs to go offline
    /// (native_stop_other_cpus of arch/x86/kernel/smp.c), 6.x's reports them halted.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38", "smp_send_stop: all other CPUs offline")]
    [InlineData("linux-6.x", "smp_send_stop: all other CPUs halted")]
    public void The_shutdown_stops_the_other_cpus_the_way_its_era_does(string design, string stop)
    {
        foreach (var evt in new[] { "halt", "poweroff", "reboot" })
            Assert.Equal(stop, MilestonesOf(Entry(design, evt), 0)[2]);
    }
}
