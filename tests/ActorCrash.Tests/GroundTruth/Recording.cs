using System.Globalization;

namespace ActorCrash.Tests.GroundTruth;

/// <summary>
/// One recorded situation under tests/groundtruth/NAME/: the serial console and QMP events with host
/// times (timings.tsv), the pstore files the read-back boot printed (pstore/), and situation.txt.
/// </summary>
public sealed class Recording
{
    public sealed record Event(double Time, string Source, string Text);

    public string Name { get; }
    public string Directory { get; }
    public IReadOnlyList<Event> Events { get; }
    public int Cpus { get; }
    public bool Kdump { get; }
    public IReadOnlyList<(string Name, string Text)> Pstore { get; }

    private Recording(string name, string dir, IReadOnlyList<Event> events, int cpus, bool kdump, IReadOnlyList<(string, string)> pstore)
    {
        (Name, Directory, Events, Cpus, Kdump, Pstore) = (name, dir, events, cpus, kdump, pstore);
    }

    public static string Root
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "ActorCrash.sln")))
                    return Path.Combine(d.FullName, "tests", "groundtruth");
            throw new InvalidOperationException("ActorCrash.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Every recorded situation: a folder with timings.tsv.</summary>
    public static IReadOnlyList<string> Names() =>
        System.IO.Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "timings.tsv")))
            .Select(Path.GetFileName).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToList();

    public static Recording Load(string name)
    {
        var dir = Path.Combine(Root, name);
        var events = new List<Event>();
        var lines = File.ReadLines(Path.Combine(dir, "timings.tsv")).ToList();
        if (lines.Count == 0 || lines[0] != "# groundtruth timings schema_version 1")
            throw new FormatException($"{name}/timings.tsv:1: expected \"# groundtruth timings schema_version 1\"");
        foreach (var line in lines)
        {
            if (line.StartsWith('#')) continue;
            var parts = line.Split('\t', 3);
            if (parts.Length < 3) throw new FormatException($"{name}/timings.tsv: expected time<TAB>source<TAB>text, got \"{line}\"");
            events.Add(new Event(double.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2]));
        }
        var situation = File.ReadAllLines(Path.Combine(dir, "situation.txt"));
        var cpus = int.Parse(situation.First(l => l.StartsWith("cpus ", StringComparison.Ordinal))[5..], CultureInfo.InvariantCulture);
        var kdump = situation.Any(l => l == "GT_KDUMP='1'");
        var pstoreDir = Path.Combine(dir, "pstore");
        var pstore = System.IO.Directory.Exists(pstoreDir)
            ? System.IO.Directory.GetFiles(pstoreDir).Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList()
            : [];
        return new Recording(name, dir, events, cpus, kdump, pstore);
    }

    /// <summary>
    /// The serial lines of the first crash, from its origin up to the next boot. The origin is the crash
    /// module's "crashgt: Performing direct entry" line, printed right before it calls panic() or
    /// faults, where there is one (after "GT: trigger", or alone when a CPU spinning with interrupts
    /// off stalled the shell's own output); otherwise (SysRq, reboot -f, soft lockup) the rig's
    /// "GT: trigger" line.
    /// </summary>
    public IReadOnlyList<Event> CrashSegment(out double origin)
    {
        var serial = Events.Where(e => e.Source == "serial").ToList();
        var trigger = serial.FindIndex(e => e.Text.StartsWith("GT: trigger", StringComparison.Ordinal));
        var direct = serial.FindIndex(Math.Max(trigger, 0), e => ConsoleNormaliser.Unstamped(e.Text).StartsWith("crashgt: Performing direct entry", StringComparison.Ordinal));
        var start = direct >= 0 ? direct : trigger;
        if (start < 0) throw new FormatException($"{Name}: neither a \"GT: trigger\" nor a \"crashgt: Performing\" line in timings.tsv");
        origin = serial[start].Time;
        var segment = new List<Event>();
        for (var i = start + 1; i < serial.Count && !serial[i].Text.Contains("] Linux version ", StringComparison.Ordinal); i++)
            segment.Add(serial[i]);
        return segment;
    }

    /// <summary>What the real kernel showed, as the same points as <see cref="Observation.FromRun"/>.</summary>
    public Observation Observe()
    {
        var p = new Dictionary<string, string>();
        var segment = CrashSegment(out var origin);
        var texts = segment.Select(e => e.Text).ToList();
        p[Observation.Console] = string.Join(" | ", ConsoleNormaliser.Normalise(texts));
        p[Observation.DumpStackFormat] = Observation.DumpStackFormatOf(texts.Select(ConsoleNormaliser.Unstamped));
        Observation.AddPstore(p, Pstore);

        var hostReset = Events.FirstOrDefault(e => e.Source == "host" && e.Text.StartsWith("system_reset", StringComparison.Ordinal) && e.Time > origin);
        var guestReset = Events.FirstOrDefault(e => e.Source == "qmp" && e.Text.StartsWith("RESET guest=true", StringComparison.Ordinal)
                                                    && e.Time > origin && (hostReset is null || e.Time < hostReset.Time));
        var capture = Events.Any(e => e.Source == "serial" && e.Text.StartsWith("GT: capture kernel booted", StringComparison.Ordinal));
        var endPanic = segment.FirstOrDefault(e => ConsoleNormaliser.Unstamped(e.Text).StartsWith("---[ end Kernel panic", StringComparison.Ordinal));
        var vmcore = Events.FirstOrDefault(e => e.Source == "serial" && e.Text.StartsWith("GT: /proc/vmcore present", StringComparison.Ordinal));
        if (capture && vmcore is not null)
            (p[Observation.End], p[Observation.EndAfter]) = ("kdump", Observation.Seconds(vmcore.Time - origin));
        else if (capture)
            (p[Observation.End], p[Observation.EndAfter]) = ("kdump without /proc/vmcore", Observation.NotApplicable);
        else if (guestReset is not null)
            (p[Observation.End], p[Observation.EndAfter]) = ("rebooted", Observation.Seconds(guestReset.Time - origin));
        else if (segment.Any(e => e.Text.StartsWith("GT: survived", StringComparison.Ordinal)))
            (p[Observation.End], p[Observation.EndAfter]) = ("survived", Observation.NotApplicable);
        else if (endPanic is not null)
            (p[Observation.End], p[Observation.EndAfter]) = ("halted", Observation.Seconds(endPanic.Time - origin));
        else
            (p[Observation.End], p[Observation.EndAfter]) = ("hung", Observation.NotApplicable);

        // panic() without a capture kernel always runs smp_send_stop() (kernel/panic.c); its NMI stage prints.
        var panicLine = segment.FirstOrDefault(e => ConsoleNormaliser.Unstamped(e.Text).StartsWith("Kernel panic - not syncing", StringComparison.Ordinal));
        var nmiLine = segment.FirstOrDefault(e => ConsoleNormaliser.Unstamped(e.Text) == "Shutting down cpus with NMI");
        var restart = segment.Any(e => ConsoleNormaliser.Normalise(e.Text) == "reboot: Restarting system");
        p[Observation.CpusStop] = Kdump ? "not observable (kdump)"
            : restart && panicLine is null ? "not observable (kernel_restart)"  // native_machine_shutdown(): stop_other_cpus(), silent
            : nmiLine is not null ? "ipi+nmi"
            : panicLine is not null && Cpus > 1 ? "ipi"
            : "none";
        p[Observation.CpusNmiAfter] = !Kdump && nmiLine is not null && panicLine is not null
            ? Observation.Seconds(nmiLine.Time - panicLine.Time) : Observation.NotApplicable;
        return new Observation(p);
    }
}
