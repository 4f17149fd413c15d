using System.Text;
using ActorCrash.Actors;
using ActorCrash.Config;
using Xunit;
using Xunit.Abstractions;

namespace ActorCrash.Tests.GroundTruth;

/// <summary>
/// The linux-6.x design held to what Debian's 6.1 kernel did under QEMU (tests/groundtruth/): every
/// recorded situation is run as its scenario.hocon and compared point by point with the recording.
/// Each point either agrees or is listed in tests/groundtruth/differences.tsv with its reason; a
/// listed point that agrees fails too, so a fix has to remove its entry.
/// </summary>
public class GroundTruthTests(ITestOutputHelper output)
{
    public static TheoryData<string> Situations()
    {
        var data = new TheoryData<string>();
        foreach (var n in Recording.Names()) data.Add(n);
        return data;
    }

    /// <summary>One situation: both sides' points, and which differ.</summary>
    public sealed record Comparison(string Situation, Observation Real, Observation Emulator)
    {
        public IEnumerable<string> Differing => Observation.All.Where(p => !Observation.Same(p, Real[p], Emulator[p]));
    }

    public static Comparison Compare(string situation)
    {
        var recording = Recording.Load(situation);
        var scenarioPath = Path.Combine(recording.Directory, "scenario.hocon");
        var spec = ScenarioLoader.LoadText(File.ReadAllText(scenarioPath), $"tests/groundtruth/{situation}/scenario.hocon");
        var run = Task.Run(() => new Machine(spec).RunAndReport(spec.Seed));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"{situation}: the emulator did not finish within 30 s of wall time");
        return new Comparison(situation, recording.Observe(), Observation.FromRun(run.Result, spec.Machine.Kdump.Loaded));
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void The_emulator_shows_what_the_real_kernel_did_or_the_difference_is_listed(string situation)
    {
        var c = Compare(situation);
        var listed = KnownDifferences.Load().Where(d => d.Situation == situation).ToDictionary(d => d.Point, d => d.Reason);
        var failures = new List<string>();
        foreach (var point in Observation.All)
        {
            var same = Observation.Same(point, c.Real[point], c.Emulator[point]);
            output.WriteLine($"{point}: {(same ? "same" : "DIFFERS")}\n  real:     {c.Real[point]}\n  emulator: {c.Emulator[point]}");
            if (!same && !listed.ContainsKey(point))
                failures.Add($"{point} differs and is not listed in differences.tsv\n  real:     {c.Real[point]}\n  emulator: {c.Emulator[point]}");
            if (same && listed.TryGetValue(point, out var reason))
                failures.Add($"{point} is listed as a difference (\"{reason}\") but both sides show \"{c.Emulator[point]}\": remove the entry");
        }
        Assert.True(failures.Count == 0, $"{situation}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void At_least_fifteen_situations_are_recorded_each_with_its_scenario()
    {
        var names = Recording.Names();
        Assert.True(names.Count >= 15, $"only {names.Count} situations recorded: {string.Join(", ", names)}");
        foreach (var n in names)
        {
            Assert.True(File.Exists(Path.Combine(Recording.Root, n, "scenario.hocon")), $"{n}: scenario.hocon missing");
            Assert.True(File.Exists(Path.Combine(Recording.Root, n, "serial.log")), $"{n}: serial.log missing");
            Assert.True(File.Exists(Path.Combine(Recording.Root, n, "command.txt")), $"{n}: command.txt missing");
            Assert.Contains("design = \"linux-6.x\"", File.ReadAllText(Path.Combine(Recording.Root, n, "scenario.hocon")));
        }
    }

    [Fact]
    public void The_difference_list_names_only_recorded_situations_and_known_points_once_each()
    {
        var names = Recording.Names().ToHashSet();
        var seen = new HashSet<(string, string)>();
        foreach (var d in KnownDifferences.Load())
        {
            Assert.True(names.Contains(d.Situation), $"differences.tsv:{d.Line}: no recorded situation \"{d.Situation}\"");
            Assert.True(Observation.All.Contains(d.Point), $"differences.tsv:{d.Line}: unknown point \"{d.Point}\"");
            Assert.True(seen.Add((d.Situation, d.Point)), $"differences.tsv:{d.Line}: {d.Situation} {d.Point} listed twice");
            Assert.False(string.IsNullOrWhiteSpace(d.Reason), $"differences.tsv:{d.Line}: no reason");
        }
    }

    /// <summary>
    /// The reader of the recordings, pinned on one recording read by hand: a parser that lost the reset,
    /// the records or the panic line would make every comparison meaningless.
    /// </summary>
    [Fact]
    public void The_recording_reader_sees_what_the_panic_timeout_recording_shows()
    {
        var real = Recording.Load("panic-timeout-pos").Observe();

        Assert.Equal("Kernel panic - not syncing: crashgt: PANIC | <dump_stack header> | Call Trace: | Rebooting in 3 seconds..", real[Observation.Console]);
        Assert.Equal("CPU: N PID: N Comm: C (6.x)", real[Observation.DumpStackFormat]);
        Assert.Equal("dmesg-ramoops-0", real[Observation.PstoreFiles]);
        Assert.Equal("dmesg-ramoops-0: Panic#1 Part1", real[Observation.PstoreHeaders]);
        Assert.Equal("rebooted", real[Observation.End]);
        Assert.Equal("ipi", real[Observation.CpusStop]);
        var after = double.Parse(real[Observation.EndAfter].Replace(" s", ""), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(after, 3.0, 6.0);  // panic=3: the countdown, timed on the host
    }

    [Fact]
    public void The_normalisation_keeps_the_panic_path_vocabulary_and_drops_the_rest()
    {
        Assert.Equal("Kernel panic - not syncing: Fatal exception", ConsoleNormaliser.Normalise("[    3.66] Kernel panic - not syncing: Fatal exception "));
        Assert.Equal("Oops: [#1]", ConsoleNormaliser.Normalise("[    3.589623] Oops: 0002 [#1] PREEMPT SMP NOPTI"));
        Assert.Equal("---[ end trace ]---", ConsoleNormaliser.Normalise("[    3.626124] ---[ end trace 0000000000000000 ]---"));
        Assert.Equal("<dump_stack header>", ConsoleNormaliser.Normalise("Pid: 1, comm: init Not tainted 2.6.38 #1"));
        Assert.Null(ConsoleNormaliser.Normalise("[    3.586180] BUG: kernel NULL pointer dereference, address: 0000000000000000"));
        Assert.Equal("SysRq : Resetting", ConsoleNormaliser.Normalise("SysRq : Resetting"));
        Assert.Null(ConsoleNormaliser.Normalise("[    2.988089]  panic+0x118/0x2f4"));
        Assert.Null(ConsoleNormaliser.Normalise("[    2.988089] Kernel Offset: 0x9e00000 from 0xffffffff81000000"));
        Assert.Null(ConsoleNormaliser.Normalise("GT: trigger panic"));
    }

    [Fact]
    public void A_time_agrees_from_half_a_second_early_to_four_times_the_emulators_plus_one_second()
    {
        Assert.True(Observation.Same(Observation.EndAfter, "4.390 s", "3.040 s"));
        Assert.True(Observation.Same(Observation.EndAfter, "9.630 s", "3.000 s"));
        Assert.False(Observation.Same(Observation.EndAfter, "2.000 s", "3.000 s"));
        Assert.False(Observation.Same(Observation.EndAfter, "1.200 s", "0.000 s"));
        Assert.False(Observation.Same(Observation.EndAfter, "22.000 s", "0.000 s"));
        Assert.False(Observation.Same(Observation.EndAfter, "-", "3.000 s"));
    }

    /// <summary>
    /// GT_FIDELITY_TABLE=path writes the fidelity table (groundtruth/FIDELITY.md) from the comparisons:
    /// one row per situation, then every differing point with both values and its listed reason.
    /// </summary>
    [Fact]
    public void Writes_the_fidelity_table_when_asked()
    {
        var path = Environment.GetEnvironmentVariable("GT_FIDELITY_TABLE");
        if (string.IsNullOrEmpty(path)) return;
        var diffs = KnownDifferences.Load();
        var comparisons = Recording.Names().Select(Compare).ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| situation | real kernel (Debian 6.1 under QEMU) | emulator (linux-6.x) | same? |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var c in comparisons)
        {
            var differing = c.Differing.ToList();
            var verdict = differing.Count == 0 ? "yes" : "no: " + string.Join(", ", differing);
            sb.AppendLine($"| {c.Situation} | {Cell(Summary(c.Real))} | {Cell(Summary(c.Emulator))} | {verdict} |");
        }
        sb.AppendLine();
        sb.AppendLine("| situation | point | real kernel | emulator | why |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var c in comparisons)
            foreach (var p in c.Differing)
            {
                var reason = diffs.FirstOrDefault(d => d.Situation == c.Situation && d.Point == p)?.Reason ?? "UNLISTED";
                sb.AppendLine($"| {c.Situation} | {p} | {Cell(c.Real[p])} | {Cell(c.Emulator[p])} | {Cell(reason)} |");
            }
        File.WriteAllText(path, sb.ToString());
    }

    private static string Summary(Observation o)
    {
        var end = o[Observation.End] + (o[Observation.EndAfter] == Observation.NotApplicable ? "" : " after " + o[Observation.EndAfter]);
        var stop = o[Observation.CpusStop] + (o[Observation.CpusNmiAfter] == Observation.NotApplicable ? "" : $" (NMI after {o[Observation.CpusNmiAfter]})");
        return $"{end}; stop: {stop}; pstore: {o[Observation.PstoreHeaders]}";
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>tests/groundtruth/differences.tsv: situation, point, reason; # comments.</summary>
public sealed record KnownDifferences(string Situation, string Point, string Reason, int Line)
{
    public static IReadOnlyList<KnownDifferences> Load()
    {
        var list = new List<KnownDifferences>();
        var n = 0;
        foreach (var line in File.ReadLines(Path.Combine(Recording.Root, "differences.tsv")))
        {
            n++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            if (parts.Length != 3) throw new FormatException($"differences.tsv:{n}: expected situation<TAB>point<TAB>reason");
            list.Add(new KnownDifferences(parts[0], parts[1], parts[2], n));
        }
        return list;
    }
}
