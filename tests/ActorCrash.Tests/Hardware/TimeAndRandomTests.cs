using ActorCrash.Hardware;
using Xunit;

namespace ActorCrash.Tests.Hardware;

/// <summary>The small hardware contracts every trace depends on: the clock's printed forms, the seeded ranges, the refusal meanings.</summary>
public class TimeAndRandomTests
{
    [Theory]
    [InlineData(0L, "[    0.000000]", "0.000000 s")]
    [InlineData(1_234_567_891L, "[    1.234567]", "1.234567 s")]      // truncated to the microsecond, as printk does
    [InlineData(999L, "[    0.000000]", "0.000000 s")]
    [InlineData(10_000_001_000L, "[   10.000001]", "10.000001 s")]
    [InlineData(123_456_000_000_000L, "[123456.000000]", "123456.000000 s")]
    public void Virtual_time_prints_as_the_kernel_stamp_and_as_seconds(long ns, string stamp, string format)
    {
        Assert.Equal(stamp, VirtualTime.PrintkStamp(ns));
        Assert.Equal(format, VirtualTime.Format(ns));
    }

    [Fact]
    public void Between_includes_both_ends_and_nothing_outside()
    {
        var r = new SimRandom(3);
        var seen = Enumerable.Range(0, 400).Select(_ => r.Between(-2, 2)).ToHashSet();
        Assert.Equal([-2L, -1, 0, 1, 2], seen.Order());
        Assert.Equal(5, r.Between(5, 5));
        var wide = new SimRandom(9);
        Assert.All(Enumerable.Range(0, 200).Select(_ => wide.Between(40, 200)), v => Assert.InRange(v, 40, 200));
    }

    [Fact]
    public void Below_one_or_zero_is_always_zero_and_draws_nothing()
    {
        var a = new SimRandom(11);
        var b = new SimRandom(11);
        Assert.Equal(0UL, a.Below(0));
        Assert.Equal(0UL, a.Below(1));
        Assert.Equal(b.NextUInt64(), a.NextUInt64());  // the sequence did not move
    }

    [Fact]
    public void A_refused_store_reports_its_meaning_and_errno()
    {
        Assert.Equal(28, StoreRefusal.Full.Errno());       // ENOSPC
        Assert.Equal(5, StoreRefusal.WriteError.Errno());  // EIO
        Assert.Equal("the device being full", StoreRefusal.Full.Describe());
        Assert.Equal("a write error", StoreRefusal.WriteError.Describe());
    }

    [Fact]
    public void A_hardware_watchdog_expires_its_timeout_after_the_last_ping()
    {
        Assert.Equal(35 * VirtualTime.Second, new HardwareWatchdog(true, 30 * VirtualTime.Second, 5 * VirtualTime.Second).ExpiresAtNs);
    }
}
