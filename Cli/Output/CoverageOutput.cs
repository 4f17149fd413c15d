using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorCrash.Actors.Exploration;

namespace ActorCrash.Cli.Output;

/// <summary>
/// `explore --coverage`: the coverage of a campaign as text (stdout) and as JSON
/// (schemas/coverage.schema.json, docs/coverage.md). The JSON is a pure function of the scenario, the
/// strategy, the first seed and the number of runs: no wall time, keys and lists in ordinal order.
/// </summary>
public static class CoverageOutput
{
    /// <summary>Version of the coverage JSON's shape (<c>schema_version</c>, its first key).</summary>
    public const int SchemaVersion = 1;

    /// <summary>Where `--coverage` without a FILE writes: beside the violations, named after the scenario.</summary>
    public static string DefaultPath(string outDir, string scenario) => Path.Combine(outDir, OutputFiles.SafeName(scenario) + "-coverage.json");

    public static string Json(Coverage c, string scenario, string source, string strategy, ulong seed)
    {
        var designs = new JsonArray();
        foreach (var (name, d) in c.Designs)
        {
            designs.Add(new JsonObject
            {
                ["design"] = name,
                ["runs"] = d.Runs,
                ["outcomes"] = List(d.Outcomes, "outcome"),
                ["functions"] = List(d.Functions, "function"),
                ["cpu_states"] = new JsonArray([.. d.CpuStates.Select(s => (JsonNode)new JsonObject
                {
                    ["state"] = s.Key, ["runs"] = s.Value.Runs, ["cpus"] = d.CpuStateCpus.GetValueOrDefault(s.Key),
                    ["first_run"] = s.Value.FirstRun, ["first_seed"] = s.Value.FirstSeed,
                })]),
                ["locks_held"] = new JsonArray([.. d.LockHolders.Select(l =>
                {
                    var (lockName, holder) = SplitPair(l.Key);
                    return (JsonNode)new JsonObject
                    {
                        ["lock"] = lockName, ["holder_state"] = holder, ["runs"] = l.Value.Runs,
                        ["first_run"] = l.Value.FirstRun, ["first_seed"] = l.Value.FirstSeed,
                    };
                })]),
                ["known_bugs_hit"] = new JsonArray([.. KnownBugs.All.Where(b => d.Bugs.ContainsKey(b.Name)).Select(b => (JsonNode)new JsonObject
                {
                    ["name"] = b.Name, ["reference"] = b.Reference, ["runs"] = d.Bugs[b.Name].Runs,
                    ["first_run"] = d.Bugs[b.Name].FirstRun, ["first_seed"] = d.Bugs[b.Name].FirstSeed,
                })]),
                ["known_bugs_not_hit"] = new JsonArray([.. KnownBugs.All.Where(b => !d.Bugs.ContainsKey(b.Name)).Select(b => (JsonNode)b.Name)]),
            });
        }
        var root = new JsonObject
        {
            ["schema_version"] = SchemaVersion,
            ["scenario"] = scenario,
            ["source"] = source,
            ["strategy"] = strategy,
            ["seed"] = seed,
            ["runs"] = c.Runs,
            ["known_bugs"] = new JsonArray([.. KnownBugs.All.Select(b => (JsonNode)new JsonObject
            {
                ["name"] = b.Name, ["reference"] = b.Reference, ["description"] = b.Description,
            })]),
            ["designs"] = designs,
        };
        return root.ToJsonString(Options) + "\n";
    }

    /// <summary>The coverage for a person: one block per design.</summary>
    public static void Write(Coverage c, TextWriter o)
    {
        foreach (var (name, d) in c.Designs)
        {
            o.WriteLine(Inv($"coverage of {d.Runs:N0} runs, design {name}:"));
            o.WriteLine($"  outcomes: {Counts(d.Outcomes, d.Runs)}");
            o.WriteLine(Inv($"  kernel functions reached ({d.Functions.Count}): {string.Join(", ", d.Functions.Select(f => Inv($"{f.Key} {f.Value.Runs:N0}")))}"));
            o.WriteLine($"  CPU states at the stop (runs with one): {Counts(d.CpuStates, d.Runs)}");
            o.WriteLine($"  locks held at the stop (lock by holder state): {(d.LockHolders.Count == 0 ? "none" : string.Join(", ", d.LockHolders.Select(l => { var (lk, h) = SplitPair(l.Key); return Inv($"{lk} by {h} {l.Value.Runs:N0}"); })))}");
            var hit = KnownBugs.All.Where(b => d.Bugs.ContainsKey(b.Name)).ToArray();
            o.WriteLine(hit.Length == 0 ? "  known bugs hit: none" : "  known bugs hit:");
            foreach (var b in hit)
            {
                var h = d.Bugs[b.Name];
                o.WriteLine(Inv($"    {b.Name} ({b.Reference}): {h.Runs:N0} run{(h.Runs == 1 ? "" : "s")}, first run {h.FirstRun} (seed {h.FirstSeed})"));
            }
            var missed = KnownBugs.All.Where(b => !d.Bugs.ContainsKey(b.Name)).Select(b => b.Name).ToArray();
            if (missed.Length > 0) o.WriteLine($"  known bugs not hit: {string.Join(", ", missed)}");
        }
    }

    private static (string Lock, string Holder) SplitPair(string key)
    {
        var bar = key.IndexOf('|');
        return (key[..bar], key[(bar + 1)..]);
    }

    private static string Counts(SortedDictionary<string, Hits> counts, long runs) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(x => Inv($"{x.Key} {x.Value.Runs:N0} ({100.0 * x.Value.Runs / Math.Max(1, runs):0.##}%)")));

    private static JsonArray List(SortedDictionary<string, Hits> counts, string key) =>
        new([.. counts.Select(x => (JsonNode)new JsonObject
        {
            [key] = x.Key, ["runs"] = x.Value.Runs, ["first_run"] = x.Value.FirstRun, ["first_seed"] = x.Value.FirstSeed,
        })]);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>`explore --coverage [FILE]`: where to write (checked before the first run), and the writing.</summary>
public static class ExploreCoverage
{
    public const string Option = "--coverage";

    /// <summary>The file `--coverage` asks for (null: no coverage), checked writable.</summary>
    public static string? Path(Spectre.Console.Cli.FlagValue<string>? flag, string outDir, string scenario)
    {
        if (flag is not { IsSet: true }) return null;
        var path = string.IsNullOrEmpty(flag.Value) ? CoverageOutput.DefaultPath(outDir, scenario) : flag.Value;
        TraceFiles.CheckWritable(Option, path);
        return path;
    }

    public static void Write(Coverage? coverage, string? path, Config.ScenarioSpec spec, string strategy, ulong seed, TextWriter say)
    {
        if (coverage is null || path is null) return;
        CoverageOutput.Write(coverage, say);
        TraceFiles.Write(Option, path, CoverageOutput.Json(coverage, spec.Name, spec.Source, strategy, seed));
        say.WriteLine($"coverage: wrote {path}");
    }
}
