using System.Collections.Concurrent;
using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Tracing;

/// <summary>What a <see cref="RunRecording"/> event is.</summary>
public enum RecordedKind
{
    /// <summary>A CPU entered a kernel function (<see cref="RecordedEvent.Name"/>).</summary>
    Enter,
    /// <summary>A CPU left the kernel function it entered last.</summary>
    Leave,
    /// <summary>A message was posted from <see cref="RecordedEvent.Actor"/> to <see cref="RecordedEvent.Other"/>.</summary>
    Send,
    /// <summary>The message sent with <see cref="RecordedEvent.Seq"/> was delivered (the run's next trace entry).</summary>
    Deliver,
}

/// <summary>
/// One recorded event. <see cref="Actor"/> is a device index (a CPU's index is its number);
/// <see cref="Other"/> the receiver of a Send, or for a Deliver the number of milestones noted before
/// it (-1 if unknown); <see cref="Context"/> is the frame's context (0 task, 1 irq, 2 nmi) for Enter.
/// </summary>
public readonly record struct RecordedEvent(RecordedKind Kind, long TimeNs, int Actor, int Other, long Seq, string Name, int Context);

/// <summary>
/// Records a run as the trace exporters need it: every kernel-function frame a CPU entered and left,
/// every message posted and delivered, in the order they happened (so time never goes back). Only
/// frames whose code is a named kernel routine are recorded (an empty handler is not a function),
/// and at most <see cref="MaxEvents"/> events (then <see cref="Truncated"/>). With
/// <c>recordEvents: false</c> it only keeps the set of kernel functions entered (coverage).
/// </summary>
public sealed class RunRecording(bool recordEvents = true, int maxEvents = RunRecording.DefaultMaxEvents) : IRunObserver
{
    /// <summary>Events kept by default: a 4096-CPU run fits, a 10-million-step one is cut (and says so).</summary>
    public const int DefaultMaxEvents = 2_000_000;

    private static readonly ConcurrentDictionary<Type, string> Names = new();
    private readonly List<RecordedEvent> _events = [];
    private readonly HashSet<long> _delivered = [];
    private readonly SortedSet<string> _functions = new(StringComparer.Ordinal);
    // Per CPU, whether each frame on its stack was recorded (a named routine), innermost last.
    private readonly List<List<bool>> _stacks = [];

    private Func<int>? _milestones;

    public int MaxEvents { get; } = maxEvents;

    /// <summary>
    /// Attaches to <paramref name="machine"/>: observes its runs, and notes with each delivery how many
    /// milestones were already recorded (<see cref="RecordedEvent.Other"/> of a Deliver), so a milestone
    /// can be placed after the delivery whose handling noted it.
    /// </summary>
    public void Attach(Machine machine)
    {
        machine.Runtime.Observer = this;
        _milestones = () => machine.Kernel.Milestones.Count;
    }
    public IReadOnlyList<RecordedEvent> Events => _events;
    /// <summary>The kernel functions any CPU entered this run, in ordinal order.</summary>
    public IReadOnlySet<string> Functions => _functions;
    /// <summary>The event cap was reached: the events stop at <see cref="TruncatedAtNs"/>.</summary>
    public bool Truncated { get; private set; }
    public long TruncatedAtNs { get; private set; }
    /// <summary>Whether the message of send sequence <paramref name="seq"/> was delivered (a flow has both ends).</summary>
    public bool WasDelivered(long seq) => _delivered.Contains(seq);

    public void Started()
    {
        _events.Clear();
        _delivered.Clear();
        _functions.Clear();
        foreach (var s in _stacks) s.Clear();
        Truncated = false;
        TruncatedAtNs = 0;
    }

    public void Sent(long seq, int from, int to, long now)
    {
        if (recordEvents) Add(new RecordedEvent(RecordedKind.Send, now, from, to, seq, "", 0));
    }

    public void Delivering(long seq, long now)
    {
        if (!recordEvents || !Add(new RecordedEvent(RecordedKind.Deliver, now, -1, _milestones?.Invoke() ?? -1, seq, "", 0))) return;
        _delivered.Add(seq);
    }

    public void Entered(int cpu, long now, IEnumerator<Op> code, int context)
    {
        var name = Names.GetOrAdd(code.GetType(), static (_, c) => CpuActor.KernelName(c), code);
        while (_stacks.Count <= cpu) _stacks.Add([]);
        var named = name.Length > 0;
        if (named) _functions.Add(name);
        if (named && recordEvents) named = Add(new RecordedEvent(RecordedKind.Enter, now, cpu, -1, 0, name, context));
        _stacks[cpu].Add(named && recordEvents);
    }

    public void Left(int cpu, long now)
    {
        if (cpu >= _stacks.Count || _stacks[cpu].Count == 0) return;
        var stack = _stacks[cpu];
        var recorded = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        // A frame whose Enter was kept always gets its Leave, past the cap too: slices stay balanced.
        if (recorded) _events.Add(new RecordedEvent(RecordedKind.Leave, now, cpu, -1, 0, "", 0));
    }

    private bool Add(RecordedEvent e)
    {
        if (Truncated) return false;
        if (_events.Count >= MaxEvents)
        {
            Truncated = true;
            TruncatedAtNs = e.TimeNs;
            return false;
        }
        _events.Add(e);
        return true;
    }
}
