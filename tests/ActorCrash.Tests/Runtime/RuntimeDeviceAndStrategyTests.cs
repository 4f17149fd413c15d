using ActorCrash.Actors.Akka;
using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The runtime with real device actors on a machine's board (issue 15): a device's fault reaches the
/// machine after the faulting delivery and before the next, each reset and control message reaches
/// the right handler, stale handles withdraw nothing, a strategy that reads the run is attached before
/// it starts; and the two built-in strategies on their own (random's known answers, replay's bounds).
/// </summary>
public class RuntimeDeviceAndStrategyTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Hit(int N) : Message;
    private sealed record Boom(int N) : Message;
    private sealed record Poke(string What);

    /// <summary>A device that logs what reaches each of its handlers and throws on <see cref="Boom"/>.</summary>
    private sealed class LogDevice(MachineRuntime runtime, List<string> log) : DeviceActor("log", runtime)
    {
        protected override void Receive(Message message)
        {
            log.Add($"receive {message} @{Now}");
            if (message is Boom b) throw new InvalidOperationException($"boom {b.N}");
        }

        protected override void Reset() => log.Add("reset");

        protected override void OnControl(object message)
        {
            if (message is Poke p) log.Add($"control {p.What}");
            else base.OnControl(message);
        }
    }

    private (MachineRuntime Runtime, ActorId Id, IActorRef Ref, List<string> Log) NewMachine()
    {
        var runtime = new MachineRuntime();
        var log = new List<string>();
        var device = OnBoard(runtime, "log", Props.Create(() => new LogDevice(runtime, log)));
        return (runtime, runtime.Register("log", device), device, log);
    }

    private IActorRef OnBoard(MachineRuntime runtime, string name, Props props) => RuntimeKit.OnBoard(Sys, runtime, name, props);

    [Fact]
    public void A_device_fault_reaches_the_machine_after_the_faulting_delivery_and_before_the_next_in_order()
    {
        var (runtime, id, _, log) = NewMachine();
        runtime.OnFault = (device, e) => log.Add($"fault {runtime.NameOf(device)} {e.Message} @{runtime.Now}");
        runtime.Start(new RandomStrategy(), 1);
        runtime.Send(id, id, new Boom(1), 10);
        runtime.Send(id, id, new Hit(2), 20);
        runtime.Send(id, id, new Boom(3), 30);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(["reset", "receive Boom { N = 1 } @10", "fault log boom 1 @10", "receive Hit { N = 2 } @20",
            "receive Boom { N = 3 } @30", "fault log boom 3 @30"], log);
    }

    [Fact]
    public void A_fault_that_stops_the_machine_ends_the_run_before_the_next_delivery()
    {
        var (runtime, id, _, log) = NewMachine();
        runtime.OnFault = (_, _) => runtime.Stop();
        runtime.Start(new RandomStrategy(), 1);
        runtime.Send(id, id, new Boom(1), 10);
        runtime.Send(id, id, new Hit(2), 20);
        Assert.Equal(RunEnd.Stopped, runtime.Run(1_000, 100));
        Assert.Equal(["reset", "receive Boom { N = 1 } @10"], log);
    }

    [Fact]
    public void Each_start_resets_the_device_and_a_control_message_is_no_delivery()
    {
        var (runtime, id, device, log) = NewMachine();
        runtime.Start(new RandomStrategy(), 1);
        runtime.Start(new RandomStrategy(), 2);
        device.Tell(new Poke("power-on"));
        Assert.Equal(["reset", "reset", "control power-on"], log);
        Assert.Empty(runtime.Trace);
        Assert.Equal(id, runtime.IdOf(device));
    }

    [Fact]
    public void The_handle_of_a_delivered_message_withdraws_nothing_even_before_its_slot_is_reused()
    {
        var (runtime, id, _, log) = NewMachine();
        runtime.Start(new RandomStrategy(), 1);
        var first = runtime.Send(id, id, new Hit(1), 5);
        runtime.Run(1_000, 100);
        runtime.Cancel(first);                        // delivered: its slot is free
        runtime.Send(id, id, new Hit(2), 5);          // takes that slot
        runtime.Cancel(first);                        // and the old handle still withdraws nothing
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(["reset", "receive Hit { N = 1 } @5", "receive Hit { N = 2 } @10"], log);
    }

    [Fact]
    public void A_message_cancelled_twice_is_dropped_once_and_the_others_are_delivered()
    {
        var (runtime, id, _, log) = NewMachine();
        runtime.Start(new RandomStrategy(), 1);
        var h = runtime.Send(id, id, new Hit(1), 5);
        runtime.Send(id, id, new Hit(2), 6);
        runtime.Cancel(h);
        runtime.Cancel(h);
        runtime.Send(id, id, new Hit(3), 7);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(["reset", "receive Hit { N = 2 } @6", "receive Hit { N = 3 } @7"], log);
        Assert.Equal(2, runtime.Steps);
    }

    [Fact]
    public void A_message_posted_for_later_while_a_tie_is_worked_through_waits_for_its_time()
    {
        var runtime = new MachineRuntime();
        var log = new List<string>();
        var id = ActorId.None;
        var device = OnBoard(runtime, "d", Props.Create(() => new PostingDevice(runtime, log, () => id)));
        id = runtime.Register("d", device);
        runtime.Start(new ReplayStrategy([0, 0]), 1);
        runtime.Send(id, id, new Hit(1), 5);
        runtime.Send(id, id, new Hit(2), 5);
        runtime.Send(id, id, new Hit(3), 5);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        // Hit 1 posts Hit 101 for t=8: it is no candidate of the t=5 tie.
        Assert.Equal(["1@5", "2@5", "3@5", "101@8"], log);
        Assert.Equal([0L, 0], runtime.Decisions);
    }

    private sealed class PostingDevice(MachineRuntime runtime, List<string> log, Func<ActorId> self) : DeviceActor("d", runtime)
    {
        protected override void Receive(Message message)
        {
            var n = ((Hit)message).N;
            log.Add($"{n}@{Now}");
            if (n == 1) Runtime.Send(self(), self(), new Hit(101), 3);
        }

        protected override void Reset() { }
    }

    private sealed class Watching : ISchedulingStrategy, IRuntimeObserver
    {
        public List<string> Calls { get; } = [];
        public string Name => "watching";
        public void Attach(MachineRuntime runtime) => Calls.Add($"attach now={runtime.Now}");
        public void Start(ulong seed) => Calls.Add($"start {seed}");
        public int NextDelivery(ReadOnlySpan<Pending> candidates) => 0;
        public long NextInRange(long min, long max) => min;
    }

    [Fact]
    public void A_strategy_that_reads_the_run_is_attached_before_each_start()
    {
        var runtime = new MachineRuntime();
        var s = new Watching();
        runtime.Start(s, 4);
        runtime.Start(s, 5);
        Assert.Equal(["attach now=0", "start 4", "attach now=0", "start 5"], s.Calls);
        Assert.Equal("watching", runtime.StrategyName);
    }

    [Fact]
    public void A_strategy_without_its_own_latency_or_timing_rule_answers_both_as_a_plain_range()
    {
        var (runtime, id, _, log) = NewMachine();
        runtime.Start(new ReplayStrategy([15, 33]), 1);
        runtime.Send(id, id, new Hit(1), 10, 20);
        Assert.Equal(33, runtime.Choose(30, 40, about: id));
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(["reset", "receive Hit { N = 1 } @15"], log);
    }

    // ---- the strategies on their own ----

    [Fact]
    public void Random_picks_and_ranges_are_simrandoms_known_answers_from_the_seed()
    {
        var s = new RandomStrategy();
        var ten = new Pending[10];
        s.Start(7);
        // SimRandom(7).Below(10) is 7, 2, 8, 9, ... (SimRandomKnownAnswerTests); Between(5, 14) is 5 + Below(10).
        Assert.Equal(7, s.NextDelivery(ten));
        Assert.Equal(2, s.NextDelivery(ten));
        Assert.Equal(13, s.NextInRange(5, 14));
        s.Start(7);  // reseeded: the same answers again
        Assert.Equal(7, s.NextDelivery(ten));
        Assert.Equal("random", s.Name);
    }

    [Fact]
    public void Replay_accepts_a_recorded_pick_up_to_the_last_candidate_and_a_value_at_either_end_of_the_range()
    {
        var s = new ReplayStrategy([2, 0, 10, 20]);
        s.Start(0);
        var three = new Pending[3];
        Assert.Equal(2, s.NextDelivery(three));
        Assert.Equal(0, s.NextDelivery(three));
        Assert.Equal(10, s.NextInRange(10, 20));
        Assert.Equal(20, s.NextInRange(10, 20));
        Assert.Equal(0, s.Divergences);
    }

    [Theory]
    [InlineData(3L, "decision 1: recorded 3, but only 3 messages were due")]
    [InlineData(-1L, "decision 1: recorded -1, but only 3 messages were due")]
    public void Replay_reports_a_pick_outside_the_candidates_with_its_index(long recorded, string message)
    {
        var s = new ReplayStrategy([0, recorded]);
        s.Start(0);
        s.NextDelivery(new Pending[3]);
        Assert.Equal(message, Assert.Throws<ReplayDivergedException>(() => s.NextDelivery(new Pending[3])).Message);
    }

    [Theory]
    [InlineData(9L, "decision 0: recorded 9, outside [10, 20]")]
    [InlineData(21L, "decision 0: recorded 21, outside [10, 20]")]
    public void Replay_reports_a_value_outside_the_range_with_its_index(long recorded, string message)
    {
        var s = new ReplayStrategy([recorded]);
        s.Start(0);
        Assert.Equal(message, Assert.Throws<ReplayDivergedException>(() => s.NextInRange(10, 20)).Message);
    }

    [Fact]
    public void Replay_reports_where_the_recording_ran_out()
    {
        var s = new ReplayStrategy([1]);
        s.Start(0);
        s.NextInRange(0, 5);
        Assert.Equal("decision 1: the recording has only 1 decisions", Assert.Throws<ReplayDivergedException>(() => s.NextInRange(0, 5)).Message);
        Assert.Equal("decision 1: the recording has only 1 decisions", Assert.Throws<ReplayDivergedException>(() => s.NextDelivery(new Pending[2])).Message);
    }

    [Fact]
    public void Lenient_replay_takes_the_first_candidate_or_the_minimum_and_counts_each_divergence_per_run()
    {
        var s = new ReplayStrategy([5, 99], lenient: true);
        s.Start(0);
        Assert.Equal(0, s.NextDelivery(new Pending[3]));  // 5 is no candidate
        Assert.Equal(10, s.NextInRange(10, 20));          // 99 is outside
        Assert.Equal(10, s.NextInRange(10, 20));          // ran out
        Assert.Equal(0, s.NextDelivery(new Pending[2]));
        Assert.Equal(4, s.Divergences);
        s.Start(0);  // a new run starts from the first decision, no divergences
        Assert.Equal(0, s.Divergences);
        Assert.Equal(5, s.NextDelivery(new Pending[9]));  // now a candidate
        Assert.Equal(0, s.Divergences);
        Assert.Equal(10, s.NextInRange(10, 20));
        Assert.Equal(1, s.Divergences);
    }

    [Fact]
    public void No_device_has_the_address_minus_one_and_an_address_prints_as_its_number()
    {
        Assert.Equal(-1, ActorId.None.Index);
        Assert.Equal("12", new ActorId(12).ToString());
        Assert.Equal("-1", ActorId.None.ToString());
    }
}
