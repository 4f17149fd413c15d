using System.Text.RegularExpressions;
using ActorCrash.Config.Hocon;
using Akka.Configuration.Hocon;

namespace ActorCrash.Config;

/// <summary>
/// The shape of a scenario: every key it may set and whether that holds an object, a list or a value.
/// The keys come from <c>actorcrash.scenario</c> in akka.hocon, plus the fields of <c>cpus</c> and
/// <c>triggers</c>, <c>machine.faults</c> and <c>panic-notifiers</c> entries, which akka.hocon only describes in comments. Paths are written with
/// <c>[]</c> for any list element, e.g. <c>triggers[].cpu</c>.
/// </summary>
internal sealed partial class ScenarioKeys
{
    private static readonly (string Path, HoconKind Kind)[] EntryFields =
    [
        ("cpus[]", HoconKind.Object),
        ("cpus[].cpu", HoconKind.Value), ("cpus[].activity", HoconKind.Value), ("cpus[].irqs", HoconKind.Value),
        ("cpus[].holding", HoconKind.List), ("cpus[].holding[]", HoconKind.Value),
        ("cpus[].period", HoconKind.Value), ("cpus[].hold", HoconKind.Value), ("cpus[].lock", HoconKind.Value),
        ("triggers[]", HoconKind.Object),
        ("triggers[].at", HoconKind.Value), ("triggers[].cpu", HoconKind.Value), ("triggers[].event", HoconKind.Value),
        ("triggers[].message", HoconKind.Value), ("triggers[].holding", HoconKind.List), ("triggers[].holding[]", HoconKind.Value),
        ("triggers[].context", HoconKind.Value), ("triggers[].type", HoconKind.Value),
        ("machine.faults[]", HoconKind.Object),
        ("machine.faults[].at", HoconKind.Value), ("machine.faults[].fault", HoconKind.Value),
        ("machine.faults[].offset", HoconKind.Value), ("machine.faults[].bytes", HoconKind.Value),
        ("machine.faults[].device", HoconKind.Value),
        ("panic-notifiers[]", HoconKind.Object),
        ("panic-notifiers[].name", HoconKind.Value), ("panic-notifiers[].behaviour", HoconKind.Value),
        ("panic-notifiers[].lock", HoconKind.Value), ("panic-notifiers[].time", HoconKind.Value),
    ];

    private readonly Dictionary<string, HoconKind> _kinds = new(StringComparer.Ordinal);

    public ScenarioKeys(HoconValue defaults)
    {
        foreach (var (path, kind) in EntryFields)
            _kinds[path] = kind;
        AddFrom("", defaults);
    }

    private void AddFrom(string path, HoconValue value)
    {
        if (value.IsObject())
        {
            if (path.Length > 0)
                _kinds[path] = HoconKind.Object;
            foreach (var (key, child) in value.GetObject().Items)
                AddFrom(path.Length == 0 ? key : $"{path}.{key}", child);
        }
        else if (value.IsList())
        {
            _kinds[path] = HoconKind.List;
            _kinds.TryAdd(path + "[]", HoconKind.Value);
        }
        else
            _kinds[path] = HoconKind.Value;
    }

    /// <summary>Rejects the first key path in the file that is unknown or holds the wrong kind of thing.</summary>
    /// <param name="fail">(key, expected, problem) → the error to throw.</param>
    public void Check(HoconPositions positions, Func<string, string, string, Exception> fail) => Check(positions.Entries, fail);

    /// <summary>The same over entries whose paths are scenario keys (e.g. an experiment's <c>scenario</c> block, prefix removed).</summary>
    public void Check(IEnumerable<HoconEntry> entries, Func<string, string, string, Exception> fail)
    {
        foreach (var entry in entries)
        {
            var shape = ElementIndex().Replace(entry.Path, "[]");
            if (Ancestors(shape).Any(a => _kinds.GetValueOrDefault(a) == HoconKind.Value))
                continue; // the reader reports the ancestor's type, with what it expected
            if (!_kinds.TryGetValue(shape, out var kind))
                throw Unknown(entry.Path, shape, _kinds.Keys, fail);
            if (kind != HoconKind.Value && kind != entry.Kind)
                throw fail(entry.Path, Describe(kind), $"expected {Describe(kind)}, got {Describe(entry.Kind)}");
        }
    }

    /// <summary>An unknown key: the keys beside it in <paramref name="shapes"/> (shapes, with [] for elements), and the closest one.</summary>
    internal static Exception Unknown(string path, string shape, IEnumerable<string> shapes, Func<string, string, string, Exception> fail)
    {
        var parent = ParentOf(shape);
        var siblings = shapes
            .Where(k => ParentOf(k) == parent && !k.EndsWith("[]", StringComparison.Ordinal))
            .Select(k => k[(parent.Length == 0 ? 0 : parent.Length + 1)..])
            .ToList();
        var name = path[(path.LastIndexOf('.') + 1)..];
        var prefix = path[..(path.LastIndexOf('.') + 1)];
        var suggestion = Suggestions.DidYouMean(name, siblings, s => prefix + s);
        var known = string.Join(", ", siblings);
        return fail(path, $"one of {known}",
            suggestion.Length > 0 ? $"unknown key{suggestion}" : $"unknown key; the keys here are {known}");
    }

    internal static string ParentOf(string path) => path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))];

    internal static IEnumerable<string> Ancestors(string path)
    {
        for (var parent = ParentOf(path); parent.Length > 0; parent = ParentOf(parent))
            yield return parent;
    }

    private static string Describe(HoconKind kind) => kind switch
    {
        HoconKind.Object => "an object { ... }",
        HoconKind.List => "a list [ ... ]",
        _ => "a value",
    };

    [GeneratedRegex(@"\[[0-9]+\]")]
    private static partial Regex ElementIndex();
}
