using ActorCrash.Config.Hocon;

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
        ["oops"] = TriggerKind.Oops,
        ["sysrq-b"] = TriggerKind.SysrqReboot,
        ["stray-write"] = TriggerKind.StrayWrite,
    };

    /// <summary>The triggers that start the panic path (or, for sysrq-b, the emergency restart).</summary>
    private static bool StartsThePath(TriggerKind kind) =>
        kind is TriggerKind.Panic or TriggerKind.NmiWatchdog or TriggerKind.Oops or TriggerKind.SysrqReboot;

    public static IReadOnlyList<TriggerSpec> Read(FieldReader r, int cpuCount)
    {
        var triggers = new List<TriggerSpec>();
        foreach (var entry in r.List(r["triggers"], "a list of triggers such as [{ at = 0ms, cpu = 0, event = panic }]"))
            triggers.Add(ReadEntry(r, entry, cpuCount));

        if (!triggers.Any(t => StartsThePath(t.Kind)))
            throw r.Error("triggers", "at least one panic, nmi-watchdog, oops or sysrq-b trigger",
                "no trigger makes a CPU panic: add one such as { at = 0ms, cpu = 0, event = panic }");
        return [.. triggers.OrderBy(t => t.AtNs)]; // OrderBy is stable: equal times keep the file's order
    }

    private static TriggerSpec ReadEntry(FieldReader r, Field entry, int cpuCount)
    {
        // at = 5ms, or at = [0ms, 5ms]: the run's strategy picks the time (a choice exploration varies).
        var atField = r.Child(entry, "at");
        var (at, atMax) = atField.Value is { } v && v.IsList() ? r.DurationRange(atField) : (r.Duration(atField), r.Duration(atField));
        var word = r.Word(r.Child(entry, "event"), Events.Keys);
        var kind = Events[word];

        var cpuField = r.Child(entry, "cpu");
        if (kind == TriggerKind.CorruptCrashKernel && cpuField.IsSet)
            throw r.NotApplicable(cpuField, "panic, nmi-watchdog, wedge, oops, sysrq-b and stray-write", word);
        var cpu = kind == TriggerKind.CorruptCrashKernel ? -1 : r.Cpu(cpuField, cpuCount);

        var message = r.Child(entry, "message");
        if (message.IsSet && kind is not (TriggerKind.Panic or TriggerKind.NmiWatchdog or TriggerKind.Oops))
            throw r.NotApplicable(message, "panic, nmi-watchdog and oops", word);
        var text = message.IsSet ? r.Text(message) : kind switch
        {
            TriggerKind.Panic => "Fatal exception",
            TriggerKind.NmiWatchdog => $"Watchdog detected hard LOCKUP on cpu {cpu}",
            TriggerKind.Oops => "Oops",   // die("Oops", regs, err): what a bad kernel access prints
            _ => "",
        };

        var holding = r.Child(entry, "holding");
        if (holding.IsSet && kind != TriggerKind.Wedge)
            throw r.NotApplicable(holding, "wedge", word);

        return new TriggerSpec(at, kind, cpu, text, holding.IsSet ? r.Locks(holding) : [], atMax > at ? atMax : null);
    }
}
