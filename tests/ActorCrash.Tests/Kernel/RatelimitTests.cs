using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// One pr_*_ratelimited() call site's state (lib/ratelimit.c ___ratelimit(), 5 s and 10 messages):
/// the window opens at the first call, not at boot; it ends strictly after begin + interval
/// (time_is_before_jiffies); the first call of a new window reports what the last one missed.
/// </summary>
public class RatelimitTests
{
    private const long S = 1_000_000_000;

    // The calls at each time: for each, whether it printed and the suppressed count it reported.
    private static (bool Printed, int Suppressed)[] Calls(Ratelimit rs, params long[] times) =>
        [.. times.Select(t => (rs.Allow(t, out var suppressed), suppressed))];

    private static long[] Burst(long at, int n) => [.. Enumerable.Repeat(at, n)];

    [Fact]
    public void Ten_messages_print_in_a_window_and_the_rest_are_counted_for_the_next_one()
    {
        var calls = Calls(new Ratelimit("unknown_nmi_error"), [.. Burst(1 * S, 12), 7 * S]);

        Assert.All(calls[..10], c => Assert.Equal((true, 0), c));
        Assert.All(calls[10..12], c => Assert.Equal((false, 0), c));
        Assert.Equal((true, 2), calls[12]);
    }

    [Fact]
    public void The_window_opens_at_the_first_call_not_at_boot()
    {
        // First call at 1 s: the window runs to 6 s, so a call at 5.5 s is still in it (and suppressed).
        var calls = Calls(new Ratelimit("f"), [.. Burst(1 * S, 10), 5 * S + S / 2, 6 * S + 1]);

        Assert.Equal((false, 0), calls[10]);
        Assert.Equal((true, 1), calls[11]);
    }

    [Fact]
    public void A_window_opened_at_time_zero_is_not_reopened_by_later_calls_in_it()
    {
        var calls = Calls(new Ratelimit("f"), [.. Burst(0, 10), 4 * S, 5 * S + 1]);

        Assert.Equal((false, 0), calls[10]);   // 4 s: still the window opened at 0
        Assert.Equal((true, 1), calls[11]);    // past 0 + 5 s: a new window
    }

    [Fact]
    public void The_window_ends_strictly_after_begin_plus_the_interval()
    {
        var calls = Calls(new Ratelimit("f"), [.. Burst(1 * S, 10), 6 * S, 6 * S + 1]);

        Assert.Equal((false, 0), calls[10]);   // exactly begin + 5 s: not yet past it
        Assert.Equal((true, 1), calls[11]);
    }

    [Fact]
    public void A_reset_is_the_boot_state_again()
    {
        var rs = new Ratelimit("f");
        Calls(rs, Burst(0, 11));
        rs.Reset();

        var calls = Calls(rs, [.. Burst(1 * S, 10), 5 * S + S / 2]);

        Assert.All(calls[..10], c => Assert.Equal((true, 0), c));   // nothing missed carried over
        Assert.Equal((false, 0), calls[10]);                        // and the window opened at 1 s, not at 0
    }
}
