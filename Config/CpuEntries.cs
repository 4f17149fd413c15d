namespace ActorCrash.Config;

/// <summary>Reads <c>cpus</c>: what each CPU does when the scenario starts. Unlisted CPUs are idle.</summary>
internal static class CpuEntries
{
    private const long Us = 1_000, Ms = 1_000_000;

    private const string Loops = "printk-loop, lock-loop and timekeeping";

    /// <summary>An activity word and, for the loops, its default period and hold (0: not a loop).</summary>
    private sealed record Activity(CpuActivity Kind, long PeriodNs, long HoldNs)
    {
        public bool IsLoop => PeriodNs > 0;
    }

    private static readonly Dictionary<string, Activity> Activities = new()
    {
        ["idle"] = new(CpuActivity.Idle, 0, 0),
        ["spin"] = new(CpuActivity.Spin, 0, 0),
        ["printk-loop"] = new(CpuActivity.PrintkLoop, 1 * Ms, 20 * Us),
        ["lock-loop"] = new(CpuActivity.LockLoop, 1 * Ms, 50 * Us),
        ["timekeeping"] = new(CpuActivity.Timekeeping, 1 * Ms, 2 * Us), // the tick at HZ=1000
        ["in-nmi"] = new(CpuActivity.InNmi, 0, 0),
    };

    public static IReadOnlyList<CpuSpec> Read(FieldReader r, int cpuCount)
    {
        var cpus = Enumerable.Range(0, cpuCount)
            .Select(cpu => new CpuSpec(cpu, CpuActivity.Idle, false, [], 0, 0, null))
            .ToArray();
        var describedBy = new Dictionary<int, string>();  // CPU → its entry's key
        var heldBy = new Dictionary<string, int>();       // lock → the CPU holding it from the start
        foreach (var entry in r.List(r["cpus"], "a list of CPU entries such as [{ cpu = 3, activity = spin }]"))
        {
            var cpuField = r.Child(entry, "cpu");
            var cpu = r.Cpu(cpuField, cpuCount);
            if (describedBy.TryGetValue(cpu, out var first))
                throw r.Error(cpuField.Key, "each CPU at most once", $"CPU {cpu} is already described by {first}");
            describedBy[cpu] = entry.Key;
            cpus[cpu] = ReadEntry(r, entry, cpu);

            for (var i = 0; i < cpus[cpu].Holding.Count; i++)
            {
                var name = cpus[cpu].Holding[i];
                if (heldBy.TryGetValue(name, out var holder))
                    throw r.Error($"{entry.Key}.holding[{i}]", "a lock no other CPU holds",
                        $"{name} is already held by CPU {holder} ({describedBy[holder]})");
                heldBy[name] = cpu;
            }
        }
        return cpus;
    }

    private static CpuSpec ReadEntry(FieldReader r, Field entry, int cpu)
    {
        var activityField = r.Child(entry, "activity");
        var word = activityField.IsSet ? r.Word(activityField, Activities.Keys) : "idle";
        var activity = Activities[word];

        var irqs = r.Child(entry, "irqs");
        if (irqs.IsSet && activity.Kind != CpuActivity.Spin)
            throw r.NotApplicable(irqs, "spin", word);
        var holding = r.Child(entry, "holding");

        var period = r.Child(entry, "period");
        var hold = r.Child(entry, "hold");
        foreach (var loopOnly in new[] { period, hold })
            if (loopOnly.IsSet && !activity.IsLoop)
                throw r.NotApplicable(loopOnly, Loops, word);

        var lockField = r.Child(entry, "lock");
        if (lockField.IsSet && activity.Kind != CpuActivity.LockLoop)
            throw r.NotApplicable(lockField, "lock-loop", word);

        return new CpuSpec(
            cpu,
            activity.Kind,
            IrqsOff: irqs.IsSet && r.Word(irqs, ["on", "off"]) == "off",
            Holding: holding.IsSet ? r.Locks(holding) : [],
            PeriodNs: period.IsSet ? r.Duration(period, min: 1) : activity.PeriodNs,
            HoldNs: hold.IsSet ? r.Duration(hold) : activity.HoldNs,
            Lock: activity.Kind == CpuActivity.LockLoop ? r.Word(lockField, KernelLocks.Names) : null);
    }
}
