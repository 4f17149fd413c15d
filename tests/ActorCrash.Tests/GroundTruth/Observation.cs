using System.Globalization;
using ActorCrash.Actors;

namespace ActorCrash.Tests.GroundTruth;

/// <summary>
/// What one side (the real kernel's recording or the emulator's run) shows of a situation, point by
/// point, each as a short string so that two sides compare with ==, except the times, which compare
/// within <see cref="Tolerance"/>. The points are listed in tests/groundtruth/README.md.
/// </summary>
public sealed record Observation(IReadOnlyDictionary<string, string> Points)
{
    // The points, in the order the tests and the fidelity table show them.
    public const string Console = "console", DumpStackFormat = "console.dump_stack-format",
        PstoreFiles = "pstore.files", PstoreRecords = "pstore.records", PstoreHeaders = "pstore.headers", PstoreEcc = "pstore.ecc",
        End = "end", EndAfter = "end.after", CpusStop = "cpus.stop", CpusNmiAfter = "cpus.nmi.after";

    public static readonly string[] All =
        [Console, DumpStackFormat, PstoreFiles, PstoreRecords, PstoreHeaders, PstoreEcc, End, EndAfter, CpusStop, CpusNmiAfter];

    public const string NotApplicable = "-";

    /// <summary>
    /// Times (seconds) agree when emulator − 0.5 s ≤ real ≤ 4 × emulator + 1 s. The real side is timed on
    /// the host while TCG runs the guest's busy-wait loops (mdelay() in the panic countdown, udelay() in
    /// smp_send_stop) at whatever speed a shared 2-core host gives it: a 3 s countdown took 4.4 s with
    /// the host idle and 9.6 s with it loaded. What the tolerance still tells apart: at once, N
    /// seconds, never, and the 20 s of a soft lockup.
    /// </summary>
    public static bool WithinTolerance(double real, double emulator) => real >= emulator - 0.5 && real <= 4 * emulator + 1.0;

    public static bool IsTime(string point) => point is EndAfter or CpusNmiAfter;

    public static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    /// <summary>Whether the two sides agree on <paramref name="point"/>.</summary>
    public static bool Same(string point, string real, string emulator)
    {
        if (!IsTime(point) || real == NotApplicable || emulator == NotApplicable) return real == emulator;
        return WithinTolerance(ParseSeconds(real), ParseSeconds(emulator));
    }

    private static double ParseSeconds(string s) => double.Parse(s.Replace(" s", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    public string this[string point] => Points[point];

    /// <summary>The points of a file list the same way for both sides: names sorted, first lines, ECC notes.</summary>
    internal static void AddPstore(Dictionary<string, string> p, IReadOnlyList<(string Name, string Text)> files)
    {
        var sorted = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        p[PstoreFiles] = sorted.Count == 0 ? "(none)" : string.Join(", ", sorted.Select(f => f.Name));
        p[PstoreRecords] = sorted.Count.ToString(CultureInfo.InvariantCulture);
        p[PstoreHeaders] = sorted.Count == 0 ? "(none)" : string.Join(", ", sorted.Select(f => $"{f.Name}: {FirstLine(f.Text)}"));
        var ecc = sorted.Select(f => (f.Name, Line: f.Text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("ECC:", StringComparison.Ordinal))))
            .Where(e => e.Line is not null).Select(e => $"{e.Name}: {e.Line}").ToList();
        p[PstoreEcc] = ecc.Count == 0 ? "(none)" : string.Join(", ", ecc);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd();

    internal static string DumpStackFormatOf(IEnumerable<string> unstampedLines)
    {
        foreach (var l in unstampedLines)
        {
            if (l.StartsWith("CPU: ", StringComparison.Ordinal) && l.Contains(" PID: ", StringComparison.Ordinal)) return "CPU: N PID: N Comm: C (6.x)";
            if (l.StartsWith("Pid: ", StringComparison.Ordinal) && l.Contains(", comm: ", StringComparison.Ordinal)) return "Pid: N, comm: C (2.6.x)";
        }
        return "(none)";
    }

    /// <summary>What the emulator shows of a run.</summary>
    public static Observation FromRun(RunResult r, bool kdumpLoaded)
    {
        var p = new Dictionary<string, string>();
        var texts = r.Console.Select(l => l.Text).ToList();
        p[Console] = string.Join(" | ", ConsoleNormaliser.Normalise(texts));
        p[DumpStackFormat] = DumpStackFormatOf(texts.Select(ConsoleNormaliser.Unstamped));
        AddPstore(p, r.Nvram.Where(f => f.State != Actors.Kernel.RecordState.Lost).Select(f => (f.Name, f.Text + (f.Note.Length > 0 ? "\n" + f.Note : ""))).ToList());

        p[End] = r.Outcome switch
        {
            Outcome.VmcoreCaptured => "kdump",
            Outcome.Rebooted => "rebooted",
            Outcome.Halted => "halted",
            Outcome.Survived => "survived",
            _ => "hung",
        };
        long? at = r.Outcome switch
        {
            Outcome.Rebooted => r.Milestones.FirstOrDefault(m => m.What.StartsWith("machine reset", StringComparison.Ordinal))?.TimeNs,
            Outcome.VmcoreCaptured => r.Milestones.FirstOrDefault(m => m.What.StartsWith("crash kernel booted", StringComparison.Ordinal))?.TimeNs,
            Outcome.Halted => r.Milestones.FirstOrDefault(m => m.What.StartsWith("panic: final loop", StringComparison.Ordinal))?.TimeNs,
            _ => null,
        };
        p[EndAfter] = at is { } ns ? Seconds(ns / 1e9) : NotApplicable;

        var panicCpu = r.Milestones.FirstOrDefault(m => m.What.StartsWith("panic: ", StringComparison.Ordinal))?.Cpu ?? -1;
        var others = r.Cpus.Where(c => c.Cpu != panicCpu).ToList();
        p[CpusStop] = kdumpLoaded ? "not observable (kdump)"
            : others.Any(c => c.Fate == Actors.CpuFate.StoppedByNmi) ? "ipi+nmi"
            : others.Any(c => c.Fate == Actors.CpuFate.StoppedByIpi) ? "ipi"
            : "none";
        var panicAt = r.Milestones.FirstOrDefault(m => m.What.StartsWith("panic: ", StringComparison.Ordinal))?.TimeNs;
        var nmiLine = r.Console.FirstOrDefault(l => l.Text.EndsWith("Shutting down cpus with NMI", StringComparison.Ordinal));
        var nmiMilestone = r.Milestones.FirstOrDefault(m => m.What.Contains("NMI", StringComparison.Ordinal) && m.What.Contains("stop", StringComparison.OrdinalIgnoreCase));
        var nmiAt = nmiMilestone?.TimeNs ?? nmiLine?.TimeNs;
        p[CpusNmiAfter] = !kdumpLoaded && nmiLine is not null && panicAt is { } pa && nmiAt is { } na ? Seconds((na - pa) / 1e9) : NotApplicable;
        return new Observation(p);
    }
}
