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
        ["unknown-nmi"] = TriggerKind.UnknownNmi,
        ["io-check-nmi"] = TriggerKind.IoCheckNmi,
        ["sysrq-c"] = TriggerKind.SysrqCrash,
        ["soft-lockup"] = TriggerKind.SoftLockup,
        ["hung-task"] = TriggerKind.HungTask,
        ["warn"] = TriggerKind.Warn,
        ["reboot"] = TriggerKind.Reboot,
        ["halt"] = TriggerKind.Halt,
        ["poweroff"] = TriggerKind.Poweroff,
    };

    private const string Lkdtm = "lkdtm";

    private static readonly string[] Contexts = ["task", "irq", "nmi"];

    /// <summary>The triggers that start the panic path (or, for sysrq-b, the emergency restart).</summary>
    private static bool StartsThePath(TriggerKind kind) =>
        kind is not (TriggerKind.Wedge or TriggerKind.CorruptCrashKernel or TriggerKind.StrayWrite);

    public static IReadOnlyList<TriggerSpec> Read(FieldReader r, int cpuCount)
    {
        var triggers = new List<TriggerSpec>();
        foreach (var entry in r.List(r["triggers"], "a list of triggers such as [{ at = 0ms, cpu = 0, event = panic }]"))
            triggers.AddRange(ReadEntry(r, entry, cpuCount));

        if (!triggers.Any(t => StartsThePath(t.Kind)))
            throw r.Error("triggers", "at least one trigger that enters the panic or reboot path (panic, nmi-watchdog, oops, sysrq-b, lkdtm, ...)",
                "no trigger makes a CPU panic: add one such as { at = 0ms, cpu = 0, event = panic }");
        return [.. triggers.OrderBy(t => t.AtNs)]; // OrderBy is stable: equal times keep the file's order
    }

    private static IEnumerable<TriggerSpec> ReadEntry(FieldReader r, Field entry, int cpuCount)
    {
        // at = 5ms, or at = [0ms, 5ms]: the run's strategy picks the time (a choice exploration varies).
        var atField = r.Child(entry, "at");
        var (at, atMax) = atField.Value is { } v && v.IsList() ? r.DurationRange(atField) : (r.Duration(atField), r.Duration(atField));
        var word = r.Word(r.Child(entry, "event"), [.. Events.Keys, Lkdtm]);
        var typeField = r.Child(entry, "type");
        if (word == Lkdtm)
        {
            var type = r.Word(typeField, LkdtmTypes.Names);
            foreach (var field in new[] { "message", "holding", "context" })
                if (r.Child(entry, field) is { IsSet: true } f) throw r.NotApplicable(f, "events other than lkdtm", "lkdtm (its type says what happens)");
            return LkdtmTypes.Expand(type, at, atMax > at ? atMax : null, r.Cpu(r.Child(entry, "cpu"), cpuCount), cpuCount);
        }
        if (typeField.IsSet) throw r.NotApplicable(typeField, "event = lkdtm", word);
        var contextField = r.Child(entry, "context");
        var context = contextField.IsSet ? r.Word(contextField, Contexts) : "task";
        if (contextField.IsSet && word != "oops") throw r.NotApplicable(contextField, "oops", word);
        var kind = context switch { "irq" => TriggerKind.OopsInIrq, "nmi" => TriggerKind.OopsInNmi, _ => Events[word] };

        var cpuField = r.Child(entry, "cpu");
        if (kind == TriggerKind.CorruptCrashKernel && cpuField.IsSet)
            throw r.NotApplicable(cpuField, "events on a CPU (all but corrupt-crash-kernel)", word);
        var cpu = kind == TriggerKind.CorruptCrashKernel ? -1 : r.Cpu(cpuField, cpuCount);

        var message = r.Child(entry, "message");
        if (message.IsSet && kind is not (TriggerKind.Panic or TriggerKind.NmiWatchdog or TriggerKind.Oops or TriggerKind.OopsInIrq
                or TriggerKind.OopsInNmi or TriggerKind.Warn))
            throw r.NotApplicable(message, "panic, nmi-watchdog, oops and warn", word);
        var text = message.IsSet ? r.Text(message) : kind switch
        {
            TriggerKind.Panic => "Fatal exception",
            TriggerKind.NmiWatchdog => $"Watchdog detected hard LOCKUP on cpu {cpu}",
            TriggerKind.Oops or TriggerKind.OopsInIrq or TriggerKind.OopsInNmi => "Oops",   // die("Oops", regs, err): what a bad kernel access prints
            TriggerKind.Warn => "kernel/panic.c:600 __warn+0x8c/0x130",
            _ => "",
        };

        var holding = r.Child(entry, "holding");
        if (holding.IsSet && kind != TriggerKind.Wedge)
            throw r.NotApplicable(holding, "wedge", word);

        return [new TriggerSpec(at, kind, cpu, text, holding.IsSet ? r.Locks(holding) : [], atMax > at ? atMax : null)];
    }
}
