using ActorCrash.Actors.Runtime;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// What the caller may do between a run stopped by a limit and its resume (issue 15): post and
/// withdraw messages. A message posted then is delivered in due-time order with the ones left
/// pending, even when the stopped run had already gathered the next instant's tie group; a resume
/// offers that group again, whole, in send order.
/// </summary>
public class ResumeAfterLimitTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Ping(int N) : Message;

    private readonly MachineRuntime _rt = new();
    private readonly ActorId _a;
    private readonly ScriptedPicks _picks = new();

    public ResumeAfterLimitTests()
    {
        _a = _rt.Register("a", CreateTestProbe().Ref, resetAtStart: false);
        _rt.Start(_picks, 1);
    }

    private string[] Delivered() => [.. _rt.Trace.Select(t => $"{t.Time} {((Ping)t.Message).N}")];

    [Fact]
    public void A_message_posted_after_a_time_limit_for_before_the_next_tie_group_comes_first()
    {
        _rt.Send(_a, _a, new Ping(1), 10);
        _rt.Send(_a, _a, new Ping(2), 10);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(5, 100));   // the group at t=10 was gathered, then the limit
        Assert.Equal(5, _rt.Now);
        _rt.Send(_a, _a, new Ping(3), 0);                  // due at t=5, before the group
        _rt.Send(_a, _a, new Ping(4), 2);                  // due at t=7
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["5 3", "7 4", "10 1", "10 2"], Delivered());
        Assert.Equal(new[] { new long[] { 1, 2 }, [1, 2] }, _picks.Offered);   // asked at the limit, and again on resume
    }

    [Fact]
    public void A_message_posted_after_a_step_limit_for_before_the_next_tie_group_comes_first()
    {
        _rt.Send(_a, _a, new Ping(0), 1);
        for (var i = 1; i <= 3; i++) _rt.Send(_a, _a, new Ping(i), 20);
        Assert.Equal(RunEnd.StepLimit, _rt.Run(1_000, 1));   // delivered t=1, then gathered the group at t=20
        Assert.Equal(1, _rt.Now);
        _rt.Send(_a, _a, new Ping(9), 4);                     // due at t=5
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["1 0", "5 9", "20 1", "20 2", "20 3"], Delivered());
    }

    [Fact]
    public void A_message_posted_after_a_step_limit_for_the_instant_of_the_last_delivery_joins_what_is_left_of_its_group()
    {
        // The group at t=5 is down to its last message when the step limit stops the run; a message
        // posted for t=5 then is offered with that one, in send order.
        _rt.Send(_a, _a, new Ping(1), 5);
        _rt.Send(_a, _a, new Ping(2), 5);
        Assert.Equal(RunEnd.StepLimit, _rt.Run(1_000, 1));
        Assert.Equal(["5 1"], Delivered());
        _rt.Send(_a, _a, new Ping(3), 0);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["5 1", "5 2", "5 3"], Delivered());
        Assert.Equal(new[] { new long[] { 1, 2 }, [2, 3] }, _picks.Offered);
    }

    [Fact]
    public void A_message_of_the_gathered_group_withdrawn_between_the_runs_is_not_offered_on_resume()
    {
        var handles = Enumerable.Range(1, 4).Select(i => _rt.Send(_a, _a, new Ping(i), 10)).ToArray();
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(9, 100));
        _rt.Cancel(handles[0]);
        _rt.Cancel(handles[2]);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["10 2", "10 4"], Delivered());
        Assert.Equal(new[] { new long[] { 1, 2, 3, 4 }, [2, 4] }, _picks.Offered);
    }

    [Fact]
    public void A_message_due_exactly_at_the_limit_is_delivered_and_the_resume_goes_on_from_the_limit()
    {
        _rt.Send(_a, _a, new Ping(1), 100);
        _rt.Send(_a, _a, new Ping(2), 101);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(100, 100));
        Assert.Equal(["100 1"], Delivered());
        Assert.Equal(100, _rt.Now);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(100, 100));   // nothing more is due by then
        Assert.Equal(RunEnd.Quiescent, _rt.Run(101, 100));
        Assert.Equal(["100 1", "101 2"], Delivered());
        Assert.Equal(2, _rt.Steps);
    }
}
