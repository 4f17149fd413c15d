using System.Diagnostics;

namespace ActorCrash.Cli.Commands;

/// <summary>
/// The wall time of starting this very program as a new process with some arguments, from spawn to
/// exit, over several starts (the harness reads the wall clock; the model never does). Its output
/// goes nowhere.
/// </summary>
public static class StartupTime
{
    public sealed record Result(double Median, double Min, double Max, string Command);

    public static Result Measure(IReadOnlyList<string> args, int times)
    {
        var (file, prefix) = Self();
        var samples = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in prefix.Concat(args)) info.ArgumentList.Add(a);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
            var drainOut = p.StandardOutput.ReadToEndAsync();
            var drainErr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            samples.Add(sw.Elapsed.TotalSeconds);
            Task.WaitAll(drainOut, drainErr);
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {drainErr.Result}");
        }
        samples.Sort();
        return new Result(samples[samples.Count / 2], samples[0], samples[^1], string.Join(' ', prefix.Prepend(file).Concat(args)));
    }

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
