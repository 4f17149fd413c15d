using System.Text.Json.Nodes;
using ActorCrash.Actors.Exploration;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// Violation files of schema_version 2 carry a digest of every field (field_digests): a hand edit of
/// any field replay depends on or reports is exit 2 naming the file, the field and that it was
/// edited; a file sealed as written whose trace no longer comes out is a divergence, exit 3.
/// Files of schema_version 1 still replay, with their one digest of the decisions.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class ViolationDigestTests
{
    private static readonly Lazy<string> Found = new(() =>
    {
        var dir = CliHarness.TempDir("digest");
        var r = CliHarness.Run("explore", "built-in:race-dumper-blocks-kdump", "--strategy", "random", "--runs", "20000", "--out", dir);
        Assert.Equal(1, r.Exit);
        return File.ReadAllText(Directory.GetFiles(dir, "*.json").Order().Last());
    });

    private static string Write(string json)
    {
        var file = Path.Combine(CliHarness.TempDir("digest-edit"), "v.json");
        File.WriteAllText(file, json);
        return file;
    }

    private static JsonObject FoundObject() => JsonNode.Parse(Found.Value)!.AsObject();

    [Fact]
    public void A_written_file_has_schema_version_2_and_a_digest_of_every_field()
    {
        var o = FoundObject();
        Assert.Equal(2, o["schema_version"]!.GetValue<int>());
        Assert.Null(o["decisions_sha256"]);
        var digests = o["field_digests"]!.AsObject();
        Assert.Equal(o.Select(kv => kv.Key).Where(k => k != "field_digests").Order(), digests.Select(kv => kv.Key).Order());
        Assert.Equal(1, CliHarness.Run("replay", Write(Found.Value)).Exit);
    }

    [Theory]
    [InlineData("seed", "278", "seed (now 278)")]
    [InlineData("strategy", "\"pct\"", "strategy (now \"pct\")")]
    [InlineData("trace_sha256", "\"0000000000000000000000000000000000000000000000000000000000000000\"", "trace_sha256")]
    [InlineData("property", "\"no-hang\"", "property (now \"no-hang\")")]
    [InlineData("design", "\"linux-6.x\"", "design (now \"linux-6.x\")")]
    [InlineData("scenario", "\"built-in:thread-2011\"", "scenario")]
    [InlineData("scenario_sha256", "\"00\"", "scenario_sha256 (now \"00\")")]
    [InlineData("message", "\"vmcore violated: edited\"", "message")]
    [InlineData("run", "1", "run (now 1)")]
    [InlineData("trace_length", "3", "trace_length (now 3)")]
    [InlineData("lenient", "true", "lenient (now true)")]
    [InlineData("removed_triggers", "[0]", "removed_triggers (added)")]
    [InlineData("emulator_version", "\"0.12.0\"", "emulator_version (now \"0.12.0\")")]
    [InlineData("decisions", "[0, 0, 0]", "decisions")]
    [InlineData("schema_version", "1", "schema_version (now 1)")]
    [InlineData("decisions_sha256", "\"00\"", "decisions_sha256 (added)")]
    [InlineData("-message", "", "message (removed)")]
    [InlineData("-field_digests", "", "field_digests is missing")]
    public void Editing_any_field_is_exit_2_naming_the_file_and_the_field(string field, string value, string says)
    {
        var o = FoundObject();
        if (field.StartsWith('-')) o.Remove(field[1..]);
        else o[field] = JsonNode.Parse(value);
        var file = Write(o.ToJsonString());
        foreach (var verb in new[] { "replay", "shrink" })
        {
            var r = CliHarness.Run(verb, file);
            Assert.True(r.Exit == 2, $"{verb} exit {r.Exit}: {r.Err}");
            Assert.Contains($"{file}: {field.TrimStart('-')}: ", r.Err);
            Assert.Contains("was edited", r.Err);
            Assert.Contains(says, r.Err);
            Assert.DoesNotContain("internal error", r.Err);
        }
    }

    [Fact]
    public void Reformatting_the_file_is_no_edit()
    {
        Assert.Equal(1, CliHarness.Run("replay", Write(FoundObject().ToJsonString())).Exit);  // compact, not indented
    }

    [Fact]
    public void A_sealed_file_whose_trace_no_longer_comes_out_is_a_divergence_exit_3()
    {
        // As if this emulator traced otherwise than the one that wrote the file: every digest matches.
        var v = Violation.FromJson(Found.Value);
        var file = Write((v with { TraceSha256 = new string('0', 64) }).Sealed().ToJson());
        var r = CliHarness.Run("replay", file);
        Assert.Equal(3, r.Exit);
        Assert.Contains("diverged", r.Err);
        Assert.DoesNotContain("was edited", r.Err);
    }

    private static string AsSchemaVersion1(Violation v) =>
        (v with { FieldDigests = null, SchemaVersion = 1, DecisionsSha256 = Violation.DecisionsDigest(v.Decisions, v.Lenient, v.RemovedTriggers) }).ToJson();

    [Fact]
    public void A_schema_version_1_file_still_replays_and_its_edited_decisions_are_exit_2()
    {
        var v = Violation.FromJson(Found.Value);
        var old = AsSchemaVersion1(v);
        Assert.DoesNotContain("field_digests", old);
        Assert.Equal(1, CliHarness.Run("replay", Write(old)).Exit);

        var edited = CliHarness.Run("replay", Write(AsSchemaVersion1(v).Replace("\"lenient\": false", "\"lenient\": true")));
        Assert.Equal(2, edited.Exit);
        Assert.Contains("decisions_sha256", edited.Err);

        var unsealed = JsonNode.Parse(old)!.AsObject();
        unsealed.Remove("decisions_sha256");
        var missing = CliHarness.Run("replay", Write(unsealed.ToJsonString()));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("decisions_sha256 is missing", missing.Err);
    }
}
