namespace ActorCrash.Config;

/// <summary>
/// A scenario that cannot be loaded, pointing at the file, line and key to fix:
/// <c>scenarios/x.hocon:7: machine.cpus: expected an integer from 1 to 4096, got "eight"</c>.
/// </summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string source, int line, string key, string expected, string problem)
        : base(Format(source, line, key, problem))
    {
        Source = source;
        base.Source = source;
        Line = line;
        Key = key;
        Expected = expected;
        Problem = problem;
    }

    /// <summary>The scenario file, or "built-in:NAME".</summary>
    public new string Source { get; }

    /// <summary>1-based line in <see cref="Source"/>; 0 when the value came from the defaults.</summary>
    public int Line { get; }

    /// <summary>Full dotted key, e.g. <c>machine.cpus</c> or <c>triggers[1].cpu</c>; empty when none applies.</summary>
    public string Key { get; }

    /// <summary>What a valid value or text would have been.</summary>
    public string Expected { get; }

    /// <summary>What is wrong, without the location (the message's last part).</summary>
    public string Problem { get; }

    private static string Format(string source, int line, string key, string problem)
    {
        var location = line > 0 ? $"{source}:{line}" : source;
        return key.Length > 0 ? $"{location}: {key}: {problem}" : $"{location}: {problem}";
    }
}
