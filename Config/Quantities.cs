using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorCrash.Config;

/// <summary>The scenario's value syntaxes: durations (always with a unit), byte sizes and booleans.</summary>
internal static partial class Quantities
{
    public const string DurationExpected = "a duration with a unit (ns, us, ms, s, m, h) such as 20us or 10ms";
    public const string SizeExpected = "a size in bytes such as 65536, 64K or 128M";
    public const string BoolExpected = "true or false (or on/off, yes/no, 1/0)";

    private static readonly (string Unit, long Ns)[] DurationUnits =
        [("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)];

    public static bool TryParseDuration(string text, out long ns) =>
        TryScale(DurationPattern().Match(text), unit => DurationUnits.First(u => u.Unit == unit).Ns, out ns);

    public static bool TryParseSize(string text, out long bytes) =>
        TryScale(SizePattern().Match(text), unit => unit.ToUpperInvariant() switch
        {
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            _ => 1,
        }, out bytes);

    public static bool TryParseBool(string text, out bool value)
    {
        value = text is "true" or "on" or "yes" or "1";
        return value || text is "false" or "off" or "no" or "0";
    }

    /// <summary>The largest unit that shows <paramref name="ns"/> exactly: 1500000 → "1500us".</summary>
    public static string FormatDuration(long ns)
    {
        if (ns == 0)
            return "0s";
        var (unit, scale) = DurationUnits.First(u => ns % u.Ns == 0);
        return $"{ns / scale}{unit}";
    }

    private static bool TryScale(Match match, Func<string, long> scale, out long result)
    {
        result = 0;
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return false;
        var scaled = (Int128)n * scale(match.Groups[2].Value);
        if (scaled < long.MinValue || scaled > long.MaxValue)
            return false;
        result = (long)scaled;
        return true;
    }

    [GeneratedRegex(@"^(-?[0-9]+) ?(ns|us|ms|s|m|h)\z")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^([0-9]+)([KMG]?)\z", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();
}
