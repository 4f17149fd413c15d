using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>Power loss and partial stores on persistent RAM, read back through the 2.6.38 ramoops driver.</summary>
public class PowerLossTests
{
    private static string Scenario(string faults, bool backed = false) => DumperRuns.Scenario(
        $"dumpers = [ramoops]\n ramoops.era = \"2.6.38\"\n nvram.battery-backed = {(backed ? "true" : "false")}\n faults = [ {faults} ]",
        "panic=10");

    [Fact]
    public void Power_loss_after_the_dump_wipes_plain_ram_and_the_record_reads_back_lost()
    {
        var r = DumperRuns.Run(Scenario("{ at = 5s, fault = power-loss }"));

        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.Contains("power loss (RAM contents lost)", r.Reason, StringComparison.Ordinal);
        Assert.True(r.EndTimeNs < 6_000_000_000, "power was lost at 5 s, before panic=10 could reboot");
        var record = Assert.Single(r.Nvram, n => n.Name.StartsWith("ramoops record", StringComparison.Ordinal));
        Assert.False(record.Intact);
        Assert.Equal(0, record.StoredBytes);
    }

    [Fact]
    public void Battery_backed_ram_keeps_the_record_through_power_loss()
    {
        var r = DumperRuns.Run(Scenario("{ at = 5s, fault = power-loss }", backed: true));

        Assert.Contains("battery-backed RAM kept", r.Reason, StringComparison.Ordinal);
        var record = Assert.Single(r.Nvram, n => n.Name.StartsWith("ramoops record", StringComparison.Ordinal));
        Assert.True(record.Intact);
        Assert.Contains("Kernel panic - not syncing: Fatal exception", record.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partial_store_tears_the_record_at_exactly_the_bytes_that_landed()
    {
        var r = DumperRuns.Run(Scenario("{ at = 0ms, fault = partial-write, bytes = 100 }"));

        var record = Assert.Single(r.Nvram, n => n.Name.StartsWith("ramoops record", StringComparison.Ordinal));
        Assert.False(record.Intact);
        Assert.Equal(100, record.StoredBytes);
        Assert.True(record.IntendedBytes > 100);
        Assert.Equal(Outcome.Rebooted, r.Outcome);  // the dump itself does not notice: memcpy to RAM cannot fail
    }
}
