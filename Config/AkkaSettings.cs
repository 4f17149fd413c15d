using Akka.Configuration;

namespace ActorCrash.Config;

/// <summary>akka.hocon, embedded in this assembly: Akka's settings and the emulator's defaults.</summary>
public static class AkkaSettings
{
    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(AkkaSettings).Assembly.GetManifestResourceStream("akka.hocon")
            ?? throw new InvalidOperationException("akka.hocon is not embedded in ActorCrash.Config");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The text of akka.hocon as shipped.</summary>
    public static string HoconText => Text.Value;

    // Parsed once per process: `run` reads it on two threads at once (the scenario's defaults on the
    // main thread, the device system's settings on another; Cli/README.md, start-up). A Config is
    // immutable: GetConfig and WithFallback return new ones.
    private static readonly Lazy<Akka.Configuration.Config> Parsed = new(() => ConfigurationFactory.ParseString(HoconText));

    /// <summary>The configuration an ActorSystem is created with.</summary>
    public static Akka.Configuration.Config Load() => Parsed.Value;
}
