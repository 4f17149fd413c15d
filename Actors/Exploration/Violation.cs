using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// A run that broke a property, as saved by `explore` and read by `replay` and `shrink`: enough to
/// reproduce it exactly. The run is identified by (scenario, design, strategy, seed); its
/// <see cref="Decisions"/> are the truth (a replay feeds them back, whatever the strategy was).
/// <see cref="Lenient"/> lists (from `shrink`) fall back to the default choice (first due message,
/// minimum) where the list runs out or a value no longer fits.
/// </summary>
public sealed record Violation(
    string Scenario,                 // file path, or built-in:NAME
    string? ScenarioSha256,          // of the scenario file's text, when it is a file
    string Design,
    string Strategy,
    ulong Seed,
    long Run,
    string Property,
    string Message,
    IReadOnlyList<long> Decisions,
    string TraceSha256,
    int TraceLength,
    bool Lenient = false,
    IReadOnlyList<int>? RemovedTriggers = null)   // indices into the scenario's triggers that shrink removed
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static Violation FromJson(string json) =>
        JsonSerializer.Deserialize<Violation>(json, Options) ?? throw new JsonException("empty violation file");

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The trace of the machine's last run as text, one delivery a line, and its hash.</summary>
    public static (string Text, int Lines) TraceText(Machine machine)
    {
        var trace = machine.Report(trace: true).Trace!;
        var b = new StringBuilder();
        foreach (var line in trace) b.Append(line).Append('\n');
        return (b.ToString(), trace.Count);
    }
}
