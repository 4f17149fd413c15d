namespace ActorCrash.Config;

/// <summary>The kmsg dumper types <c>machine.dumpers</c> may list.</summary>
public static class DumperTypes
{
    public const string Ramoops = "ramoops";

    public static IReadOnlyList<string> Names { get; } = [Ramoops];
}
