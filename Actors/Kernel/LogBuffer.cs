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
    private readonly List<byte> _levels = [];   // each line's console log level, for the syslog "<N>" prefix
    private int _bootLines;

    /// <summary>Index of the first line the console has not printed yet.</summary>
    public int ConsoleNext { get; set; }

    public int LineCount => _lineEnds.Count;
    public int Length => _text.Length;

    /// <summary>The lines logged before the scenario started (boot messages); kept across runs.</summary>
    public void SetBootLog(IEnumerable<string> lines)
    {
        // Stryker disable Statement : Machine's constructor calls it once, on a new, empty buffer
        _text.Clear();
        _lineEnds.Clear();
        _levels.Clear();
        // Stryker restore Statement
        foreach (var line in lines) Append(0, line, LogLevel.Info);
        _bootLines = _lineEnds.Count;
        ConsoleNext = _bootLines;
    }

    public void Reset()
    {
        if (_bootLines < _lineEnds.Count) _text.Length = _bootLines == 0 ? 0 : _lineEnds[_bootLines - 1];
        _lineEnds.RemoveRange(_bootLines, _lineEnds.Count - _bootLines);
        _levels.RemoveRange(_bootLines, _levels.Count - _bootLines);
        ConsoleNext = _bootLines;
    }

    public void Append(long timeNs, string line, int level = LogLevel.Default)
    {
        VirtualTime.AppendPrintkStamp(_text, timeNs).Append(' ').Append(line).Append('\n');
        _lineEnds.Add(_text.Length);
        _levels.Add((byte)level);
    }

    /// <summary>
    /// The whole lines logged before <paramref name="end"/>, each behind its syslog prefix "&lt;N&gt;"
    /// — what kmsg_dump_get_buffer(dumper, syslog = true, …) gives pstore (3.5 on).
    /// </summary>
    public string Syslog(int end)
    {
        // Stryker disable once Arithmetic : the initial capacity only
        var sb = new StringBuilder(end + _lineEnds.Count * 3);
        for (var i = 0; i < _lineEnds.Count && _lineEnds[i] <= end; i++)
        {
            var start = i == 0 ? 0 : _lineEnds[i - 1];
            sb.Append('<').Append(_levels[i]).Append('>').Append(_text, start, _lineEnds[i] - start);
        }
        return sb.ToString();
    }

    /// <summary>The length of <see cref="Line"/>(<paramref name="index"/>), without making the string.</summary>
    public int LineLength(int index) => _lineEnds[index] - (index == 0 ? 0 : _lineEnds[index - 1]) - 1;

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

    /// <summary>How many characters <see cref="Tail"/> would return.</summary>
    public int TailLength(int end, int maxBytes) => end - Math.Max(0, end - maxBytes);

    /// <summary><see cref="Tail"/> copied into <paramref name="into"/> (at least <see cref="TailLength"/> long), without making a string.</summary>
    public void CopyTail(int end, int maxBytes, Span<char> into)
    {
        var start = Math.Max(0, end - maxBytes);
        _text.CopyTo(start, into, end - start);
    }
}

/// <summary>Console log levels (include/linux/kern_levels.h).</summary>
public static class LogLevel
{
    public const int Emerg = 0, Alert = 1, Crit = 2, Err = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7;

    /// <summary>printk() without a level: default_message_loglevel (CONFIG_MESSAGE_LOGLEVEL_DEFAULT = 4).</summary>
    public const int Default = Warning;
}
