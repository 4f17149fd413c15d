using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments;

/// <summary>
/// The experiment's journal, modelled on Chaos Toolkit's: the experiment, status, deviated, the
/// steady states before (baseline) and after (each fault cell), one entry per cell with its status
/// and counts, the verdicts, start/end, the tool version and the experiment digest. Its contract is
/// <c>schemas/experiment-journal.schema.json</c> (<see cref="SchemaVersion"/>).
/// </summary>
public static class Journal
{
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The JSON Schema of the journal, as shipped.</summary>
    public static string Schema
    {
        get
        {
            using var s = typeof(Journal).Assembly.GetManifestResourceStream("journal.schema.json")!;
            using var r = new StreamReader(s);
            return r.ReadToEnd();
        }
    }

    /// <summary>The tool's version (the assembly's informational version).</summary>
    public static string ToolVersion =>
        typeof(Journal).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string ToJson(ReliabilityTable t, string status, DateTimeOffset start, DateTimeOffset end, string outDir,
        Func<string, string, string> scenarioFile) =>
        JsonSerializer.Serialize(Build(t, status, start, end, outDir, scenarioFile), Options);

    private static object Build(ReliabilityTable t, string status, DateTimeOffset start, DateTimeOffset end, string outDir,
        Func<string, string, string> scenarioFile)
    {
        var e = t.Experiment;
        return new
        {
            schema_version = SchemaVersion,
            tool = new { name = "actorcrash", version = ToolVersion, emulator_build = EmulatorBuild.Id },
            experiment = new
            {
                title = e.Title,
                description = e.Description,
                tags = e.Tags,
                source = e.Source.Name,
                scenario_source = e.Source.ScenarioName,
                digest = e.Digest,
                scenario = e.Scenario,
                designs = e.Designs,
                skipped_designs = e.Skipped.Select(s => new { design = s.Design, why = s.Why }),
                strategy = e.Strategy,
                combine = e.Combine,
                seeds = new { first = t.Seeds.First, last = t.Seeds.Last },
                hypothesis = new
                {
                    title = e.Hypothesis.Title,
                    probes = e.Hypothesis.Probes.Select(p => new { name = p.Name, measure = p.Measure, tolerance = p.Tolerance }),
                },
                method = e.Method.Select(a => new { name = a.Name, description = a.Description }),
                cells = e.Cells.Select(c => new { name = c.Name, actions = c.Actions }),
            },
            status,
            deviated = t.Deviated,
            start = Iso(start),
            end = Iso(end),
            duration = Math.Round((end - start).TotalSeconds, 3),
            rows = t.Rows,
            steady_states = new
            {
                before = t.Cells.Where(c => c.Cell == ExperimentCell.Baseline).Select(Steady),
                after = t.Cells.Where(c => c.Cell != ExperimentCell.Baseline && c.NotApplicable is null).Select(Steady),
            },
            run = t.Cells.Select(c => new
            {
                design = c.Design,
                cell = c.Cell,
                actions = c.Actions,
                status = c.Status,
                not_applicable = c.NotApplicable,
                runs = c.Runs,
                planned = c.Planned,
                scenario_file = scenarioFile(c.Design, c.Cell),
                counts = new
                {
                    log_saved = Counted(c.LogSaved),
                    vmcore = Counted(c.Vmcore),
                    rebooted_in_time = Counted(c.RebootedInTime),
                    hung = Counted(c.Hung),
                    halted = Counted(c.Halted),
                    survived = Counted(c.Survived),
                },
                probes = c.Probes.Select(Probe),
            }),
            verdicts = t.Verdicts.Select(v => new
            {
                design = v.Design,
                status = v.Status,
                probe = v.Probe,
                cell = v.Cell,
                seed = v.Seed,
                reason = v.Reason,
                replay = v.Replay,
                deviated_cells = v.DeviatedCells,
            }),
            files = new { store = Path.Combine(outDir, ExperimentFiles.Store), report = Path.Combine(outDir, ExperimentFiles.Report) },
        };
    }

    private static object Steady(CellResult c) => new
    {
        design = c.Design,
        cell = c.Cell,
        steady_state_met = c.Runs > 0 && c.Probes.All(p => p.Held),
        probes = c.Probes.Select(Probe),
    };

    private static object Probe(ProbeResult p) => new
    {
        name = p.Probe,
        tolerance = p.Tolerance,
        held = p.Held,
        conclusive = p.Conclusive,
        count = p.Measured.Count,
        runs = p.Measured.Runs,
        share = Round(p.Measured.Value),
        interval = new[] { Round(p.Measured.Low), Round(p.Measured.High) },
        first_failing_seed = p.FirstFailingSeed,
    };

    private static object Counted(Share s) => new { count = s.Count, share = Round(s.Value), interval = new[] { Round(s.Low), Round(s.High) } };

    private static double Round(double x) => Math.Round(x, 6);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The files an experiment writes into its --out folder.</summary>
public static class ExperimentFiles
{
    public const string Store = "results.sqlite", Journal = "journal.json", Report = "report.html", Scenarios = "scenarios";

    /// <summary>A cell's scenario file under a design, relative to the out folder: scenarios/DESIGN/CELL.hocon.</summary>
    public static string CellScenario(string design, string cell) => Path.Combine(Scenarios, design, cell + ".hocon");
}

/// <summary>Identifies the emulator's build: the module version ids of the assemblies that compute a row.</summary>
public static class EmulatorBuild
{
    public static string Id { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join(",", new[]
        {
            typeof(Actors.Machine).Assembly, typeof(Config.ScenarioSpec).Assembly, typeof(Hardware.VirtualTime).Assembly, typeof(UnitRunner).Assembly,
        }.Select(a => a.ManifestModule.ModuleVersionId.ToString("N"))))))[..16];
}
