namespace ActorCrash.Hardware;

/// <summary>
/// A hardware watchdog (iTCO, SP5100, a BMC): counts on its own and resets the machine when nobody
/// pinged it within its timeout. The panic path pings only the software NMI watchdog, never this one
/// (domain reference §4.6).
/// </summary>
public sealed record HardwareWatchdog(bool Enabled, long TimeoutNs, long LastPingNs)
{
    public long ExpiresAtNs => LastPingNs + TimeoutNs;
}
