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
        if (r.NotModelled is { Count: > 0 } notModelled)
            o.WriteLine($"kernel parameters accepted but not modelled: {string.Join(" ", notModelled)}");
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
        o.WriteLine("--- pstore and dump storage read back after the reset ---");
        if (r.Nvram.Count == 0) o.WriteLine("(no records)");
        foreach (var rec in r.Nvram) WriteRecord(rec, o);
        foreach (var st in r.Storage ?? [])
        {
            o.WriteLine($"{st.Dumper} on {st.Device}: {st.BytesIssued} bytes issued, {st.BytesLanded} landed, {st.BytesLost} not stored (in flight at the reset, dropped or rejected)");
            foreach (var line in st.NextBootLog) o.WriteLine($"  next boot: {line}");
        }
        if (trace)
        {
            o.WriteLine();
            o.WriteLine($"--- trace ({r.Trace!.Count} messages) ---");
            foreach (var t in r.Trace) o.WriteLine(t.ToString());
        }
        o.WriteLine();
        o.WriteLine($"outcome: {OutcomeWord(r.Outcome)} at {VirtualTime.Format(r.EndTimeNs)} after {r.Steps} messages: {r.Reason}");
        o.WriteLine($"replay: {CliApp.Command("run", spec.Source, "--design", r.Design, "--seed", $"{r.Seed}")}");
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
        Outcome.Survived => "survived (no panic)",
        _ => "hung",
    };

    private static void WriteRecord(NvramRecord rec, TextWriter o)
    {
        var state = rec.State switch
        {
            RecordState.Intact => "intact",
            RecordState.EccCorrected => "ECC-corrected",
            RecordState.Old => "intact, from an earlier boot",
            RecordState.Torn => $"TORN ({rec.StoredBytes} of {rec.IntendedBytes} bytes as written)",
            RecordState.Lost => $"LOST (none of {rec.IntendedBytes} bytes stored)",
            RecordState.Uncorrectable => $"UNCORRECTABLE ({rec.StoredBytes} of {rec.IntendedBytes} bytes as written)",
            _ => $"CORRUPT ({rec.StoredBytes} of {rec.IntendedBytes} bytes as written)",
        };
        // Console and pmsg files hold no dump, so no reason.
        var what = rec.Name.StartsWith("console-", StringComparison.Ordinal) || rec.Name.StartsWith("pmsg-", StringComparison.Ordinal)
            ? "" : $"{Kmsg.Name(rec.Reason)}, ";
        var stamp = rec.Timestamp.Length > 0 ? $", time {rec.Timestamp}" : "";
        o.WriteLine($"{rec.Name}: {what}{rec.IntendedBytes} bytes{stamp}, {state}");
        if (rec.Note.Length > 0) o.WriteLine($"  ({rec.Note})");
        foreach (var line in rec.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)) o.WriteLine($"  | {line}");
    }
}
