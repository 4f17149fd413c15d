namespace ActorCrash.Actors.Runtime;

/// <summary>
/// Min-heap of pending deliveries ordered by (due time, send sequence): a total order, so the queue
/// itself adds no nondeterminism. Its entries hold no object references (the messages wait in the
/// runtime's slots), so sifting them costs no GC write barrier. Reused across runs without reallocating.
/// </summary>
internal sealed class EventQueue
{
    private Pending[] _heap = new Pending[256];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    public ref readonly Pending Peek() => ref _heap[0];

    public void Push(in Pending p)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(p, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = p;
    }

    public Pending Pop()
    {
        var top = _heap[0];
        var last = _heap[--_count];
        if (_count > 0)
        {
            var i = 0;
            while (true)
            {
                var child = 2 * i + 1;
                if (child >= _count) break;
                if (child + 1 < _count && Less(_heap[child + 1], _heap[child])) child++;
                if (!Less(_heap[child], last)) break;
                _heap[i] = _heap[child];
                i = child;
            }
            _heap[i] = last;
        }
        return top;
    }

    private static bool Less(in Pending a, in Pending b) =>
        a.Due < b.Due || (a.Due == b.Due && a.Seq < b.Seq);
}
