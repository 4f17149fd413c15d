using System.Text;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The ramoops driver of 2.6.38/3.0 (drivers/char/ramoops.c, mainline): fixed RECORD_SIZE records
/// of 4096 bytes in persistent RAM, max_count = mem_size / 4096 (the rounddown_pow_of_two() of
/// mem_size is computed and discarded), written round-robin. ramoops_do_dump() takes no lock at all:
/// it reads cxt->count, memsets that record, writes "====" and do_gettimeofday() (a read of the
/// xtime_lock seqlock), memcpys the newest tail of the log, and only then advances cxt->count. Two
/// dumps at once (an OOPS on one CPU, a PANIC on another) can therefore pick the same slot and
/// overlay each other. Reasons other than OOPS, PANIC and KEXEC are ignored (so EMERG is not
/// dumped); OOPS only with dump_oops. Domain reference §1.2 steps 6a–6b (corrected: the
/// ramoops_mutex of earlier versions of this model came from an out-of-tree patch).
/// </summary>
public sealed class Ramoops : KmsgDumper
{
    private const string Header = "====";
    private readonly NvramPort _port;
    private readonly Hardware.Nvram _device;
    private readonly int _recordSize;
    private readonly int _maxCount;
    private readonly bool _dumpOops;
    private readonly Intended?[] _intended;
    private int _count;

    private sealed record Intended(KmsgDumpReason Reason, long AtNs, byte[] Bytes);

    /// <summary>RECORD_SIZE: 2.6.38's records are 4096 bytes whatever record_size says.</summary>
    public const int FixedRecordSize = 4096;

    public Ramoops(ActorId nvram, Hardware.Nvram device, long memSize, bool dumpOops, int chunk) : base("ramoops")
    {
        _port = new NvramPort(nvram, device, chunk);
        _device = device;
        // cxt->max_count = cxt->size / RECORD_SIZE: the power-of-two rounding of mem_size is discarded.
        _recordSize = FixedRecordSize;
        _maxCount = (int)(memSize / FixedRecordSize);
        _dumpOops = dumpOops;
        _intended = new Intended?[_maxCount];
    }

    public int RecordSize => _recordSize;
    public int MaxCount => _maxCount;

    public override void Reset()
    {
        _count = 0;
        Array.Clear(_intended);
        _port.StartCounting();
    }

    public override StorageReport? Storage() => _port.Report(Name, []);

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd) => RamoopsDoDump(cpu, reason, logEnd);

    private IEnumerable<Op> RamoopsDoDump(CpuActor cpu, KmsgDumpReason reason, int logEnd)
    {
        if (reason is not (KmsgDumpReason.Oops or KmsgDumpReason.Panic or KmsgDumpReason.Kexec)) yield break;
        if (reason == KmsgDumpReason.Oops && !_dumpOops) yield break;

        var k = cpu.Machine.Kernel;
        // No lock: a concurrent dump on another CPU reads the same cxt->count.
        var slot = _count;
        var offset = slot * _recordSize;
        yield return Op.Call(_port.Fill(cpu, offset, _recordSize, 0));          // memset(buf, '\0', record_size)
        yield return Op.SeqRead(k.XtimeLock);                           // do_gettimeofday()
        var header = $"{Header}{Printk.GetTimeOfDay(cpu.Runtime.Now)}\n";
        var record = Record(header, k.Log, logEnd, _recordSize - header.Length);
        _intended[slot] = new Intended(reason, cpu.Runtime.Now, record);
        yield return Op.Call(_port.Store(cpu, offset, record));             // memcpy() of the log tail
        _count = (_count + 1) % _maxCount;                                // cxt->count = (cxt->count + 1) % cxt->max_count
        k.Milestone(cpu, $"ramoops: record {slot} written ({record.Length} bytes, {Kmsg.Name(reason)})");
    }

    // Encoding.ASCII.GetBytes(header + log tail), through a reused buffer instead of two 4 KiB strings.
    private static byte[] Record(string header, LogBuffer log, int logEnd, int maxBytes)
    {
        var length = header.Length + log.TailLength(logEnd, maxBytes);
        var chars = System.Buffers.ArrayPool<char>.Shared.Rent(length);
        header.CopyTo(chars);
        log.CopyTail(logEnd, maxBytes, chars.AsSpan(header.Length));
        var record = Encoding.ASCII.GetBytes(chars, 0, length);
        // Stryker disable once Statement : handing the rented buffer back to the pool is not behaviour
        System.Buffers.ArrayPool<char>.Shared.Return(chars);
        return record;
    }

    /// <summary>The next boot's view: every slot that holds a "====" header, compared with what was meant to be there.</summary>
    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var records = new List<NvramRecord>();
        for (var slot = 0; slot < _maxCount; slot++)
        {
            if (!ReadSlot(slot, out var stored, out var matching, out var intact)) continue;
            var meant = _intended[slot];
            records.Add(new NvramRecord(
                Name: SlotName(slot),
                Dumper: Name,
                Reason: meant?.Reason ?? KmsgDumpReason.Panic,
                WrittenAtNs: meant?.AtNs ?? -1,
                IntendedBytes: meant?.Bytes.Length ?? 0,
                StoredBytes: matching,
                Intact: intact,
                Text: Encoding.ASCII.GetString(stored),
                State: intact ? RecordState.Intact : RecordState.Torn,
                Timestamp: Timestamp(stored)));
        }
        return records;
    }

    /// <summary><see cref="ReadBack"/>'s records without their text: reads the device in place, allocates nothing.</summary>
    public override void ReadBackVerdicts(List<RecordVerdict> into)
    {
        for (var slot = 0; slot < _maxCount; slot++)
            if (ReadSlot(slot, out _, out var matching, out var intact))
                into.Add(new RecordVerdict(SlotName(slot), intact ? RecordState.Intact : RecordState.Torn, _intended[slot]?.Bytes.Length ?? 0, matching));
    }

    // One slot as the next boot reads it: false when it holds no record (no "====" and nothing meant);
    // otherwise the bytes up to the first NUL, how many of them are as meant, and whether all are.
    private bool ReadSlot(int slot, out ReadOnlySpan<byte> stored, out int matching, out bool intact)
    {
        var bytes = _device.Read(slot * _recordSize, _recordSize);
        var meant = _intended[slot];
        stored = default;
        matching = 0;
        // Stryker disable once Boolean : read only when the slot holds a record, and then assigned below
        intact = false;
        if (!bytes.StartsWith("===="u8) && meant is null) return false;
        var length = bytes.IndexOf((byte)0);
        if (length < 0) length = bytes.Length;
        stored = bytes[..length];
        var intendedLength = meant?.Bytes.Length ?? 0;
        matching = meant is null ? 0 : stored.CommonPrefixLength(meant.Bytes);
        intact = meant is not null && matching == intendedLength && stored.Length == intendedLength;
        return true;
    }

    // Stryker disable once Assignment : a cache of the slot names
    private string SlotName(int slot) => (_slotNames ??= new string[_maxCount])[slot] ??= $"ramoops record {slot}";
    private string[]? _slotNames;

    // "====sec.usec\n": the time stamp the record itself carries.
    private static string Timestamp(ReadOnlySpan<byte> stored)
    {
        if (!stored.StartsWith("===="u8)) return "";
        var end = stored.IndexOf((byte)'\n');
        // Stryker disable once Equality : stored starts with "====", so a newline is never at 0
        return end < 0 ? "" : Encoding.ASCII.GetString(stored[4..end]);
    }
}
