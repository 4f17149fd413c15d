namespace ActorCrash.Hardware;

/// <summary>
/// Why a device refuses stores after a fault (machine.faults): a write error (the kernel sees -EIO,
/// the firmware EFI_DEVICE_ERROR) or a full device (-ENOSPC, EFI_OUT_OF_RESOURCES). Refused bytes
/// are counted, never stored.
/// </summary>
public enum StoreRefusal { None, WriteError, Full }

public static class StoreRefusals
{
    /// <summary>"a write error" / "the device being full", for the storage report.</summary>
    public static string Describe(this StoreRefusal r) => r == StoreRefusal.Full ? "the device being full" : "a write error";

    /// <summary>The errno a driver returns for it (positive).</summary>
    public static int Errno(this StoreRefusal r) => r == StoreRefusal.Full ? 28 : 5;   // ENOSPC, EIO
}

/// <summary>
/// A storage device the fault harness can damage (machine.faults, <c>device = nvram | mtd | efi</c>).
/// Each device takes the faults its hardware can have; the scenario loader rejects the others.
/// </summary>
public interface IFaultableStore
{
    /// <summary>write-error / full: from now on every store is refused with this meaning.</summary>
    StoreRefusal Refusing { get; set; }

    /// <summary>slow-write: every store from now on takes this many times longer.</summary>
    int Slowdown { get; set; }

    /// <summary>partial-write: the next store lands only its first this-many bytes (0 = off).</summary>
    int PartialNextStore { get; set; }

    /// <summary>bit-flip: the bits of <paramref name="mask"/> flip in the byte at <paramref name="offset"/>.</summary>
    void FlipBits(int offset, byte mask);
}
