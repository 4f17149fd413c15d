using ActorCrash.Actors.Runtime;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The room a pending message takes (issue 15): it is given back when the message is delivered or
/// withdrawn, so a run may post any number of messages over its life and the limit counts only those
/// pending at once; a handle kept from an earlier run withdraws nothing of the next; a message
/// withdrawn while it waits in the queue is never gathered into a tie group; a group that grows by
/// posts after picks from its front still comes out in send order.
/// </summary>
public class PendingSlotTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Hit(int N) : Message;

    private readonly MachineRuntime _rt = new();
    private readonly List<int> _delivered = [];
    private readonly ActorId _d;
    private Action<int> _onHit = _ => { };

    public PendingSlotTests()
    {
        _d = _rt.Register("d", RuntimeKit.CallbackDevice(Sys, m =>
        {
            if (m is not Hit h) return;
            _delivered.Add(h.N);
            _onHit(h.N);
        }), resetAtStart: false);
    }

    [Fact]
    public void A_handle_kept_from_the_last_run_withdraws_nothing_of_this_one()
    {
        // A device that armed a timer in the last run and cancels it in this one (it kept the handle
        // over the reset): the new run's messages, which reuse the old one's room, are untouched.
        _rt.Start(new ScriptedPicks(), 1);
        _rt.Send(_d, _d, new Hit(1), 1);
        _rt.Send(_d, _d, new Hit(2), 2);
        var stale = _rt.Send(_d, _d, new Hit(3), 5);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(4, 100));   // Hit 3 still pending when the run ends

        _delivered.Clear();
        var picks = new ScriptedPicks();
        _rt.Start(picks, 2);
        _onHit = n =>
        {
            if (n != 10) return;
            _rt.Send(_d, _d, new Hit(12), 0);   // joins the group at t=5 as the third message sent in this run
            _rt.Cancel(stale);
        };
        _rt.Send(_d, _d, new Hit(10), 5);
        _rt.Send(_d, _d, new Hit(11), 5);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal([10, 11, 12], _delivered);
        Assert.Equal(new[] { new long[] { 1, 2 }, [2, 3] }, picks.Offered);
        _rt.Cancel(stale);   // and after the run, with the room free: nothing, no failure
        _rt.Cancel(1L << 24 | 300);   // a handle (seq 1, slot 300: the low 24 bits) naming room never used
    }

    [Fact]
    public void A_message_withdrawn_while_it_waits_in_the_queue_is_not_gathered_into_its_instants_group()
    {
        var picks = new ScriptedPicks(1);
        _rt.Start(picks, 1);
        var handles = Enumerable.Range(1, 5).Select(n => _rt.Send(_d, _d, new Hit(n), 5)).ToArray();
        _rt.Cancel(handles[1]);
        _rt.Cancel(handles[3]);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal([3, 5, 1], _delivered);   // the second of [1, 3, 5], then the second of [1, 5]
        Assert.Equal(new[] { new long[] { 1, 3, 5 }, [1, 5] }, picks.Offered);
    }

    [Fact]
    public void A_full_group_that_grows_after_picks_from_its_front_comes_out_in_send_order()
    {
        // Eight at t=5 fill the tie buffer; each of the first four delivered posts one more for t=5,
        // after the front pick has left room below the group only.
        var picks = new ScriptedPicks();
        _rt.Start(picks, 1);
        var next = 100;
        _onHit = n =>
        {
            if (n < 4) _rt.Send(_d, _d, new Hit(next++), 0);
        };
        for (var i = 0; i < 8; i++) _rt.Send(_d, _d, new Hit(i), 5);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103], _delivered);
        Assert.Equal([8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2], picks.Offered.Select(o => o.Length));
        Assert.Equal([5L, 6, 7, 8, 9, 10, 11, 12], picks.Offered[4]);
    }

    [Fact]
    public void The_limit_counts_messages_pending_at_once_not_messages_sent()
    {
        const int max = 1 << 24;
        _rt.Start(new ScriptedPicks(), 1);
        var hit = new Hit(0);
        for (var i = 1; i <= max; i++) _rt.Send(_d, _d, hit, i);
        var full = Assert.Throws<InvalidOperationException>(() => _rt.Send(_d, _d, hit, max + 1));
        Assert.Equal($"more than {max} messages pending at once", full.Message);

        Assert.Equal(RunEnd.TimeLimit, _rt.Run(2, 100));   // two delivered: room for two more
        _rt.Send(_d, _d, hit, max + 1);
        _rt.Send(_d, _d, hit, max + 2);
        Assert.Throws<InvalidOperationException>(() => _rt.Send(_d, _d, hit, max + 3));
        Assert.Equal(2, _rt.Steps);
        Assert.Equal(2, _delivered.Count);
    }
}
