namespace ActorCrash.Cli.Bench;

/// <summary>
/// CPU time of this process's threads by thread, from /proc/self/task/*/stat (Linux; elsewhere
/// nothing: zero). Clock ticks of 10 ms: a guide over samples of a second or more, not a timer.
/// </summary>
internal static class ThreadTimes
{
    private const double SecondsPerTick = 0.01;   // USER_HZ

    /// <summary>Thread id → (name, CPU seconds so far).</summary>
    public static Dictionary<string, (string Name, double Seconds)> ByName()
    {
        var d = new Dictionary<string, (string, double)>();
        if (!Directory.Exists("/proc/self/task")) return d;
        foreach (var t in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(t, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(t, "stat"));
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // after "pid (comm) ": state is field 3, utime 14, stime 15
                d[Path.GetFileName(t)] = (name, (long.Parse(f[11]) + long.Parse(f[12])) * SecondsPerTick);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the thread ended while being read
            }
        }
        return d;
    }

    /// <summary>CPU seconds the threads whose name starts with <paramref name="prefix"/> used since <paramref name="before"/>.</summary>
    public static double Since(Dictionary<string, (string Name, double Seconds)> before, string prefix) =>
        ByName().Where(t => t.Value.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(t => t.Value.Seconds - (before.TryGetValue(t.Key, out var b) ? b.Seconds : 0));
}
