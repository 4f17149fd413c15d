using ActorCrash.Hardware;
using Xunit;

namespace ActorCrash.Tests.Hardware;

/// <summary>
/// The local APIC on its own (Intel SDM vol. 3 ch. 10–11, domain reference §4.1): fixed-vector IPIs
/// wait in the IRR while IF=0, one bit per vector; NMIs ignore IF, are blocked while a handler runs
/// and at most one is latched; disable_local_APIC() drops fixed vectors but never NMIs.
/// </summary>
public class LocalApicTests
{
    [Fact]
    public void An_ipi_is_taken_at_once_when_interrupts_are_on()
    {
        var apic = new LocalApic();
        Assert.True(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.False(apic.HasPendingVector);
        Assert.Null(apic.TakePendingVector());
    }

    [Fact]
    public void With_interrupts_off_repeated_ipis_of_one_vector_coalesce_into_one_pending_bit()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.True(apic.HasPendingVector);
        Assert.Null(apic.TakePendingVector());  // still IF=0: nothing is taken

        apic.InterruptsEnabled = true;
        Assert.Equal(InterruptVector.Reboot, apic.TakePendingVector());
        Assert.Null(apic.TakePendingVector());   // three IPIs, one delivery
        Assert.False(apic.HasPendingVector);
    }

    [Fact]
    public void Two_ipis_of_one_vector_while_interrupts_are_off_still_leave_it_pending()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi(InterruptVector.Reboot);
        apic.AcceptIpi(InterruptVector.Reboot);
        apic.InterruptsEnabled = true;
        Assert.Equal(InterruptVector.Reboot, apic.TakePendingVector());
    }

    [Fact]
    public void Pending_vectors_are_taken_highest_first_and_each_once()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi(InterruptVector.Reboot);        // 0xf8
        apic.AcceptIpi(InterruptVector.CallFunction);  // 0xfc
        apic.InterruptsEnabled = true;
        Assert.Equal(InterruptVector.CallFunction, apic.TakePendingVector());
        Assert.Equal(InterruptVector.Reboot, apic.TakePendingVector());
        Assert.Null(apic.TakePendingVector());
    }

    [Fact]
    public void An_ipi_arriving_during_an_nmi_handler_waits_for_iret_even_with_interrupts_on()
    {
        var apic = new LocalApic();
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.Null(apic.TakePendingVector());
        Assert.False(apic.IretFromNmi());
        Assert.False(apic.InNmi);
        Assert.Equal(InterruptVector.Reboot, apic.TakePendingVector());
    }

    [Fact]
    public void Nmi_blocking_ends_at_iret_so_the_next_nmi_is_handled_again()
    {
        var apic = new LocalApic { InterruptsEnabled = false };  // NMIs ignore IF
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
        Assert.True(apic.InNmi);
        Assert.False(apic.IretFromNmi());
        Assert.False(apic.InNmi);
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
    }

    [Fact]
    public void One_nmi_is_latched_while_blocked_and_a_second_is_dropped()
    {
        var apic = new LocalApic();
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
        Assert.Equal(LocalApic.NmiAction.Latched, apic.AcceptNmi());
        Assert.True(apic.NmiLatched);
        Assert.Equal(LocalApic.NmiAction.Dropped, apic.AcceptNmi());

        Assert.True(apic.IretFromNmi());   // the latched one runs at once …
        Assert.True(apic.InNmi);           // … still blocked while it does
        Assert.False(apic.NmiLatched);
        Assert.Equal(LocalApic.NmiAction.Latched, apic.AcceptNmi());  // a new one can latch again
        Assert.True(apic.IretFromNmi());
        Assert.False(apic.IretFromNmi());  // the last IRET unblocks
        Assert.False(apic.InNmi);
    }

    [Fact]
    public void A_disabled_apic_drops_fixed_vectors_and_forgets_pending_ones_but_still_takes_nmis()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi(InterruptVector.Reboot);
        apic.Disable();
        Assert.False(apic.SoftwareEnabled);
        Assert.False(apic.HasPendingVector);
        apic.InterruptsEnabled = true;
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.False(apic.HasPendingVector);
        Assert.Null(apic.TakePendingVector());
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
    }

    [Fact]
    public void A_scenario_can_start_a_cpu_inside_an_nmi_handler()
    {
        var apic = new LocalApic();
        apic.EnterNmi();
        Assert.True(apic.InNmi);
        Assert.Equal(LocalApic.NmiAction.Latched, apic.AcceptNmi());
        Assert.False(apic.AcceptIpi(InterruptVector.Reboot));
    }

    [Fact]
    public void Reset_returns_every_part_of_the_state_to_power_on()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi(InterruptVector.Reboot);
        apic.AcceptNmi();
        apic.AcceptNmi();
        apic.Disable();
        apic.Reset();
        Assert.True(apic.InterruptsEnabled);
        Assert.False(apic.InNmi);
        Assert.False(apic.NmiLatched);
        Assert.True(apic.SoftwareEnabled);
        Assert.False(apic.HasPendingVector);
        Assert.True(apic.AcceptIpi(InterruptVector.Reboot));
        Assert.Equal(LocalApic.NmiAction.Handle, apic.AcceptNmi());
    }

    [Fact]
    public void Reset_clears_a_pending_vector_of_the_previous_run()
    {
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi(InterruptVector.CallFunction);
        apic.Reset();
        Assert.False(apic.HasPendingVector);
        Assert.Null(apic.TakePendingVector());
    }

    /// <summary>A self-IPI or timer tick the CPU raises itself: pending in its own IRR even with IF=1, taken highest vector first, and dropped by a disabled APIC.</summary>
    [Fact]
    public void A_locally_raised_vector_waits_in_the_irr_and_the_highest_is_taken_first()
    {
        var apic = new LocalApic();
        apic.RaiseLocal(InterruptVector.LocalTimer);
        apic.RaiseLocal(InterruptVector.IrqWork);
        apic.RaiseLocal(InterruptVector.IrqWork);   // coalesces

        Assert.True(apic.HasPendingVector);
        Assert.Equal(InterruptVector.IrqWork, apic.TakePendingVector());
        Assert.Equal(InterruptVector.LocalTimer, apic.TakePendingVector());
        Assert.Null(apic.TakePendingVector());
    }

    [Fact]
    public void A_locally_raised_vector_waits_out_an_nmi_handler_and_a_disabled_apic_drops_it()
    {
        var apic = new LocalApic();
        apic.EnterNmi();
        apic.RaiseLocal(InterruptVector.IrqWork);
        Assert.Null(apic.TakePendingVector());   // inside the NMI handler: not yet
        Assert.True(apic.HasPendingVector);

        apic.Disable();
        apic.RaiseLocal(InterruptVector.LocalTimer);
        Assert.False(apic.HasPendingVector);
    }

    [Fact]
    public void The_lowest_vector_the_kernel_uses_has_its_own_irr_bit()
    {
        // 0xc0 is the IRR window's first bit: a vector there and one at the top are both kept.
        var apic = new LocalApic { InterruptsEnabled = false };
        apic.AcceptIpi((InterruptVector)0xc0);
        apic.AcceptIpi(InterruptVector.CallFunction);
        apic.InterruptsEnabled = true;

        Assert.Equal(InterruptVector.CallFunction, apic.TakePendingVector());
        Assert.Equal((InterruptVector)0xc0, apic.TakePendingVector());
        Assert.Null(apic.TakePendingVector());
    }
}
