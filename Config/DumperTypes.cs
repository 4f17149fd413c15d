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

    /// <summary>ramoops.era / mtdoops.era: "auto" follows the design (the 2011 designs get the 2.6.38 drivers).</summary>
    public static IReadOnlyList<string> RamoopsEras { get; } = ["auto", "2.6.38", "pstore"];
    public static IReadOnlyList<string> MtdoopsEras { get; } = ["auto", "2.6.38", "current"];

    /// <summary>Designs whose dumpers are the 2.6.38 drivers when the era is "auto".</summary>
    public static bool Is2011Design(string design) =>
        design is "linux-2.6.38" or "vivek-2011" or "eric-2011";
}

/// <summary>What a <c>thirdparty</c> dumper does when kmsg_dump calls it.</summary>
public static class ThirdPartyBehaviours
{
    public static IReadOnlyList<string> Names { get; } =
        ["hang", "take-lock", "spin-irqs-off", "spin-irqs-on", "need-irq", "need-workqueue", "sleep", "slow-write", "fail", "reboot"];
}

/// <summary>The device faults <c>machine.faults</c> may inject (persistent RAM).</summary>
public static class FaultKinds
{
    public const string BitFlip = "bit-flip";        // one bit flips in each of `bytes` bytes from `offset`
    public const string WriteError = "write-error";  // from `at` on, the part rejects every store
    public const string SlowWrite = "slow-write";    // from `at` on, every store takes `bytes` times longer
    public const string PartialWrite = "partial-write"; // the next store lands only its first `bytes` bytes
    public const string PowerLoss = "power-loss";    // the machine loses power: reset, and unbacked RAM forgets

    public static IReadOnlyList<string> Names { get; } = [BitFlip, WriteError, SlowWrite, PartialWrite, PowerLoss];
}
