using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

/// <summary>Delivered to a CPU by the interrupt controller (a fixed-vector IPI) or by its own local APIC timer (<see cref="IrqWork"/>'s tick).</summary>
public sealed record DeliverIpi(InterruptVector Vector) : Message;

/// <summary>Delivered to a CPU: an NMI, from the IPI fabric or the CPU's own perf-counter watchdog.</summary>
public sealed record DeliverNmi(NmiSource Source) : Message;

/// <summary>Harness → CPU: the code this CPU runs calls panic(Text) now.</summary>
public sealed record InjectPanic(string Text) : Message;

/// <summary>Harness → CPU: the CPU disables interrupts and spins forever, taking these locks first.</summary>
public sealed record InjectWedge(string Locks) : Message;

/// <summary>Harness → CPU: the code this CPU runs takes another way in (an oops, sysrq-b, a stray store); the design says what it does.</summary>
public sealed record InjectEntry(Config.TriggerKind Kind, string Text) : Message;

/// <summary>A lock was released or a watched variable changed: spinners and pollers re-check.</summary>
public sealed record Wake(WaitChannel Channel) : Message;

/// <summary>CPU → itself: the current delay (or a wait's timeout) in kernel function <paramref name="In"/> is over.</summary>
internal sealed record Tick(string In) : Message
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Tick> ByRoutine = new();

    /// <summary>One shared, immutable tick per kernel routine, so a delay allocates nothing.</summary>
    public static Tick For(IEnumerator<Op> code) =>
        ByRoutine.GetOrAdd(code.GetType(), static (_, c) => new Tick(CpuActor.KernelName(c)), code);
}

/// <summary>
/// Machine → CPU, after the other devices' reset and the kernel's (a control message, not traced):
/// back to the power-on state (the CPU gets no <see cref="ResetDevice"/>) and run the workload from time 0.
/// </summary>
public sealed record PowerOn
{
    public static readonly PowerOn Instance = new();
}

/// <summary>
/// Machine → CPU (a control message, not traced): the kernel code it ran threw <paramref name="What"/>;
/// its supervisor resumed it to oops. <paramref name="Recursive"/>: it faulted again after an earlier fault this run.
/// </summary>
public sealed record KernelFault(string What, bool Recursive = false);

/// <summary>How a CPU ended up, for the run's result.</summary>
public enum CpuFate : byte
{
    Running,
    Idle,
    Panicking,
    PanicLoop,        // panic's final loop: the machine stays up, as configured
    StoppedByIpi,     // stop_this_cpu from REBOOT_VECTOR: offline, HLT, no registers saved
    StoppedByNmi,     // crash_nmi_callback: registers saved for the vmcore, HLT
    SelfStopped,      // panic_smp_self_stop and friends (later designs)
    Wedged,           // spinning forever with interrupts off (a hard lockup)
    InCrashKernel,    // jumped through machine_kexec
}

/// <summary>
/// A CPU. It runs kernel code (iterators of <see cref="Op"/>) on a stack of frames: the code it was
/// running, and on top of it any interrupt or NMI handler it took. Interrupts arrive as messages and
/// are taken only as its <see cref="LocalApic"/> allows; a handler that returns resumes what it
/// interrupted, with the remaining delay or the interrupted wait. Locks it holds stay held whatever
/// happens to it.
/// </summary>
public sealed class CpuActor : DeviceActor
{
    // Field initialisers run in declaration order, so the CPU's objects are allocated one after the
    // other: the actor, its local APIC, its frames. A delivery touches all three; next to each other
    // they share cache lines (README: "What one delivery touches").
    public LocalApic Apic { get; } = new();

    // The stack of frames, innermost last: structs in one array allocated with the CPU (not a list of
    // frame objects made when first needed, wherever the heap was then), so a delivery to this CPU
    // touches its frames next to its other state; at 4096 CPUs the scattered ones missed the cache.
    private Frame[] _frames = new Frame[InitialDepth];
    private int _depth;
    private const int InitialDepth = 8;
    private OpKind? _blockedOn;     // the op the top frame waits in, if any
    private long _tickHandle;
    private long _tickDue;

    public CpuActor(int id, Machine machine) : base($"cpu{id}", machine.Runtime)
    {
        Id = id;
        Machine = machine;
    }

    public int Id { get; }
    public Machine Machine { get; }

    /// <summary>How the CPU ended up. Kept in the machine's array of fates (one byte per CPU), so the verdict reads 4 KB, not 4096 actors.</summary>
    public CpuFate Fate
    {
        get => Machine.FateOf(Id);
        set => Machine.SetFate(Id, value);
    }

    /// <summary>Set when the last <see cref="Op.WaitFor"/> ended by its timeout rather than its condition.</summary>
    public bool LastWaitTimedOut { get; private set; }

    /// <summary>What the CPU is stuck in at the end of a run, e.g. "spinning on logbuf_lock".</summary>
    public string Doing => Describe();

    /// <summary>The routine that runs at power-on (its workload); the idle loop if null.</summary>
    public Func<CpuActor, IEnumerable<Op>>? Workload { get; init; }

    // ---- kernel-facing API: what routines call on "this CPU" ----

    public void LocalIrqDisable() => Apic.InterruptsEnabled = false;

    public void LocalIrqEnable() => Apic.InterruptsEnabled = true;

    /// <summary>local_irq_save(): returns the old IF.</summary>
    public bool LocalIrqSave()
    {
        var old = Apic.InterruptsEnabled;
        Apic.InterruptsEnabled = false;
        return old;
    }

    public void LocalIrqRestore(bool flags) => Apic.InterruptsEnabled = flags;

    /// <summary>Releases a lock this CPU holds and wakes its spinners.</summary>
    public void Unlock(KernelLock l) => l.Release(Id, Machine.Wake);

    /// <summary>Sends to a device actor with the device latency.</summary>
    public void SendToDevice(ActorId device, Message message) =>
        Runtime.Send(Address, device, message, Machine.Timing.DeviceLatencyMinNs, Machine.Timing.DeviceLatencyMaxNs);

    // ---- actor ----

    protected internal override void Registered()
    {
        // What a delivery to this CPU reads beyond Akka's objects: prefetched with them (DeliveryPrefetch).
        Runtime.Prefetcher.SetOwn(Address.Index, 0, Apic);
        Runtime.Prefetcher.SetOwn(Address.Index, 1, _frames);
    }

    protected override void Reset()
    {
        ForgetFrames();
        _blockedOn = null;
        _tickHandle = 0;
        LastWaitTimedOut = false;
        Apic.Reset();
        Fate = CpuFate.Running;
    }

    protected override void OnControl(object message)
    {
        switch (message)
        {
            case PowerOn:
                // Reset, and the workload starts at time 0 (after every other device's reset and the kernel's).
                PowerUp();
                break;
            case KernelFault f:
                PowerUpIfDeferred();
                Oops(f);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void PowerUp()
    {
        Machine.PoweredOn(Id);
        Reset();
        Push(FrameKind.Task, Workload?.Invoke(this) ?? Workloads.IdleLoop());
        Continue();
    }

    /// <summary>
    /// A CPU whose power-on only puts it in its idle loop gets no <see cref="PowerOn"/> at time 0
    /// (<see cref="Machine.Run"/>): it powers on when its first message of the run arrives, before
    /// handling it. Nothing can tell the difference (its power-on sends nothing, takes no lock and
    /// depends on no time), and at 4096 CPUs a sweep of power-ons through every CPU's cold objects
    /// was a quarter of a run's cache misses.
    /// </summary>
    private void PowerUpIfDeferred()
    {
        if (Machine.AwaitsPowerOn(Id)) PowerUp();
    }

    /// <summary>
    /// The kernel code this CPU ran threw: a fault in that code. It never resumes (die() does not
    /// return into the faulting function); what the design's oops path does comes next, on top of
    /// whatever that code left behind (locks it held stay held, interrupts as they were), and when it
    /// returns the task is gone: the CPU idles.
    /// </summary>
    private void Oops(KernelFault f)
    {
        var where = Backtrace();
        Suspend();
        if (Runtime.Observer is { } observer) for (var i = 0; i < _depth; i++) observer.Left(Id, Now);
        DropFrames();
        Machine.Note(Id, $"kernel fault on cpu{Id} in {(where.Length > 0 ? where : "its idle loop")}: {f.What}");
        Push(FrameKind.Task, f.Recursive
            ? RecursiveFault()
            : Machine.Design.Enter(this, Config.TriggerKind.Oops, $"kernel fault in {(where.Length > 0 ? where.Split(' ')[0] : "idle")}: {f.What}"));
        Continue();
    }

    // do_exit() of a task that faulted while exiting from a fault: it never runs again.
    private IEnumerable<Op> RecursiveFault()
    {
        yield return Op.Call(Printk.Vprintk(this, "Fixing recursive fault but reboot is needed!"));
        yield return Op.HaltForever("recursive fault");
    }

    protected override void Receive(Message message)
    {
        PowerUpIfDeferred();
        switch (message)
        {
            case Tick:
                OnTick();
                break;
            case Wake w:
                OnWake(w.Channel);
                break;
            case DeliverIpi ipi:
                if (Apic.AcceptIpi(ipi.Vector)) TakeInterrupt(FrameKind.Irq, Machine.Design.HandleIpi(this, ipi.Vector));
                break;
            case DeliverNmi { Source: NmiSource.Watchdog } when !Apic.SoftwareEnabled:
                break;  // the perf counter's overflow NMI comes through the LVT of a local APIC that is now off
            case DeliverNmi nmi:
                if (Apic.AcceptNmi() == LocalApic.NmiAction.Handle) TakeInterrupt(FrameKind.Nmi, Machine.Design.HandleNmi(this, nmi.Source));
                break;
            case InjectPanic or InjectWedge when IsHalted:
                Machine.Note(Id, $"{message.GetType().Name} ignored: cpu{Id} is halted and runs no code");
                break;
            case InjectPanic p:
                Interrupt(FrameKind.Task, Machine.Design.Panic(this, p.Text));
                break;
            case InjectWedge w:
                Interrupt(FrameKind.Task, Workloads.Wedge(this, w.Locks));
                break;
            case InjectEntry e:
                Interrupt(FrameKind.Task, Machine.Design.Enter(this, e.Kind, e.Text));
                break;
        }
    }

    // ---- execution ----

    private enum FrameKind { Task, Irq, Nmi }

    private struct Frame
    {
        public IEnumerator<Op> Code;
        public FrameKind Kind;
        public bool SavedIf;
        public bool OpPending;   // Current has begun but not finished
        public Op Current;
        public long Remaining;   // of an interrupted delay or wait
    }

    /// <summary>The innermost frame. A reference into the frame array: do not hold it across a <see cref="Push"/> (the array may grow).</summary>
    private ref Frame Top => ref _frames[_depth - 1];

    private void Push(FrameKind kind, IEnumerable<Op> code)
    {
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
            Runtime.Prefetcher.SetOwn(Address.Index, 1, _frames);
        }
        ref var f = ref _frames[_depth++];
        f = new Frame { Code = code.GetEnumerator(), Kind = kind, SavedIf = Apic.InterruptsEnabled };
        Runtime.Observer?.Entered(Id, Now, f.Code, (int)kind);
    }

    /// <summary>Ends a frame's code (its iterator's finally blocks run) and lets go of it.</summary>
    private static void Recycle(ref Frame f)
    {
        f.Code.Dispose();
        f = default;
    }

    /// <summary>Drops every frame, outermost first, ending each one's code.</summary>
    private void DropFrames()
    {
        for (var i = 0; i < _depth; i++) Recycle(ref _frames[i]);
        _depth = 0;
    }

    /// <summary>
    /// A reset: the last run's code is gone, as at a power cycle, and none of it runs (no iterator is
    /// disposed; kernel routines hold no finally blocks). Not touching those iterators matters at
    /// 4096 CPUs: they were last used long ago, and disposing them was one cache miss each per CPU.
    /// Nor are the frames cleared: a frame at or above the depth is never read, and <see cref="Push"/>
    /// writes all of one before it is used (clearing them read and wrote 1.7 cold cache lines per CPU
    /// per run at 4096 CPUs; the last run's iterators stay referenced until overwritten).
    /// </summary>
    private void ForgetFrames() => _depth = 0;

    /// <summary>
    /// Runs the top frame until it blocks. The heart of the CPU. Between any two ops — after the
    /// statements of a routine that come before its next op, after a handler's IRET, after a wait
    /// ends — a vector left pending while interrupts were off is taken if IF is now set: x86
    /// recognises a pending maskable interrupt at the instruction boundary after popf/sti (sti's
    /// shadow is one instruction), so the op that follows a local_irq_restore() or a
    /// spin_unlock_irqrestore() starts only after the handler returns. (The statements between the
    /// enable and the next op take no virtual time and run first: the emulator's one-instruction shadow.)
    /// </summary>
    private void Continue()
    {
        while (_depth > 0)
        {
            if (Apic.InterruptsEnabled && Apic.HasPendingVector && TakePendingVector()) continue;
            var at = _depth - 1;
            ref var f = ref _frames[at];
            if (!f.OpPending)
            {
                if (!f.Code.MoveNext())
                {
                    Return();
                    continue;
                }
                f.Current = f.Code.Current;
                f.Remaining = f.Current.Ns;
                f.OpPending = true;
                // The statements before this op may have set IF: back to the pending-vector check first.
                if (Apic.InterruptsEnabled && Apic.HasPendingVector) continue;
            }
            if (!Begin(at, f.Current, f.Remaining)) return;
            _frames[at].OpPending = false;   // by index: Begin may have pushed a frame (and grown the array)
        }
        // Nothing left to run: fall back to the idle loop.
        Push(FrameKind.Task, Workloads.IdleLoop());
        Continue();
    }

    /// <summary>Starts an op. True if it finished at once; false if the CPU now waits for a message.</summary>
    private bool Begin(int frame, Op op, long ns)
    {
        switch (op.Kind)
        {
            case OpKind.Delay:
                if (ns <= 0) return true;
                Block(OpKind.Delay, ns);
                return false;
            case OpKind.Call:
                _frames[frame].OpPending = false;
                Push(FrameKind.Task, (IEnumerable<Op>)op.Target!);
                return true;
            case OpKind.Acquire:
                {
                    var l = (KernelLock)op.Target!;
                    if (l.TryAcquire(Id)) return true;
                    l.AddWaiter(Id);
                    _blockedOn = OpKind.Acquire;
                    return false;
                }
            case OpKind.SeqRead:
                {
                    var l = (KernelLock)op.Target!;
                    if (!l.IsHeld) return true;
                    l.AddWaiter(Id);
                    _blockedOn = OpKind.SeqRead;
                    return false;
                }
            case OpKind.WaitFor:
                {
                    var w = (WaitCondition)op.Target!;
                    if (w.Done())
                    {
                        LastWaitTimedOut = false;
                        return true;
                    }
                    if (ns <= 0)
                    {
                        LastWaitTimedOut = true;
                        return true;
                    }
                    w.Channel.AddWaiter(Id);
                    Block(OpKind.WaitFor, ns);
                    return false;
                }
            default: // SpinForever, Halt, Idle: only an interrupt changes anything
                if (op.Kind == OpKind.Idle && Fate == CpuFate.Running) Fate = CpuFate.Idle;
                _blockedOn = op.Kind;
                return false;
        }
    }

    private void Block(OpKind kind, long ns)
    {
        _blockedOn = kind;
        _tickDue = Now + ns;
        _tickHandle = Runtime.Send(Address, Address, Tick.For(Top.Code), ns);
    }

    private void OnTick()
    {
        ref var f = ref Top;
        if (_blockedOn == OpKind.WaitFor)
        {
            ((WaitCondition)f.Current.Target!).Channel.RemoveWaiter(Id);
            LastWaitTimedOut = true;
        }
        Unblock(ref f);
    }

    private void OnWake(WaitChannel channel)
    {
        if (_depth == 0 || _blockedOn is null) return;
        ref var f = ref Top;
        switch (_blockedOn)
        {
            case OpKind.Acquire when f.Current.Target == channel:
                if (!((KernelLock)channel).TryAcquire(Id)) return;  // another spinner won the race
                channel.RemoveWaiter(Id);
                break;
            case OpKind.SeqRead when f.Current.Target == channel:
                if (((KernelLock)channel).IsHeld) return;
                channel.RemoveWaiter(Id);
                break;
            case OpKind.WaitFor when ((WaitCondition)f.Current.Target!).Channel == channel:
                if (!((WaitCondition)f.Current.Target!).Done()) return;
                channel.RemoveWaiter(Id);
                Runtime.Cancel(_tickHandle);
                LastWaitTimedOut = false;
                break;
            default:
                return;  // a stale wake for a wait this CPU already left
        }
        Unblock(ref f);
    }

    private void Unblock(ref Frame f)
    {
        _blockedOn = null;
        _tickHandle = 0;
        f.OpPending = false;
        Continue();
    }

    /// <summary>Leaves the op the top frame waits in, remembering what is left of it.</summary>
    private void Suspend()
    {
        if (_depth == 0 || _blockedOn is null) return;
        ref var f = ref Top;
        switch (_blockedOn)
        {
            case OpKind.Delay:
                Runtime.Cancel(_tickHandle);
                f.Remaining = _tickDue - Now;
                break;
            case OpKind.WaitFor:
                Runtime.Cancel(_tickHandle);
                ((WaitCondition)f.Current.Target!).Channel.RemoveWaiter(Id);
                f.Remaining = _tickDue - Now;
                break;
            case OpKind.Acquire:
            case OpKind.SeqRead:
                ((KernelLock)f.Current.Target!).RemoveWaiter(Id);
                break;
        }
        _blockedOn = null;
        _tickHandle = 0;
    }

    private void TakeInterrupt(FrameKind kind, IEnumerable<Op> handler)
    {
        Suspend();
        Push(kind, handler);
        LocalIrqDisable();  // interrupt and NMI gates clear IF; IRET restores it
        Continue();
    }

    /// <summary>The CPU's code calls something new on top of what it was doing (a panic, a wedge).</summary>
    private void Interrupt(FrameKind kind, IEnumerable<Op> code)
    {
        Suspend();
        Push(kind, code);
        Continue();
    }

    private bool TakePendingVector()
    {
        var v = Apic.TakePendingVector();
        if (v is null) return false;
        Push(FrameKind.Irq, Machine.Design.HandleIpi(this, v.Value));
        LocalIrqDisable();
        return true;
    }

    /// <summary>The top frame's code ended: a call returns, a handler IRETs.</summary>
    private void Return()
    {
        ref var f = ref Top;
        _depth--;
        Runtime.Observer?.Left(Id, Now);
        if (f.Kind == FrameKind.Nmi && Apic.IretFromNmi())
        {
            // A latched NMI fires as soon as the handler IRETs: the frame stays, with the handler's code anew.
            _depth++;
            f.Code.Dispose();
            f.Code = Machine.Design.HandleNmi(this, NmiSource.Ipi).GetEnumerator();
            f.OpPending = false;
            Runtime.Observer?.Entered(Id, Now, f.Code, (int)FrameKind.Nmi);
            return;
        }
        if (f.Kind != FrameKind.Task) Apic.InterruptsEnabled = f.SavedIf;
        Recycle(ref f);
    }

    /// <summary>The kernel functions on the CPU's stack, innermost first: "release_console_sem &lt; vprintk &lt; panic".</summary>
    public string Backtrace()
    {
        var names = new List<string>();
        for (var i = _depth - 1; i >= 0; i--)
        {
            var name = KernelName(_frames[i].Code);
            if (name.Length > 0 && (names.Count == 0 || names[^1] != name)) names.Add(name);
        }
        return string.Join(" < ", names);
    }

    /// <summary>The iterator's method name in the kernel's spelling: NativeStopOtherCpus → native_stop_other_cpus.</summary>
    internal static string KernelName(IEnumerator<Op> code)
    {
        if (code is IdleLoopCode) return IdleLoopCode.KernelName;   // the one idle loop is not a C# iterator
        var type = code.GetType().Name;  // "<NativeStopOtherCpus>d__3" for a C# iterator
        var end = type.IndexOf('>');
        if (type[0] != '<' || end < 0) return "";
        var b = new System.Text.StringBuilder();
        for (var i = 1; i < end; i++)
        {
            var c = type[i];
            if (char.IsUpper(c) && i > 1) b.Append('_');
            b.Append(char.ToLowerInvariant(c));
        }
        return b.ToString();
    }

    private string Describe()
    {
        if (_depth == 0) return "off";
        var op = Top.Current;
        var irqs = Apic.InterruptsEnabled ? "interrupts on" : "interrupts off";
        var state = _blockedOn switch
        {
            OpKind.Acquire => $"spinning on {op.Target} held by cpu{((KernelLock)op.Target!).Holder} ({irqs})",
            OpKind.SeqRead => $"retrying a read of {op.Target}, writer cpu{((KernelLock)op.Target!).Holder} ({irqs})",
            OpKind.WaitFor => $"waiting on {((WaitCondition)op.Target!).Channel}",
            OpKind.Halt => "halted",
            OpKind.SpinForever => $"looping forever: {op.What} ({irqs})",
            OpKind.Idle => "idle (HLT)",
            OpKind.Delay => $"busy ({irqs})",
            _ => "running",
        };
        return $"{state} in {Backtrace()}";
    }

    /// <summary>True if the CPU can do nothing more by itself (halted, idle, spinning forever or on a lock).</summary>
    public bool IsBlockedForever => _blockedOn is OpKind.Halt or OpKind.SpinForever or OpKind.Idle or OpKind.Acquire or OpKind.SeqRead;

    public bool IsHalted => _blockedOn == OpKind.Halt;

    /// <summary>
    /// tick_nohz_tick_stopped() (NOHZ idle): the task-level code this CPU runs — below any interrupt
    /// or NMI frame — is the idle loop, whose HLT stops the tick; an interrupt taken there leaves it stopped.
    /// </summary>
    public bool TickStopped
    {
        get
        {
            var task = 0;
            while (task < _depth && _frames[task].Kind == FrameKind.Task) task++;
            return task > 0 && _frames[task - 1].Code is IdleLoopCode;
        }
    }
}
