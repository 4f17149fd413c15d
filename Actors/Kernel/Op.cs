namespace ActorCrash.Actors.Kernel;

/// <summary>
/// What kernel code running on an emulated CPU asks of that CPU between two of its statements. Kernel
/// routines are C# iterators that yield these: plain statements run at once, and each yield is a point
/// where virtual time passes or the CPU may have to wait, so other actors' messages interleave there.
/// </summary>
public readonly struct Op
{
    private Op(OpKind kind, long ns = 0, object? target = null, string? what = null)
    {
        Kind = kind;
        Ns = ns;
        Target = target;
        What = what;
    }

    public OpKind Kind { get; }
    public long Ns { get; }
    public object? Target { get; }
    public string? What { get; }

    /// <summary>Busy for <paramref name="ns"/> (mdelay, udelay, a memcpy, a serial write).</summary>
    public static Op Delay(long ns) => new(OpKind.Delay, ns);

    /// <summary>Run a sub-routine to its end, then continue.</summary>
    public static Op Call(IEnumerable<Op> routine) => new(OpKind.Call, target: routine);

    /// <summary>spin_lock(): take the lock, spinning (in virtual time) while another CPU holds it.</summary>
    public static Op SpinLock(KernelLock l) => new(OpKind.Acquire, target: l);

    /// <summary>mutex_lock() / down(): as <see cref="SpinLock"/>; the panic path cannot really sleep (see KernelLock).</summary>
    public static Op MutexLock(KernelLock l) => new(OpKind.Acquire, target: l);

    /// <summary>read_seqbegin()/read_seqretry(): wait until no writer holds the seqlock.</summary>
    public static Op SeqRead(KernelLock l) => new(OpKind.SeqRead, target: l);

    /// <summary>Poll <paramref name="done"/> until it holds or <paramref name="timeoutNs"/> passes; re-checked whenever <paramref name="channel"/> changes.</summary>
    public static Op WaitFor(WaitChannel channel, Func<bool> done, long timeoutNs) => new(OpKind.WaitFor, timeoutNs, new WaitCondition(channel, done));

    /// <summary>Loop forever without progress (a hard lockup, panic's final loop, purgatory). Interrupts as the CPU's IF flag says.</summary>
    public static Op SpinForever(string what) => new(OpKind.SpinForever, what: what);

    /// <summary>HLT forever (stop_this_cpu, crash_nmi_callback): NMIs still wake it, then it halts again.</summary>
    public static Op HaltForever(string what) => new(OpKind.Halt, what: what);

    /// <summary>The idle loop: HLT with interrupts on.</summary>
    public static Op Idle => new(OpKind.Idle, what: "idle");
}

public enum OpKind : byte { Delay, Call, Acquire, SeqRead, WaitFor, SpinForever, Halt, Idle }

public sealed record WaitCondition(WaitChannel Channel, Func<bool> Done);
