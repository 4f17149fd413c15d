using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// How the runtime hands a delivery to its device (issue 15): whether the device is on the machine's
/// board (dispatched to its cell directly), on another ActorSystem's board, on another dispatcher or
/// a TestProbe (Told), each gets its own deliveries in order with the sending device as Sender, however
/// many devices there are; a mailbox that refuses a message is logged on the event stream as Akka
/// does and the run goes on; a strategy failure inside a receive ends the run with the first failure
/// and leaves no device fault for the next run.
/// </summary>
public class RuntimeDispatchTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Config = """
        refusing-mailbox.mailbox-type = "ActorCrash.Tests.Runtime.RefusingMailbox, ActorCrash.Tests"
        """;

    public RuntimeDispatchTests() : base(Config) { }

    private sealed record Hit(int N) : Message;
    private sealed record Boom : Message;

    /// <summary>Fails every choice, each with an exception of its own.</summary>
    private sealed class Failing : ISchedulingStrategy
    {
        private int _n;
        public string Name => "failing";
        public void Start(ulong seed) { }
        public int NextDelivery(ReadOnlySpan<Pending> candidates) => throw new InvalidOperationException($"failure {++_n}");
        public long NextInRange(long min, long max) => throw new InvalidOperationException($"failure {++_n}");
    }

    [Fact]
    public void Devices_on_every_kind_of_ref_get_their_own_deliveries_in_order_with_the_sending_device_as_sender()
    {
        using var other = ActorSystem.Create("other-machine-system");
        var runtime = new MachineRuntime();
        var got = new List<string>();
        var refs = new List<IActorRef>();
        string Name(IActorRef sender) => refs.IndexOf(sender) is var i and >= 0 ? runtime.NameOf(new ActorId(i)) : $"? {sender}";
        Action<object, IActorRef> Log(string name) => (m, sender) =>
        {
            if (m is Hit h) got.Add($"{name}:{h.N}<{Name(sender)} @{runtime.Now}");
        };

        // 40 devices on the machine's board (the tables grow past 16 and 32), one on another system's
        // board (another DeterministicDispatcher), one on the calling-thread dispatcher, one TestProbe.
        var board = Actors.Akka.DeviceHost.NewBoard(Sys, runtime);
        for (var i = 0; i < 40; i++) refs.Add(RuntimeKit.OnBoard(board, $"b{i}", RuntimeKit.CallbackProps(Log($"b{i}"))));
        refs.Add(RuntimeKit.OnBoard(other, runtime, "elsewhere", RuntimeKit.CallbackProps(Log("elsewhere"))));
        refs.Add(RuntimeKit.OnCallingThread(Sys, RuntimeKit.CallbackProps(Log("calling"))));
        var probe = CreateTestProbe();
        refs.Add(probe.Ref);
        var ids = refs.Select((r, i) => runtime.Register(i < 40 ? $"b{i}" : i == 40 ? "elsewhere" : i == 41 ? "calling" : "probe", r, resetAtStart: false)).ToArray();
        Assert.Equal(43, runtime.DeviceCount);

        runtime.Start(new ScriptedPicks(), 1);
        var targets = new[] { 39, 0, 40, 17, 41, 31, 16, 42, 1 };
        for (var k = 0; k < targets.Length; k++) runtime.Send(ids[(k * 7 + 3) % 40], ids[targets[k]], new Hit(k), 10 * (k + 1));
        runtime.Send(ids[40], ids[0], new Hit(100), 95);   // from the other system's device
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));

        Assert.Equal([
            "b39:0<b3 @10", "b0:1<b10 @20", "elsewhere:2<b17 @30", "b17:3<b24 @40", "calling:4<b31 @50", "b31:5<b38 @60",
            "b16:6<b5 @70", "b1:8<b19 @90", "b0:100<elsewhere @95",
        ], got);
        var atProbe = probe.ExpectMsg<Hit>(TimeSpan.FromSeconds(5));
        Assert.Equal(7, atProbe.N);
        Assert.Same(refs[(7 * 7 + 3) % 40], probe.LastSender);
        Assert.Equal(10, runtime.Trace.Count);
        Assert.Equal([39, 0, 40, 17, 41, 31, 16, 42, 1, 0], runtime.Trace.Select(t => t.To.Index));
    }

    [Fact]
    public void Deliveries_to_many_board_devices_in_a_campaign_reach_the_same_devices_in_every_run()
    {
        var runtime = new MachineRuntime();
        var got = new List<string>();
        var board = Actors.Akka.DeviceHost.NewBoard(Sys, runtime);
        var ids = Enumerable.Range(0, 70).Select(i => runtime.Register($"b{i}", RuntimeKit.OnBoard(board, $"b{i}",
            RuntimeKit.CallbackProps((m, _) => { if (m is Hit h) got.Add($"b{i}:{h.N}"); })), resetAtStart: false)).ToArray();
        var runs = new List<string[]>();
        for (var seed = 1UL; seed <= 3; seed++)
        {
            got.Clear();
            runtime.Start(new RandomStrategy(), seed);
            for (var i = 69; i >= 0; i -= 3) runtime.Send(ids[0], ids[i], new Hit(i), 70 - i);
            Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 1_000));
            runs.Add([.. got]);
        }
        Assert.Equal(Enumerable.Range(0, 24).Select(k => 69 - 3 * k).Select(i => $"b{i}:{i}"), runs[0]);
        Assert.Equal(runs[0], runs[1]);
        Assert.Equal(runs[0], runs[2]);
    }

    [Fact]
    public void A_device_whose_mailbox_refuses_a_message_is_logged_on_the_event_stream_and_the_run_goes_on()
    {
        var runtime = new MachineRuntime();
        var got = new List<int>();
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Akka.Event.Error));
        var device = RuntimeKit.OnBoard(Sys, runtime, "picky",
            RuntimeKit.CallbackProps((m, _) => { if (m is Hit h) got.Add(h.N); }).WithMailbox("refusing-mailbox"));
        var id = runtime.Register("picky", device, resetAtStart: false);
        runtime.Start(new ScriptedPicks(), 1);
        runtime.Send(id, id, new Hit(1), 1);
        runtime.Send(id, id, new RefusedByMailbox(), 2);
        runtime.Send(id, id, new Hit(3), 3);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal([1, 3], got);
        Assert.Equal(3, runtime.Trace.Count);   // the refused one was delivered as far as the runtime goes
        var error = errors.FishForMessage<Akka.Event.Error>(e => e.Cause is InvalidOperationException { Message: "mailbox full" }, TimeSpan.FromSeconds(5));
        Assert.Contains("Swallowing exception during message send", error.Message.ToString());
    }

    [Fact]
    public void The_first_strategy_failure_in_a_receive_ends_the_run_even_if_the_device_swallows_it_and_asks_again()
    {
        var runtime = new MachineRuntime();
        var asked = 0;
        var id = ActorId.None;
        id = runtime.Register("d", RuntimeKit.OnBoard(Sys, runtime, "d", RuntimeKit.CallbackProps((m, _) =>
        {
            if (m is not Hit) return;
            try
            {
                asked++;
                runtime.Choose(1, 2);
            }
            catch (InvalidOperationException)
            {
                // a device that gets on with a default
            }
            asked++;
            runtime.Send(id, id, new Hit(2), 5, 9);   // fails again
        })), resetAtStart: false);
        runtime.Start(new Failing(), 1);
        runtime.Send(id, id, new Hit(1), 1);
        runtime.Send(id, id, new Hit(9), 3);
        var e = Assert.Throws<InvalidOperationException>(() => runtime.Run(1_000, 100));
        Assert.Equal("failure 1", e.Message);
        Assert.Equal(2, asked);
        Assert.Single(runtime.Trace);   // nothing after the failed delivery
    }

    [Fact]
    public void A_device_fault_in_a_delivery_a_strategy_failure_ended_is_not_reported_in_the_next_run()
    {
        var runtime = new MachineRuntime();
        var faults = new List<string>();
        runtime.OnFault = (device, e) => faults.Add($"{runtime.NameOf(device)}: {e.Message} @{runtime.Now}");
        var board = Actors.Akka.DeviceHost.NewBoard(Sys, runtime);
        var breaks = RuntimeKit.OnBoard(board, "breaks", RuntimeKit.CallbackProps((m, _) =>
        {
            if (m is Boom) throw new InvalidOperationException("broke");
        }));
        var breaksId = runtime.Register("breaks", breaks, resetAtStart: false);
        var id = ActorId.None;
        id = runtime.Register("asks", RuntimeKit.OnBoard(board, "asks", RuntimeKit.CallbackProps((m, self) =>
        {
            if (m is not Hit { N: 1 }) return;
            breaks.Tell(new Boom());   // faults now: its board reports it to the runtime
            runtime.Choose(1, 2);      // and the strategy fails in the same delivery
        })), resetAtStart: false);

        runtime.Start(new ReplayStrategy([]), 1);
        runtime.Send(id, id, new Hit(1), 1);
        Assert.Throws<ReplayDivergedException>(() => runtime.Run(1_000, 100));
        Assert.Empty(faults);   // the strategy failure ends the run before any fault is reported

        runtime.Start(new ScriptedPicks(), 2);
        runtime.Send(id, id, new Hit(2), 4);
        runtime.Send(id, breaksId, new Boom(), 6);
        Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, 100));
        Assert.Equal(["breaks: broke @6"], faults);   // only this run's own fault
    }
}

/// <summary>A message <see cref="RefusingMailbox"/>'s queue refuses.</summary>
public sealed record RefusedByMailbox : Message;

/// <summary>A mailbox whose queue throws on <see cref="RefusedByMailbox"/> (as a full bounded mailbox would).</summary>
public sealed class RefusingMailbox(Settings settings, Akka.Configuration.Config config) : MailboxType(settings, config)
{
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new RefusingQueue();
}

internal sealed class RefusingQueue : IMessageQueue
{
    private readonly Queue<Envelope> _queue = new();
    public bool HasMessages => _queue.Count > 0;
    public int Count => _queue.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        if (envelope.Message is RefusedByMailbox) throw new InvalidOperationException("mailbox full");
        _queue.Enqueue(envelope);
    }

    public bool TryDequeue(out Envelope envelope) => _queue.TryDequeue(out envelope);

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (_queue.TryDequeue(out var e)) deadletters.Enqueue(owner, e);
    }
}
