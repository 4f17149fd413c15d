using ActorCrash.Actors;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// What the runtime prefetches for a delivery (<see cref="DeliveryPrefetch"/>): per device, the
/// objects a delivery to it reads — its cell, mailbox, message queue, behaviour state, Receive
/// delegate and actor, and a CPU's local APIC and frame array — and a prefetch of any device, even
/// one with no row, that has no effect.
/// </summary>
public class DeliveryPrefetchTests
{
    private static Machine NewMachine(int cpus = 2) =>
        new(ScenarioLoader.LoadText($"machine.cpus = {cpus}\ntriggers = [{{ at = 1ms, cpu = 0, event = panic }}]\n", "test.hocon"));

    private static object? Frames(CpuActor cpu) =>
        typeof(CpuActor).GetField("_frames", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(cpu);

    [Fact]
    public void A_cpus_row_holds_the_objects_a_delivery_to_it_reads()
    {
        using var machine = NewMachine();
        foreach (var cpu in machine.Cpus)
        {
            var row = machine.Runtime.Prefetcher.Row(cpu.Address.Index).ToArray();
            Assert.Equal(DeliveryPrefetch.PerDevice, row.Length);
            var cell = Assert.IsType<ActorCell>(row[DeliveryPrefetch.CellSlot], exactMatch: false);
            Assert.Same(machine.Runtime.RefOf(cpu.Address), cell.Self);
            Assert.Same(cell.Mailbox, row[DeliveryPrefetch.MailboxSlot]);
            Assert.Same(cell.Mailbox!.MessageQueue, row[DeliveryPrefetch.QueueSlot]);
            Assert.IsType<DeviceMessageQueue>(row[DeliveryPrefetch.QueueSlot]);
            Assert.NotNull(row[DeliveryPrefetch.StateSlot]);
            // the behaviour the cell calls for a message: the actor's own Receive, set when the actor was made
            var receive = Assert.IsType<Receive>(row[DeliveryPrefetch.ReceiveSlot]);
            Assert.Same(cpu, receive.Target);
            Assert.Same(cpu, row[DeliveryPrefetch.ActorSlot]);
            Assert.Same(cpu.Apic, row[DeliveryPrefetch.OwnSlot]);
            Assert.Same(Frames(cpu), row[DeliveryPrefetch.OwnSlot + 1]);
        }
    }

    [Fact]
    public void Another_devices_row_has_its_akka_objects_and_actor_but_no_own_objects()
    {
        using var machine = NewMachine();
        var row = machine.Runtime.Prefetcher.Row(machine.Nvram.Index).ToArray();
        var cell = Assert.IsType<ActorCell>(row[DeliveryPrefetch.CellSlot], exactMatch: false);
        Assert.Same(machine.Runtime.RefOf(machine.Nvram), cell.Self);
        Assert.IsType<NvramActor>(row[DeliveryPrefetch.ActorSlot]);
        Assert.Null(row[DeliveryPrefetch.OwnSlot]);
        Assert.Null(row[DeliveryPrefetch.OwnSlot + 1]);
    }

    [Fact]
    public void The_frame_array_in_a_cpus_row_stays_the_one_it_runs_on()
    {
        using var machine = NewMachine(4);
        for (ulong seed = 1; seed <= 5; seed++)
        {
            machine.Run(seed);
            foreach (var cpu in machine.Cpus)
                Assert.Same(Frames(cpu), machine.Runtime.Prefetcher.Row(cpu.Address.Index)[DeliveryPrefetch.OwnSlot + 1]);
        }
    }

    [Fact]
    public void Rows_grow_to_the_highest_device_and_keep_what_they_held()
    {
        var p = new DeliveryPrefetch();
        var a = new object();
        var b = new object();
        var c = new object();
        p.SetActor(1, a);
        p.SetOwn(100, 0, b);
        p.SetOwn(100, 1, c);
        Assert.Same(a, p.Row(1)[DeliveryPrefetch.ActorSlot]);
        Assert.Same(b, p.Row(100)[DeliveryPrefetch.OwnSlot]);
        Assert.Same(c, p.Row(100)[DeliveryPrefetch.OwnSlot + 1]);
        foreach (var o in p.Row(99)) Assert.Null(o);
        Assert.Equal(DeliveryPrefetch.PerDevice, p.Row(100).Length);
        Assert.True(p.Row(100_000).IsEmpty);
        Assert.True(p.Row(-1).IsEmpty);
        // replacing an own object (a CPU's grown frame array)
        var d = new object();
        p.SetOwn(100, 1, d);
        Assert.Same(d, p.Row(100)[DeliveryPrefetch.OwnSlot + 1]);
        Assert.Same(b, p.Row(100)[DeliveryPrefetch.OwnSlot]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void A_device_has_two_own_slots(int which)
    {
        var p = new DeliveryPrefetch();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => p.SetOwn(0, which, new object()));
        Assert.Equal("which", e.ParamName);
    }

    [Fact]
    public void Prefetching_any_device_changes_nothing()
    {
        var p = new DeliveryPrefetch();
        var a = new object();
        p.SetActor(3, a);
        foreach (var device in new[] { -5, -1, 0, 3, 15, 16, 1000, int.MaxValue / DeliveryPrefetch.PerDevice })
            p.Prefetch(device);
        Assert.Same(a, p.Row(3)[DeliveryPrefetch.ActorSlot]);
    }
}

/// <summary>Which rows <see cref="DeliveryPrefetch.Delivering"/> keeps track of: the one fetched for the delivery due next.</summary>
public class DeliveryPrefetchAheadTests
{
    [Fact]
    public void It_remembers_the_device_due_next_and_forgets_it_when_nothing_is()
    {
        var p = new DeliveryPrefetch();
        Assert.Equal(-1, p.Ahead);
        p.Delivering(3, 5);
        Assert.Equal(5, p.Ahead);
        p.Delivering(5, 2);     // the one fetched ahead came
        Assert.Equal(2, p.Ahead);
        p.Delivering(7, 0);     // another came first: fetched now, and the next one ahead
        Assert.Equal(0, p.Ahead);
        p.Delivering(0, -1);    // nothing pending after it
        Assert.Equal(-1, p.Ahead);
    }
}
