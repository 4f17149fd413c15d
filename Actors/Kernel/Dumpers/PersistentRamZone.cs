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
        // Stryker disable once Equality : with eccSize 0 the parity taken is (blocks + 1) × 0 bytes, the same buffer either way
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
        // Stryker disable once Statement : Meant and Verdict read only the ring's [0, size) after the zap, every byte of which a write since has set; stale bytes are never read
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
        // Stryker disable once Statement : every caller already runs with interrupts off (pstore_dump() under its irqsave, the console drivers under call_console_drivers'), so the restore re-sets the state it found
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
        // Stryker disable once Equality : a write of exactly buffer_size bytes is copied whole either way (from stays 0)
        if (c > BufferSize)
        {
            from = c - BufferSize;
            c = BufferSize;
        }
        _meantSize = Math.Min(BufferSize, _meantSize + c);
        var start = _meantStart;
        _meantStart = (start + c) % BufferSize;
        var rem = BufferSize - start;
        // Stryker disable once Equality : when the piece ends exactly at the ring's end the mutant copies it whole and then an empty piece at 0: the same bytes
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

    // Linear() into a reused buffer (the ring from start, then its beginning): the bytes written.
    private static ReadOnlySpan<byte> Linear(ReadOnlySpan<byte> data, int start, int size, byte[] into)
    {
        var tail = data[start..size];
        tail.CopyTo(into);
        data[..start].CopyTo(into.AsSpan(tail.Length));
        return into.AsSpan(0, size);
    }

    /// <summary>
    /// What the next boot's persistent_ram_post_init() and persistent_ram_save_old() find: a valid
    /// header, the old log in ring order, and ECC's verdict. ECC is modelled, not computed: the parity
    /// follows every store, so the bytes a bit flip damaged since are what Reed–Solomon would see; a
    /// block with at most 8 of them is corrected, one with more is left damaged.
    /// </summary>
    public ZoneImage ReadBack()
    {
        var r = Read();
        if (r.Sig != Sig)
            // Stryker disable once Boolean : BitFlips is read only by State, and with nothing stored State is Lost or Intact whatever the flag
            return new ZoneImage(this, null, Meant, 0, 0, false, $"persistent_ram: no valid data in buffer (sig = 0x{r.Sig:x8})");
        if (!r.Valid)
            // Stryker disable once Boolean : BitFlips is read only by State, and with nothing stored State is Lost or Intact whatever the flag
            return new ZoneImage(this, null, Meant, 0, 0, false, $"persistent_ram: found existing invalid buffer, size {r.Size}, start {r.Start}");
        return new ZoneImage(this, r.Stored.ToArray(), Meant, r.Corrected, r.BadBlocks, r.Flipped,
            r.Size == 0 ? "" : $"persistent_ram: found existing buffer, size {r.Size}, start {r.Start}");
    }

    /// <summary>
    /// <see cref="ReadBack"/>'s <see cref="ZoneImage.State"/>, <see cref="ZoneImage.Matching"/> and the
    /// lengths of <see cref="ZoneImage.Stored"/> and <see cref="ZoneImage.Meant"/>, read into buffers kept
    /// per thread: no allocation once they have grown (what a campaign's log-saved check needs).
    /// </summary>
    public (RecordState State, int Matching, int StoredBytes, int MeantBytes) Verdict()
    {
        var r = Read();
        // Stryker disable once Conditional : an invalid Reading's Stored is already the empty span
        ReadOnlySpan<byte> stored = r.Valid ? r.Stored : [];
        var meant = Linear(_meant, _meantStart, _meantSize, Scratch(ref _meantScratch));
        // Stryker disable once Conditional,Boolean : an invalid Reading's counts are already (0, 0, false), and with nothing stored the flip flag cannot change the state
        var (corrected, badBlocks, flipped) = r.Valid ? (r.Corrected, r.BadBlocks, r.Flipped) : (0, 0, false);
        return (ZoneImage.StateOf(stored, meant, corrected, badBlocks, flipped), stored.CommonPrefixLength(meant), stored.Length, meant.Length);
    }

    /// <summary>The pstore file's name when the zone holds no data on the next boot: "(label)".</summary>
    // Stryker disable once Assignment : a cache of the same string
    public string EmptyLabel => _emptyLabel ??= $"({Label})";
    private string? _emptyLabel;

    // The next boot's reading buffers, one set per thread (a machine runs on one thread at a time) and
    // shared by every zone: a read-back then allocates nothing once they have grown to the largest zone.
    [ThreadStatic] private static byte[]? _dataScratch, _storedScratch, _meantScratch;

    private byte[] Scratch(ref byte[]? buffer) => buffer is { } b && b.Length >= BufferSize ? b : buffer = new byte[BufferSize];

    // One reading of the zone by the next boot, into this thread's buffers; Stored is valid until the next Read on it.
    private readonly ref struct Reading(uint sig, uint start, uint size, bool valid, ReadOnlySpan<byte> stored, int corrected, int badBlocks, bool flipped)
    {
        public uint Sig { get; } = sig;
        public uint Start { get; } = start;
        public uint Size { get; } = size;
        /// <summary>The header is valid: Stored and the counts mean something.</summary>
        public bool Valid { get; } = valid;
        public ReadOnlySpan<byte> Stored { get; } = stored;
        public int Corrected { get; } = corrected;
        public int BadBlocks { get; } = badBlocks;
        public bool Flipped { get; } = flipped;
    }

    private Reading Read()
    {
        var device = _port.Device;
        var corrected = 0;
        var badBlocks = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        ReadCorrected(Offset, header, ref corrected, ref badBlocks);
        var sig = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var start = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        // persistent_ram_post_init(): buffer_size(prz) > prz->buffer_size || buffer_start(prz) > buffer_size(prz) is an invalid buffer.
        if (sig != Sig || size > BufferSize || start > size) return new Reading(sig, start, size, false, default, default, default, default);   // an invalid reading: only its header words mean something
        var data = Scratch(ref _dataScratch);   // every byte of [0, size) is read below
        // Stryker disable once Equality : the extra turn at block == size reads a block of 0 bytes
        for (var block = 0; block < size; block += EccBlockSize)
        {
            var n = Math.Min(EccBlockSize, (int)size - block);
            ReadCorrected(Offset + HeaderSize + block, data.AsSpan(block, n), ref corrected, ref badBlocks);
        }
        var flipped = false;
        for (var i = 0; i < size && !flipped; i++) flipped = device.Damaged(Offset + HeaderSize + i, out _) && EccSize == 0;
        var stored = Linear(data, (int)start, (int)size, Scratch(ref _storedScratch));
        return new Reading(sig, start, size, true, stored, corrected, badBlocks, flipped);
    }

    // One ECC block into `into`: without ECC the bytes as they are; with it, repaired if few enough are damaged.
    private void ReadCorrected(int offset, Span<byte> into, ref int corrected, ref int badBlocks)
    {
        var device = _port.Device;
        var length = into.Length;
        device.Read(offset, length).CopyTo(into);
        if (EccSize == 0) return;
        var damaged = 0;
        for (var i = 0; i < length; i++)
            if (device.Damaged(offset + i, out _)) damaged++;
        // Stryker disable once Statement : with no damaged byte the rest repairs nothing and adds 0 to corrected
        if (damaged == 0) return;
        if (damaged > EccSymbolsCorrectable)
        {
            badBlocks++;
            return;
        }
        for (var i = 0; i < length; i++)
            if (device.Damaged(offset + i, out var stored)) into[i] = stored;
        corrected += damaged;
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

    // Stryker disable once NullCoalescing : a null byte[] converts to the empty span as well
    public RecordState State => StateOf(Stored ?? [], Meant, CorrectedBytes, BadBlocks, BitFlips);

    /// <summary>How a zone reads back: what was stored against what was meant, and ECC's counts.</summary>
    public static RecordState StateOf(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> meant, int correctedBytes, int badBlocks, bool bitFlips)
    {
        if (badBlocks > 0) return RecordState.Uncorrectable;
        // Stryker disable once Equality : a zone with nothing stored and nothing meant makes no pstore file and no verdict (AddFile and AddVerdict skip it), so its state is never read
        if (stored.Length == 0 && meant.Length > 0) return RecordState.Lost;
        if (stored.SequenceEqual(meant)) return correctedBytes > 0 ? RecordState.EccCorrected : RecordState.Intact;
        return bitFlips ? RecordState.Corrupt : RecordState.Torn;
    }

    /// <summary>Bytes that read back as meant: the common prefix.</summary>
    // Stryker disable once NullCoalescing : AsSpan() of a null array is the empty span as well
    public int Matching => (Stored ?? []).AsSpan().CommonPrefixLength(Meant);
}
