namespace ActorCrash.Config;

/// <summary>The kmsg dumper types <c>machine.dumpers</c> may list.</summary>
public static class DumperTypes
{
    public const string Ramoops = "ramoops";
    public const string Mtdoops = "mtdoops";
    public const string ThirdParty = "thirdparty";
    public const string EfiPstore = "efi-pstore";
    public const string NvramConsole = "nvram-console";

    public static IReadOnlyList<string> Names { get; } = [Ramoops, Mtdoops, ThirdParty, EfiPstore, NvramConsole];

    /// <summary>
    /// ramoops.era / mtdoops.era: "auto" follows the design (the 2011 designs get the 2.6.38 ramoops, the
    /// designs before 6.x the 2.6.38 mtdoops); a newer driver than the design's kernel had is an error.
    /// </summary>
    public static IReadOnlyList<string> RamoopsEras { get; } = ["auto", "2.6.38", "pstore"];
    public static IReadOnlyList<string> MtdoopsEras { get; } = ["auto", "2.6.38", "current"];

    /// <summary>Designs whose dumpers are the 2.6.38 drivers when the era is "auto".</summary>
    public static bool Is2011Design(string design) =>
        design is "linux-2.6.38" or "vivek-2011" or "eric-2011";
}

/// <summary>What a scenario's panic notifier does when panic() calls the chain.</summary>
public static class PanicNotifierBehaviours
{
    public static IReadOnlyList<string> Names { get; } =
        ["return", "reboot", "hang", "take-lock", "spin-irqs-off", "spin-irqs-on", "slow", "need-irq", "sleep", "need-workqueue"];
}

/// <summary>What a <c>thirdparty</c> dumper does when kmsg_dump calls it.</summary>
public static class ThirdPartyBehaviours
{
    public static IReadOnlyList<string> Names { get; } =
        ["hang", "take-lock", "spin-irqs-off", "spin-irqs-on", "need-irq", "need-workqueue", "sleep", "slow-write", "fail", "reboot", "fault"];
}

/// <summary>
/// The device faults <c>machine.faults</c> may inject, and on which device (<c>device = nvram | mtd | efi</c>).
/// A fault is a kind (<see cref="FaultSpec.Fault"/>) on a device (<see cref="FaultSpec.Device"/>).
/// </summary>
public static class FaultKinds
{
    public const string BitFlip = "bit-flip";        // one bit flips in each of `bytes` bytes from `offset`
    public const string WriteError = "write-error";  // from `at` on, the part rejects every store (EIO, EFI_DEVICE_ERROR)
    public const string SlowWrite = "slow-write";    // from `at` on, every store takes `bytes` times longer
    public const string PartialWrite = "partial-write"; // the next store lands only its first `bytes` bytes
    public const string Full = "full";               // from `at` on, every store fails for want of space (ENOSPC, EFI_OUT_OF_RESOURCES)
    public const string PowerLoss = "power-loss";    // the machine loses power: reset, and unbacked RAM forgets

    public static IReadOnlyList<string> Names { get; } = [BitFlip, WriteError, SlowWrite, PartialWrite, Full, PowerLoss];

    public const string Nvram = "nvram";
    public const string Mtd = "mtd";
    public const string Efi = "efi";

    public static IReadOnlyList<string> Devices { get; } = [Nvram, Mtd, Efi];

    /// <summary>
    /// The faults each device takes. The EFI variable store has no partial writes (the firmware's
    /// fault-tolerant write) and checks its variables, so no bit flips read back.
    /// </summary>
    public static IReadOnlyList<string> On(string device) => device switch
    {
        Mtd => [BitFlip, WriteError, SlowWrite, PartialWrite, Full],
        Efi => [WriteError, SlowWrite, Full],
        _ => Names,
    };

    /// <summary>The dumper whose device it is (the device exists only if that dumper is listed); null for nvram.</summary>
    public static string? DumperOf(string device) => device switch
    {
        Mtd => DumperTypes.Mtdoops,
        Efi => DumperTypes.EfiPstore,
        _ => null,
    };
}
