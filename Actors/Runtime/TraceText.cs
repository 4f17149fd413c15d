using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace ActorCrash.Actors.Runtime;

/// <summary>
/// The trace's text form of a message, stable and kernel-style rather than a C# record dump:
/// <c>inject_panic text="Fatal exception"</c>, <c>nvram_store offset=0 bytes=512</c>,
/// <c>deliver_ipi vector=reboot</c>. The name is the message type in snake_case; then each field as
/// name=value (strings quoted, enums as snake_case words, byte buffers by length). A field renamed is
/// a trace change: bump <see cref="EmulatorVersion"/>.
/// </summary>
public static class TraceText
{
    private static readonly ConcurrentDictionary<Type, (string Name, PropertyInfo[] Fields)> Shapes = new();

    public static string Describe(Message message)
    {
        var b = new StringBuilder();
        Append(b, message);
        return b.ToString();
    }

    private static void Append(StringBuilder b, object value)
    {
        var (name, fields) = Shapes.GetOrAdd(value.GetType(), static t => (Snake(t.Name),
            [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0)
                .OrderBy(p => p.MetadataToken)]));
        b.Append(name);
        foreach (var f in fields)
        {
            b.Append(' ').Append(Snake(f.Name));
            if (f.GetValue(value) is ReadOnlyMemory<byte> bytes)
            {
                b.Append("_bytes=").Append(bytes.Length.ToString(CultureInfo.InvariantCulture));
                continue;
            }
            b.Append('=');
            AppendValue(b, f.GetValue(value));
        }
    }

    private static void AppendValue(StringBuilder b, object? v)
    {
        switch (v)
        {
            case null: b.Append('-'); break;
            case string s: Quote(b, s); break;
            case bool x: b.Append(x ? "true" : "false"); break;
            case Enum e: b.Append(Snake(e.ToString())); break;
            case IFormattable n when v.GetType().IsPrimitive: b.Append(n.ToString(null, CultureInfo.InvariantCulture)); break;
            case Kernel.WaitChannel w: b.Append(w.Name); break;
            case System.Collections.IEnumerable list:
                b.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first) b.Append(',');
                    AppendValue(b, item);
                    first = false;
                }
                b.Append(']');
                break;
            default:
                b.Append('{');
                Append(b, v);
                b.Append('}');
                break;
        }
    }

    private static void Quote(StringBuilder b, string s)
    {
        b.Append('"');
        foreach (var c in s)
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        b.Append('"');
    }

    /// <summary>InjectPanic → inject_panic, NmiWatchdog → nmi_watchdog.</summary>
    public static string Snake(string name)
    {
        var b = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                b.Append('_');
            b.Append(char.ToLowerInvariant(c));
        }
        return b.ToString();
    }
}
