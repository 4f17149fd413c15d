using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    string? DecisionsSha256 = null)  // schema_version 1 only: of the decisions, lenient and removed_triggers (DecisionsDigest)
{
    /// <summary>
    /// The violation file's format (schemas/violation.schema.json); bumped on any incompatible change.
    /// 2: <see cref="FieldDigests"/> covers every field (1 had only <see cref="DecisionsSha256"/>).
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>
    /// Since schema_version 2: for every other field of the file, as <see cref="ToJson"/> writes it, the
    /// first 16 hex digits of the SHA-256 of its compact JSON value (<see cref="DigestFields"/>). A
    /// field whose value no longer matches, or that was added or removed, was edited by hand.
    /// </summary>
    [JsonPropertyOrder(1)]
    public IReadOnlyDictionary<string, string>? FieldDigests { get; init; }

    /// <summary>The name <see cref="FieldDigests"/> has in the file.</summary>
    public const string FieldDigestsName = "field_digests";

    /// <summary>The violation with <see cref="FieldDigests"/> computed over its other fields, as a file of this schema_version holds it.</summary>
    public Violation Sealed() => this with { DecisionsSha256 = null, FieldDigests = DigestFields() };

    /// <summary>What <see cref="FieldDigests"/> should hold for the violation as it stands: field name → digest of its JSON value.</summary>
    public IReadOnlyDictionary<string, string> DigestFields()
    {
        var node = JsonSerializer.SerializeToNode(this with { FieldDigests = null }, Options)!.AsObject();
        return new SortedDictionary<string, string>(
            node.ToDictionary(kv => kv.Key, kv => Sha256(kv.Value?.ToJsonString() ?? "null")[..16]), StringComparer.Ordinal);
    }

    /// <summary>
    /// The fields edited since the file was sealed: whose value changed (with the value now, when short),
    /// or that were added or removed; empty if none. Null when the file carries no digests.
    /// </summary>
    public IReadOnlyList<string>? EditedFields()
    {
        if (FieldDigests is not { } recorded) return null;
        var now = DigestFields();
        var node = JsonSerializer.SerializeToNode(this, Options)!.AsObject();
        var edited = new List<string>();
        foreach (var (field, digest) in now)
        {
            if (!recorded.TryGetValue(field, out var was)) edited.Add($"{field} (added)");
            else if (was != digest) edited.Add(node[field] is JsonValue v && v.ToJsonString() is { Length: <= 40 } shown ? $"{field} (now {shown})" : field);
        }
        edited.AddRange(recorded.Keys.Where(f => !now.ContainsKey(f)).Select(f => $"{f} (removed)"));
        return edited;
    }

    /// <summary>The digest <see cref="DecisionsSha256"/> holds (schema_version 1): over the decisions, lenient and the removed triggers.</summary>
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
