using System.Globalization;
using ActorCrash.Actors.Designs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli;

/// <summary>
/// The option vocabulary every verb shares, parsed and checked in one place: <c>--design D</c> (one),
/// <c>--designs A,B</c> (a list), <c>--seed N</c>, <c>--seeds A..B</c>, <c>--runs N</c>, <c>--time 30s</c>
/// (a wall time with a unit), <c>--out DIR</c>, <c>--json</c>. Each error is one line naming the option.
/// </summary>
public static class Options
{
    /// <summary>--time at most a week: far past any useful budget, far from TimeSpan's overflow.</summary>
    public static readonly TimeSpan MaxWallTime = TimeSpan.FromDays(7);

    /// <summary>--seeds at most this many: a comparison keeps one end time per seed.</summary>
    public const ulong MaxSeeds = 10_000_000;

    public const string WallTimeSyntax = "a wall time with a unit such as 500ms, 30s, 5m or 1h (at most 7 days)";

    public static ValidationResult Seed(string? text, string option = "--seed") =>
        text is null || ParseSeed(text) is not null
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option}: expected an integer from 0 to {ulong.MaxValue}, got \"{text}\"");

    public static ulong? ParseSeed(string? text) =>
        text is not null && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>500ms, 30s, 5m, 1h; null for anything else, non-positive, not finite or over <see cref="MaxWallTime"/>.</summary>
    public static TimeSpan? ParseWallTime(string? text)
    {
        if (text is null) return null;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) &&
                double.IsFinite(n) && n > 0 && n * seconds <= MaxWallTime.TotalSeconds)
                return TimeSpan.FromSeconds(n * seconds);
        return null;
    }

    public static ValidationResult WallTime(string? text, string option = "--time") =>
        text is null || ParseWallTime(text) is not null
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option}: expected {WallTimeSyntax}, got \"{text}\"");

    public static ValidationResult Design(string? name, string option = "--design") =>
        name is null || Designs.Find(name) is not null
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option}: unknown design \"{name}\"{Config.Suggestions.DidYouMean(name, Designs.All.Select(d => d.Name))}; " +
                $"known: {string.Join(", ", Designs.All.Select(d => d.Name))}");

    public static ValidationResult DesignList(string? list, string option = "--designs")
    {
        if (list is null) return ValidationResult.Success();
        var names = list.Split(',').Select(n => n.Trim()).ToArray();
        foreach (var n in names)
            if (Design(n, option) is { Successful: false } bad) return bad;
        return names.Distinct().Count() == names.Length ? ValidationResult.Success() : ValidationResult.Error($"{option} names a design twice");
    }

    public static ValidationResult Runs(long? runs) =>
        runs is null or >= 1 ? ValidationResult.Success() : ValidationResult.Error($"--runs: expected an integer of at least 1, got {runs}");

    /// <summary>--out: a directory, or a path where one can be made; checked before any run starts.</summary>
    public static ValidationResult OutDir(string dir)
    {
        if (File.Exists(dir)) return ValidationResult.Error($"--out: \"{dir}\" is a file; expected a directory (it is made if missing)");
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".actorcrash-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return ValidationResult.Success();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return ValidationResult.Error($"--out: cannot write to \"{dir}\": {e.Message}");
        }
    }

    /// <summary>The first failed result of several, or success.</summary>
    public static ValidationResult All(params ValidationResult[] results) =>
        results.FirstOrDefault(r => !r.Successful) ?? ValidationResult.Success();
}
