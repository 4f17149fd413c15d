namespace ActorCrash.Hardware;

/// <summary>
/// Persistent RAM (ramoops' backing store). Its contents survive a warm reset (emergency_restart, a
/// watchdog) and are read back on the next boot; a store either lands whole or, if the machine resets
/// first, not at all. Every store is counted so a result can account for every byte.
/// </summary>
public sealed class Nvram : IFaultableStore
{
    private readonly byte[] _bytes;
    private int _dirtyEnd;  // bytes past this are known to be zero: resets clear only what was written
    private Dictionary<int, byte>? _beforeFlip;  // offset → the byte a bit flip damaged; a later store repairs it

    public Nvram(long size, long writeNsPerByte)
    {
        // Stryker disable once Equality : a part of exactly int.MaxValue bytes cannot be allocated in a test
        if (size <= 0 || size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(size));
        _bytes = new byte[size];
        WriteNsPerByte = writeNsPerByte;
    }

    public int Size => _bytes.Length;
    public long WriteNsPerByte { get; }
    public long Stores { get; private set; }
    public long BytesStored { get; private set; }

    /// <summary>A fault: from now on every store takes this many times longer (a degraded part, a throttled bus).</summary>
    public int Slowdown { get; set; } = 1;

    /// <summary>What a store of one byte costs now.</summary>
    public long StoreNsPerByte => WriteNsPerByte * Slowdown;

    /// <summary>A fault: from now on the part rejects stores (a write error, or full); they are counted, not stored.</summary>
    public StoreRefusal Refusing { get; set; }
    public long BytesRejected { get; private set; }

    /// <summary>A fault: the next store lands only its first this-many bytes; the rest is rejected (0 = off).</summary>
    public int PartialNextStore { get; set; }

    /// <summary>
    /// The machine lost power: plain DRAM forgets everything (reads back as zeros here); battery- or
    /// NVDIMM-backed memory keeps it, like a warm reset.
    /// </summary>
    public void PowerLoss(bool batteryBacked)
    {
        if (batteryBacked) return;
        Array.Clear(_bytes, 0, _dirtyEnd);
        _beforeFlip?.Clear();
    }

    /// <summary>Power-on state of a fresh machine: all zero.</summary>
    public void PowerOn()
    {
        Array.Clear(_bytes, 0, _dirtyEnd);
        _dirtyEnd = 0;
        Stores = 0;
        BytesStored = 0;
        _beforeFlip?.Clear();
        Refusing = StoreRefusal.None;
        BytesRejected = 0;
        PartialNextStore = 0;
        Slowdown = 1;
    }

    /// <summary>A store arrives: returns how many of its bytes landed (the rest were rejected).</summary>
    public int Store(int offset, ReadOnlySpan<byte> data)
    {
        if (Refusing != StoreRefusal.None)
        {
            BytesRejected += data.Length;
            return 0;
        }
        // Stryker disable once Equality : a partial store as long as the store itself is the whole store
        if (PartialNextStore > 0 && PartialNextStore < data.Length)
        {
            BytesRejected += data.Length - PartialNextStore;
            data = data[..PartialNextStore];
        }
        PartialNextStore = 0;
        data.CopyTo(_bytes.AsSpan(offset, data.Length));
        // Stryker disable once Equality : with no flips recorded Repaired removes nothing (a shortcut, not behaviour)
        if (_beforeFlip is { Count: > 0 }) Repaired(offset, data.Length);
        _dirtyEnd = Math.Max(_dirtyEnd, offset + data.Length);
        Stores++;
        BytesStored += data.Length;
        return data.Length;
    }

    /// <summary>A memset arrives: returns how many bytes landed (0 if rejected).</summary>
    public int Fill(int offset, int length, byte value)
    {
        if (Refusing != StoreRefusal.None)
        {
            BytesRejected += length;
            return 0;
        }
        _bytes.AsSpan(offset, length).Fill(value);
        // Stryker disable once Equality : with no flips recorded Repaired removes nothing (a shortcut, not behaviour)
        if (_beforeFlip is { Count: > 0 }) Repaired(offset, length);
        _dirtyEnd = Math.Max(_dirtyEnd, offset + length);
        Stores++;
        BytesStored += length;
        return length;
    }

    public ReadOnlySpan<byte> Read(int offset, int length) => _bytes.AsSpan(offset, length);

    /// <summary>A fault: the bits of <paramref name="mask"/> flip in the byte at <paramref name="offset"/> (cosmic ray, weak cell).</summary>
    public void FlipBits(int offset, byte mask)
    {
        _beforeFlip ??= [];
        _beforeFlip.TryAdd(offset, _bytes[offset]);
        _bytes[offset] ^= mask;
        _dirtyEnd = Math.Max(_dirtyEnd, offset + 1);
    }

    /// <summary>
    /// The byte at <paramref name="offset"/> as last stored, if a bit flip has damaged it since. ECC parity is
    /// written with the data, so this is what a Reed–Solomon decoder can recover (at most 8 bytes a block).
    /// </summary>
    public bool Damaged(int offset, out byte stored)
    {
        stored = 0;
        // Stryker disable once Equality : TryGetValue on an empty map is false as well (a shortcut, not behaviour)
        return _beforeFlip is { Count: > 0 } && _beforeFlip.TryGetValue(offset, out stored) && stored != _bytes[offset];
    }

    private void Repaired(int offset, int length)
    {
        for (var i = offset; i < offset + length; i++) _beforeFlip!.Remove(i);
    }
}
