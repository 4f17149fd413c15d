using Akka.Actor;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// Per device, the objects a delivery to it reads, and the processor hint that fetches them ahead
/// (<see cref="MachineRuntime"/> calls <see cref="Prefetch"/> for the delivery due next while the
/// current one runs). A delivery to a CPU walks a chain of objects, each found from the one before:
/// its <c>ActorCell</c>, the cell's <c>Mailbox</c> and message queue, the cell's behaviour state and
/// its <c>Receive</c> delegate, the actor, then the actor's own state (a CPU's local APIC and frame
/// array). At 4096 CPUs they are all out of the core's L2 when a CPU's next message comes, and each
/// waited for the one before; prefetched together, they arrive in parallel. A hint only: no effect on
/// any run (a stale or missing entry fetches nothing useful and does no harm).
/// <c>ACTORCRASH_PREFETCH=0</c> turns it off for comparisons (Actors/README.md, "scale3", "scale4").
/// </summary>
internal sealed class DeliveryPrefetch
{
    /// <summary>Objects kept per device: one 64-byte line of the table.</summary>
    public const int PerDevice = 8;

    // Slots of a device's row. The cell's lines come first: they are read first.
    internal const int CellSlot = 0, MailboxSlot = 1, QueueSlot = 2, StateSlot = 3, ReceiveSlot = 4, ActorSlot = 5;
    /// <summary>The first of the slots a device fills with its own objects (<see cref="SetOwn"/>).</summary>
    internal const int OwnSlot = 6;

    public static readonly bool On = Environment.GetEnvironmentVariable("ACTORCRASH_PREFETCH") != "0";

    // The cell's behaviour state (Akka's IActorState, private to the cell) and, in it, the Receive
    // delegate a delivery calls: read once per device at registration. Null if this Akka lays them out
    // otherwise: those two are then not prefetched.
    private static readonly System.Reflection.FieldInfo? StateField =
        typeof(ActorCell).GetField("_state", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    private object?[] _hot = new object?[16 * PerDevice];
    private int _ahead = -1;   // the device whose row was fetched for the delivery due next

    /// <summary>The device <see cref="Delivering"/> last fetched ahead (-1: none), for tests.</summary>
    internal int Ahead => _ahead;

    /// <summary>
    /// A delivery to <paramref name="device"/> begins, and <paramref name="upcoming"/> (or -1) is due
    /// after it. The upcoming device's row is fetched while this delivery runs. This device's row
    /// was fetched during the last delivery if it was the one due next then; if not (that delivery
    /// sent a message due sooner, e.g. a CPU's own short delay), it is fetched now: its objects then
    /// arrive together rather than one after the other.
    /// </summary>
    public void Delivering(int device, int upcoming)
    {
        // Stryker disable once all : a processor hint; fetching this row again, or not, changes no value the program reads
        if (device != _ahead) Prefetch(device);
        _ahead = upcoming;
        // Stryker disable once all : as above (a prefetch of -1 fetches nothing)
        if (upcoming >= 0) Prefetch(upcoming);
    }

    /// <summary>The objects of device <paramref name="device"/>'s row, for tests.</summary>
    internal ReadOnlySpan<object?> Row(int device) =>
        (uint)device < (uint)(_hot.Length / PerDevice) ? _hot.AsSpan(device * PerDevice, PerDevice) : ReadOnlySpan<object?>.Empty;

    /// <summary>A local device's cell: its own lines, its mailbox's, its queue's, its behaviour state's and its Receive delegate's.</summary>
    public void SetCell(int device, ActorCell cell)
    {
        Grow(device);
        var row = device * PerDevice;
        _hot[row + CellSlot] = cell;
        _hot[row + MailboxSlot] = cell.Mailbox;
        _hot[row + QueueSlot] = cell.Mailbox?.MessageQueue;
        var state = StateField?.GetValue(cell);
        _hot[row + StateSlot] = state;
        _hot[row + ReceiveSlot] = state?.GetType().GetField("_receive", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(state);
    }

    /// <summary>The device's actor instance (a built-in device).</summary>
    public void SetActor(int device, object actor)
    {
        Grow(device);
        _hot[device * PerDevice + ActorSlot] = actor;
    }

    /// <summary>
    /// One of the device's own objects that a delivery to it reads (<paramref name="which"/> 0 or 1):
    /// a CPU's local APIC and frame array. A device calls it again when it replaces the object.
    /// </summary>
    public void SetOwn(int device, int which, object? o)
    {
        if ((uint)which >= PerDevice - OwnSlot) throw new ArgumentOutOfRangeException(nameof(which), which, $"a device has {PerDevice - OwnSlot} own slots");
        Grow(device);
        _hot[device * PerDevice + OwnSlot + which] = o;
    }

    private void Grow(int device)
    {
        var n = _hot.Length;
        while (n < (device + 1) * PerDevice) n *= 2;
        if (n != _hot.Length) Array.Resize(ref _hot, n);
    }

    /// <summary>
    /// Hints the processor to fetch the first two cache lines of each object of
    /// <paramref name="device"/>'s row (the cell's first three: it is larger), with no effect on
    /// the run. A device with no row fetches nothing.
    /// </summary>
    public unsafe void Prefetch(int device)
    {
        var hot = _hot;
        var row = device * PerDevice;
        if ((uint)row > (uint)(hot.Length - PerDevice)) return;
        // Stryker disable all : processor hints; a prefetch changes no value the program reads (what mutants here can change is only which lines are fetched, and when)
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        for (var i = row; i < row + PerDevice; i++)
        {
            var o = hot[i];
            if (o is null) continue;
            var p = (byte*)System.Runtime.CompilerServices.Unsafe.As<object, nint>(ref o);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + 64);
        }
        var cell = hot[row + CellSlot];
        if (cell is not null) System.Runtime.Intrinsics.X86.Sse.Prefetch0((byte*)System.Runtime.CompilerServices.Unsafe.As<object, nint>(ref cell) + 128);
        // Stryker restore all
    }
}
