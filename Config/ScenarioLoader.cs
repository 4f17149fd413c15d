using ActorCrash.Config.Hocon;
using Akka.Configuration;
using AkkaConfig = Akka.Configuration.Config;

namespace ActorCrash.Config;

/// <summary>
/// Loads a scenario: a HOCON file whose keys are those under <c>actorcrash.scenario</c> in akka.hocon,
/// read over those defaults. Every bad input throws a <see cref="ScenarioException"/>.
/// Callers apply overrides such as <c>--seed</c> with <c>spec with { Seed = n }</c>.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>The built-in scenario <see cref="Default"/> loads.</summary>
    public const string DefaultName = "thread-2011";

    private const string BuiltInPrefix = "scenarios/", BuiltInSuffix = ".hocon";

    private static readonly AkkaConfig Defaults = AkkaSettings.Load().GetConfig("actorcrash.scenario");
    /// <summary>Every key a scenario may set (an experiment checks its scenario and fault actions with it).</summary>
    internal static readonly ScenarioKeys Keys = new(Defaults.Root);

    /// <summary>The built-in scenarios: the files of scenarios/, embedded in this assembly.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } =
    [
        .. typeof(ScenarioLoader).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(BuiltInPrefix, StringComparison.Ordinal) && n.EndsWith(BuiltInSuffix, StringComparison.Ordinal))
            .Select(n => n[BuiltInPrefix.Length..^BuiltInSuffix.Length])
            .Order(StringComparer.Ordinal),
    ];

    public static ScenarioSpec Default() => BuiltIn(DefaultName);

    public static ScenarioSpec BuiltIn(string name)
    {
        var source = $"built-in:{name}";
        if (!BuiltInNames.Contains(name))
            throw new ScenarioException(source, 0, "", $"one of {string.Join(", ", BuiltInNames)}",
                $"no such built-in scenario; the built-ins are {string.Join(", ", BuiltInNames)}");
        return LoadText(BuiltInText(name), source);
    }

    /// <summary>The HOCON text of a built-in scenario, as shipped in scenarios/.</summary>
    public static string BuiltInText(string name) => ReadResource(BuiltInPrefix + name + BuiltInSuffix);

    public static ScenarioSpec LoadFile(string path) => LoadText(InputFiles.ReadText(path, "the scenario"), path);

    /// <param name="sourceName">Names the text in errors and in <see cref="ScenarioSpec.Source"/>.</param>
    public static ScenarioSpec LoadText(string hocon, string sourceName)
    {
        if (hocon.Length > Caps.MaxScenarioBytes)
            throw new ScenarioException(sourceName, 0, "", "a scenario of at most 1 MiB",
                $"the scenario is larger than {Caps.MaxScenarioBytes / 1024} KiB, the limit on input files");
        var positions = HoconPositions.Scan(hocon, sourceName);
        Keys.Check(positions, (key, expected, problem) =>
            new ScenarioException(sourceName, positions.LineOf(key), key, expected, problem));
        var scenario = ParseChecked(hocon, sourceName);
        var reader = new FieldReader(sourceName, positions, scenario.WithFallback(Defaults));
        return ScenarioReader.Read(reader, sourceName);
    }

    // HoconPositions let through only well-formed text; this guards against Akka disagreeing anyway.
    private static AkkaConfig ParseChecked(string hocon, string sourceName)
    {
        try
        {
            // Akka misreads a comment that ends the text without a line break.
            return ConfigurationFactory.ParseString(hocon + "\n");
        }
        catch (Exception e)
        {
            throw new ScenarioException(sourceName, 0, "", "valid HOCON", $"cannot parse: {e.Message}");
        }
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing from {typeof(ScenarioLoader).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
