namespace ActorCrash.Actors;

/// <summary>
/// The emulator's version, saved in every violation file. Bump it whenever a change can alter a
/// trace for the same (scenario, design, strategy, seed, decisions): a replay that diverges under
/// another version is expected, under the same version it is a bug.
/// </summary>
public static class EmulatorVersion
{
    public const string Value = "0.13.0";  // 0.13: trace messages in TraceText form
}
