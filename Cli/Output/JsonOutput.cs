using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCrash.Actors;

namespace ActorCrash.Cli.Output;

/// <summary>A run for a program: the same result as JSON (enums as words, times in ns).</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(RunResult result, TextWriter o) => o.WriteLine(JsonSerializer.Serialize(result, Options));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
