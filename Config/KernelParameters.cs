using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorCrash.Config;

/// <summary>
/// The panic-path designs and the kernel parameters each one's command line knows, parsed as that
/// kernel parses them. A new design adds its entry to <see cref="ByDesign"/>.
/// </summary>
public static partial class KernelParameters
{
    /// <summary>A kernel parameter: what a valid one looks like, and its effect on the parsed command line (null: a bad value).</summary>
    private sealed record Parameter(string Expected, Func<KernelCmdline, string?, KernelCmdline?> Apply);

    private static readonly Dictionary<string, Dictionary<string, Parameter>> ByDesign = new()
    {
        ["linux-2.6.38"] = new()
        {
            // 2.6.38's panic() reboots only for panic_timeout > 0, so a negative value means "never" like 0.
            ["panic"] = new("panic=N with N an integer number of seconds",
                (c, v) => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                    ? c with { PanicTimeoutSeconds = Math.Max(n, 0) } : null),
            ["crashkernel"] = new("crashkernel=SIZE[@OFFSET] or crashkernel=START-[END]:SIZE[,...][@OFFSET] with sizes like 128M",
                (c, v) => v is not null && CrashKernel2638().IsMatch(v) ? c with { CrashKernel = v } : null),
            ["oops"] = new("oops=panic",
                (c, v) => v == "panic" ? c with { OopsPanic = true } : null),
            ["nmi_watchdog"] = new("nmi_watchdog=0, 1, panic or nopanic",
                (c, v) => v is "0" or "1" or "panic" or "nopanic" ? c with { NmiWatchdog = v } : null),
        },
    };

    /// <summary>The designs a scenario's <c>design</c> may name.</summary>
    public static IReadOnlyList<string> Designs { get; } = [.. ByDesign.Keys];

    /// <summary>Parses <paramref name="raw"/> for a known design; <paramref name="fail"/>(expected, problem) builds the error.</summary>
    internal static KernelCmdline Parse(string design, string raw, Func<string, string, Exception> fail)
    {
        var parameters = ByDesign[design];
        var cmdline = new KernelCmdline(raw, PanicTimeoutSeconds: 0, OopsPanic: false, CrashKernel: null, NmiWatchdog: "1");
        foreach (var arg in raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            // Like the kernel's parameq(), '-' and '_' in a parameter name are the same.
            if (!parameters.TryGetValue(name.Replace('-', '_'), out var parameter))
                throw fail($"a parameter {design} knows: {string.Join(", ", parameters.Keys)}",
                    $"{design} does not know the kernel parameter \"{name}\"{Suggestions.DidYouMean(name, parameters.Keys)}");
            cmdline = parameter.Apply(cmdline, eq < 0 ? null : arg[(eq + 1)..])
                ?? throw fail(parameter.Expected, $"expected {parameter.Expected}, got \"{arg}\"");
        }
        return cmdline;
    }

    // memparse() sizes (decimal, octal or 0x hex, then K/M/G/T/P/E); 2.6.38 has no ",high"/",low" suffix.
    private const string Size = "(?:0x[0-9a-f]+|[0-9]+)[kmgtpe]?";

    [GeneratedRegex($@"^(?:{Size}|{Size}-(?:{Size})?:{Size}(?:,{Size}-(?:{Size})?:{Size})*)(?:@{Size})?\z", RegexOptions.IgnoreCase)]
    private static partial Regex CrashKernel2638();
}
