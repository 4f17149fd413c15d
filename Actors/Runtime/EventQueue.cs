namespace ActorCrash.Actors.Runtime;

/// <summary>
/// Min-heap (4-ary) of pending deliveries ordered by (due time, send sequence): a total order, so the
/// queue itself adds no nondeterminism. An entry is two longs — the due time and the send sequence
/// with the runtime's slot number in its low bits — and holds no object reference (the message, its
/// sender and receiver wait in the runtime's slots), so sifting costs no GC write barrier and a
/// cache line holds four entries. Reused across runs without reallocating.
/// </summary>
internal sealed class EventQueue
{
    /// <summary>Bits of <see cref="Entry.SeqSlot"/> that hold the slot.</summary>
    public const int SlotBits = 24;
    public const int MaxSlots = 1 << SlotBits;
    private const long SlotMask = MaxSlots - 1;

    internal struct Entry
    {
        public long Due;
        public long SeqSlot;   // seq << SlotBits | slot: ordering by it is ordering by seq (each seq is unique)

        public readonly int Slot => (int)(SeqSlot & SlotMask);
        public readonly long Seq => SeqSlot >> SlotBits;
    }

    private Entry[] _heap = new Entry[256];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    public ref readonly Entry Peek() => ref _heap[0];

    public void Push(long due, long seq, int slot)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        var e = new Entry { Due = due, SeqSlot = seq << SlotBits | (uint)slot };
        var heap = _heap;
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 2;
            if (!Less(e, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    public Entry Pop()
    {
        var heap = _heap;
        var top = heap[0];
        var count = --_count;
        if (count > 0)
        {
            var last = heap[count];
            var i = 0;
            while (true)
            {
                var first = 4 * i + 1;
                if (first >= count) break;
                var child = first;
                var end = Math.Min(first + 4, count);
                for (var c = first + 1; c < end; c++)
                    if (Less(heap[c], heap[child])) child = c;
                if (!Less(heap[child], last)) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
        }
        return top;
    }

    private static bool Less(in Entry a, in Entry b) =>
        a.Due < b.Due || (a.Due == b.Due && a.SeqSlot < b.SeqSlot);
}
