using System.Text;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// __log_buf: what printk stores, with its time stamp, and how far the console has printed
/// (con_start). Protected by logbuf_lock in this era; the emulator checks that its callers hold it.
/// The buffer does not wrap (2.6.38's default 128 KiB is far more than a run logs).
/// </summary>
public sealed class LogBuffer
{
    private readonly StringBuilder _text = new(4096);
    private readonly List<int> _lineEnds = [];
    private int _bootLines;

    /// <summary>Index of the first line the console has not printed yet.</summary>
    public int ConsoleNext { get; set; }

    public int LineCount => _lineEnds.Count;
    public int Length => _text.Length;

    /// <summary>The lines logged before the scenario started (boot messages); kept across runs.</summary>
    public void SetBootLog(IEnumerable<string> lines)
    {
        _text.Clear();
        _lineEnds.Clear();
        foreach (var line in lines) Append(0, line);
        _bootLines = _lineEnds.Count;
        ConsoleNext = _bootLines;
    }

    public void Reset()
    {
        if (_bootLines < _lineEnds.Count) _text.Length = _bootLines == 0 ? 0 : _lineEnds[_bootLines - 1];
        _lineEnds.RemoveRange(_bootLines, _lineEnds.Count - _bootLines);
        ConsoleNext = _bootLines;
    }

    public void Append(long timeNs, string line)
    {
        _text.Append(VirtualTime.PrintkStamp(timeNs)).Append(' ').Append(line).Append('\n');
        _lineEnds.Add(_text.Length);
    }

    public string Line(int index)
    {
        var start = index == 0 ? 0 : _lineEnds[index - 1];
        return _text.ToString(start, _lineEnds[index] - start - 1);
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes logged before <paramref name="end"/> (kmsg_dump's s1/s2 tail).</summary>
    public string Tail(int end, int maxBytes)
    {
        var start = Math.Max(0, end - maxBytes);
        return _text.ToString(start, end - start);
    }
}
