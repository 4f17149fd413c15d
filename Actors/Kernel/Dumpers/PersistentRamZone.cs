using System.Buffers.Binary;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// struct persistent_ram_zone (fs/pstore/ram_core.c): a ring buffer in persistent RAM behind a 12-byte
/// header { u32 sig; u32 start; u32 size; }. With ECC the data area shrinks by 16 parity bytes per
/// 128-byte block plus one block for the header. The zone also remembers what the driver meant to
/// write (the same ring, updated as the CPU issues its stores), so the next boot's view can say which
/// bytes landed. Domain reference §4.3.
/// </summary>
public sealed class PersistentRamZone
{
    public const uint Sig = 0x43474244;          // PERSISTENT_RAM_SIG, "DBGC"
    public const int HeaderSize = 12;
    public const int EccBlockSize = 128;         // ecc_block_size
    public const int EccSymbolsCorrectable = 8;  // RS with 16 parity symbols corrects 8 bad bytes a block

    private readonly NvramPort _port;
    private readonly byte[] _meant;
    private int _meantStart, _meantSize;

    public PersistentRamZone(string label, NvramPort port, int offset, int size, int eccSize)
    {
        Label = label;
        _port = port;
        Offset = offset;
        Size = size;
        EccSize = eccSize;
        var buffer = size - HeaderSize;
        if (eccSize > 0)
        {
            // persistent_ram_init_ecc(): parity for every block, plus one for the header, at the zone's end.
            var blocks = (buffer - eccSize + EccBlockSize + eccSize - 1) / (EccBlockSize + eccSize);
            buffer -= (blocks + 1) * eccSize;
        }
        BufferSize = Math.Max(0, buffer);
        _meant = new byte[BufferSize];
    }

    public string Label { get; }

    /// <summary>prz->buffer_lock (6.x): a raw spinlock around the start/size update; a CPU stopped inside leaves it held.</summary>
    public KernelLock BufferLock { get; private set; } = null!;

    /// <summary>Whether writes take <see cref="BufferLock"/> (6.x; the dmesg, console and pmsg zones lock, ftrace's use PRZ_FLAG_NO_LOCK).</summary>
    public bool Locked { get; private set; }

    /// <summary>
    /// Registers buffer_lock with the kernel's locks (so runs report and reset it, and a scenario can
    /// have a CPU hold it); writes take it only where the era has it (<paramref name="locked"/>).
    /// </summary>
    public void UseBufferLock(KernelState kernel, bool locked)
    {
        Locked = locked;
        BufferLock = new KernelLock($"{Label}.buffer_lock", LockKind.Spinlock);
        kernel.AddLock(BufferLock);
    }

    public int Offset { get; }
    public int Size { get; }
    public int EccSize { get; }
    public int BufferSize { get; }

    /// <summary>Bytes the driver has written since boot, as they should read back (persistent_ram_old order).</summary>
    public byte[] Meant => Linear(_meant, _meantStart, _meantSize);

    /// <summary>
    /// Boot: persistent_ram_post_init() finds no valid data and zaps the zone (written directly, before
    /// the run). The device was just powered on (all zero), so only the header is written.
    /// </summary>
    public void Format()
    {
        Array.Clear(_meant);
        _meantStart = _meantSize = 0;
        _port.Device.Store(Offset, Header(0, 0));
    }

    /// <summary>A write made at boot, before the scenario starts (the pstore console's replay, a pmsg write): lands at once.</summary>
    public void WriteAtBoot(byte[] data)
    {
        foreach (var (at, from, length) in Apply(data))
            _port.Device.Store(Offset + HeaderSize + at, data.AsSpan(from, length));
        _port.Device.Store(Offset, Header(_meantStart, _meantSize));
    }

    /// <summary>persistent_ram_zap(): start = size = 0.</summary>
    public IEnumerable<Op> Zap(CpuActor cpu)
    {
        _meantStart = _meantSize = 0;
        return _port.Store(cpu, Offset, Header(0, 0));
    }

    /// <summary>
    /// persistent_ram_write(): buffer_size_add() and buffer_start_add() move the header first, then the
    /// memcpy lands (in two pieces where the ring wraps). A reset in between leaves a header that
    /// claims bytes that never arrived: the record reads back torn, not short.
    /// </summary>
    public IEnumerable<Op> Write(CpuActor cpu, byte[] data)
    {
        var flags = cpu.LocalIrqSave();
        if (Locked)
        {
            yield return Op.SpinLock(BufferLock);               // raw_spin_lock_irqsave(&prz->buffer_lock)
            yield return Op.Delay(cpu.Machine.Timing.StepNs);   // buffer_start_add(); buffer_size_add() under it
        }
        var pieces = Apply(data);
        yield return Op.Call(_port.Store(cpu, Offset, Header(_meantStart, _meantSize)));
        if (Locked) cpu.Unlock(BufferLock);
        cpu.LocalIrqRestore(flags);
        foreach (var (at, from, length) in pieces)
            yield return Op.Call(_port.Store(cpu, Offset + HeaderSize + at, data[from..(from + length)]));
    }

    // The ring arithmetic of persistent_ram_write() on the meant image; returns the memcpy pieces.
    private List<(int At, int From, int Length)> Apply(byte[] data)
    {
        var pieces = new List<(int, int, int)>(2);
        if (BufferSize == 0) return pieces;
        var from = 0;
        var c = data.Length;
        if (c > BufferSize)
        {
            from = c - BufferSize;
            c = BufferSize;
        }
        _meantSize = Math.Min(BufferSize, _meantSize + c);
        var start = _meantStart;
        _meantStart = (start + c) % BufferSize;
        var rem = BufferSize - start;
        if (rem < c)
        {
            pieces.Add((start, from, rem));
            from += rem;
            c -= rem;
            start = 0;
        }
        pieces.Add((start, from, c));
        foreach (var (at, f, n) in pieces) data.AsSpan(f, n).CopyTo(_meant.AsSpan(at));
        return pieces;
    }

    private static byte[] Header(int start, int size)
    {
        var h = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Sig);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), (uint)start);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), (uint)size);
        return h;
    }

    private static byte[] Linear(ReadOnlySpan<byte> data, int start, int size) =>
        [.. data[start..size], .. data[..start]];

    /// <summary>
    /// What the next boot's persistent_ram_post_init() and persistent_ram_save_old() find: a valid
    /// header, the old log in ring order, and ECC's verdict. ECC is modelled, not computed: the parity
    /// follows every store, so the bytes a bit flip damaged since are what Reed–Solomon would see; a
    /// block with at most 8 of them is corrected, one with more is left damaged.
    /// </summary>
    public ZoneImage ReadBack()
    {
        var device = _port.Device;
        var corrected = 0;
        var badBlocks = 0;
        var header = ReadCorrected(Offset, HeaderSize, ref corrected, ref badBlocks);
        var sig = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var start = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        if (sig != Sig)
            return new ZoneImage(this, null, Meant, 0, 0, false, $"persistent_ram: no valid data in buffer (sig = 0x{sig:x8})");
        if (start > BufferSize || size > BufferSize)
            return new ZoneImage(this, null, Meant, 0, 0, false, $"persistent_ram: found existing invalid buffer, size {size}, start {start}");
        var data = new byte[BufferSize];
        for (var block = 0; block < size; block += EccBlockSize)
        {
            var n = Math.Min(EccBlockSize, (int)size - block);
            ReadCorrected(Offset + HeaderSize + block, n, ref corrected, ref badBlocks).CopyTo(data, block);
        }
        var flipped = false;
        for (var i = 0; i < size && !flipped; i++) flipped = device.Damaged(Offset + HeaderSize + i, out _) && EccSize == 0;
        return new ZoneImage(this, Linear(data, (int)start, (int)size), Meant, corrected, badBlocks, flipped,
            size == 0 ? "" : $"persistent_ram: found existing buffer, size {size}, start {start}");
    }

    // One ECC block: without ECC the bytes as they are; with it, repaired if few enough are damaged.
    private byte[] ReadCorrected(int offset, int length, ref int corrected, ref int badBlocks)
    {
        var device = _port.Device;
        var bytes = device.Read(offset, length).ToArray();
        if (EccSize == 0) return bytes;
        var damaged = 0;
        for (var i = 0; i < length; i++)
            if (device.Damaged(offset + i, out _)) damaged++;
        if (damaged == 0) return bytes;
        if (damaged > EccSymbolsCorrectable)
        {
            badBlocks++;
            return bytes;
        }
        for (var i = 0; i < length; i++)
            if (device.Damaged(offset + i, out var stored)) bytes[i] = stored;
        corrected += damaged;
        return bytes;
    }
}

/// <summary>A zone as the next boot reads it: <see cref="Stored"/> is null when the header is invalid (the zone is reset).</summary>
public sealed record ZoneImage(
    PersistentRamZone Zone, byte[]? Stored, byte[] Meant, int CorrectedBytes, int BadBlocks, bool BitFlips, string BootLog)
{
    /// <summary>persistent_ram_ecc_string().</summary>
    public string EccNotice => Zone.EccSize == 0 ? ""
        : CorrectedBytes > 0 || BadBlocks > 0 ? $"ECC: {CorrectedBytes} Corrected bytes, {BadBlocks} unrecoverable blocks"
        : "ECC: No errors detected";

    public RecordState State
    {
        get
        {
            var stored = Stored ?? [];
            if (BadBlocks > 0) return RecordState.Uncorrectable;
            if (stored.Length == 0 && Meant.Length > 0) return RecordState.Lost;
            if (stored.AsSpan().SequenceEqual(Meant)) return CorrectedBytes > 0 ? RecordState.EccCorrected : RecordState.Intact;
            return BitFlips ? RecordState.Corrupt : RecordState.Torn;
        }
    }

    /// <summary>Bytes that read back as meant: the common prefix.</summary>
    public int Matching => (Stored ?? []).AsSpan().CommonPrefixLength(Meant);
}
