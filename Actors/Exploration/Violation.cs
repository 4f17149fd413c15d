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
    IReadOnlyList<int>? RemovedTriggers = null,   // indices into the scenario's triggers that shrink removed
    string? ScenarioText = null,     // the scenario's HOCON as it ran: the file replays from anywhere
    string? EmulatorVersion = null,  // Actors.EmulatorVersion of the run
    string? DecisionsSha256 = null)  // of the decisions, as DecisionsDigest writes them: an edit is told from a divergence
{
    /// <summary>The violation file's format (schemas/violation.schema.json); bumped on any incompatible change.</summary>
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The digest <see cref="DecisionsSha256"/> holds: over the decisions, lenient and the removed triggers.</summary>
    public static string DecisionsDigest(IReadOnlyList<long> decisions, bool lenient, IReadOnlyList<int>? removed) =>
        Sha256($"{string.Join(",", decisions)}|lenient={lenient}|removed={string.Join(",", removed ?? [])}");

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
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
