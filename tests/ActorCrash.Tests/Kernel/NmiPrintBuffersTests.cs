using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Kernel;

/// <summary>nmi_print_seq across the runs of one machine: a run starts with every CPU's buffer empty, whichever CPUs printed in NMI context before.</summary>
public class NmiPrintBuffersTests
{
    [Fact]
    public void A_reset_empties_every_buffer_written_since_the_last_one()
    {
        var seq = new NmiPrintBuffers(4);
        seq[1].Add(("a", 4));
        seq[3].Add(("b", 4));
        seq[3].Add(("c", 4));

        seq.Reset();

        Assert.All(seq, buffer => Assert.Empty(buffer));
    }

    [Fact]
    public void A_buffer_written_again_after_a_reset_is_emptied_by_the_next_reset()
    {
        var seq = new NmiPrintBuffers(4);
        for (var run = 0; run < 3; run++)
        {
            seq[2].Add(($"run {run}", 4));
            Assert.Equal(new[] { ($"run {run}", 4) }, seq[2]);   // only this run's line
            seq.Reset();
        }
        Assert.All(seq, buffer => Assert.Empty(buffer));
    }

    [Fact]
    public void Every_cpu_has_its_own_buffer_in_cpu_order()
    {
        var seq = new NmiPrintBuffers(3);
        seq[0].Add(("zero", 4));
        seq[2].Add(("two", 4));

        Assert.Equal(3, seq.Count);
        Assert.Equal(new[] { "zero", "", "two" }, seq.Select(b => string.Join(",", b.Select(l => l.Text))));
    }
}
