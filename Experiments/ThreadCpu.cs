using System.Runtime.InteropServices;

namespace ActorCrash.Experiments;

/// <summary>
/// The CPU time the calling thread has used (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID), a vDSO
/// call; elsewhere not measured, zero). The benchmark uses it to tell what writing SQLite costs in
/// CPU apart from the wall time a writer waits for a core the workers hold.
/// </summary>
public static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool Available = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>The calling thread's CPU time so far; <see cref="TimeSpan.Zero"/> where it cannot be read.</summary>
    public static TimeSpan Now()
    {
        if (!Available || ClockGetTime(ClockThreadCpuTimeId, out var t) != 0) return TimeSpan.Zero;
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }
}
