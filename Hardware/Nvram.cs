namespace ActorCrash.Hardware;

/// <summary>
/// Persistent RAM (ramoops' backing store). Its contents survive a warm reset (emergency_restart, a
/// watchdog) and are read back on the next boot; a store either lands whole or, if the machine resets
/// first, not at all. Every store is counted so a result can account for every byte.
/// </summary>
public sealed class Nvram
{
    private readonly byte[] _bytes;
    private int _dirtyEnd;  // bytes past this are known to be zero: resets clear only what was written

    public Nvram(long size, long writeNsPerByte)
    {
        if (size <= 0 || size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(size));
        _bytes = new byte[size];
        WriteNsPerByte = writeNsPerByte;
    }

    public int Size => _bytes.Length;
    public long WriteNsPerByte { get; }
    public long Stores { get; private set; }
    public long BytesStored { get; private set; }

    /// <summary>Power-on state of a fresh machine: all zero.</summary>
    public void PowerOn()
    {
        Array.Clear(_bytes, 0, _dirtyEnd);
        _dirtyEnd = 0;
        Stores = 0;
        BytesStored = 0;
    }

    public void Store(int offset, ReadOnlySpan<byte> data)
    {
        data.CopyTo(_bytes.AsSpan(offset, data.Length));
        _dirtyEnd = Math.Max(_dirtyEnd, offset + data.Length);
        Stores++;
        BytesStored += data.Length;
    }

    public void Fill(int offset, int length, byte value)
    {
        _bytes.AsSpan(offset, length).Fill(value);
        _dirtyEnd = Math.Max(_dirtyEnd, offset + length);
        Stores++;
        BytesStored += length;
    }

    public ReadOnlySpan<byte> Read(int offset, int length) => _bytes.AsSpan(offset, length);
}
