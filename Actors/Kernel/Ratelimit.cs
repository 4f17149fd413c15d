using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The struct ratelimit_state of one pr_*_ratelimited() call site, as lib/ratelimit.c's ___ratelimit()
/// of 6.12 keeps it (DEFINE_RATELIMIT_STATE(_rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST):
/// 5 s, 10 messages). The first call opens a window; at most <see cref="Burst"/> messages print in it;
/// the first call after it has passed opens a new one and, if any were missed, first prints
/// "&lt;func&gt;: N callbacks suppressed". (The kernel takes the state's lock by trylock and counts a
/// call that fails to get it as suppressed; in the emulator every call is atomic, so none fails.)
/// </summary>
public sealed class Ratelimit(string func)
{
    public const long IntervalNs = 5 * VirtualTime.Second;  // DEFAULT_RATELIMIT_INTERVAL (5 * HZ)
    public const int Burst = 10;                            // DEFAULT_RATELIMIT_BURST

    private long _begin = -1;
    private int _printed, _missed;

    /// <summary>The call site's function, as __func__ names it in the "callbacks suppressed" line.</summary>
    public string Func { get; } = func;

    /// <summary>Back to the boot state (the state is static data in the kernel image).</summary>
    public void Reset()
    {
        _begin = -1;
        _printed = 0;
        _missed = 0;
    }

    /// <summary>
    /// __ratelimit(&amp;_rs) at <paramref name="nowNs"/>: true if the message prints.
    /// <paramref name="suppressed"/>: the count to report first ("callbacks suppressed"), or 0.
    /// </summary>
    public bool Allow(long nowNs, out int suppressed)
    {
        suppressed = 0;
        if (_begin < 0) _begin = nowNs;
        if (nowNs > _begin + IntervalNs)   // time_is_before_jiffies(rs->begin + rs->interval)
        {
            suppressed = _missed;
            _missed = 0;
            _begin = nowNs;
            _printed = 0;
        }
        if (_printed < Burst)
        {
            _printed++;
            return true;
        }
        _missed++;
        return false;
    }
}
