namespace ActorCrash.Hardware;

/// <summary>
/// An MTD flash partition (NOR or NAND, the mtdoops backing store). Erased flash reads 0xFF;
/// programming can only clear bits, so programming a page that is not erased stores the AND of the
/// old and new bytes; only erasing a whole erase block sets bits again. Contents survive any reset.
/// Bad erase blocks (factory-marked, or marked by a driver after a failed erase) fail every program
/// and erase. Domain reference §4.4.
/// </summary>
public sealed class MtdFlash : IFaultableStore
{
    public const byte Erased = 0xFF;
    public const int EIO = 5;
    private readonly byte[] _bytes;
    private readonly HashSet<int> _factoryBad;
    private readonly HashSet<int> _bad;
    private readonly HashSet<int> _flipped = [];

    public MtdFlash(long size, long eraseSize, long programNsPerByte, long eraseNs, IReadOnlyCollection<int>? badBlocks = null)
    {
        // Stryker disable once Equality : a part of exactly int.MaxValue bytes cannot be allocated in a test
        if (size <= 0 || size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(size));
        if (eraseSize <= 0 || size % eraseSize != 0) throw new ArgumentOutOfRangeException(nameof(eraseSize));
        _bytes = new byte[size];
        EraseSize = (int)eraseSize;
        ProgramNsPerByte = programNsPerByte;
        EraseNs = eraseNs;
        _factoryBad = [.. badBlocks ?? []];
        _bad = [.. _factoryBad];
        Array.Fill(_bytes, Erased);
    }

    public int Size => _bytes.Length;
    public int EraseSize { get; }
    public int EraseBlocks => Size / EraseSize;
    public long ProgramNsPerByte { get; }
    public long EraseNs { get; }
    public long BytesProgrammed { get; private set; }
    public int Erases { get; private set; }

    /// <summary>Bytes a program command was given but did not store (write error, full, bad block, partial program).</summary>
    public long BytesRejected { get; private set; }
    public StoreRefusal Refusing { get; set; }
    public int Slowdown { get; set; } = 1;
    public int PartialNextStore { get; set; }

    /// <summary>What programming one byte costs now.</summary>
    public long ProgramNsPerByteNow => ProgramNsPerByte * Slowdown;

    /// <summary>A brand-new part as the scenario describes it: every block erased, its factory bad blocks, no faults, no counters.</summary>
    public void Blank()
    {
        Array.Fill(_bytes, Erased);
        BytesProgrammed = 0;
        Erases = 0;
        BytesRejected = 0;
        Refusing = StoreRefusal.None;
        Slowdown = 1;
        PartialNextStore = 0;
        _flipped.Clear();
        _bad.Clear();
        _bad.UnionWith(_factoryBad);
    }

    public bool IsBad(int offset) => _bad.Contains(offset / EraseSize);

    /// <summary>mtd_block_markbad(): the block holding <paramref name="offset"/> is bad from now on.</summary>
    public void MarkBad(int offset) => _bad.Add(offset / EraseSize);

    /// <summary>
    /// Programs bytes (old AND new) and returns how many were stored; <paramref name="errno"/> is the
    /// status a verify reports: 0, EIO (a byte of the range was not erased, a bad block, a write
    /// error, a partial program) or ENOSPC (the device is full).
    /// </summary>
    public int Program(int offset, ReadOnlySpan<byte> data, out int errno)
    {
        errno = 0;
        if (Refusing != StoreRefusal.None || IsBad(offset))
        {
            // Stryker disable once Conditional : a bad block and a write error both read EIO
            errno = Refusing == StoreRefusal.None ? EIO : Refusing.Errno();
            BytesRejected += data.Length;
            return 0;
        }
        if (PartialNextStore > 0 && PartialNextStore < data.Length)
        {
            BytesRejected += data.Length - PartialNextStore;
            data = data[..PartialNextStore];
            errno = EIO;
        }
        PartialNextStore = 0;
        var target = _bytes.AsSpan(offset, data.Length);
        if (target.ContainsAnyExcept(Erased)) errno = EIO;
        for (var i = 0; i < data.Length; i++) target[i] &= data[i];
        BytesProgrammed += data.Length;
        return data.Length;
    }

    /// <summary>Erases the block holding <paramref name="offset"/>: every byte back to 0xFF. Returns EIO if it fails (a bad block, a write error).</summary>
    public int EraseBlockAt(int offset)
    {
        if (IsBad(offset) || Refusing == StoreRefusal.WriteError) return EIO;
        var start = offset / EraseSize * EraseSize;
        _bytes.AsSpan(start, EraseSize).Fill(Erased);
        _flipped.RemoveWhere(o => o >= start && o < start + EraseSize);
        Erases++;
        return 0;
    }

    public void FlipBits(int offset, byte mask)
    {
        _bytes[offset] ^= mask;
        _flipped.Add(offset);
    }

    /// <summary>How many bytes of the range a bit flip has damaged since they were programmed.</summary>
    public int FlippedBytes(int offset, int length) => _flipped.Count(o => o >= offset && o < offset + length);

    public bool IsErased(int offset, int length) => !_bytes.AsSpan(offset, length).ContainsAnyExcept(Erased);

    public ReadOnlySpan<byte> Read(int offset, int length) => _bytes.AsSpan(offset, length);
}
