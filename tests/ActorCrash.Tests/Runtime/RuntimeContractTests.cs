using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// More of the runtime's delivery contract (issue 15), with devices that post while they handle a
/// delivery: large tie groups at one instant against a plain list model, what a run that ended at a
/// limit leaves for the next run of a campaign (nothing), the strategy's view of each choice, the
/// observer's view of each send and delivery, and a strategy that cannot answer.
/// </summary>
public class RuntimeContractTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Hit(int N) : Message;

    /// <summary>Picks from a script (cycled), records the sequences offered and each range question.</summary>
    private sealed class Scripted(params int[] picks) : ScriptedPicks(picks), ISchedulingStrategy
    {
        public List<string> Asked { get; } = [];

        public override long NextInRange(long min, long max)
        {
            Asked.Add($"range {min}..{max}");
            return max;
        }

        public long NextLatency(ActorId from, ActorId to, long min, long max)
        {
            Asked.Add($"latency {from}>{to} {min}..{max}");
            return min + 1;
        }

        public long NextTime(ActorId to, long min, long max)
        {
            Asked.Add($"time @{to} {min}..{max}");
            return max - 1;
        }
    }

    private sealed class Recorder : Actors.Tracing.IRunObserver
    {
        public List<string> Events { get; } = [];
        public void Started() => Events.Add("started");
        public void Sent(long seq, int from, int to, long now) => Events.Add($"sent {seq} {from}>{to} @{now}");
        public void Delivering(long seq, long now) => Events.Add($"deliver {seq} @{now}");
        public void Entered(int cpu, long now, IEnumerator<Actors.Kernel.Op> code, int context) { }
        public void Left(int cpu, long now) { }
    }

    private IActorRef Device(Action<Hit> onHit) => RuntimeKit.CallbackDevice(Sys, m =>
    {
        if (m is Hit h) onHit(h);
    });

    [Fact]
    public void A_large_tie_group_with_messages_joining_it_is_worked_through_exactly_as_a_list_in_send_order()
    {
        // 20 messages due at t=5; each of the first 12 delivered posts one more for the same instant.
        // Picks at the front, the back and the middle of the group move both ends of the tie buffer.
        var picks = new[] { 0, 0, 7, 19, 3, 1, 0, 11, 5, 2, 0, 0, 9, 4, 6, 1 };
        var runtime = new MachineRuntime();
        var delivered = new List<int>();
        var id = ActorId.None;
        id = runtime.Register("d", Device(h =>
        {
            delivered.Add(h.N);
            if (h.N is >= 0 and < 12) runtime.Send(id, id, new Hit(100 + h.N));
        }), resetAtStart: false);
        var strategy = new Scripted(picks);
        runtime.Start(strategy, 1);
        for (var i = 0; i < 20; i++) runtime.Send(id, id, new Hit(i), 5);
        runtime.Send(id, id, new Hit(-1), 6);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 1_000));

        // The model: the group is a list in send order; each pick removes one; a post joins the end.
        // Send sequences: 1..20 for the first twenty, 21 for the one at t=6, then 22, 23, ... in post order.
        var group = Enumerable.Range(0, 20).Select(n => (N: n, Seq: (long)n + 1)).ToList();
        var nextSeq = 22L;
        var expected = new List<int>();
        var offered = new List<long[]>();
        var p = 0;
        while (group.Count > 0)
        {
            var pick = 0;
            if (group.Count > 1)
            {
                offered.Add([.. group.Select(g => g.Seq)]);
                pick = picks[p++ % picks.Length] % group.Count;
            }
            var n = group[pick].N;
            group.RemoveAt(pick);
            expected.Add(n);
            if (n < 12) group.Add((100 + n, nextSeq++));
        }
        expected.Add(-1);
        Assert.Equal(expected, delivered);
        Assert.Equal(offered, strategy.Offered);
        Assert.Equal(33, runtime.Steps);
        Assert.Equal(6, runtime.Now);
    }

    [Fact]
    public void A_run_that_ended_at_the_step_limit_inside_a_tie_group_leaves_nothing_for_the_next_run()
    {
        var runtime = new MachineRuntime();
        var delivered = new List<int>();
        var id = runtime.Register("d", Device(h => delivered.Add(h.N)), resetAtStart: false);
        var strategy = new Scripted(0);
        runtime.Start(strategy, 1);
        for (var i = 0; i < 10; i++) runtime.Send(id, id, new Hit(i), 5);
        Assert.Equal(RunEnd.StepLimit, runtime.Run(1_000, 3));
        Assert.Equal([0, 1, 2], delivered);

        // The next seed: a new tie at the same instant must see only its own messages.
        delivered.Clear();
        strategy.Offered.Clear();
        runtime.Start(strategy, 2);
        runtime.Send(id, id, new Hit(20), 5);
        runtime.Send(id, id, new Hit(21), 5);
        runtime.Send(id, id, new Hit(22), 9);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal([20, 21, 22], delivered);
        Assert.Equal(new[] { new long[] { 1, 2 } }, strategy.Offered);
        Assert.Equal([0L], runtime.Decisions);
    }

    [Fact]
    public void A_message_sent_at_the_instant_of_a_tie_left_by_the_last_run_is_not_taken_for_part_of_it()
    {
        var runtime = new MachineRuntime();
        var delivered = new List<int>();
        var id = runtime.Register("d", Device(h => delivered.Add(h.N)), resetAtStart: false);
        var strategy = new Scripted(0);
        runtime.Start(strategy, 1);
        for (var i = 0; i < 4; i++) runtime.Send(id, id, new Hit(i), 0);
        Assert.Equal(RunEnd.StepLimit, runtime.Run(1_000, 1));  // a tie group at t=0 is still being worked through

        delivered.Clear();
        runtime.Start(strategy, 2);
        runtime.Send(id, id, new Hit(30), 0);   // due at t=0 again: a fresh queue entry, not a leftover tie
        runtime.Send(id, id, new Hit(31), 2);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal([30, 31], delivered);
        Assert.Empty(runtime.Decisions);
    }

    [Fact]
    public void A_message_cancelled_in_a_run_that_hit_its_time_limit_does_not_cancel_the_next_runs_message_in_its_slot()
    {
        var runtime = new MachineRuntime();
        var delivered = new List<int>();
        var id = runtime.Register("d", Device(h => delivered.Add(h.N)), resetAtStart: false);
        runtime.Start(new Scripted(), 1);
        runtime.Send(id, id, new Hit(1), 10);
        var late = runtime.Send(id, id, new Hit(2), 500);
        runtime.Send(id, id, new Hit(3), 600);
        runtime.Cancel(late);  // withdrawn, still waiting in the queue when the run ends
        Assert.Equal(RunEnd.TimeLimit, runtime.Run(100, 100));
        Assert.Equal([1], delivered);
        Assert.Equal(100, runtime.Now);

        delivered.Clear();
        runtime.Start(new Scripted(), 2);
        for (var i = 0; i < 3; i++) runtime.Send(id, id, new Hit(10 + i), 10 * (i + 1));
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal([10, 11, 12], delivered);
        Assert.Equal(30, runtime.Now);
    }

    [Fact]
    public void The_strategy_is_told_who_a_latency_or_a_timed_event_is_for_and_every_answer_is_recorded()
    {
        var runtime = new MachineRuntime();
        var a = runtime.Register("a", Device(_ => { }), resetAtStart: false);
        var b = runtime.Register("b", Device(_ => { }), resetAtStart: false);
        var strategy = new Scripted();
        runtime.Start(strategy, 1);
        Assert.Equal(19, runtime.Choose(10, 20, about: b));
        Assert.Equal(20, runtime.Choose(10, 20));
        Assert.Equal(7, runtime.Choose(7, 7, about: b));   // one value: no question
        Assert.Equal(7, runtime.Choose(7, 3));              // an empty range: its minimum, no question
        runtime.Send(a, b, new Hit(1), 40, 50);
        runtime.Send(b, a, new Hit(2), 60, 60);
        runtime.Send(b, a, new Hit(3), 80, 70);
        Assert.Equal(["time @1 10..20", "range 10..20", "latency 0>1 40..50"], strategy.Asked);
        Assert.Equal([19L, 20, 41], runtime.Decisions);
        runtime.Run(1_000, 100);
        Assert.Equal([41L, 60, 80], runtime.Trace.Select(t => t.Time));
    }

    [Fact]
    public void Time_moves_on_from_the_delivery_being_handled_so_a_delay_counts_from_its_due_time()
    {
        var runtime = new MachineRuntime();
        var id = ActorId.None;
        var seen = new List<(int, long)>();
        id = runtime.Register("d", Device(h =>
        {
            seen.Add((h.N, runtime.Now));
            if (h.N < 3) runtime.Send(id, id, new Hit(h.N + 1), 25);
        }), resetAtStart: false);
        runtime.Start(new Scripted(), 1);
        runtime.Send(id, id, new Hit(0), 100);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal([(0, 100L), (1, 125L), (2, 150L), (3, 175L)], seen);
    }

    [Fact]
    public void The_observer_sees_each_send_with_its_sequence_and_each_delivery_in_trace_order()
    {
        var runtime = new MachineRuntime();
        var recorder = new Recorder();
        runtime.Observer = recorder;
        var id = ActorId.None;
        id = runtime.Register("d", Device(h =>
        {
            if (h.N == 1) runtime.Send(id, id, new Hit(3), 5);
        }), resetAtStart: false);
        runtime.Start(new Scripted(), 1);
        runtime.Send(id, id, new Hit(1), 10);
        runtime.Send(id, id, new Hit(2), 20);
        runtime.Run(1_000, 100);
        Assert.Equal(["started", "sent 1 0>0 @0", "sent 2 0>0 @0", "deliver 1 @10", "sent 3 0>0 @10", "deliver 3 @15", "deliver 2 @20"], recorder.Events);
    }

    [Fact]
    public void Many_devices_keep_their_addresses_and_each_gets_its_own_deliveries()
    {
        var runtime = new MachineRuntime();
        var got = new List<string>();
        var ids = Enumerable.Range(0, 40).Select(i => runtime.Register($"d{i}", Device(h => got.Add($"d{i}:{h.N}")), resetAtStart: false)).ToArray();
        runtime.Start(new Scripted(), 1);
        foreach (var i in new[] { 39, 0, 16, 17, 31 }) runtime.Send(ids[0], ids[i], new Hit(i), i);
        runtime.Run(1_000, 100);
        Assert.Equal(["d0:0", "d16:16", "d17:17", "d31:31", "d39:39"], got);
        Assert.Equal(["d0", "d16", "d17", "d31", "d39"], runtime.Trace.Select(t => runtime.NameOf(t.To)));
        Assert.Equal(40, runtime.DeviceCount);
    }

    [Fact]
    public void A_strategy_that_cannot_answer_ends_the_run_for_the_caller_with_its_own_exception()
    {
        var runtime = new MachineRuntime();
        var id = ActorId.None;
        var afterwards = new List<int>();
        id = runtime.Register("d", Device(h =>
        {
            afterwards.Add(h.N);
            if (h.N == 1) runtime.Send(id, id, new Hit(2), 10, 20);  // asks the (exhausted) replay for a latency
        }), resetAtStart: false);
        runtime.Start(new ReplayStrategy([]), 1);
        runtime.Send(id, id, new Hit(1), 5);
        runtime.Send(id, id, new Hit(9), 7);
        var e = Assert.Throws<ReplayDivergedException>(() => runtime.Run(1_000, 100));
        Assert.Contains("only 0 decisions", e.Message);
        Assert.Equal([1], afterwards);  // nothing was delivered after the failed choice

        // The next run starts clean: the failure is not thrown again.
        runtime.Start(new Scripted(), 2);
        runtime.Send(id, id, new Hit(3), 1);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
    }

    [Fact]
    public void A_strategy_failing_on_a_choice_outside_a_delivery_throws_at_once_and_again_when_the_run_goes_on()
    {
        var runtime = new MachineRuntime();
        var id = runtime.Register("d", Device(_ => { }), resetAtStart: false);
        runtime.Start(new ReplayStrategy([]), 1);
        Assert.Throws<ReplayDivergedException>(() => runtime.Choose(1, 2));
        runtime.Send(id, id, new Hit(1), 5);
        Assert.Throws<ReplayDivergedException>(() => runtime.Run(1_000, 100));
        Assert.Empty(runtime.Trace);
    }
}
