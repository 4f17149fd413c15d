namespace ActorCrash.Hardware;

/// <summary>
/// One CPU's interrupt acceptance: the IF flag, the local APIC's IRR for fixed vectors, and NMI
/// blocking. Pure state: the CPU actor asks it what to do with an arriving interrupt.
/// Fixed-vector IPIs are maskable: while IF=0 they stay pending, one bit per vector, so repeats
/// coalesce. NMIs ignore IF; while an NMI handler runs further NMIs are blocked until IRET, and at
/// most one is latched (Intel SDM vol. 3, ch. 10/11; domain reference §4.1).
/// </summary>
public sealed class LocalApic
{
    private ulong _pendingVectors;  // bit v = vector (v + 0xc0) pending in IRR: the vectors 0xc0–0xff the kernel's IPIs and the local timer use

    public bool InterruptsEnabled { get; set; } = true;
    public bool InNmi { get; private set; }
    public bool NmiLatched { get; private set; }

    /// <summary>disable_local_APIC(): fixed-vector IPIs are no longer accepted; NMIs still are.</summary>
    public bool SoftwareEnabled { get; private set; } = true;

    public void Reset()
    {
        _pendingVectors = 0;
        InterruptsEnabled = true;
        InNmi = false;
        NmiLatched = false;
        SoftwareEnabled = true;
    }

    public void Disable()
    {
        SoftwareEnabled = false;
        _pendingVectors = 0;
    }

    public bool HasPendingVector => _pendingVectors != 0;

    /// <summary>An IPI arrives: true if the CPU takes it now; otherwise it is pending (or dropped by a disabled APIC).</summary>
    public bool AcceptIpi(InterruptVector vector)
    {
        if (!SoftwareEnabled) return false;
        if (InterruptsEnabled && !InNmi) return true;
        _pendingVectors |= Bit(vector);
        return false;
    }

    /// <summary>IF just became 1 (or an NMI handler returned): the highest pending vector to take now, if any.</summary>
    public InterruptVector? TakePendingVector()
    {
        if (!InterruptsEnabled || InNmi || _pendingVectors == 0) return null;
        var bit = 63 - System.Numerics.BitOperations.LeadingZeroCount(_pendingVectors);
        _pendingVectors &= ~(1UL << bit);
        return (InterruptVector)(bit + VectorBase);
    }

    /// <summary>
    /// A self-IPI (x86 apic->send_IPI_self(), arch_irq_work_raise()) or the local APIC timer: the
    /// vector is set in this CPU's IRR and taken at the next instruction boundary with IF=1 outside an
    /// NMI handler (the CPU checks between ops); a software-disabled APIC accepts none.
    /// </summary>
    public void RaiseLocal(InterruptVector vector)
    {
        if (SoftwareEnabled) _pendingVectors |= Bit(vector);
    }

    public enum NmiAction { Handle, Latched, Dropped }

    /// <summary>An NMI arrives.</summary>
    public NmiAction AcceptNmi()
    {
        if (!InNmi)
        {
            InNmi = true;
            return NmiAction.Handle;
        }
        if (NmiLatched) return NmiAction.Dropped;
        NmiLatched = true;
        return NmiAction.Latched;
    }

    /// <summary>IRET from an NMI handler: true if a latched NMI must be handled at once.</summary>
    public bool IretFromNmi()
    {
        if (NmiLatched)
        {
            NmiLatched = false;
            return true;  // still InNmi: the latched one runs now
        }
        InNmi = false;
        return false;
    }

    /// <summary>Marks the CPU as already inside an NMI handler (a scenario's initial state).</summary>
    public void EnterNmi() => InNmi = true;

    private const int VectorBase = 0xc0;

    // Stryker disable once Arithmetic : a ulong shift counts mod 64 and VectorBase (0xc0) is 3 × 64, so v + 0xc0 and v − 0xc0 pick the same bit
    private static ulong Bit(InterruptVector v) => 1UL << ((int)v - VectorBase);
}
