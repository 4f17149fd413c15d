using System.Security.Cryptography;

namespace ActorCrash.Hardware;

/// <summary>
/// The memory reserved with crashkernel= holding the loaded kdump kernel. kexec records a SHA-256 of
/// the segments at load time; purgatory recomputes it before jumping to the crash kernel and loops
/// forever on a mismatch (arch/x86/purgatory/purgatory.c). A 1 KiB stand-in is digested for the segments.
/// </summary>
public sealed class CrashKernelRegion
{
    private readonly byte[] _image = new byte[1024];
    private readonly byte[] _loadedDigest;
    private bool _dirty;

    public CrashKernelRegion()
    {
        Load(_image);
        _loadedDigest = SHA256.HashData(_image);
    }

    /// <summary>kexec_load(): the segments' stand-in. Any fixed pattern serves; only its digest is checked.</summary>
    private static void Load(byte[] image)
    {
        // Stryker disable once Arithmetic : the pattern is arbitrary (the digest is taken from whatever it gives)
        for (var i = 0; i < image.Length; i++) image[i] = (byte)(i * 31 + 7);
    }

    public bool Corrupted => _dirty;

    /// <summary>A stray write (a CPU that was not stopped, DMA) lands in the region.</summary>
    public void Scribble(int offset, byte value)
    {
        var i = offset % _image.Length;
        if (_image[i] == value) value ^= 0xff;
        _image[i] = value;
        _dirty = true;
    }

    /// <summary>Purgatory's check: the digest taken at load time still matches.</summary>
    public bool DigestMatches() => !_dirty || SHA256.HashData(_image).AsSpan().SequenceEqual(_loadedDigest);

    /// <summary>Back to the image as loaded (a fresh run).</summary>
    public void Reload()
    {
        // Stryker disable once Statement : reloading a clean image rewrites the same bytes (a shortcut, not behaviour)
        if (!_dirty) return;
        Load(_image);
        _dirty = false;
    }
}
