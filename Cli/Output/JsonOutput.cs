using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ActorCrash.Actors;

namespace ActorCrash.Cli.Output;

/// <summary>
/// Every JSON output (run, compare, explore, replay, shrink): snake_case field names, enums as
/// snake_case words, times in ns, and <c>schema_version</c> first. Each output's shape is a JSON
/// Schema in schemas/; a renamed or removed field is a new schema version (the golden tests fail).
/// </summary>
public static class JsonOutput
{
    /// <summary>The version of every JSON output's schema (schemas/*.schema.json).</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new HeldLockConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,  // "a < b", not "a \u003C b": read by people too
    };

    public static void Write(RunResult result, TextWriter o) => o.WriteLine(Serialize(result));

    /// <summary><paramref name="value"/> as JSON with <c>schema_version</c> as its first field.</summary>
    public static string Serialize<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, Options)!.AsObject();
        var versioned = new JsonObject { ["schema_version"] = SchemaVersion };
        foreach (var (key, child) in node.ToList())
        {
            node.Remove(key);
            versioned[key] = child;
        }
        return versioned.ToJsonString(Options);
    }

    /// <summary>HeldLock carries its holder's fate as the enum's name: written as the enums are, snake_case.</summary>
    private sealed class HeldLockConverter : JsonConverter<HeldLock>
    {
        public override HeldLock Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("outputs are written, not read");

        public override void Write(Utf8JsonWriter writer, HeldLock value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("lock", value.Lock);
            writer.WriteNumber("cpu", value.Cpu);
            writer.WriteString("holder_fate", JsonNamingPolicy.SnakeCaseLower.ConvertName(value.HolderFate));
            writer.WriteEndObject();
        }
    }
}
