using System.Runtime.InteropServices;
using System.Text;

namespace ActorCrash.Config;

/// <summary>
/// Reads an input file (a scenario, a violation) as strict UTF-8 text, refusing what is not a regular
/// file (a directory, /dev/zero, a FIFO: reading those blocks or never ends) and anything over
/// <see cref="Caps.MaxScenarioBytes"/>. Every refusal is a <see cref="ScenarioException"/> naming the file.
/// </summary>
public static class InputFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="what">What the file should be, for the error: "a scenario file".</param>
    public static string ReadText(string path, string what, int maxBytes = Caps.MaxScenarioBytes)
    {
        if (Directory.Exists(path))
            throw Refused(path, what, "it is a directory");
        if (!File.Exists(path))
            throw Refused(path, what, "no such file");
        if (NotRegular(path) is { } kind)
            throw Refused(path, what, $"it is {kind}, not a regular file");
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            bytes = new byte[Math.Min(maxBytes + 1L, Math.Max(stream.Length, 1))];
            var n = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (n > maxBytes)
                throw Refused(path, what, $"it is larger than {maxBytes / 1024} KiB, the limit on input files");
            Array.Resize(ref bytes, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Refused(path, what, e.Message);
        }
        return Decode(bytes, path);
    }

    /// <summary>Strict UTF-8 (a leading byte-order mark dropped); invalid bytes are an error giving their offset and line.</summary>
    public static string Decode(byte[] bytes, string source)
    {
        var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            var offset = start + Math.Max(0, e.Index);
            var line = 1 + bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n');
            throw new ScenarioException(source, line, "", "UTF-8 text",
                $"invalid UTF-8 at byte offset {offset} (byte 0x{bytes[Math.Min(offset, bytes.Length - 1)]:x2}): save the file as UTF-8");
        }
    }

    private static ScenarioException Refused(string path, string what, string why) =>
        new(path, 0, "", what, $"cannot read {what}: {why}");

    // .NET reports FIFOs and devices as "Normal" files; stat(2) tells them apart.
    private static string? NotRegular(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return null;
        var buf = new byte[256];
        if (Stat(path, buf) != 0) return null;  // File.Exists said yes; let the open report the problem
        // st_mode follows st_dev, st_ino and (on x86-64) st_nlink.
        var mode = BitConverter.ToUInt32(buf, RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16);
        return (mode & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => "not a regular file",
        };
    }

    [DllImport("libc", EntryPoint = "stat")]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buf);
}
