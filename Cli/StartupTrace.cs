using System.Runtime.CompilerServices;
using ActorCrash.Experiments;

namespace ActorCrash.Cli;

/// <summary>
/// ACTORCRASH_STARTUP_TRACE=1: at the end of each phase of its start (Cli/README.md, "Start-up of
/// `run`": every verb marks `main`, `configured` and `exit`, `run` its own phases between) the process
/// prints the main thread's CPU time, the process's, and the methods JIT-compiled so far, to standard
/// error. CPU time and JIT counts are what a loaded machine changes least. Off, a mark costs one test.
/// </summary>
public static class StartupTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("ACTORCRASH_STARTUP_TRACE") == "1";

    /// <summary>The end of <paramref name="phase"/>.</summary>
    public static void Mark(string phase)
    {
        if (On) Write(phase);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Write(string phase) =>
        Console.Error.WriteLine(
            $"startup: {phase,-10} thread_cpu_ms={ThreadCpu.Now().TotalMilliseconds:F1} " +
            $"process_cpu_ms={System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:F1} " +
            $"jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()}");
}
