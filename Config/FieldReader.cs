using System.Globalization;
using ActorCrash.Config.Hocon;
using Akka.Configuration.Hocon;
using AkkaConfig = Akka.Configuration.Config;

namespace ActorCrash.Config;

/// <summary>A value of the merged scenario at a key path; <see cref="Value"/> is null where nothing sets it.</summary>
// A class, not a struct: the lists of it then run the framework's precompiled shared generic code
// (ReadyToRun cannot precompile List<T> over a struct of this assembly; Cli/README.md, start-up).
internal sealed record Field(string Key, HoconValue? Value)
{
    public bool IsSet => Value is not null;
}

/// <summary>
/// Reads typed values from the scenario (over the defaults) and turns every bad one into a
/// <see cref="ScenarioException"/> naming its line, key and what was expected.
/// </summary>
internal sealed class FieldReader(string source, HoconPositions positions, AkkaConfig merged)
{
    public Field this[string path] => new(path, merged.GetValue(path));

    /// <summary>Whether the scenario file itself sets <paramref name="key"/> (not only the defaults).</summary>
    public bool InFile(string key) => positions.Sets(key);

    /// <summary>A field of an object entry such as <c>cpus[0]</c>.</summary>
    public Field Child(Field entry, string name) =>
        entry.Value is { } v && v.IsObject()
            ? new Field($"{entry.Key}.{name}", v.GetObject().Items.GetValueOrDefault(name))
            : throw Expected(entry, "an object { ... }");

    public IReadOnlyList<Field> List(Field f, string expected) =>
        f.Value is { } v && v.IsList()
            ? [.. v.Elements().Select((element, i) => new Field($"{f.Key}[{i}]", element))]
            : throw Expected(f, expected);

    public string Text(Field f) => Scalar(f, "a string");

    public int Int(Field f, int min, int max, string why = "") => (int)Long(f, min, max, why);

    public long Long(Field f, long min, long max = long.MaxValue, string why = "") =>
        Parse(f, Bounds("an integer", min, max, n => n.ToString(CultureInfo.InvariantCulture)) + why, min, max,
            (string s, out long n) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n));

    public ulong ULong(Field f)
    {
        var expected = $"an integer from 0 to {ulong.MaxValue}";
        return ulong.TryParse(Scalar(f, expected), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Expected(f, expected);
    }

    /// <summary>A CPU number of the machine.</summary>
    public int Cpu(Field f, int cpuCount) => Int(f, 0, cpuCount - 1, $" (machine.cpus = {cpuCount})");

    /// <summary>A duration; at most <see cref="Caps.MaxDurationNs"/> (the emulator's cap) unless a tighter bound is given.</summary>
    public long Duration(Field f, long min = 0, long max = Caps.MaxDurationNs, string why = "") =>
        Capped(f, Quantities.DurationExpected, min, max, Quantities.TryParseDuration, "a duration", Quantities.FormatDuration, why,
            Caps.MaxDurationNs, "720h");

    /// <summary>A size in bytes; at most <see cref="Caps.MaxDeviceBytes"/> (the emulator's cap) unless a tighter bound is given.</summary>
    public long Size(Field f, long min, long max = Caps.MaxDeviceBytes, string why = "") =>
        Capped(f, Quantities.SizeExpected, min, max, Quantities.TryParseSize, "a size", n => $"{n}", " bytes" + why,
            Caps.MaxDeviceBytes, "16M");

    // A bound at the emulator's cap is named only when the value passes it, and then as the cap it is.
    private long Capped(Field f, string syntax, long min, long max, TryParse parse, string noun, Func<long, string> show, string why,
        long cap, string capText)
    {
        var shownMin = min == -cap ? long.MinValue : min;
        var shownMax = max == cap ? long.MaxValue : max;
        if (parse(Scalar(f, syntax), out var n) && (n > cap || n < -cap) && (max == cap || min == -cap))
            throw Error(f.Key, $"{noun} within ±{capText}",
                $"expected {Bounds(noun, min, max, show)}{why}, got \"{Scalar(f, syntax)}\": {capText} is the emulator's cap on every run's values");
        return Parse(f, syntax, min, max, parse, Bounds(noun, shownMin, shownMax, show) + why);
    }

    public bool Bool(Field f) =>
        Quantities.TryParseBool(Scalar(f, Quantities.BoolExpected), out var b) ? b : throw Expected(f, Quantities.BoolExpected);

    /// <summary>One of <paramref name="words"/>, suggesting the closest on a typo.</summary>
    public string Word(Field f, IReadOnlyCollection<string> words)
    {
        var expected = $"one of {string.Join(", ", words)}";
        var word = Scalar(f, expected);
        return words.Contains(word)
            ? word
            : throw Error(f.Key, expected, $"expected {expected}, got \"{word}\"{Suggestions.DidYouMean(word, words)}");
    }

    /// <summary>[min, max] durations with min ≤ max.</summary>
    public (long Min, long Max) DurationRange(Field f)
    {
        const string expected = "[min, max] durations such as [1us, 5us]";
        var bounds = List(f, expected);
        if (bounds.Count != 2)
            throw Error(f.Key, expected, $"expected {expected}, got a list of {bounds.Count}");
        var (min, max) = (Duration(bounds[0]), Duration(bounds[1]));
        return min <= max
            ? (min, max)
            : throw Error(f.Key, "min <= max", $"expected min <= max, got [{Text(bounds[0])}, {Text(bounds[1])}]");
    }

    /// <summary>Kernel lock names, each at most once.</summary>
    public IReadOnlyList<string> Locks(Field f)
    {
        var locks = new List<string>();
        foreach (var element in List(f, "a list of locks such as [logbuf_lock]"))
        {
            var name = Word(element, KernelLocks.Names);
            if (locks.Contains(name))
                throw Error(element.Key, "each lock at most once", $"{name} is listed twice");
            locks.Add(name);
        }
        return locks;
    }

    /// <summary>A field set where it has no meaning, e.g. <c>lock</c> on a CPU that is not in a lock-loop.</summary>
    public ScenarioException NotApplicable(Field f, string appliesTo, string here)
    {
        var name = f.Key[(f.Key.LastIndexOf('.') + 1)..];
        return Error(f.Key, $"{name} only for {appliesTo}", $"{name} applies only to {appliesTo}, not to {here}");
    }

    /// <summary>Every key path the file itself sets, in the order first set.</summary>
    public IEnumerable<HoconEntry> Entries => positions.Entries;

    /// <summary>An error at <paramref name="key"/>'s line, or at <paramref name="lineKey"/>'s where the file does not set key.</summary>
    public ScenarioException Error(string key, string expected, string problem, string? lineKey = null)
    {
        var line = lineKey is not null && !positions.Sets(key) && positions.Sets(lineKey)
            ? positions.LineOf(lineKey)
            : positions.LineOf(key);
        return new ScenarioException(source, line, key, expected, problem);
    }

    public ScenarioException Expected(Field f, string expected) => Error(f.Key, expected, f.Value switch
    {
        null => $"missing; expected {expected}",
        var v when v.IsString() && v.GetString() is null => $"expected {expected}, got null",
        var v when v.IsString() => $"expected {expected}, got \"{v.GetString()}\"",
        var v when v.IsList() => $"expected {expected}, got a list",
        _ => $"expected {expected}, got an object",
    });

    private string Scalar(Field f, string expected) =>
        f.Value is { } v && v.IsString() && v.GetString() is { } s ? s : throw Expected(f, expected);

    private delegate bool TryParse(string text, out long value);

    // Syntax errors name the syntax; range errors name the range.
    private long Parse(Field f, string syntax, long min, long max, TryParse parse, string? range = null)
    {
        if (!parse(Scalar(f, syntax), out var n))
            throw Expected(f, syntax);
        // Bounds from other keys can leave no room at all (at least 4096, at most 1): say which ends clash.
        if (min > max)
            throw Error(f.Key, range ?? syntax, $"no value fits: {range ?? syntax}, but that lower bound is above the upper one");
        return n >= min && n <= max ? n : throw Expected(f, range ?? syntax);
    }

    private static string Bounds(string noun, long min, long max, Func<long, string> show) =>
        (min == long.MinValue, max == long.MaxValue) switch
        {
            (true, true) => noun,
            (false, true) => $"{noun} of at least {show(min)}",
            (true, false) => $"{noun} of at most {show(max)}",
            _ => $"{noun} from {show(min)} to {show(max)}",
        };
}
