using System.Globalization;
using ActorCrash.Actors;
using ActorCrash.Actors.Designs;
using ActorCrash.Config;

namespace ActorCrash.Cli.Commands;

/// <summary>An inclusive range of seeds, written A..B.</summary>
public readonly record struct SeedRange(ulong First, ulong Last)
{
    public const string Syntax = "a range of seeds A..B with A <= B, e.g. 1..200";

    public ulong Count => Last - First + 1;

    public static bool TryParse(string text, out SeedRange range)
    {
        range = default;
        var dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0) return false;
        if (!ulong.TryParse(text.AsSpan(0, dots), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ||
            !ulong.TryParse(text.AsSpan(dots + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ||
            first > last || last - first >= int.MaxValue)
            return false;
        range = new SeedRange(first, last);
        return true;
    }

    public override string ToString() => $"{First}..{Last}";
}

/// <summary>One design's row of a comparison: how its runs ended, over the same seeds as every other row.</summary>
public sealed record DesignRow(
    string Design,
    string Models,
    int Runs,
    int NvramIntact,      // a kmsg dump written during the run reads back intact (a console zone's boot lines do not count)
    int Vmcore,
    int Rebooted,
    int Hung,
    int Halted,
    long MedianEndNs);    // the lower median of the runs' virtual end times

/// <summary>A comparison: one scenario, one range of seeds, one row per design.</summary>
public sealed record ComparisonReport(string Scenario, string Source, string Seeds, IReadOnlyList<DesignRow> Rows);

/// <summary>
/// `compare`: the same scenario and seeds under several designs. The scenario is read again with its
/// <c>design</c> replaced, so everything that follows the design (its command line, the dumper
/// drivers of <c>era = auto</c>) is what that design would get; each design's machine runs every
/// seed with <see cref="Machine.Run"/>. A row depends only on (scenario, design, seeds).
/// </summary>
public static class DesignComparison
{
    /// <param name="path">The scenario file; null for the built-in default. It is read as each design would read it, never under its own design alone.</param>
    public static ComparisonReport Run(string? path, SeedRange seeds, IReadOnlyList<PanicDesign> designs)
    {
        var (text, source) = path is null
            ? (BuiltInText(ScenarioLoader.DefaultName), $"built-in:{ScenarioLoader.DefaultName}")
            : (FileText(path), path);
        var specs = designs.Select(d => ScenarioLoader.LoadText(WithDesign(text, d.Name), source)).ToArray();
        var rows = designs.Select((d, i) => RunDesign(specs[i], d, seeds)).ToArray();
        return new ComparisonReport(specs[0].Name, source, seeds.ToString(), rows);
    }

    /// <summary>The scenario with its <c>design</c> key replaced (a later key wins in HOCON).</summary>
    public static string WithDesign(string hocon, string design) => $"{hocon}\ndesign = \"{design}\"\n";

    private static DesignRow RunDesign(ScenarioSpec spec, PanicDesign design, SeedRange seeds)
    {
        var machine = new Machine(spec);
        var ends = new long[seeds.Count];
        int intact = 0, vmcore = 0, rebooted = 0, hung = 0, halted = 0;
        for (ulong i = 0; i < seeds.Count; i++)
        {
            var summary = machine.Run(seeds.First + i);
            ends[i] = summary.EndTimeNs;
            if (DumpReadBackIntact(machine)) intact++;
            switch (summary.Outcome)
            {
                case Outcome.VmcoreCaptured: vmcore++; break;
                case Outcome.Rebooted: rebooted++; break;
                case Outcome.Halted: halted++; break;
                default: hung++; break;
            }
        }
        Array.Sort(ends);
        return new DesignRow(design.Name, design.Models, ends.Length, intact, vmcore, rebooted, hung, halted, ends[(ends.Length - 1) / 2]);
    }

    /// <summary>Some dumper wrote a record during the run (the dump of a panic, an oops, …) that the next boot reads back intact.</summary>
    private static bool DumpReadBackIntact(Machine machine)
    {
        foreach (var dumper in machine.Kernel.DumpList)
            foreach (var record in dumper.ReadBack())
                if (record.Intact && record.WrittenAtNs >= 0) return true;
        return false;
    }

    private static string FileText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            ScenarioLoader.LoadFile(path);  // says what is wrong with the file, as `run` would
            throw;
        }
    }

    /// <summary>A built-in scenario's HOCON, as the Config assembly embeds it.</summary>
    private static string BuiltInText(string name)
    {
        var resource = $"scenarios/{name}.hocon";
        using var stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
