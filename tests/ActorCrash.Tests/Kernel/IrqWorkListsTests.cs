using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Kernel;

/// <summary>kernel/irq_work.c's per-CPU lists as <see cref="IrqWorkLists"/> keeps them: claim, llist_del_all, and the per-run reset.</summary>
public class IrqWorkListsTests
{
    [Fact]
    public void An_item_already_pending_is_not_claimed_again()
    {
        var lists = new IrqWorkLists(4);

        Assert.True(lists.Claim(2, IrqWorkItem.KlogdOutput));
        Assert.False(lists.Claim(2, IrqWorkItem.KlogdOutput));
        Assert.True(lists.Claim(2, IrqWorkItem.PrintkNmiFlush));   // another item on the same CPU
        Assert.True(lists.Claim(3, IrqWorkItem.KlogdOutput));      // the same item on another CPU
        Assert.Equal(IrqWorkItem.KlogdOutput | IrqWorkItem.PrintkNmiFlush, lists.Queued(2));
    }

    [Fact]
    public void Taking_a_list_leaves_the_other_and_lets_the_item_be_queued_again()
    {
        var lists = new IrqWorkLists(2);
        lists.Claim(1, IrqWorkItem.KlogdOutput);
        lists.Claim(1, IrqWorkItem.PrintkNmiFlush);

        Assert.Equal(IrqWorkItem.KlogdOutput, lists.Take(1, IrqWorkItem.KlogdOutput));
        Assert.Equal(IrqWorkItem.PrintkNmiFlush, lists.Queued(1));
        Assert.Equal(IrqWorkItem.None, lists.Take(1, IrqWorkItem.KlogdOutput));
        Assert.True(lists.Claim(1, IrqWorkItem.KlogdOutput));
    }

    [Fact]
    public void A_reset_empties_every_cpu_queued_on_also_after_a_take()
    {
        var lists = new IrqWorkLists(3);
        lists.Claim(0, IrqWorkItem.PrintkNmiFlush);
        lists.Claim(2, IrqWorkItem.KlogdOutput);
        lists.Claim(2, IrqWorkItem.PrintkNmiFlush);
        lists.Take(0, IrqWorkItem.PrintkNmiFlush);
        lists.Claim(0, IrqWorkItem.KlogdOutput);   // queued again after it ran

        lists.Reset();

        Assert.All(new[] { 0, 1, 2 }, cpu => Assert.Equal(IrqWorkItem.None, lists.Queued(cpu)));
        Assert.True(lists.Claim(0, IrqWorkItem.KlogdOutput));
        lists.Reset();
        Assert.Equal(IrqWorkItem.None, lists.Queued(0));   // listed again after the first reset
    }
}
