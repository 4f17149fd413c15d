namespace ActorCrash.Config;

/// <summary>Reads <c>triggers</c>: the events injected at virtual times, ordered by time.</summary>
internal static class TriggerEntries
{
    private static readonly Dictionary<string, TriggerKind> Events = new()
    {
        ["panic"] = TriggerKind.Panic,
        ["nmi-watchdog"] = TriggerKind.NmiWatchdog,
        ["wedge"] = TriggerKind.Wedge,
        ["corrupt-crash-kernel"] = TriggerKind.CorruptCrashKernel,
    };

    public static IReadOnlyList<TriggerSpec> Read(FieldReader r, int cpuCount)
    {
        var triggers = new List<TriggerSpec>();
        foreach (var entry in r.List(r["triggers"], "a list of triggers such as [{ at = 0ms, cpu = 0, event = panic }]"))
            triggers.Add(ReadEntry(r, entry, cpuCount));

        if (!triggers.Any(t => t.Kind is TriggerKind.Panic or TriggerKind.NmiWatchdog))
            throw r.Error("triggers", "at least one panic or nmi-watchdog trigger",
                "no trigger makes a CPU panic: add one such as { at = 0ms, cpu = 0, event = panic }");
        return [.. triggers.OrderBy(t => t.AtNs)]; // OrderBy is stable: equal times keep the file's order
    }

    private static TriggerSpec ReadEntry(FieldReader r, Field entry, int cpuCount)
    {
        var at = r.Duration(r.Child(entry, "at"));
        var word = r.Word(r.Child(entry, "event"), Events.Keys);
        var kind = Events[word];

        var cpuField = r.Child(entry, "cpu");
        if (kind == TriggerKind.CorruptCrashKernel && cpuField.IsSet)
            throw r.NotApplicable(cpuField, "panic, nmi-watchdog and wedge", word);
        var cpu = kind == TriggerKind.CorruptCrashKernel ? -1 : r.Cpu(cpuField, cpuCount);

        var message = r.Child(entry, "message");
        if (message.IsSet && kind is not (TriggerKind.Panic or TriggerKind.NmiWatchdog))
            throw r.NotApplicable(message, "panic and nmi-watchdog", word);
        var text = message.IsSet ? r.Text(message) : kind switch
        {
            TriggerKind.Panic => "Fatal exception",
            TriggerKind.NmiWatchdog => $"Watchdog detected hard LOCKUP on cpu {cpu}",
            _ => "",
        };

        var holding = r.Child(entry, "holding");
        if (holding.IsSet && kind != TriggerKind.Wedge)
            throw r.NotApplicable(holding, "wedge", word);

        return new TriggerSpec(at, kind, cpu, text, holding.IsSet ? r.Locks(holding) : []);
    }
}
