using ActorCrash.Hardware;
using Xunit;

namespace ActorCrash.Tests.Hardware;

/// <summary>
/// Device rules the other device-model tests leave open (issue 15): what QueryVariableInfo() reports
/// as free space, and the local APIC's NMI and IPI rules as the panic path's CPU stop depends on them.
/// </summary>
public class EfiQueryVariableInfoTests
{
    [Fact]
    public void Free_space_is_capacity_less_what_the_variables_hold_counting_a_rewritten_one_once()
    {
        var s = new EfiVariableStore(capacity: 100, maxVariableSize: 100);
        Assert.Equal(100, s.Free);
        s.SetVariable("dump-a", new byte[30]);
        Assert.Equal(70, s.Free);
        s.SetVariable("dump-a", new byte[45]);  // replaces 30 bytes
        Assert.Equal(55, s.Free);
        s.SetVariable("dump-b", new byte[55]);  // exactly fills it
        Assert.Equal(0, s.Free);
    }

    [Fact]
    public void A_full_store_reports_no_free_space_whatever_it_holds_and_a_write_error_does_not_hide_it()
    {
        var s = new EfiVariableStore(capacity: 100, maxVariableSize: 100);
        s.SetVariable("a", new byte[10]);
        s.Refusing = StoreRefusal.Full;
        Assert.Equal(0, s.Free);
        s.Refusing = StoreRefusal.WriteError;  // the firmware still reports its space; the write fails later
        Assert.Equal(90, s.Free);
        s.Refusing = StoreRefusal.None;
        Assert.Equal(90, s.Free);
    }
}
