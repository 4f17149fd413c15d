namespace ActorCrash.Cli.Bench;

/// <summary>
/// What this process's threads did, by thread, from Linux's /proc/self/task/*: time on a CPU and time
/// runnable but waiting for one (schedstat, nanoseconds), and how often each thread blocked (voluntary
/// context switches: it waited for something) or was preempted (involuntary ones). Elsewhere (no /proc)
/// nothing: every figure zero. A thread's wall time minus its CPU and run-queue time is the time it was
/// blocked: waiting for work, a lock, or a GC that suspended it.
/// </summary>
internal static class ThreadTimes
{
    /// <summary>One thread's counters so far.</summary>
    public readonly record struct Counters(string Name, double CpuSeconds, double QueuedSeconds, long Blocks, long Preemptions)
    {
        public static Counters operator -(Counters a, Counters b) =>
            new(a.Name, a.CpuSeconds - b.CpuSeconds, a.QueuedSeconds - b.QueuedSeconds, a.Blocks - b.Blocks, a.Preemptions - b.Preemptions);

        public static Counters operator +(Counters a, Counters b) =>
            new(a.Name, a.CpuSeconds + b.CpuSeconds, a.QueuedSeconds + b.QueuedSeconds, a.Blocks + b.Blocks, a.Preemptions + b.Preemptions);
    }

    /// <summary>Thread id → its counters so far.</summary>
    public static Dictionary<string, Counters> Snapshot()
    {
        var d = new Dictionary<string, Counters>();
        if (!Directory.Exists("/proc/self/task")) return d;
        foreach (var t in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(t, "comm")).Trim();
                var sched = File.ReadAllText(Path.Combine(t, "schedstat")).Split(' ');   // on-CPU ns, run-queue ns, time slices
                long blocks = 0, preemptions = 0;
                foreach (var line in File.ReadLines(Path.Combine(t, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) blocks = long.Parse(line.AsSpan(24).Trim());
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) preemptions = long.Parse(line.AsSpan(27).Trim());
                }
                d[Path.GetFileName(t)] = new Counters(name, long.Parse(sched[0]) / 1e9, long.Parse(sched[1]) / 1e9, blocks, preemptions);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the thread ended while being read
            }
        }
        return d;
    }

    /// <summary>
    /// What each thread did since <paramref name="before"/>, split into the threads of <paramref name="pool"/>
    /// (thread ids) and those born since then whose name starts with <paramref name="prefix"/> (one entry
    /// each: the explore workers; a pool's threads are born with its first exploration and kept for
    /// the next, and each born one is added to <paramref name="pool"/>), and the sum of all other
    /// threads (another pool's idle workers among them).
    /// </summary>
    public static (List<Counters> Matching, Counters Others) Since(Dictionary<string, Counters> before, string prefix, HashSet<string> pool)
    {
        var matching = new List<Counters>();
        var others = new Counters("others", 0, 0, 0, 0);
        foreach (var (id, now) in Snapshot())
        {
            var born = !before.TryGetValue(id, out var b) || b.Name != now.Name;
            var d = born ? now : now - b;
            if (born && now.Name.StartsWith(prefix, StringComparison.Ordinal)) pool.Add(id);
            if (pool.Contains(id)) matching.Add(d);
            else others += d;
        }
        return (matching, others);
    }
}

/// <summary>The machine's CPU time as Linux counts it in /proc/stat (clock ticks; elsewhere zero).</summary>
internal readonly record struct MachineTimes(long Total, long Steal)
{
    /// <summary>All CPUs' time so far, and the part the hypervisor gave to other guests (steal).</summary>
    public static MachineTimes Read()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = f.Skip(1).Take(8).Select(long.Parse).ToArray();
            return new MachineTimes(ticks.Sum(), ticks[7]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>The share of all CPU time since <paramref name="before"/> that was stolen (0 where unknown).</summary>
    public double StealShareSince(MachineTimes before) => Total > before.Total ? (Steal - before.Steal) / (double)(Total - before.Total) : 0;
}
