namespace ActorCrash.Config;

/// <summary>
/// The built-in properties a scenario may require in <c>properties</c>; `actorcrash explore` checks
/// them on every run (ActorCrash.Actors.Exploration.Properties says what each one means).
/// </summary>
public static class PropertyNames
{
    public const string NoHang = "no-hang";
    public const string LogSaved = "log-saved";
    public const string Vmcore = "vmcore";
    public const string RebootInTime = "reboot-in-time";
    public const string SingleKexecOrRestart = "single-kexec-or-restart";
    public const string CrashKernelIntact = "crash-kernel-intact";
    public const string NvramNotTorn = "nvram-not-torn";
    public const string NoLockHeldByStopped = "no-lock-held-by-stopped";
    public const string OthersStopped = "others-stopped";

    public static IReadOnlyList<string> All { get; } =
        [NoHang, LogSaved, Vmcore, RebootInTime, SingleKexecOrRestart, CrashKernelIntact, NvramNotTorn, NoLockHeldByStopped, OthersStopped];

    // Custom properties over the milestones, written { before = [A, B] } and { eventually = A } in a
    // scenario; their name is their definition, so a violation file carries them like the built-ins.
    public const string BeforePrefix = "before: ", BeforeSeparator = " -> ", EventuallyPrefix = "eventually: ";

    /// <summary>Every milestone starting with <paramref name="then"/> comes after one starting with <paramref name="first"/>.</summary>
    public static string Before(string first, string then) => BeforePrefix + first + BeforeSeparator + then;

    /// <summary>Some milestone starts with <paramref name="what"/> by the end of the run.</summary>
    public static string Eventually(string what) => EventuallyPrefix + what;
}
