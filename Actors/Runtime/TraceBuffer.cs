using System.Collections;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// The run's deliveries in order (<see cref="MachineRuntime.Trace"/>): an array reused across runs.
/// A new run sets the count to zero and overwrites entries as it goes; it does not clear the array
/// first (a <c>List&lt;TraceEntry&gt;.Clear()</c> zeroes every entry, since each holds a reference:
/// at 4096 CPUs a 300 KB sweep per run, one write miss per cache line, Actors/README.md). Entries past
/// <see cref="Count"/> are the end of an earlier run, never read; the messages they hold stay
/// alive until overwritten (they are small and mostly shared).
/// </summary>
public sealed class TraceBuffer : IReadOnlyList<TraceEntry>
{
    private TraceEntry[] _entries = new TraceEntry[256];
    private int _count;

    public int Count => _count;

    public TraceEntry this[int index] =>
        (uint)index < (uint)_count ? _entries[index] : throw new ArgumentOutOfRangeException(nameof(index));

    internal void Add(in TraceEntry e)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = e;
    }

    /// <summary>Empty again for a new run (the array is kept as it is: see the type's summary).</summary>
    internal void Restart() => _count = 0;

    public IEnumerator<TraceEntry> GetEnumerator()
    {
        for (var i = 0; i < _count; i++) yield return _entries[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
