using System.Text.Json;
using ActorCrash.Actors;
using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Exploration;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;

namespace ActorCrash.Cli;

/// <summary>
/// Violation files, written by explore and shrink and read by replay and shrink. A file is
/// self-contained: the scenario's text, design, strategy, seed, decisions, the emulator's version,
/// the trace's digest and a digest of every field (<see cref="Violation.FieldDigests"/>). So it
/// replays from any directory, and an edited file (exit 2, naming the edited fields) is told apart
/// from a diverging emulator (exit 3).
/// </summary>
public static class ViolationFiles
{
    /// <summary>Violation files hold long decision lists: up to 64 MiB.</summary>
    private const int MaxBytes = 64 << 20;

    /// <summary>The violation with everything a replay needs from elsewhere: the scenario text, the version, the digests.</summary>
    public static Violation Complete(Violation v, string scenarioText) => (v with
    {
        ScenarioText = scenarioText,
        ScenarioSha256 = Violation.Sha256(scenarioText),
        EmulatorVersion = EmulatorVersion.Value,
    }).Sealed();

    /// <summary>Saves under <paramref name="dir"/> as NAME-PROPERTY-seedN.json, never over an existing file; returns the path.</summary>
    public static string Save(string dir, ScenarioSpec spec, Violation v) =>
        OutputFiles.WriteNew(dir, $"{spec.Name}-{v.Property}-seed{v.Seed}", ".json", v.ToJson());

    /// <summary>The violation and the scenario it ran (under its design); any missing, malformed or edited part is a <see cref="ScenarioException"/>.</summary>
    public static (Violation Violation, ScenarioSpec Spec, string ScenarioText) Load(string file)
    {
        var text = InputFiles.ReadText(file, "the violation file", MaxBytes);
        Violation? parsed;
        try
        {
            parsed = Violation.FromJson(text);
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? -1) + 1;
            throw new ScenarioException(file, line, (e.Path ?? "").TrimStart('$', '.'), "a violation file written by `actorcrash explore`",
                $"not a violation file: {FirstSentence(e.Message)}");
        }
        var v = parsed!;
        Require(file, v.Scenario, "scenario");
        Require(file, v.Design, "design");
        Require(file, v.Strategy, "strategy");
        Require(file, v.Property, "property");
        Require(file, v.TraceSha256, "trace_sha256");
        if (v.Decisions is null) throw Missing(file, "decisions");
        if (v.SchemaVersion > Violation.CurrentSchemaVersion)
            throw Edited(file, "schema_version", $"schema_version {v.SchemaVersion} is newer than this emulator reads ({Violation.CurrentSchemaVersion}): update actorcrash");
        if (v.SchemaVersion < 1)
            throw Edited(file, "schema_version", $"expected schema_version 1 to {Violation.CurrentSchemaVersion}, got {v.SchemaVersion}");
        CheckNotEdited(file, text, v);
        if (Designs.Find(v.Design) is null)
            throw Edited(file, "design", $"unknown design \"{v.Design}\"; known: {string.Join(", ", Designs.All.Select(d => d.Name))}");
        if (!PropertyNames.All.Contains(v.Property) && !v.Property.StartsWith(PropertyNames.BeforePrefix, StringComparison.Ordinal)
            && !v.Property.StartsWith(PropertyNames.EventuallyPrefix, StringComparison.Ordinal))
            throw Edited(file, "property", $"unknown property \"{v.Property}\"");

        var (scenarioText, source) = ScenarioOf(file, v);
        if (v.ScenarioSha256 is { } sha && Violation.Sha256(scenarioText) != sha)
            throw Edited(file, "scenario_text", v.ScenarioText is null
                ? $"the scenario {v.Scenario} changed since the violation was recorded (sha256 {sha[..12]}, now {Violation.Sha256(scenarioText)[..12]})"
                : $"the scenario text was edited since the violation was recorded (sha256 {sha[..12]}, now {Violation.Sha256(scenarioText)[..12]})");
        var spec = ScenarioLoader.LoadText(DesignComparison.WithDesign(scenarioText, v.Design), source);
        if (v.RemovedTriggers is { } removed && removed.FirstOrDefault(i => i < 0 || i >= spec.Triggers.Count, int.MinValue) is var bad && bad != int.MinValue)
            throw Edited(file, "removed_triggers", $"trigger {bad} does not exist: the scenario has {spec.Triggers.Count}");
        return (v, spec, scenarioText);
    }

    /// <summary>
    /// Exit 2 for a file changed by hand since explore or shrink wrote it. schema_version 2 files carry a
    /// digest of every field (<see cref="Violation.FieldDigests"/>); schema_version 1 files only one of
    /// decisions, lenient and removed_triggers; files from before schema_version were not sealed.
    /// </summary>
    private static void CheckNotEdited(string file, string text, Violation v)
    {
        if (v.EditedFields() is { } edited)
        {
            if (edited.Count > 0)
                throw Edited(file, edited[0].Split(' ')[0],
                    $"the violation file was edited since explore or shrink wrote it: {string.Join(", ", edited)} no longer "
                    + $"{(edited.Count == 1 ? "matches its digest" : "match their digests")} in {Violation.FieldDigestsName}; restore the file or explore again");
            return;
        }
        var legacy = !HasField(text, "schema_version");
        if (legacy) return;
        if (v.SchemaVersion >= 2)
            throw Edited(file, Violation.FieldDigestsName,
                $"the violation file was edited since explore or shrink wrote it: {Violation.FieldDigestsName} is missing (a file of schema_version {v.SchemaVersion} carries one)");
        if (v.DecisionsSha256 is not { } d)
            throw Edited(file, "decisions_sha256",
                "the violation file was edited since explore or shrink wrote it: decisions_sha256 is missing (a file of schema_version 1 carries one)");
        if (Violation.DecisionsDigest(v.Decisions, v.Lenient, v.RemovedTriggers) != d)
            throw Edited(file, "decisions",
                "the violation file was edited since explore or shrink wrote it: the decisions (or lenient, removed_triggers) no longer match decisions_sha256");
    }

    private static bool HasField(string json, string field)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(field, out _);
    }

    // Files of schema_version 1 and 2 carry the text; older ones name a file, found beside the violation or from here.
    private static (string Text, string Source) ScenarioOf(string file, Violation v)
    {
        if (v.ScenarioText is not null) return (v.ScenarioText, v.Scenario);
        if (v.Scenario.StartsWith(Scenarios.BuiltInPrefix, StringComparison.Ordinal)) return Scenarios.Text(v.Scenario);
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "", v.Scenario);
        return Scenarios.Text(File.Exists(v.Scenario) || !File.Exists(beside) ? v.Scenario : beside);
    }

    private static void Require(string file, string? value, string field)
    {
        if (string.IsNullOrEmpty(value)) throw Missing(file, field);
    }

    private static ScenarioException Missing(string file, string field) =>
        new(file, 0, field, $"a violation file with {field}", $"missing; a violation file written by `actorcrash explore` has {field}");

    private static ScenarioException Edited(string file, string field, string problem) =>
        new(file, 0, field, "the violation file as explore or shrink wrote it", problem);

    private static string FirstSentence(string message) => message.Split(". Path:")[0];
}
