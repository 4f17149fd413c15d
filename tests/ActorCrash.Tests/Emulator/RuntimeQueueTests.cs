using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Akka.TestKit;
using Xunit;

namespace ActorCrash.Tests.Emulator;

/// <summary>
/// The runtime's pending set (slots, the 4-ary heap, the tie buffer, cancellation by handle): what the
/// strategy is offered at a tie, and what a cancelled handle withdraws.
/// </summary>
public class RuntimeQueueTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Hit(int N) : Message;

    private sealed class Scripted(params int[] picks) : ActorCrash.Tests.Runtime.ScriptedPicks(picks);

    private (MachineRuntime Runtime, ActorId Device, List<int> Delivered) NewRuntime(Action<MachineRuntime, Hit>? onHit = null)
    {
        var runtime = new MachineRuntime();
        var delivered = new List<int>();
        Action<object> on = m =>
        {
            if (m is not Hit h) return;
            delivered.Add(h.N);
            onHit?.Invoke(runtime, h);
        };
        var device = ActorCrash.Tests.Runtime.RuntimeKit.CallbackDevice(Sys, on);
        return (runtime, runtime.Register("device", device, resetAtStart: false), delivered);
    }

    [Fact]
    public void Ties_are_offered_in_send_order_and_a_tie_cancelled_meanwhile_is_not_offered_again()
    {
        long third = 0;
        var (runtime, device, delivered) = NewRuntime((r, h) =>
        {
            if (h.N == 1) r.Cancel(third);
        });
        var strategy = new Scripted(0, 1);
        runtime.Start(strategy, 1);
        runtime.Send(device, device, new Hit(1), 10);
        runtime.Send(device, device, new Hit(2), 10);
        third = runtime.Send(device, device, new Hit(3), 10);
        runtime.Send(device, device, new Hit(4), 10);
        runtime.Send(device, device, new Hit(5), 20);

        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        // 1 goes first and cancels 3; of 2 and 4 the script takes the second; 2 is then alone (no choice).
        Assert.Equal(new[] { new long[] { 1, 2, 3, 4 }, [2, 4] }, strategy.Offered);
        Assert.Equal(new[] { 1, 4, 2, 5 }, delivered);
        Assert.Equal(new long[] { 0, 1 }, runtime.Decisions);
    }

    [Fact]
    public void A_message_sent_for_the_instant_being_decided_joins_the_tie_last()
    {
        var (runtime, device, delivered) = NewRuntime((r, h) =>
        {
            if (h.N == 1) r.Send(new ActorId(0), new ActorId(0), new Hit(9), 0);
        });
        var strategy = new Scripted(0, 0, 0);
        runtime.Start(strategy, 1);
        runtime.Send(device, device, new Hit(1), 10);
        runtime.Send(device, device, new Hit(2), 10);
        runtime.Send(device, device, new Hit(3), 10);

        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(new[] { new long[] { 1, 2, 3 }, [2, 3, 4], [3, 4] }, strategy.Offered);
        Assert.Equal(new[] { 1, 2, 3, 9 }, delivered);
    }

    [Fact]
    public void A_cancelled_timer_in_the_queue_is_never_delivered_and_a_delivered_ones_handle_withdraws_nothing()
    {
        var (runtime, device, delivered) = NewRuntime();
        runtime.Start(new Scripted(), 1);
        var first = runtime.Send(device, device, new Hit(1), 5);
        var second = runtime.Send(device, device, new Hit(2), 7);
        runtime.Cancel(second);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(new[] { 1 }, delivered);

        // The next message takes a freed slot; neither old handle may withdraw it.
        runtime.Send(device, device, new Hit(3), 5);
        runtime.Cancel(first);
        runtime.Cancel(second);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(new[] { 1, 3 }, delivered);
        Assert.Equal(2, runtime.Steps);
    }
}
