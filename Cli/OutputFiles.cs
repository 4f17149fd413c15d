using System.Text;
using System.Text.RegularExpressions;

namespace ActorCrash.Cli;

/// <summary>
/// Every file the tool writes: a name made safe (no directory parts, no odd characters), never an
/// existing file overwritten (a "-2", "-3", ... suffix instead), and written atomically — a temporary
/// file in the same directory, flushed, then linked into place — so a full disk or a kill leaves
/// either the whole file or none.
/// </summary>
public static partial class OutputFiles
{
    /// <summary>Writes <paramref name="text"/> to DIR/STEM.EXT (or STEM-2.EXT, ...); returns the path written.</summary>
    public static string WriteNew(string dir, string stem, string ext, string text)
    {
        Directory.CreateDirectory(dir);
        stem = SafeName(stem);
        var temp = Path.Combine(dir, $".{stem}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(Encoding.UTF8.GetBytes(text));
                f.Flush(flushToDisk: true);
            }
            for (var n = 1; ; n++)
            {
                var path = Path.Combine(dir, n == 1 ? $"{stem}{ext}" : $"{stem}-{n}{ext}");
                if (File.Exists(path)) continue;
                try
                {
                    File.Move(temp, path, overwrite: false);  // fails rather than replace a file made meanwhile
                    return path;
                }
                catch (IOException) when (File.Exists(path))
                {
                }
            }
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A file name from any text: letters, digits, '.', '_', '-' kept, the rest '_'; no leading dot; at most 100 characters.</summary>
    public static string SafeName(string name)
    {
        var safe = Unsafe().Replace(name, "_").TrimStart('.');
        if (safe.Length > 100) safe = safe[..100];
        return safe.Length == 0 ? "unnamed" : safe;
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
