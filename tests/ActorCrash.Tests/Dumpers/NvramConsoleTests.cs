using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>Eric's console-style dumper: every printed line into persistent RAM, no hook on the panic path.</summary>
public class NvramConsoleTests
{
    private static string Scenario(string cpus = "") =>
        DumperRuns.Scenario("nvram.size = 128K\ndumpers = [ramoops, nvram-console]", "panic=1", cpus);

    [Fact]
    public void Every_printed_line_reaches_the_nvram_ring_including_those_after_the_dumps()
    {
        var r = DumperRuns.Run(Scenario());

        var con = r.File("console-nvcon-0")!;
        Assert.Equal(RecordState.Intact, con.State);
        Assert.Contains("Kernel panic - not syncing: Fatal exception", con.Text);
        Assert.Contains("Rebooting in 1 seconds..", con.Text);   // printed after kmsg_dump(PANIC)
        Assert.Equal(RecordState.Intact, r.File("ramoops record 0")!.State);   // its ring sits after ramoops' region
        foreach (var line in r.Console) Assert.Contains(line.Text + "\n", con.Text);
    }

    [Fact]
    public void A_port_lock_held_by_a_wedged_cpu_is_skipped_while_the_oops_is_in_progress_and_hangs_the_printk_after_it()
    {
        // bust_spinlocks(1) → trylock fails → the panic lines are written without the lock. 2.6.38's
        // bust_spinlocks(0) comes before "Rebooting in N seconds..": that printk spins on the lock forever.
        var r = DumperRuns.Run(Scenario("{ cpu = 1, activity = spin, irqs = off, holding = [nvcon_port_lock] }"));

        var con = r.File("console-nvcon-0")!;
        Assert.Contains("Kernel panic - not syncing: Fatal exception", con.Text);
        Assert.DoesNotContain("Rebooting in", con.Text);
        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Contains("nvcon_port_lock", r.Cpus[0].Doing);
    }

    [Fact]
    public void Without_room_after_ramoops_the_loader_says_so()
    {
        var e = Assert.Throws<ActorCrash.Config.ScenarioException>(() =>
            ActorCrash.Config.ScenarioLoader.LoadText(Scenario().Replace("nvram.size = 128K", "nvram.size = 64K", StringComparison.Ordinal), DumperRuns.Source));
        Assert.Equal("machine.nvram-console.size", e.Key);
    }
}
