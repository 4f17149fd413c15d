namespace ActorCrash.Hardware;

/// <summary>
/// An MTD flash partition (NOR or NAND, the mtdoops backing store). Erased flash reads 0xFF;
/// programming can only clear bits, so programming a page that is not erased stores the AND of the
/// old and new bytes; only erasing a whole erase block sets bits again. Contents survive any reset.
/// Domain reference §4.4.
/// </summary>
public sealed class MtdFlash
{
    public const byte Erased = 0xFF;
    private readonly byte[] _bytes;

    public MtdFlash(long size, long eraseSize, long programNsPerByte, long eraseNs)
    {
        if (size <= 0 || size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(size));
        if (eraseSize <= 0 || size % eraseSize != 0) throw new ArgumentOutOfRangeException(nameof(eraseSize));
        _bytes = new byte[size];
        EraseSize = (int)eraseSize;
        ProgramNsPerByte = programNsPerByte;
        EraseNs = eraseNs;
        Array.Fill(_bytes, Erased);
    }

    public int Size => _bytes.Length;
    public int EraseSize { get; }
    public int EraseBlocks => Size / EraseSize;
    public long ProgramNsPerByte { get; }
    public long EraseNs { get; }
    public long BytesProgrammed { get; private set; }
    public int Erases { get; private set; }

    /// <summary>A brand-new part: every block erased, no counters.</summary>
    public void Blank()
    {
        Array.Fill(_bytes, Erased);
        BytesProgrammed = 0;
        Erases = 0;
    }

    /// <summary>Programs bytes (old AND new). False if any byte of the range was not erased: the data is then corrupt.</summary>
    public bool Program(int offset, ReadOnlySpan<byte> data)
    {
        var target = _bytes.AsSpan(offset, data.Length);
        var wasErased = !target.ContainsAnyExcept(Erased);
        for (var i = 0; i < data.Length; i++) target[i] &= data[i];
        BytesProgrammed += data.Length;
        return wasErased;
    }

    /// <summary>Erases the block holding <paramref name="offset"/>: every byte back to 0xFF.</summary>
    public void EraseBlockAt(int offset)
    {
        var block = offset / EraseSize;
        _bytes.AsSpan(block * EraseSize, EraseSize).Fill(Erased);
        Erases++;
    }

    public bool IsErased(int offset, int length) => !_bytes.AsSpan(offset, length).ContainsAnyExcept(Erased);

    public ReadOnlySpan<byte> Read(int offset, int length) => _bytes.AsSpan(offset, length);
}
