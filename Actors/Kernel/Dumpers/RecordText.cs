using System.Text;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>A record's bytes as the pstore view shows them: ASCII, with damaged or binary bytes as '.'.</summary>
internal static class RecordText
{
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.Length;
        while (end > 0 && bytes[end - 1] == 0) end--;   // the unwritten tail of a zone
        var b = new StringBuilder(end);
        foreach (var c in bytes[..end]) b.Append(c == '\n' || (c >= 0x20 && c < 0x7f) ? (char)c : '.');
        return b.ToString();
    }
}
