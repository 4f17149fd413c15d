using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ActorCrash.Config.Hocon;
using Akka.Configuration;
using AkkaConfig = Akka.Configuration.Config;

namespace ActorCrash.Config.Experiments;

/// <summary>
/// Loads a chaos experiment: a HOCON (or JSON) file whose keys are those under
/// <c>actorcrash.experiment</c> in akka.hocon, read with the scenario loader's discipline (every bad
/// input is a <see cref="ScenarioException"/> naming file, line and key). The steady scenario and each
/// fault action's changes are scenario text, read by <see cref="ScenarioLoader"/> itself: a cell's
/// scenario is the steady scenario's text followed by its actions' changes, a scenario file that
/// `actorcrash run` reads as it is.
/// </summary>
public static partial class ExperimentLoader
{
    /// <summary>The built-in experiment `actorcrash experiment` runs when given no file.</summary>
    public const string DefaultName = "kmsg-dump-before-kdump";

    public const string BuiltInScheme = "built-in:";
    private const string BuiltInPrefix = "experiments/", BuiltInSuffix = ".hocon";

    /// <summary>Bumped when what a digest covers changes meaning, so old stores are not resumed.</summary>
    private const string DigestVersion = "actorcrash-experiment-digest/1";

    /// <summary>In a cell's changes these lists add to the steady scenario's (a cpus entry replaces the one for the same CPU); every other key replaces.</summary>
    public static IReadOnlyList<string> AddedLists { get; } = ["cpus", "triggers", "machine.faults"];

    private static readonly AkkaConfig Defaults = AkkaSettings.Load().GetConfig("actorcrash.experiment");

    public static IReadOnlyList<string> Combines { get; } = ["none", "pairs"];
    public static IReadOnlyList<string> StrategyNames { get; } = ["random"];

    /// <summary>The built-in experiments: the files of experiments/, embedded in this assembly.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } =
    [
        .. typeof(ExperimentLoader).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(BuiltInPrefix, StringComparison.Ordinal) && n.EndsWith(BuiltInSuffix, StringComparison.Ordinal))
            .Select(n => n[BuiltInPrefix.Length..^BuiltInSuffix.Length])
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>A built-in experiment's text (it inlines its scenario).</summary>
    public static ExperimentSource BuiltIn(string name)
    {
        var source = BuiltInScheme + name;
        if (!BuiltInNames.Contains(name))
            throw new ScenarioException(source, 0, "", $"one of {string.Join(", ", BuiltInNames)}",
                $"no such built-in experiment; the built-ins are {string.Join(", ", BuiltInNames)}");
        using var stream = typeof(ExperimentLoader).Assembly.GetManifestResourceStream(BuiltInPrefix + name + BuiltInSuffix)!;
        using var reader = new StreamReader(stream);
        return WithScenarioFile(new ExperimentSource(source, reader.ReadToEnd()), baseDir: null);
    }

    /// <summary>
    /// Reads an experiment file and the scenario file it names, if any (relative to the experiment's
    /// folder, or <c>built-in:NAME</c>), into an <see cref="ExperimentSource"/>: from there on no file is read.
    /// A path of the form <c>built-in:NAME</c> is the built-in experiment.
    /// </summary>
    public static ExperimentSource Read(string path)
    {
        if (path.StartsWith(BuiltInScheme, StringComparison.Ordinal)) return BuiltIn(path[BuiltInScheme.Length..]);
        var text = ReadText(path, "experiment");
        return WithScenarioFile(new ExperimentSource(path, text), Path.GetDirectoryName(path));
    }

    public static ExperimentSpec LoadFile(string path, IReadOnlyList<string>? designs = null) => Load(Read(path), designs);

    private static ExperimentSource WithScenarioFile(ExperimentSource source, string? baseDir)
    {
        HoconPositions positions;
        try
        {
            positions = HoconPositions.Scan(source.Text, source.Name);
        }
        catch (ScenarioException)
        {
            return source; // Load reports it, with the rest of the checks
        }
        if (positions.Entry("scenario.file") is not { } entry || entry.Kind != HoconKind.Value) return source;
        var file = Unquote(source.Text[entry.Start..entry.End]);
        if (file.StartsWith(BuiltInScheme, StringComparison.Ordinal))
        {
            var name = file[BuiltInScheme.Length..];
            if (!ScenarioLoader.BuiltInNames.Contains(name))
                throw new ScenarioException(source.Name, entry.Line, "scenario.file", $"one of built-in:{string.Join(", built-in:", ScenarioLoader.BuiltInNames)}",
                    $"no such built-in scenario \"{name}\"; the built-ins are {string.Join(", ", ScenarioLoader.BuiltInNames)}");
            return source with { ScenarioName = file, ScenarioText = ScenarioLoader.BuiltInText(name) };
        }
        if (baseDir is null)
            throw new ScenarioException(source.Name, entry.Line, "scenario.file", "built-in:NAME", "a built-in experiment can only name built-in scenarios");
        var path = Path.Combine(baseDir, file);
        try
        {
            return source with { ScenarioName = path, ScenarioText = File.ReadAllText(path) };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new ScenarioException(source.Name, entry.Line, "scenario.file", "a readable scenario file, relative to the experiment file",
                $"cannot read the scenario {path}: {why}");
        }
    }

    /// <summary>
    /// Loads the experiment from its text. <paramref name="designs"/> (from the command line) replaces
    /// the file's <c>designs</c>; every design it names must read the steady scenario.
    /// </summary>
    public static ExperimentSpec Load(ExperimentSource source, IReadOnlyList<string>? designs = null)
    {
        var name = source.Name;
        var positions = HoconPositions.Scan(source.Text, name);
        ExperimentKeys.Check(positions, (key, expected, problem) => new ScenarioException(name, positions.LineOf(key), key, expected, problem));
        AkkaConfig parsed;
        try
        {
            parsed = ConfigurationFactory.ParseString(source.Text + "\n");
        }
        catch (Exception e)
        {
            throw new ScenarioException(name, 0, "", "valid HOCON", $"cannot parse: {e.Message}");
        }
        var r = new FieldReader(name, positions, parsed.WithFallback(Defaults));

        var title = r.Text(r["title"]);
        var description = r.Text(r["description"]);
        var tags = r.List(r["tags"], "a list of words such as [kdump, pstore]").Select(r.Text).ToArray();
        var (designList, explicitDesigns) = designs is not null ? (designs, true) : ReadDesigns(r);
        var runs = r.Int(r["runs"], 1, 10_000_000);
        var combine = r.Word(r["combine"], Combines);
        var strategy = r.Word(r["strategy"], StrategyNames);
        var probes = ReadProbes(r);

        var steady = SteadyScenario(source, positions, r);
        var actions = ReadMethod(r, positions, source);
        var limits = LimitLines(r, positions, source);

        var cells = new List<(string Name, IReadOnlyList<ActionText> Actions)> { (ExperimentCell.Baseline, []) };
        cells.AddRange(actions.Select(a => (a.Name, (IReadOnlyList<ActionText>)[a])));
        if (combine == "pairs")
            for (var i = 0; i < actions.Count; i++)
                for (var j = i + 1; j < actions.Count; j++)
                    cells.Add(($"{actions[i].Name}+{actions[j].Name}", [actions[i], actions[j]]));

        var texts = cells.Select(c => (c.Name, c.Actions, Text: CellTextOf(steady, c.Name, c.Actions, limits, source))).ToArray();
        var digest = Digest(strategy, probes, texts.Select(t => (t.Name, t.Text.ToString())));

        // The baseline decides which designs take part: one that cannot read the steady scenario is left out (or, when named, an error).
        var skipped = new List<SkippedDesign>();
        var running = new List<string>();
        ScenarioException? firstBaselineError = null;
        foreach (var d in designList)
        {
            try
            {
                LoadCell(texts[0].Text, d, source, texts[0].Name);
                running.Add(d);
            }
            catch (ScenarioException e) when (!explicitDesigns)
            {
                firstBaselineError ??= e;
                skipped.Add(new SkippedDesign(d, e.Message));
            }
        }
        if (running.Count == 0) throw firstBaselineError!;

        var built = new List<ExperimentCell>();
        foreach (var (cellName, cellActions, text) in texts)
        {
            var perDesign = new List<CellScenario>();
            ScenarioException? first = null;
            foreach (var d in running)
            {
                var full = WithDesign(text, d);
                var (spec, error, problem) = TryLoadCell(text, d, source, cellName);
                first ??= error;
                perDesign.Add(new CellScenario(d, full.ToString(), spec, problem));
            }
            // A cell no design can read is a mistake in the experiment, not a property of the designs.
            if (perDesign.All(p => p.Spec is null)) throw first!;
            built.Add(new ExperimentCell(cellName, [.. cellActions.Select(a => a.Name)], perDesign));
        }

        return new ExperimentSpec(title, description, tags, source, digest, steady.ScenarioName, running,
            new HypothesisSpec(r.Text(r["hypothesis.title"]), probes),
            [.. actions.Select(a => new FaultAction(a.Name, a.Description))],
            combine, built, runs, strategy, skipped);
    }

    // ---- the steady scenario ----

    /// <summary>The steady scenario's text and where its lines come from.</summary>
    private sealed record Steady(string Text, string Source, int FirstLine, HoconPositions Positions, string ScenarioName);

    private static Steady SteadyScenario(ExperimentSource source, HoconPositions positions, FieldReader r)
    {
        var fileEntry = positions.Entry("scenario.file");
        var inline = positions.Entries.Where(e => e.Path.StartsWith(ExperimentKeys.ScenarioPrefix, StringComparison.Ordinal) && e.Path != "scenario.file").ToList();
        if (fileEntry is { } f)
        {
            if (inline.Count > 0)
                throw r.Error(inline[0].Path, "scenario.file or an inline scenario { ... }, not both",
                    "the scenario is either scenario.file or written inline, not both: move these keys into the scenario file or into a fault action");
            var scenarioName = source.ScenarioName ?? r.Text(r["scenario.file"]);
            var text = source.ScenarioText
                ?? throw r.Error("scenario.file", "a scenario file's text", $"the scenario file {scenarioName} was not read with the experiment");
            var scanned = HoconPositions.Scan(text, scenarioName);
            return new Steady(text, scenarioName, 1, scanned, ScenarioNameOf(text, scenarioName));
        }
        if (positions.Entry("scenario") is not { } block || block.Kind != HoconKind.Object)
            throw r.Error("scenario", "scenario { ...scenario keys... } or scenario.file = \"FILE\"",
                "missing: the experiment needs a steady scenario, inline as scenario { ... } or as scenario.file = \"FILE\"");
        if (block.End <= block.Start || source.Text[block.Start] != '{' || inline.Any(e => e.End > 0 && (e.Start < block.Start || e.End > block.End)))
            throw r.Error("scenario", "one scenario { ... } block",
                "write the inline scenario as one block, scenario { ... }, with every scenario key inside it");
        var inner = source.Text[(block.Start + 1)..(block.End - 1)];
        var steadyPositions = Located(() => HoconPositions.Scan(inner, source.Name), source.Name, block.Line - 1);
        return new Steady(inner, source.Name, block.Line, steadyPositions, ScenarioNameOf(inner, source.Name));
    }

    private static string ScenarioNameOf(string text, string source)
    {
        try
        {
            return ConfigurationFactory.ParseString(text + "\n").WithFallback(AkkaSettings.Load().GetConfig("actorcrash.scenario")).GetString("name");
        }
        catch (Exception)
        {
            return source; // the baseline's load reports what is wrong
        }
    }

    // ---- fault actions ----

    /// <summary>A fault action's changes: plain keys as lines to append, and the elements it adds to each added list.</summary>
    private sealed record ActionText(string Name, string Description, int Line, IReadOnlyList<Piece> Lines, IReadOnlyDictionary<string, IReadOnlyList<Element>> Adds);

    /// <summary>A piece of text and where it starts (source, line).</summary>
    private sealed record Piece(string Text, string Source, int Line);

    /// <summary>An element of an added list; Cpu is the CPU a cpus entry describes (null if not a plain number).</summary>
    private sealed record Element(Piece Text, int? Cpu);

    private static List<ActionText> ReadMethod(FieldReader r, HoconPositions positions, ExperimentSource source)
    {
        var actions = new List<ActionText>();
        var fields = r.List(r["method"], "a list of fault actions such as [{ name = \"dumper-hangs\", changes { ... } }]");
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            var nameField = r.Child(f, "name");
            var name = r.Text(nameField);
            if (!ActionName().IsMatch(name) || name == ExperimentCell.Baseline)
                throw r.Error(nameField.Key, "a name of lower-case letters, digits and '-', not \"baseline\"",
                    $"expected a name of lower-case letters, digits and '-' such as \"dumper-hangs\" (it names the cell and its files), got \"{name}\"");
            if (actions.Any(a => a.Name == name))
                throw r.Error(nameField.Key, "each action name once", $"{name} is the name of an earlier action too");
            var descriptionField = r.Child(f, "description");
            var description = descriptionField.IsSet ? r.Text(descriptionField) : "";
            var prefix = $"{f.Key}.changes";
            if (!r.Child(f, "changes").IsSet)
                throw r.Error(prefix, "changes { ...scenario keys... }", "missing: a fault action needs its changes to the scenario, e.g. changes { machine.dumpers = [ramoops, thirdparty] }");
            actions.Add(ReadChanges(name, description, positions.LineOf(f.Key), prefix + ".", positions, source));
        }
        return actions;
    }

    private static ActionText ReadChanges(string name, string description, int line, string prefix, HoconPositions positions, ExperimentSource source)
    {
        var lines = new List<Piece>();
        var adds = new Dictionary<string, IReadOnlyList<Element>>(StringComparer.Ordinal);
        var entries = positions.Entries.Where(e => e.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var e in entries)
        {
            var path = e.Path[prefix.Length..];
            if (AddedLists.Contains(path) && e.Kind == HoconKind.List)
                adds[path] = ElementsOf(path, entries.Select(x => x with { Path = x.Path[prefix.Length..] }), source.Text, source.Name, 0);
            else if (!path.Contains('[') && e.Kind != HoconKind.Object)
                lines.Add(new Piece($"{path} = {source.Text[e.Start..e.End]}", source.Name, e.Line));
        }
        return new ActionText(name, description, line, lines, adds);
    }

    /// <summary>The elements of list <paramref name="path"/> among <paramref name="entries"/> (paths relative to the scenario).</summary>
    private static IReadOnlyList<Element> ElementsOf(string path, IEnumerable<HoconEntry> entries, string text, string source, int lineOffset)
    {
        var all = entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var elements = new List<Element>();
        for (var i = 0; all.TryGetValue($"{path}[{i}]", out var e); i++)
        {
            int? cpu = all.TryGetValue($"{path}[{i}].cpu", out var c) && int.TryParse(Unquote(text[c.Start..c.End]), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            elements.Add(new Element(new Piece(text[e.Start..e.End], source, e.Line + lineOffset), cpu));
        }
        return elements;
    }

    private static List<Piece> LimitLines(FieldReader r, HoconPositions positions, ExperimentSource source)
    {
        var lines = new List<Piece>();
        foreach (var key in new[] { "limits.virtual-time", "limits.steps" })
            if (positions.Entry(key) is { } e)
                lines.Add(new Piece($"{key} = {source.Text[e.Start..e.End]}", source.Name, e.Line));
        return lines;
    }

    // ---- cells ----

    /// <summary>The steady scenario, then each action's changes, then the experiment's limits: a scenario file of its own.</summary>
    private static CellText CellTextOf(Steady steady, string cell, IReadOnlyList<ActionText> actions, List<Piece> limits, ExperimentSource source)
    {
        var text = new CellText();
        text.Add($"# experiment {source.Name}, cell {cell}: the steady scenario ({steady.Source}), then the changes of {(actions.Count == 0 ? "no fault action" : string.Join(" and ", actions.Select(a => a.Name)))}", source.Name, 0);
        text.Add(steady.Text, steady.Source, steady.FirstLine);
        var lists = new Dictionary<string, List<Element>>(StringComparer.Ordinal);
        var listLine = new Dictionary<string, Piece>(StringComparer.Ordinal);
        foreach (var a in actions)
        {
            text.Add($"# fault action {a.Name}{(a.Description.Length > 0 ? ": " + a.Description : "")}", source.Name, 0);
            foreach (var p in a.Lines) text.Add(p.Text, p.Source, p.Line);
            foreach (var (path, added) in a.Adds)
            {
                if (!lists.TryGetValue(path, out var current))
                {
                    lists[path] = current = [.. ElementsOf(path, steady.Positions.Entries, steady.Text, steady.Source, steady.FirstLine - 1)];
                    listLine[path] = added.Count > 0 ? added[0].Text : new Piece("", source.Name, a.Line);
                }
                foreach (var e in added)
                {
                    var same = path == "cpus" && e.Cpu is { } cpu ? current.FindIndex(x => x.Cpu == cpu) : -1;
                    if (same >= 0) current[same] = e;
                    else current.Add(e);
                }
            }
        }
        foreach (var (path, elements) in lists)
        {
            text.Add($"{path} = [", listLine[path].Source, listLine[path].Line);
            foreach (var e in elements) text.Add("  " + e.Text.Text, e.Text.Source, e.Text.Line);
            text.Add("]", listLine[path].Source, listLine[path].Line);
        }
        foreach (var p in limits) text.Add(p.Text, p.Source, p.Line);
        return text;
    }

    private static CellText WithDesign(CellText text, string design)
    {
        var full = text.Copy();
        full.Add($"design = \"{design}\"", "", 0);
        return full;
    }

    /// <summary>Loads a cell under a design; an error points at the experiment or scenario line that caused it.</summary>
    private static ScenarioSpec LoadCell(CellText text, string design, ExperimentSource source, string cell)
    {
        var (spec, error, _) = TryLoadCell(text, design, source, cell);
        return spec ?? throw error!;
    }

    /// <summary>The cell's scenario under the design, or the located error and the bare problem (what "not applicable" says).</summary>
    private static (ScenarioSpec? Spec, ScenarioException? Error, string? Problem) TryLoadCell(CellText text, string design, ExperimentSource source, string cell)
    {
        var full = WithDesign(text, design);
        try
        {
            return (ScenarioLoader.LoadText(full.ToString(), $"{source.Name}#{cell}"), null, null);
        }
        catch (ScenarioException e)
        {
            var (file, line) = full.Origin(e.Line, source.Name);
            if (file.Length == 0) (file, line) = (source.Name, 0);
            var where = cell == ExperimentCell.Baseline ? "the steady scenario" : $"cell {cell}";
            var located = new ScenarioException(file, line, e.Key, e.Expected, $"{e.Problem} ({where} under {design})");
            return (null, located, e.Key.Length > 0 ? $"{e.Key}: {e.Problem}" : e.Problem);
        }
    }

    // ---- values ----

    private static (IReadOnlyList<string>, bool Explicit) ReadDesigns(FieldReader r)
    {
        var f = r["designs"];
        if (f.Value is { } v && !v.IsList())
        {
            r.Word(f, ["all"]);
            return (KernelParameters.Designs, false);
        }
        var names = new List<string>();
        foreach (var e in r.List(f, "all, or a list of designs such as [linux-2.6.38, linux-6.x]"))
        {
            var d = r.Word(e, KernelParameters.Designs);
            if (names.Contains(d)) throw r.Error(e.Key, "each design once", $"{d} is listed twice");
            names.Add(d);
        }
        if (names.Count == 0) throw r.Error(f.Key, "at least one design", "the list of designs is empty (write designs = all for every design)");
        return (names, true);
    }

    private const string ProbeExpected = "\"MEASURE OP N%\" such as \"log-saved >= 99%\", or { name = ..., property = ..., tolerance = \">= 99%\" }";

    private static IReadOnlyList<ProbeSpec> ReadProbes(FieldReader r)
    {
        var probes = new List<ProbeSpec>();
        foreach (var f in r.List(r["hypothesis.probes"], $"a list of probes, each {ProbeExpected}"))
        {
            ProbeSpec probe;
            if (f.Value is { } v && v.IsString())
            {
                var m = ProbeText().Match(r.Text(f));
                if (!m.Success)
                    throw r.Error(f.Key, ProbeExpected, $"expected {ProbeExpected}, got \"{r.Text(f)}\"");
                var measure = m.Groups[1].Value;
                if (!ProbeMeasures.All.Contains(measure))
                    throw r.Error(f.Key, $"a measure among {string.Join(", ", ProbeMeasures.All)}",
                        $"unknown measure \"{measure}\"{Suggestions.DidYouMean(measure, ProbeMeasures.All)}; the measures are {string.Join(", ", ProbeMeasures.All)} (custom properties in the object form)");
                var (op, threshold) = Tolerance(r, f, m.Groups[2].Value + " " + m.Groups[3].Value);
                probe = new ProbeSpec(measure, measure, op, threshold, m.Groups[2].Value + " " + m.Groups[3].Value);
            }
            else
            {
                var property = r.Child(f, "property");
                var measure = property.Value is { } pv && pv.IsObject() ? CustomProperty(r, property) : r.Word(property, ProbeMeasures.All);
                var tolerance = r.Child(f, "tolerance");
                var (op, threshold) = Tolerance(r, tolerance, r.Text(tolerance));
                var nameField = r.Child(f, "name");
                probe = new ProbeSpec(nameField.IsSet ? r.Text(nameField) : measure, measure, op, threshold, r.Text(tolerance).Trim());
            }
            if (probes.Any(p => p.Name == probe.Name))
                throw r.Error(f.Key, "each probe name once", $"a probe named \"{probe.Name}\" comes earlier (give this one a name = \"...\")");
            probes.Add(probe);
        }
        if (probes.Count == 0)
            throw r.Error("hypothesis.probes", "at least one probe", "the hypothesis needs at least one probe, e.g. probes = [\"no-hang >= 99%\"]");
        return probes;
    }

    /// <summary>{ before = [A, B] } or { eventually = A }, as a scenario's properties take them.</summary>
    private static string CustomProperty(FieldReader r, Field f)
    {
        var before = r.Child(f, "before");
        var eventually = r.Child(f, "eventually");
        if (before.IsSet == eventually.IsSet)
            throw r.Error(f.Key, "{ before = [A, B] } or { eventually = A }", "expected { before = [A, B] } or { eventually = A } (milestone prefixes)");
        if (eventually.IsSet) return PropertyNames.Eventually(r.Text(eventually));
        var pair = r.List(before, "two milestone prefixes [A, B]");
        if (pair.Count != 2) throw r.Error(before.Key, "two milestone prefixes [A, B]", $"expected two milestone prefixes, got {pair.Count}");
        return PropertyNames.Before(r.Text(pair[0]), r.Text(pair[1]));
    }

    private static (ToleranceOp, double) Tolerance(FieldReader r, Field f, string text)
    {
        const string expected = "a tolerance such as \">= 99%\" or \"<= 0.1%\"";
        var m = ToleranceText().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[2].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var pct) || pct > 100)
            throw r.Error(f.Key, expected, $"expected {expected} (an operator >=, <=, > or < and a percentage from 0% to 100%), got \"{text.Trim()}\"");
        var op = m.Groups[1].Value switch
        {
            ">=" => ToleranceOp.AtLeast,
            "<=" => ToleranceOp.AtMost,
            ">" => ToleranceOp.Above,
            _ => ToleranceOp.Below,
        };
        return (op, pct / 100);
    }

    // ---- the digest ----

    /// <summary>SHA-256 over what decides every row: each cell's scenario text (less the design), the probes and the strategy.</summary>
    private static string Digest(string strategy, IReadOnlyList<ProbeSpec> probes, IEnumerable<(string Cell, string Text)> cells)
    {
        var b = new StringBuilder();
        b.Append(DigestVersion).Append('\n').Append("strategy ").Append(strategy).Append('\n');
        foreach (var p in probes) b.Append("probe ").Append(p.Name).Append('\t').Append(p.Measure).Append('\t').Append(p.Op).Append('\t').Append(p.Threshold.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (cell, text) in cells) b.Append("cell ").Append(cell).Append('\n').Append(StripComments(text)).Append('\0');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(b.ToString())));
    }

    // The header comments name the experiment's path; the digest must not depend on where the file is.
    private static string StripComments(string text) =>
        string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("# experiment ", StringComparison.Ordinal) && !l.StartsWith("# fault action ", StringComparison.Ordinal)));

    // ---- helpers ----

    private static T Located<T>(Func<T> f, string source, int lineOffset)
    {
        try
        {
            return f();
        }
        catch (ScenarioException e)
        {
            throw new ScenarioException(source, e.Line > 0 ? e.Line + lineOffset : 0, e.Key.Length > 0 ? ExperimentKeys.ScenarioPrefix + e.Key : "scenario", e.Expected, e.Problem);
        }
    }

    private static string Unquote(string text)
    {
        text = text.Trim();
        return text.Length >= 2 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
    }

    private static string ReadText(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new ScenarioException(path, 0, "", $"a readable {what} file", $"cannot read the {what}: {why}");
        }
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*\z")]
    private static partial Regex ActionName();

    [GeneratedRegex(@"^\s*([a-z0-9-]+)\s*(>=|<=|>|<)\s*([0-9.]+\s*%)\s*\z")]
    private static partial Regex ProbeText();

    [GeneratedRegex(@"^(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)\s*%\z")]
    private static partial Regex ToleranceText();
}
