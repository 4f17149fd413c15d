using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// Snapshots of the text and JSON outputs of run, compare, explore, replay and shrink (Golden/),
/// and each JSON output checked against its schema in schemas/: a renamed, added or dropped field
/// fails here. Wall-clock figures and temporary paths are masked. ACTORCRASH_UPDATE_GOLDEN=1 rewrites.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class GoldenOutputTests
{
    private const string Race = "built-in:race-dumper-blocks-kdump";

    private static CliHarness.Result Ok(int exit, params string[] args)
    {
        var r = CliHarness.Run(args);
        Assert.True(r.Exit == exit, $"exit {r.Exit}, expected {exit}: {r.Err}");
        return r;
    }

    [Fact]
    public void Run_text_and_json()
    {
        CliHarness.Golden("run.txt", Ok(0, "run", "--seed", "2", "--trace").Out);
        var json = Ok(0, "run", "built-in:k1-two-cpus-panic", "--json").Out;
        CliHarness.Golden("run.json", json);
        MatchesSchema("run", json);
    }

    [Fact]
    public void Compare_text_json_and_csv()
    {
        string[] args = ["compare", "built-in:k1-two-cpus-panic", "--seeds", "1..5"];
        CliHarness.Golden("compare.txt", Ok(0, args).Out);
        var json = Ok(0, [.. args, "--json"]).Out;
        CliHarness.Golden("compare.json", json);
        MatchesSchema("compare", json);
        CliHarness.Golden("compare.csv", Ok(0, [.. args, "--csv"]).Out);
    }

    [Fact]
    public void Explore_replay_and_shrink_text_and_json()
    {
        var dir = CliHarness.TempDir("golden");
        CliHarness.Golden("explore.txt", Ok(1, "explore", Race, "--strategy", "random", "--runs", "20000", "--out", dir).Out);
        var file = Directory.GetFiles(dir, "*.json").Single();
        MatchesSchema("violation", File.ReadAllText(file));
        var json = Ok(1, "explore", Race, "--strategy", "random", "--runs", "20000", "--out", dir, "--json").Out;
        CliHarness.Golden("explore.json", json);
        MatchesSchema("explore", json);

        CliHarness.Golden("replay.txt", Ok(1, "replay", file, "--trace").Out);
        json = Ok(1, "replay", file, "--json").Out;
        CliHarness.Golden("replay.json", json);
        MatchesSchema("replay", json);

        CliHarness.Golden("shrink.txt", Ok(1, "shrink", file).Out);
        json = Ok(1, "shrink", file, "--json").Out;
        CliHarness.Golden("shrink.json", json);
        MatchesSchema("shrink", json);
        MatchesSchema("violation", File.ReadAllText(file[..^5] + ".min.json"));
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// The output has the schema_version its schema names, every field its schema requires, and no field the schema does
    /// not declare — at the top level and in the objects of its arrays and objects (one level down).
    /// </summary>
    private static void MatchesSchema(string name, string json)
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(CliHardeningTests.RepoRoot(), "schemas", $"{name}.schema.json")))!;
        var doc = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(schema["properties"]!["schema_version"]!["const"]!.GetValue<int>(), doc["schema_version"]!.GetValue<int>());
        CheckObject(name, schema, doc, depth: 0);
    }

    private static void CheckObject(string where, JsonNode schema, JsonObject value, int depth)
    {
        var declared = schema["properties"]!.AsObject();
        foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            Assert.True(value.ContainsKey(required), $"{where}: required field {required} is missing");
        foreach (var (key, child) in value)
        {
            Assert.True(declared.ContainsKey(key), $"{where}: field {key} is not in the schema");
            if (depth > 1 || child is null) continue;
            var sub = declared[key]!;
            if (child is JsonObject o && sub["properties"] is not null) CheckObject($"{where}.{key}", sub, o, depth + 1);
            if (child is JsonArray a && sub["items"]?["properties"] is not null)
                foreach (var item in a.OfType<JsonObject>()) CheckObject($"{where}.{key}[]", sub["items"]!, item, depth + 1);
        }
    }
}
