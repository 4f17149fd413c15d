using ActorCrash.Actors;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The built-in devices' message queue (akka.hocon's <c>actorcrash.device-mailbox</c>): FIFO however
/// many wait, dead letters in order, the queue every built-in device of a machine gets in a system
/// configured from akka.hocon, and runs identical to those on Akka's default queue.
/// </summary>
public class DeviceMailboxTests
{
    private static Envelope E(int n) => new(n, ActorRefs.NoSender);

    private static int[] Drain(IMessageQueue q)
    {
        var got = new List<int>();
        while (q.TryDequeue(out var e)) got.Add((int)e.Message);
        return [.. got];
    }

    [Fact]
    public void It_is_first_in_first_out_with_one_or_many_waiting()
    {
        var q = new DeviceMessageQueue();
        Assert.False(q.HasMessages);
        Assert.False(q.TryDequeue(out _));
        q.Enqueue(ActorRefs.Nobody, E(1));
        Assert.True(q.HasMessages);
        Assert.Equal(1, q.Count);
        Assert.Equal([1], Drain(q));
        for (var i = 2; i <= 5; i++) q.Enqueue(ActorRefs.Nobody, E(i));
        Assert.Equal(4, q.Count);
        Assert.True(q.TryDequeue(out var first));
        Assert.Equal(2, first.Message);
        q.Enqueue(ActorRefs.Nobody, E(6));   // joins behind the ones still waiting
        Assert.Equal([3, 4, 5, 6], Drain(q));
        Assert.Equal(0, q.Count);
        Assert.False(q.HasMessages);
    }

    [Fact]
    public void An_emptied_queue_holds_no_reference_to_the_last_message()
    {
        var q = new DeviceMessageQueue();
        var weak = PassThrough(q);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive);
        Assert.False(q.HasMessages);
    }

    // Enqueues and takes out one message in a frame of its own, so no local of the test keeps it alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference PassThrough(DeviceMessageQueue q)
    {
        var message = new object();
        q.Enqueue(ActorRefs.Nobody, new Envelope(message, ActorRefs.NoSender));
        q.TryDequeue(out var e);
        Assert.Same(message, e.Message);
        return new WeakReference(message);
    }

    [Fact]
    public void Clean_up_hands_the_waiting_messages_to_the_dead_letters_in_order()
    {
        var q = new DeviceMessageQueue();
        for (var i = 1; i <= 3; i++) q.Enqueue(ActorRefs.Nobody, E(i));
        var dead = new DeviceMessageQueue();
        q.CleanUp(ActorRefs.Nobody, dead);
        Assert.False(q.HasMessages);
        Assert.Equal([1, 2, 3], Drain(dead));
    }

    private static IMessageQueue QueueOf(IActorRef actor) => ((LocalActorRef)actor).Cell.Mailbox!.MessageQueue;

    [Fact]
    public async Task Every_built_in_device_gets_it_in_a_system_configured_from_akka_hocon()
    {
        var system = ActorSystem.Create("mailbox-test", AkkaSettings.Load());
        using var machine = new Machine(ScenarioLoader.Default(), system);
        var rt = machine.Runtime;
        for (var i = 0; i < rt.DeviceCount; i++)
            Assert.IsType<DeviceMessageQueue>(QueueOf(rt.RefOf(new ActorId(i))));
        await system.Terminate();
    }

    [Fact]
    public async Task Runs_are_the_same_on_it_as_on_akkas_default_queue()
    {
        var spec = ScenarioLoader.BuiltIn("k1-two-cpus-panic");
        var light = ActorSystem.Create("light", AkkaSettings.Load());
        var plain = ActorSystem.Create("plain");   // no akka.hocon: devices keep the default queue
        using var a = new Machine(spec, light);
        using var b = new Machine(spec, plain);
        Assert.IsType<UnboundedMessageQueue>(QueueOf(b.Runtime.RefOf(b.Cpus[0].Address)));
        for (ulong seed = 1; seed <= 20; seed++)
            Assert.Equal(Text(a.RunAndReport(seed, trace: true)), Text(b.RunAndReport(seed, trace: true)));
        await light.Terminate();
        await plain.Terminate();

        static string Text(RunResult r) => GoldenTraceDigest(r);
    }

    private static string GoldenTraceDigest(RunResult r) => Golden.GoldenTraces.Digest(r);
}
