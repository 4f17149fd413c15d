using ActorCrash.Actors.Runtime;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The runtime's contract on its own, with TestProbes as devices: deliveries in virtual-time order,
/// every tie decided by the strategy and recorded, the time and step limits, cancel, stop, and a new
/// run that starts from nothing (issue 15).
/// </summary>
public class MachineRuntimeTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Ping(int N) : Message;

    /// <summary>Answers ties with <paramref name="pick"/> and ranges with <paramref name="range"/>; records what it was asked.</summary>
    private sealed class Scripted(Func<int, int> pick, Func<long, long, long>? range = null) : ISchedulingStrategy
    {
        public readonly List<int> TieSizes = [];
        public readonly List<ulong> Seeds = [];
        public string Name => "scripted";
        public void Start(ulong seed) => Seeds.Add(seed);
        public int NextDelivery(ReadOnlySpan<Pending> candidates)
        {
            TieSizes.Add(candidates.Length);
            return pick(candidates.Length);
        }
        public long NextInRange(long min, long max) => (range ?? ((lo, _) => lo))(min, max);
    }

    private readonly MachineRuntime _rt = new();
    private readonly ActorId _a, _b;

    public MachineRuntimeTests()
    {
        _a = _rt.Register("a", CreateTestProbe().Ref, resetAtStart: false);
        _b = _rt.Register("b", CreateTestProbe().Ref, resetAtStart: false);
    }

    private string[] Delivered() => [.. _rt.Trace.Select(t => $"{t.Time} {_rt.NameOf(t.From)}>{_rt.NameOf(t.To)} {((Ping)t.Message).N}")];

    [Fact]
    public void Messages_are_delivered_in_due_time_order_whatever_the_send_order()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        _rt.Send(_a, _b, new Ping(1), 30);
        _rt.Send(_b, _a, new Ping(2), 10);
        _rt.Send(_a, _b, new Ping(3), 20);
        _rt.Send(_a, _a, new Ping(4));
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["0 a>a 4", "10 b>a 2", "20 a>b 3", "30 a>b 1"], Delivered());
        Assert.Equal(30, _rt.Now);
        Assert.Equal(4, _rt.Steps);
        Assert.Empty(_rt.Decisions);
    }

    [Fact]
    public void A_heap_of_many_messages_comes_out_sorted_by_time_then_send_order()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        var sent = Enumerable.Range(0, 600).Select(i => (Due: (long)(i * 7919 % 613), N: i)).ToArray();
        foreach (var (due, n) in sent) _rt.Send(_a, _b, new Ping(n), due);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(10_000, 10_000));
        Assert.Equal(sent.OrderBy(s => s.Due).ThenBy(s => s.N).Select(s => $"{s.Due} a>b {s.N}"), Delivered());
    }

    [Fact]
    public void Every_message_due_at_one_instant_is_a_candidate_and_each_pick_is_recorded()
    {
        var strategy = new Scripted(n => n - 1);  // always the last sent
        _rt.Start(strategy, 1);
        for (var i = 0; i < 12; i++) _rt.Send(_a, _b, new Ping(i), 5);
        _rt.Send(_a, _b, new Ping(99), 6);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal([.. Enumerable.Range(0, 12).Reverse().Select(i => $"5 a>b {i}"), "6 a>b 99"], Delivered());
        Assert.Equal(Enumerable.Range(2, 11).Reverse(), strategy.TieSizes);  // 12 candidates, then 11, ... 2; a lone message is no choice
        Assert.Equal(Enumerable.Range(1, 11).Reverse().Select(i => (long)i), _rt.Decisions);
    }

    [Fact]
    public void Ties_are_offered_in_send_order()
    {
        _rt.Start(new Scripted(n => n > 2 ? 1 : 0), 1);
        foreach (var i in new[] { 10, 11, 12, 13 }) _rt.Send(_a, _b, new Ping(i), 3);
        _rt.Run(1_000, 100);
        Assert.Equal(["3 a>b 11", "3 a>b 12", "3 a>b 10", "3 a>b 13"], Delivered());
    }

    [Fact]
    public void A_message_due_exactly_at_the_time_limit_is_delivered_and_a_later_one_is_not()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        _rt.Send(_a, _b, new Ping(1), 100);
        _rt.Send(_a, _b, new Ping(2), 101);
        Assert.Equal(RunEnd.TimeLimit, _rt.Run(100, 100));
        Assert.Equal(["100 a>b 1"], Delivered());
        Assert.Equal(100, _rt.Now);  // the clock stops at the limit, not at the next message
    }

    [Fact]
    public void The_step_limit_counts_deliveries()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        for (var i = 0; i < 3; i++) _rt.Send(_a, _b, new Ping(i), i);
        Assert.Equal(RunEnd.StepLimit, _rt.Run(1_000, 2));
        Assert.Equal(2, _rt.Steps);
        Assert.Equal(["0 a>b 0", "1 a>b 1"], Delivered());

        _rt.Start(new Scripted(_ => 0), 1);
        for (var i = 0; i < 2; i++) _rt.Send(_a, _b, new Ping(i), i);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 2));  // exactly as many as allowed: the run ends on its own
    }

    [Fact]
    public void A_cancelled_message_is_never_delivered_nor_traced_alone_or_in_a_tie()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        var lone = _rt.Send(_a, _b, new Ping(1), 10);
        var tied = _rt.Send(_a, _b, new Ping(2), 20);
        _rt.Send(_a, _b, new Ping(3), 20);
        _rt.Send(_a, _b, new Ping(4), 30);
        _rt.Cancel(lone);
        _rt.Cancel(tied);
        _rt.Cancel(0);  // no handle: nothing
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));
        Assert.Equal(["20 a>b 3", "30 a>b 4"], Delivered());
        Assert.Empty(_rt.Decisions);  // the cancelled one was no candidate
    }

    [Fact]
    public void Stop_ends_the_run_before_the_next_delivery()
    {
        _rt.Start(new Scripted(_ => 0), 1);
        _rt.Send(_a, _b, new Ping(1), 1);
        _rt.Stop();
        Assert.Equal(RunEnd.Stopped, _rt.Run(1_000, 100));
        Assert.Empty(_rt.Trace);
    }

    [Fact]
    public void Start_begins_a_run_from_nothing_left_by_the_last()
    {
        var strategy = new Scripted(_ => 0, (lo, hi) => hi);
        _rt.Start(strategy, 7);
        _rt.Send(_a, _b, new Ping(1), 10);
        _rt.Send(_a, _b, new Ping(2), 500);
        _rt.Choose(1, 3);
        _rt.Stop();
        _rt.Run(100, 100);
        Assert.NotEmpty(_rt.Decisions);

        _rt.Start(strategy, 8);
        Assert.Equal([7UL, 8UL], strategy.Seeds);
        Assert.Equal(0, _rt.Now);
        Assert.Equal(0, _rt.Steps);
        Assert.Empty(_rt.Trace);
        Assert.Empty(_rt.Decisions);
        _rt.Send(_b, _a, new Ping(3), 4);
        Assert.Equal(RunEnd.Quiescent, _rt.Run(1_000, 100));  // not stopped any more, and nothing of the last run is delivered
        Assert.Equal(["4 b>a 3"], Delivered());
    }

    [Fact]
    public void Choices_are_asked_only_for_real_ranges_and_each_is_recorded()
    {
        _rt.Start(new Scripted(_ => 0, (lo, hi) => hi), 1);
        Assert.Equal(4, _rt.Choose(4, 4));
        Assert.Equal(9, _rt.Choose(3, 9));
        _rt.Send(_a, _b, new Ping(1), 5, 5);    // a fixed latency: no choice
        _rt.Send(_a, _b, new Ping(2), 10, 20);  // the strategy's latency
        Assert.Equal([9L, 20L], _rt.Decisions);
        _rt.Run(1_000, 100);
        Assert.Equal(["5 a>b 1", "20 a>b 2"], Delivered());
    }

    [Fact]
    public void Replaying_the_decisions_of_a_run_gives_the_same_trace_and_a_short_recording_is_reported()
    {
        string[] Run(ISchedulingStrategy s)
        {
            _rt.Start(s, 3);
            for (var i = 0; i < 5; i++) _rt.Send(_a, _b, new Ping(i), 1);
            _rt.Send(_a, _b, new Ping(9), 0, 1_000);
            _rt.Run(10_000, 100);
            return Delivered();
        }
        var random = Run(new RandomStrategy());
        var decisions = _rt.Decisions.ToArray();
        Assert.Equal(random, Run(new ReplayStrategy(decisions)));
        Assert.Equal(random, Run(new RandomStrategy()));

        var e = Assert.Throws<ReplayDivergedException>(() => Run(new ReplayStrategy(decisions[..2])));
        Assert.Contains("only 2 decisions", e.Message);
        var lenient = new ReplayStrategy(decisions[..2], lenient: true);
        Run(lenient);
        Assert.Equal(decisions.Length - 2, lenient.Divergences);
    }

    [Fact]
    public void Devices_are_addressed_by_registration_order_and_name()
    {
        var c = CreateTestProbe().Ref;
        var id = _rt.Register("c", c);
        Assert.Equal(2, id.Index);
        Assert.Equal("c", _rt.NameOf(id));
        Assert.Equal(c, _rt.RefOf(id));
        Assert.Equal(id, _rt.IdOf(c));
        Assert.Equal(ActorId.None, _rt.IdOf(CreateTestProbe().Ref));
        Assert.Equal(3, _rt.DeviceCount);
    }

    [Fact]
    public void Start_resets_the_devices_registered_for_it()
    {
        var probe = CreateTestProbe();
        _rt.Register("reset-me", probe.Ref);
        _rt.Start(new RandomStrategy(), 1);
        probe.ExpectMsg<ResetDevice>();
    }
}
