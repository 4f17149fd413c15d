using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorCrash.Cli.Commands;

/// <summary>
/// The wall time of starting this very program as a new process with some arguments, from spawn to
/// exit, over several starts (the harness reads the wall clock; the model never does), and the CPU
/// time (user + system) each start used, which a busy machine inflates far less than the wall time.
/// Its output goes nowhere.
/// </summary>
public static class StartupTime
{
    /// <summary>Wall times in seconds; <paramref name="CpuMedian"/>: median user + system seconds of one start (null where the OS does not say).</summary>
    public sealed record Result(double Median, double Min, double Max, string Command, double? CpuMedian = null);

    public static Result Measure(IReadOnlyList<string> args, int times)
    {
        var (file, prefix) = Self();
        var samples = new List<double>();
        var cpu = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var before = ChildrenCpuSeconds();
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in prefix.Concat(args)) info.ArgumentList.Add(a);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
            var drainOut = p.StandardOutput.ReadToEndAsync();
            var drainErr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            samples.Add(sw.Elapsed.TotalSeconds);
            Task.WaitAll(drainOut, drainErr);
            if (before is { } b && ChildrenCpuSeconds() is { } after) cpu.Add(after - b);
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {drainErr.Result}");
        }
        samples.Sort();
        cpu.Sort();
        return new Result(samples[samples.Count / 2], samples[0], samples[^1], string.Join(' ', prefix.Prepend(file).Concat(args)),
            cpu.Count == times ? cpu[cpu.Count / 2] : null);
    }

    // User + system time of this process's waited-for children (Linux/macOS getrusage); the runtime
    // reaps each started process, so the difference around one start is that start's CPU time.
    private static double? ChildrenCpuSeconds()
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            return getrusage(-1 /* RUSAGE_CHILDREN */, out var u) == 0
                ? u.UserSec + u.UserUsec / 1e6 + u.SysSec + u.SysUsec / 1e6
                : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    // struct rusage: two timevals (user, system), then 14 longs this does not read (144 bytes on 64-bit).
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int getrusage(int who, out RUsage usage);

    // The apphost (`actorcrash`) when that is what runs; under `dotnet actorcrash.dll` the same.
    private static (string File, string[] Prefix) Self()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var name = Path.GetFileNameWithoutExtension(path);
        if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return (path, [typeof(StartupTime).Assembly.Location]);
        return (path, []);
    }
}
