using System.Collections;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// nmi_print_seq: each CPU's buffer for printk in NMI context (<see cref="KernelState.NmiPrintSeq"/>).
/// A reset empties only the buffers handed out since the last one (by the indexer: every writer goes
/// through it), not all of them: at 4096 CPUs clearing 4096 lists each run read 4096 cold objects for
/// nothing, since in most runs no CPU prints in NMI context (Actors/README.md, "scale3").
/// </summary>
public sealed class NmiPrintBuffers(int cpuCount) : IReadOnlyList<List<(string Text, int Level)>>
{
    private readonly List<(string Text, int Level)>[] _buffers = [.. Enumerable.Range(0, cpuCount).Select(_ => new List<(string, int)>())];
    private readonly bool[] _handedOut = new bool[cpuCount];
    private readonly List<int> _handedOutCpus = [];

    public int Count => _buffers.Length;

    /// <summary>CPU <paramref name="cpu"/>'s buffer.</summary>
    public List<(string Text, int Level)> this[int cpu]
    {
        get
        {
            if (!_handedOut[cpu])
            {
                // Stryker disable once Boolean : without the mark a CPU is listed once per access: Reset still empties it, the list is only longer
                _handedOut[cpu] = true;
                _handedOutCpus.Add(cpu);
            }
            return _buffers[cpu];
        }
    }

    /// <summary>Every buffer empty again (a new run).</summary>
    public void Reset()
    {
        foreach (var cpu in _handedOutCpus)
        {
            _buffers[cpu].Clear();
            _handedOut[cpu] = false;
        }
        // Stryker disable once Statement : a CPU left listed is emptied again by the next Reset (its mark is cleared, so it is listed again when written)
        _handedOutCpus.Clear();
    }

    /// <summary>for_each_possible_cpu: every CPU's buffer in CPU order.</summary>
    public IEnumerator<List<(string Text, int Level)>> GetEnumerator()
    {
        for (var cpu = 0; cpu < _buffers.Length; cpu++) yield return this[cpu];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
