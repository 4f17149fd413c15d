using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Cli.Output;

/// <summary>A run for a person: the console as the serial port showed it, then what happened. Plain text, byte-stable.</summary>
public static class TextOutput
{
    public static void Write(RunResult r, ScenarioSpec spec, bool trace, TextWriter o)
    {
        o.WriteLine($"scenario {r.Scenario} ({spec.Source}), design {r.Design}, seed {r.Seed}, strategy {r.Strategy}");
        o.WriteLine();
        o.WriteLine("--- console (serial, as printed) ---");
        if (r.Console.Count == 0) o.WriteLine("(nothing reached the console)");
        WriteConsole(r.Console, o);
        o.WriteLine();
        o.WriteLine("--- milestones ---");
        foreach (var m in r.Milestones)
            o.WriteLine($"{VirtualTime.Format(m.TimeNs),14}  {(m.Cpu >= 0 ? $"cpu{m.Cpu}" : ""),-6}{m.What}");
        o.WriteLine();
        o.WriteLine("--- CPUs at the end ---");
        foreach (var c in r.Cpus)
            o.WriteLine($"cpu{c.Cpu,-4} {c.Fate,-14} {(c.Online ? "online " : "offline")} regs {(c.RegistersSaved ? "saved  " : "missing")}  {c.Doing}");
        o.WriteLine();
        o.WriteLine("--- locks held at the end ---");
        if (r.LocksHeld.Count == 0) o.WriteLine("(none)");
        foreach (var l in r.LocksHeld) o.WriteLine($"{l.Lock,-14} held by cpu{l.Cpu} ({l.HolderFate})");
        o.WriteLine();
        o.WriteLine("--- NVRAM read back after the reset ---");
        if (r.Nvram.Count == 0) o.WriteLine("(no records)");
        foreach (var rec in r.Nvram) WriteRecord(rec, o);
        if (trace)
        {
            o.WriteLine();
            o.WriteLine($"--- trace ({r.Trace!.Count} messages) ---");
            foreach (var t in r.Trace) o.WriteLine(t.ToString());
        }
        o.WriteLine();
        o.WriteLine($"outcome: {OutcomeWord(r.Outcome)} at {VirtualTime.Format(r.EndTimeNs)} after {r.Steps} messages: {r.Reason}");
        o.WriteLine($"replay: actorcrash run{(spec.Source.StartsWith("built-in:", StringComparison.Ordinal) ? "" : $" {spec.Source}")} --seed {r.Seed}");
    }

    private const int ConsoleHead = 100, ConsoleTail = 100;

    /// <summary>A livelocked console can print hundreds of thousands of lines: show both ends (--json has all).</summary>
    private static void WriteConsole(IReadOnlyList<ConsoleLine> lines, TextWriter o)
    {
        if (lines.Count <= ConsoleHead + ConsoleTail)
        {
            foreach (var line in lines) o.WriteLine(line.Text);
            return;
        }
        for (var i = 0; i < ConsoleHead; i++) o.WriteLine(lines[i].Text);
        o.WriteLine($"... {lines.Count - ConsoleHead - ConsoleTail} lines not shown (--json has them all) ...");
        for (var i = lines.Count - ConsoleTail; i < lines.Count; i++) o.WriteLine(lines[i].Text);
    }

    public static string OutcomeWord(Outcome o) => o switch
    {
        Outcome.VmcoreCaptured => "vmcore captured",
        Outcome.Rebooted => "rebooted",
        Outcome.Halted => "halted",
        _ => "hung",
    };

    private static void WriteRecord(NvramRecord rec, TextWriter o)
    {
        var state = rec.Intact ? "intact" : $"TORN ({rec.StoredBytes} of {rec.IntendedBytes} bytes as written)";
        o.WriteLine($"{rec.Name}: {Kmsg.Name(rec.Reason)}, {rec.IntendedBytes} bytes, {state}");
        foreach (var line in rec.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)) o.WriteLine($"  | {line}");
    }
}
