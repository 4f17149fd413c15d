using ActorCrash.Actors.Runtime;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// A run stopped by its time or step limit keeps the delivery it was about to make: run again with a
/// higher limit (a resume) and it is delivered, in its place among its ties. Before the fix the
/// runtime had already taken it off the queue and lost it.
/// </summary>
public class RunLimitResumeTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Ping(int N) : Message;

    /// <summary>Picks the candidate at <paramref name="pick"/> (clamped); every range at its low end.</summary>
    private sealed class Pick(int pick) : ISchedulingStrategy
    {
        public string Name => "pick";
        public void Start(ulong seed) { }
        public int NextDelivery(ReadOnlySpan<Pending> candidates) => Math.Min(pick, candidates.Length - 1);
        public long NextInRange(long min, long max) => min;
    }

    private readonly MachineRuntime _rt = new();
    private readonly ActorId _a, _b;

    public RunLimitResumeTests()
    {
        _a = _rt.Register("a", CreateTestProbe().Ref, resetAtStart: false);
        _b = _rt.Register("b", CreateTestProbe().Ref, resetAtStart: false);
    }

    private string[] Delivered() => [.. _rt.Trace.Select(t => $"{t.Time} {((Ping)t.Message).N}")];

    [Fact]
    public void The_message_past_the_time_limit_is_delivered_on_resume()
    {
        _rt.Start(new Pick(0), 1);
        _rt.Send(_a, _b, new Ping(1), 100);
        _rt.Send(_a, _b, new Ping(2), 200);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(150, 100));
        Assert.Equal(["100 1"], Delivered());
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["100 1", "200 2"], Delivered());
    }

    [Fact]
    public void The_message_at_the_step_limit_is_delivered_on_resume()
    {
        _rt.Start(new Pick(0), 1);
        for (var i = 0; i < 3; i++) _rt.Send(_a, _b, new Ping(i), 10 * (i + 1));
        Assert.Equal(RunEnd.StepLimit, _rt.Run(1_000, 1));
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 10));
        Assert.Equal(["10 0", "20 1", "30 2"], Delivered());
    }

    [Theory]
    [InlineData(0)]   // the first of the ties (the buffer's head moves up)
    [InlineData(2)]   // one in the middle: it goes back between its neighbours
    [InlineData(4)]   // the last
    public void A_tie_picked_at_the_step_limit_goes_back_in_send_order(int pick)
    {
        _rt.Start(new Pick(pick), 1);
        for (var i = 0; i < 5; i++) _rt.Send(_a, _b, new Ping(i), 50);
        Assert.Equal(RunEnd.StepLimit, _rt.Run(1_000, 0));
        Assert.Empty(Delivered());
        _rt.Start(new Pick(pick), 1);   // the same ties, delivered without a stop, as the reference order
        for (var i = 0; i < 5; i++) _rt.Send(_a, _b, new Ping(i), 50);
        _rt.Run(1_000, 100);
        var reference = Delivered();

        _rt.Start(new Pick(pick), 1);
        for (var i = 0; i < 5; i++) _rt.Send(_a, _b, new Ping(i), 50);
        for (var steps = 1; steps <= 5; steps++) Assert.Equal(steps < 5 ? RunEnd.StepLimit : RunEnd.Quiescent, _rt.Run(1_000, steps));
        Assert.Equal(reference, Delivered());
        Assert.Equal(5, reference.Length);
    }

    [Fact]
    public void Ties_past_the_time_limit_all_arrive_on_resume()
    {
        _rt.Start(new Pick(1), 1);
        for (var i = 0; i < 3; i++) _rt.Send(_a, _b, new Ping(i), 500);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(100, 100));
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["500 1", "500 2", "500 0"], Delivered());
    }
}
