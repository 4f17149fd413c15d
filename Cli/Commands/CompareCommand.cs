using System.ComponentModel;
using System.Globalization;
using ActorCrash.Actors.Designs;
using ActorCrash.Cli.Output;
using ActorCrash.Hardware;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class CompareSettings : CommandSettings
{
    [CommandArgument(0, "[scenario]")]
    [Description("Scenario file (HOCON). Default: the built-in scenario from the 2011 thread.")]
    public string? Scenario { get; init; }

    [CommandOption("--seeds <A..B>")]
    [Description("Seeds to run under every design, inclusive. Default: 1..100.")]
    public string Seeds { get; init; } = "1..100";

    [CommandOption("--designs <LIST>")]
    [Description("Designs to compare, comma-separated. Default: all (see `actorcrash designs`).")]
    public string? Designs { get; init; }

    [CommandOption("--json")]
    [Description("Print the comparison as JSON.")]
    public bool Json { get; init; }

    [CommandOption("--csv")]
    [Description("Print the comparison as CSV.")]
    public bool Csv { get; init; }

    public SeedRange SeedRange => SeedRange.TryParse(Seeds, out var r) ? r : throw new InvalidOperationException("not validated");

    public IReadOnlyList<PanicDesign> DesignList =>
        Designs is null ? Actors.Designs.Designs.All : [.. Designs.Split(',').Select(n => Actors.Designs.Designs.ByName(n.Trim()))];

    public override ValidationResult Validate()
    {
        if (!SeedRange.TryParse(Seeds, out _))
            return ValidationResult.Error($"--seeds takes {SeedRange.Syntax}; got \"{Seeds}\"");
        if (Json && Csv)
            return ValidationResult.Error("--json and --csv cannot be combined");
        return Options.DesignList(Designs);
    }
}

/// <summary>
/// `actorcrash compare`: the same scenario and seeds under every design (or the listed ones), one
/// row per design: how often the log reached NVRAM intact, the vmcore was captured, the machine
/// rebooted, hung or halted, and the median virtual time to the end. Same seeds, same rows.
/// </summary>
public sealed class CompareCommand : Command<CompareSettings>
{
    public override int Execute(CommandContext context, CompareSettings settings, CancellationToken cancellation)
    {
        // Every design by default: one that cannot read the scenario is left out, and said so.
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, Interruption.Token).Token;
        var report = DesignComparison.Run(settings.Scenario, settings.SeedRange, settings.DesignList, skipUnreadable: settings.Designs is null, stop);
        if (Interruption.ExitCode is not null)
            report = report with { Interrupted = Interruption.ExitCode == (int)ExitCode.Terminated ? "SIGTERM" : "SIGINT" };
        if (settings.Json) Console.Out.WriteLine(JsonOutput.Serialize(report));
        else if (settings.Csv) WriteCsv(report, Console.Out);
        else WriteTable(report, Console.Out);
        return Interruption.ExitCode ?? (int)ExitCode.Ok;
    }

    /// <summary>The comparison for a person: a table of fixed width, no colour, byte-stable.</summary>
    public static void WriteTable(ComparisonReport report, TextWriter o)
    {
        if (report.Interrupted is { } signal)
            o.WriteLine($"interrupted by {signal}: the rows count the runs made so far");
        o.WriteLine($"scenario {report.Scenario} ({report.Source}), seeds {report.Seeds}, the same under every design");
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(o),
        });
        console.Profile.Width = 132;
        var table = new Table().Border(TableBorder.Ascii)
            .AddColumns("design", "runs", "NVRAM intact", "vmcore", "rebooted", "hung", "halted", "survived", "median end");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var r in report.Rows)
            table.AddRow(r.Design, $"{r.Runs}", Share(r.NvramIntact, r.Runs), Share(r.Vmcore, r.Runs), Share(r.Rebooted, r.Runs),
                Share(r.Hung, r.Runs), Share(r.Halted, r.Runs), Share(r.Survived, r.Runs), VirtualTime.Format(r.MedianEndNs));
        console.Write(table);
        foreach (var s in report.Skipped) o.WriteLine($"{s.Design} left out: {s.Why}");
        o.WriteLine("NVRAM intact: a kmsg dump of this run reads back intact on the next boot (the log-saved property; console and pmsg zones not counted).");
        o.WriteLine("median end: the virtual time at which the run ended (reset, vmcore saved, or the limit for hung and halted runs).");
    }

    public static void WriteCsv(ComparisonReport report, TextWriter o)
    {
        o.WriteLine("schema_version,scenario,seeds,design,runs,nvram_intact,vmcore,rebooted,hung,halted,survived,median_end_ns");
        foreach (var r in report.Rows)
            o.WriteLine(string.Join(',', new object[]
                {
                    JsonOutput.SchemaVersion, report.Scenario, report.Seeds, r.Design, r.Runs, r.NvramIntact, r.Vmcore, r.Rebooted,
                    r.Hung, r.Halted, r.Survived, r.MedianEndNs,
                }.Select(v => Csv(string.Format(CultureInfo.InvariantCulture, "{0}", v)))));
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
    public static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    private static string Share(int n, int of) => string.Create(CultureInfo.InvariantCulture, $"{n} ({100.0 * n / of:F0}%)");
}
