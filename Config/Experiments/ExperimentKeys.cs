using System.Text.RegularExpressions;
using ActorCrash.Config.Hocon;

namespace ActorCrash.Config.Experiments;

/// <summary>
/// The shape of an experiment file: every key it may set and what each may hold. The steady
/// scenario (<c>scenario { ... }</c>) and each fault action's <c>changes { ... }</c> hold scenario
/// keys and are checked by the scenario loader's own checker. Chaos Toolkit keys that mean nothing
/// in an emulation are refused with the reason.
/// </summary>
internal static partial class ExperimentKeys
{
    public const string ScenarioPrefix = "scenario.", ChangesSuffix = ".changes.";

    private static readonly Dictionary<string, HoconKind[]> Shape = new(StringComparer.Ordinal)
    {
        ["title"] = [HoconKind.Value], ["description"] = [HoconKind.Value],
        ["tags"] = [HoconKind.List], ["tags[]"] = [HoconKind.Value],
        ["designs"] = [HoconKind.Value, HoconKind.List], ["designs[]"] = [HoconKind.Value],
        ["scenario"] = [HoconKind.Object], ["scenario.file"] = [HoconKind.Value],
        ["hypothesis"] = [HoconKind.Object], ["hypothesis.title"] = [HoconKind.Value],
        ["hypothesis.probes"] = [HoconKind.List], ["hypothesis.probes[]"] = [HoconKind.Value, HoconKind.Object],
        ["hypothesis.probes[].name"] = [HoconKind.Value], ["hypothesis.probes[].tolerance"] = [HoconKind.Value],
        ["hypothesis.probes[].property"] = [HoconKind.Value, HoconKind.Object],
        ["hypothesis.probes[].property.before"] = [HoconKind.List], ["hypothesis.probes[].property.before[]"] = [HoconKind.Value],
        ["hypothesis.probes[].property.eventually"] = [HoconKind.Value],
        ["method"] = [HoconKind.List], ["method[]"] = [HoconKind.Object],
        ["method[].name"] = [HoconKind.Value], ["method[].description"] = [HoconKind.Value],
        ["method[].changes"] = [HoconKind.Object],
        ["combine"] = [HoconKind.Value], ["runs"] = [HoconKind.Value], ["strategy"] = [HoconKind.Value],
        ["limits"] = [HoconKind.Object], ["limits.virtual-time"] = [HoconKind.Value], ["limits.steps"] = [HoconKind.Value],
    };

    /// <summary>Chaos Toolkit keys with no meaning here, and why.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["rollbacks"] = "an emulated machine is built afresh from the scenario for every run, so there is nothing to roll back",
        ["controls"] = "there is no live system to hook into: the emulator runs every step itself (the method and hypothesis say what to do and check)",
        ["secrets"] = "an emulation reaches no outside service, so it needs no credentials",
        ["configuration"] = "an emulation reads no environment: put values in the scenario or in a fault action's changes",
        ["steady-state-hypothesis"] = "ActorCrash calls it hypothesis { probes = [...] }: properties of each run with a tolerance",
        ["runtime"] = "runs are in virtual time: there are no pauses, hooks or runtime settings to give",
        ["extensions"] = "nothing here reads extensions",
        ["contributions"] = "not used by ActorCrash",
        ["version"] = "the experiment's digest identifies it: edit the file and resuming is refused",
        ["method[].type"] = "a fault action is a set of changes to the scenario (changes { ... }), not an action or probe of a provider",
        ["method[].provider"] = "there is no provider to call: the fault lives in the emulated machine (changes { ... })",
        ["method[].pauses"] = "runs are in virtual time: put a time in the changes instead (a trigger's at = 5ms, or a range [0ms, 5ms])",
        ["method[].background"] = "the actions of a cell all apply from the start of the run; use trigger times to order them",
        ["method[].ref"] = "give the action its changes; to combine actions use combine = pairs",
        ["hypothesis.probes[].type"] = "a probe is a property of each emulated run, not a call to a provider",
        ["hypothesis.probes[].provider"] = "a probe is a property of each emulated run, not a call to a provider",
    };

    /// <param name="fail">(key, expected, problem) → the error to throw.</param>
    public static void Check(HoconPositions positions, Func<string, string, string, Exception> fail)
    {
        var scenarioEntries = new List<HoconEntry>();
        var changes = new Dictionary<string, List<HoconEntry>>(StringComparer.Ordinal);
        foreach (var entry in positions.Entries)
        {
            var shape = ElementIndex().Replace(entry.Path, "[]");
            if (Refused.TryGetValue(shape, out var why))
                throw fail(entry.Path, "a key of an ActorCrash experiment", $"not an ActorCrash experiment key: {why}");
            if (entry.Path.StartsWith(ScenarioPrefix, StringComparison.Ordinal) && entry.Path != "scenario.file")
            {
                scenarioEntries.Add(entry with { Path = entry.Path[ScenarioPrefix.Length..] });
                continue;
            }
            var marker = entry.Path.IndexOf(ChangesSuffix, StringComparison.Ordinal);
            if (marker > 0 && shape.StartsWith("method[].changes.", StringComparison.Ordinal))
            {
                var owner = entry.Path[..(marker + ChangesSuffix.Length)];
                if (!changes.TryGetValue(owner, out var list)) changes[owner] = list = [];
                list.Add(entry with { Path = entry.Path[owner.Length..] });
                continue;
            }
            if (ScenarioKeys.Ancestors(shape).Any(a => Shape.TryGetValue(a, out var k) && k.Length == 1 && k[0] == HoconKind.Value))
                continue; // the reader reports the ancestor's type
            if (!Shape.TryGetValue(shape, out var kinds))
                throw ScenarioKeys.Unknown(entry.Path, shape, Shape.Keys, fail);
            if (!kinds.Contains(entry.Kind) && !(kinds.Contains(HoconKind.Value) && kinds.Length == 1))
                throw fail(entry.Path, Describe(kinds), $"expected {Describe(kinds)}, got {Describe([entry.Kind])}");
        }
        ScenarioLoader.Keys.Check(scenarioEntries, (key, expected, problem) => fail(ScenarioPrefix + key, expected, problem));
        foreach (var (owner, entries) in changes)
            ScenarioLoader.Keys.Check(entries, (key, expected, problem) => fail(owner + key, expected, problem));
    }

    private static string Describe(IReadOnlyList<HoconKind> kinds) => string.Join(" or ", kinds.Select(kind => kind switch
    {
        HoconKind.Object => "an object { ... }",
        HoconKind.List => "a list [ ... ]",
        _ => "a value",
    }));

    [GeneratedRegex(@"\[[0-9]+\]")]
    private static partial Regex ElementIndex();
}
