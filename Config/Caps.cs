namespace ActorCrash.Config;

/// <summary>
/// The largest inputs the emulator accepts. Every run must end and fit in memory: a livelocked machine
/// grows its trace and console by every step, so the step limit bounds a run's memory, the
/// virtual-time cap keeps every sum of times far from overflow, and a scenario file is text a person
/// writes, never megabytes.
/// </summary>
public static class Caps
{
    /// <summary>limits.steps at most: about 1 GiB of trace and console for a livelocked run.</summary>
    public const long MaxSteps = 10_000_000;

    /// <summary>Any duration (limits.virtual-time included) at most: 30 days of virtual time.</summary>
    public const long MaxDurationNs = 30L * 24 * 3_600_000_000_000;

    /// <summary>Persistent RAM and storage sizes at most (the emulator holds every device in memory): 16 MiB.</summary>
    public const long MaxDeviceBytes = 16L << 20;

    /// <summary>A per-byte cost at most: 1 s a byte.</summary>
    public const long MaxNsPerByte = 1_000_000_000;

    /// <summary>Said after a limit's range: why it has a cap.</summary>
    public const string Why = " (the emulator's cap: every run must end in bounded time and memory)";

    /// <summary>A scenario file at most: 1 MiB.</summary>
    public const int MaxScenarioBytes = 1 << 20;
}
