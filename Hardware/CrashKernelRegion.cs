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
        for (var i = 0; i < _image.Length; i++) _image[i] = (byte)(i * 31 + 7);
        _loadedDigest = SHA256.HashData(_image);
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
        if (!_dirty) return;
        for (var i = 0; i < _image.Length; i++) _image[i] = (byte)(i * 31 + 7);
        _dirty = false;
    }
}
