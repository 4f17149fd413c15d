using System.Text.Json;
using ActorCrash.Actors.Tracing;
using ActorCrash.Config;
using Json.Schema;
using Xunit;

namespace ActorCrash.Tests.Tracing;

/// <summary>Helpers of the trace and coverage tests: scenarios, recorded runs, schema checks.</summary>
internal static class TraceKit
{
    public static ScenarioSpec BuiltIn(string name, string? design = null, string extra = "")
    {
        var text = ScenarioLoader.BuiltInText(name);
        if (design is not null) text = ActorCrash.Cli.Commands.DesignComparison.WithDesign(text, design);
        return ScenarioLoader.LoadText(text + "\n" + extra, "built-in:" + name);
    }

    public static RecordedRun Record(string name, ulong seed = 1, string? design = null, string extra = "") =>
        RecordedRun.Record(BuiltIn(name, design, extra), seed);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new();

    public static string RepoRoot() => ActorCrash.Tests.Hardening.CliHardeningTests.RepoRoot();

    /// <summary>Validates <paramref name="json"/> against schemas/NAME.schema.json (draft 2020-12, JsonSchema.Net).</summary>
    public static void MatchesSchema(string name, string json)
    {
        // A schema registers its $id once per process: build each one once.
        var schema = Schemas.GetOrAdd(name, n => new Lazy<JsonSchema>(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoRoot(), "schemas", $"{n}.schema.json"))))).Value;
        using var doc = JsonDocument.Parse(json);
        var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{name}: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Take(5).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")));
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"actorcrash-viz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
