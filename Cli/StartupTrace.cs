using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorCrash.Experiments;

namespace ActorCrash.Cli;

/// <summary>
/// ACTORCRASH_STARTUP_TRACE=1: at the end of each phase of its start (Cli/README.md, "Start-up of
/// `run`": every verb marks `main`, `configured` and `exit`, `run` its own phases between, and the
/// device system's thread `devices` when that system is ready) the process prints the wall-clock time
/// since the process started (the kernel counts its start in 10 ms ticks) and since `main`, the
/// marking thread's CPU time, the process's, and the methods JIT-compiled so far, to standard error.
/// CPU time and JIT counts are what a loaded machine changes least; the wall times show which thread
/// the others wait for. Off, a mark costs one test.
/// </summary>
public static class StartupTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("ACTORCRASH_STARTUP_TRACE") == "1";
    private static readonly long Main = Stopwatch.GetTimestamp();

    /// <summary>The end of <paramref name="phase"/>.</summary>
    public static void Mark(string phase)
    {
        if (On) Write(phase);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Write(string phase)
    {
        var sinceMain = Stopwatch.GetElapsedTime(Main);
        using var process = Process.GetCurrentProcess();
        var line = $"startup: {phase,-10} wall_ms={(DateTime.Now - process.StartTime).TotalMilliseconds:F0} " +
            $"since_main_ms={sinceMain.TotalMilliseconds:F1} " +
            $"thread_cpu_ms={ThreadCpu.Now().TotalMilliseconds:F1} " +
            $"process_cpu_ms={process.TotalProcessorTime.TotalMilliseconds:F1} " +
            $"jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()}";
        Console.Error.WriteLine(line);   // a synchronised writer: the device system's thread marks too
    }
}
