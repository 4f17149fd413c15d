using System.Text;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The ramoops driver of the 2.6.38/3.0 era (drivers/char/ramoops.c): records of record_size in
/// persistent RAM, written round-robin. dump() takes ramoops_mutex (a sleeping lock, in panic
/// context), memsets the record, writes "====" and do_gettimeofday() (a read of the xtime_lock
/// seqlock), then memcpys the newest tail of the log. Reasons other than OOPS, PANIC and KEXEC are
/// ignored (so EMERG is not dumped). The copy of 2.6.38 itself had no mutex and no reason filter;
/// the emulator follows the driver text the domain reference verified (§1.2 step 6a).
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

    public Ramoops(ActorId nvram, Hardware.Nvram device, long memSize, long recordSize, bool dumpOops, int chunk) : base("ramoops")
    {
        _port = new NvramPort(nvram, device, chunk);
        _device = device;
        // 2.6.38 rounds both sizes down to powers of two.
        _recordSize = (int)RoundDownPow2(recordSize);
        _maxCount = (int)(RoundDownPow2(memSize) / _recordSize);
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
        yield return Op.MutexLock(k.RamoopsMutex);
        var slot = _count;
        var offset = slot * _recordSize;
        yield return Op.Call(_port.Fill(cpu, offset, _recordSize, 0));          // memset(buf, '\0', record_size)
        yield return Op.SeqRead(k.XtimeLock);                           // do_gettimeofday()
        var header = $"{Header}{Printk.GetTimeOfDay(cpu.Runtime.Now)}\n";
        var record = Encoding.ASCII.GetBytes(header + k.Log.Tail(logEnd, _recordSize - header.Length));
        _intended[slot] = new Intended(reason, cpu.Runtime.Now, record);
        yield return Op.Call(_port.Store(cpu, offset, record));             // memcpy() of the log tail
        _count = (_count + 1) % _maxCount;
        cpu.Unlock(k.RamoopsMutex);
        k.Milestone(cpu, $"ramoops: record {slot} written ({record.Length} bytes, {Kmsg.Name(reason)})");
    }

    /// <summary>The next boot's view: every slot that holds a "====" header, compared with what was meant to be there.</summary>
    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var records = new List<NvramRecord>();
        for (var slot = 0; slot < _maxCount; slot++)
        {
            var bytes = _device.Read(slot * _recordSize, _recordSize);
            var meant = _intended[slot];
            if (!bytes.StartsWith("===="u8) && meant is null) continue;
            var length = bytes.IndexOf((byte)0);
            if (length < 0) length = bytes.Length;
            var stored = bytes[..length];
            var intendedLength = meant?.Bytes.Length ?? 0;
            var matching = meant is null ? 0 : stored.CommonPrefixLength(meant.Bytes);
            var intact = meant is not null && matching == intendedLength && stored.Length == intendedLength;
            records.Add(new NvramRecord(
                Name: $"ramoops record {slot}",
                Dumper: Name,
                Reason: meant?.Reason ?? KmsgDumpReason.Panic,
                WrittenAtNs: meant?.AtNs ?? -1,
                IntendedBytes: intendedLength,
                StoredBytes: matching,
                Intact: intact,
                Text: Encoding.ASCII.GetString(stored),
                State: intact ? RecordState.Intact : RecordState.Torn,
                Timestamp: Timestamp(stored)));
        }
        return records;
    }

    // "====sec.usec\n": the time stamp the record itself carries.
    private static string Timestamp(ReadOnlySpan<byte> stored)
    {
        if (!stored.StartsWith("===="u8)) return "";
        var end = stored.IndexOf((byte)'\n');
        return end < 0 ? "" : Encoding.ASCII.GetString(stored[4..end]);
    }

    private static long RoundDownPow2(long v) => v <= 0 ? 0 : 1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v));
}
