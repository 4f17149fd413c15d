using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>The 2.6.38 ramoops driver against the same faults, for contrast with the pstore era.</summary>
public class Ramoops2638Tests
{
    private static string Scenario(string cpus = "", string machine = "") =>
        DumperRuns.Scenario("ramoops.era = auto\n" + machine, "panic=2", cpus);

    [Fact]
    public void Era_auto_under_linux_2_6_38_is_the_2_6_38_driver_and_its_record_reads_back_intact()
    {
        var r = DumperRuns.Run(Scenario());

        var record = r.File("ramoops record 0")!;
        Assert.Equal(RecordState.Intact, record.State);
        Assert.StartsWith("====", record.Text, StringComparison.Ordinal);
        Assert.Matches(@"^\d{10}\.\d{1,6}$", record.Timestamp);   // "%lu.%lu": no zero padding in 2.6.38
        Assert.DoesNotContain(r.Nvram, f => f.Name.StartsWith("console-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stopped_xtime_lock_writer_hangs_the_2_6_38_dump_in_do_gettimeofday()
    {
        var r = DumperRuns.Run(Scenario(cpus: "{ cpu = 1, activity = spin, irqs = off, holding = [xtime_lock] }"));

        Assert.Equal(Outcome.Hung, r.Outcome);
        Assert.Null(r.File("ramoops record 0"));   // memset landed, nothing else: no "====" header
    }
}
