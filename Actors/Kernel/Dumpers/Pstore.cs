using System.IO.Compression;
using System.Text;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>struct pstore_info: the backend registered with the pstore core (one at a time).</summary>
public interface IPstoreBackend
{
    /// <summary>psinfo->name, the middle of the pstore file names ("ramoops" → dmesg-ramoops-0).</summary>
    string Name { get; }

    /// <summary>psinfo->bufsize: the most one part can hold, header included.</summary>
    int BufSize { get; }

    /// <summary>The dumper's max_reason, in today's priority order (<see cref="Pstore.Priority"/>); 0 (KMSG_DUMP_UNDEF) when it registers none.</summary>
    int MaxReason { get; }

    /// <summary>pstore.kmsg_bytes: how much of the log one dump tries to save, over all parts.</summary>
    long KmsgBytes { get; }

    /// <summary>psinfo->write() for a PSTORE_TYPE_DMESG record; sets <see cref="PstoreWrite.Error"/> to a -errno on failure.</summary>
    IEnumerable<Op> WriteDmesg(CpuActor cpu, PstoreWrite record);
}

/// <summary>struct pstore_record for one part of a dmesg dump, and the backend's return value.</summary>
public sealed class PstoreWrite(KmsgDumpReason reason, int count, int part, long timeNs, byte[] buf)
{
    public KmsgDumpReason Reason { get; } = reason;
    public int Count { get; } = count;
    public int Part { get; } = part;
    public long TimeNs { get; } = timeNs;
    public byte[] Buf { get; } = buf;

    /// <summary>record->compressed: Buf is deflated (CONFIG_PSTORE_COMPRESS); the backend marks its header "-C".</summary>
    public bool Compressed { get; init; }

    public int Error { get; set; }
}

/// <summary>
/// The pstore core of today's kernels (fs/pstore/platform.c): pstore_dump() under psinfo->buf_lock,
/// trylocked where the caller cannot block; "<Why>#<oopscount> Part<k>" headers; parts of the log
/// with their syslog prefixes, youngest first, until kmsg_bytes; the era's time stamps. Domain
/// reference §2.10 (with its corrected 3.12/4.10 passages).
/// </summary>
public static class Pstore
{
    public const int DefaultKmsgBytes = 10240;  // PSTORE_DEFAULT_KMSG_BYTES
    public const int ENOSPC = 28, EINVAL = 22, ENOMEM = 12, EIO = 5;

    /// <summary>kmsg_dump_reason_str().</summary>
    public static string ReasonStr(KmsgDumpReason reason) => reason switch
    {
        KmsgDumpReason.Panic or KmsgDumpReason.Kexec => "Panic",
        KmsgDumpReason.Oops => "Oops",
        KmsgDumpReason.Emerg => "Emergency",
        _ => "Shutdown",
    };

    /// <summary>
    /// The reason's place in today's enum (PANIC 1, OOPS 2, EMERG 3, SHUTDOWN 4), which max_reason is
    /// compared with. KEXEC no longer exists; a 2.6.38-style design's KEXEC dump counts as a panic.
    /// </summary>
    public static int Priority(KmsgDumpReason reason) => reason switch
    {
        KmsgDumpReason.Panic or KmsgDumpReason.Kexec => 1,
        KmsgDumpReason.Oops => 2,
        KmsgDumpReason.Emerg => 3,
        _ => 4,
    };

    /// <summary>ramoops' max_reason: -1 derives it from dump_oops; 0 (KMSG_DUMP_UNDEF) means OOPS, as in kmsg_dump().</summary>
    public static int EffectiveMaxReason(int maxReason, bool dumpOops) => maxReason switch
    {
        < 0 => dumpOops ? 2 : 1,
        0 => 2,
        _ => maxReason,
    };

    /// <summary>
    /// pstore_dumper.max_reason: the backend's (≈5.8), or none before (KMSG_DUMP_UNDEF), which
    /// kmsg_dump() reads as OOPS, or every reason with printk.always_kmsg_dump.
    /// </summary>
    public static int MaxReasonOf(IPstoreBackend psinfo, KernelEra era, bool alwaysKmsgDump) =>
        era.RamoopsStoresEveryReason && psinfo.MaxReason > 0 ? psinfo.MaxReason : alwaysKmsgDump ? 5 : 2;

    /// <summary>pstore_cannot_block_path(): in NMI, or dumping for a panic or an emergency restart.</summary>
    public static bool CannotBlockPath(CpuActor cpu, KmsgDumpReason reason) =>
        cpu.Apic.InNmi || reason is KmsgDumpReason.Panic or KmsgDumpReason.Kexec or KmsgDumpReason.Emerg;

    /// <summary>ktime_get_real_fast_ns() as "sec.usec": NMI-safe, it never spins on the timekeeping seqlock.</summary>
    public static string Timestamp(long nowNs) =>
        $"{Printk.EpochAtStart + nowNs / VirtualTime.Second}.{nowNs % VirtualTime.Second / VirtualTime.Microsecond:D6}";

    /// <summary>
    /// pstore_dump(): the kmsg dumper callback of the pstore core. kmsg_dump() already filtered the
    /// reason by max_reason where the era has one (≈5.8); before that, the backend refuses what it
    /// does not store. Where the caller cannot block, buf_lock is only trylocked, and a failure is
    /// handled as the era did: 3.12 carries on without the lock ("may corrupt error record"), 4.10
    /// gives up with the same message, 6.x skips with "dump skipped … because of concurrent dump".
    /// </summary>
    public static IEnumerable<Op> PstoreDump(CpuActor cpu, IPstoreBackend psinfo, KmsgDumpReason reason, int logEnd)
    {
        var k = cpu.Machine.Kernel;
        var era = cpu.Machine.Design.Era;
        if (Priority(reason) > MaxReasonOf(psinfo, era, k.Cmdline.AlwaysKmsgDump)) yield break;   // kmsg_dump(): reason > dumper->max_reason
        var why = ReasonStr(reason);
        var flags = cpu.LocalIrqSave();
        var locked = true;
        if (CannotBlockPath(cpu, reason))
        {
            // Another CPU dumping (or a CPU stopped mid-dump or mid-console-write) holds buf_lock: spinning could hang the panic.
            locked = k.PstoreBufLock.TryAcquire(cpu.Id);
            if (!locked)
            {
                var path = cpu.Apic.InNmi ? "NMI" : why;
                var text = era.PstoreDumpCarriesOnUnlocked || era.PstoreConsoleTakesBufLock
                    ? $"pstore dump routine blocked in {path} path, may corrupt error record"
                    : $"pstore: dump skipped in {path} path because of concurrent dump";
                k.Milestone(cpu, text);
                yield return Op.Call(Printk.Vprintk(cpu, text, LogLevel.Err));
                if (!era.PstoreDumpCarriesOnUnlocked)
                {
                    // Stryker disable once Statement : every cannot-block caller already has interrupts off (panic() disabled them, emergency_restart() runs from it, an NMI handler runs with IF clear), so the restore re-sets the state it found
                    cpu.LocalIrqRestore(flags);
                    yield break;
                }
            }
        }
        else
            yield return Op.SpinLock(k.PstoreBufLock);

        var count = ++k.PstoreOopsCount;
        long total = 0;
        var log = k.Log.Syslog(logEnd);   // kmsg_dump_get_buffer(&iter, true, …): syslog "<N>" prefixes
        var end = log.Length;             // kmsg_dump_rewind(): the iterator starts at the youngest record
        var dumper = (KmsgDumper)psinfo;
        dumper.SharedIterReset = false;
        var compress = k.Cmdline.PstoreCompress;
        for (var part = 1; total < psinfo.KmsgBytes; part++)
        {
            var header = $"{why}#{count} Part{part}\n";
            if (dumper.SharedIterReset)
            {
                // 3.5–5.12: another CPU's kmsg_dump() re-initialised the iterator in struct kmsg_dumper.
                log = k.Log.Syslog(k.Log.Length);
                end = log.Length;
                dumper.SharedIterReset = false;
            }
            // CONFIG_PSTORE_COMPRESS: the part is read into big_oops_buf, larger than the backend's
            // buffer, and deflated into it; if it does not fit compressed, the tail goes in plain.
            var room = compress ? BigOopsBufSize(psinfo.BufSize) : psinfo.BufSize;
            var body = YoungestLines(log, end, room - header.Length);   // kmsg_dump_get_buffer()
            if (body.Length == 0) break;
            var plain = Encoding.ASCII.GetBytes(header + body);
            byte[] buf;
            var compressed = false;
            if (compress && Deflate(plain) is { } zipped && zipped.Length <= psinfo.BufSize)
            {
                (buf, compressed) = (zipped, true);
                end -= body.Length;
            }
            else
            {
                // Not compressed (or it did not fit): only what fits the backend's buffer, youngest lines.
                body = YoungestLines(log, end, psinfo.BufSize - header.Length);
                buf = Encoding.ASCII.GetBytes(header + body);
                end -= body.Length;
            }
            yield return Op.Delay(compressed ? plain.Length * cpu.Machine.Timing.StepNs / 256 : 0);   // zlib_deflate on this CPU
            var record = new PstoreWrite(reason, count, part, cpu.Runtime.Now, buf) { Compressed = compressed };
            yield return Op.Call(psinfo.WriteDmesg(cpu, record));   // a failed part does not end the loop
            total += record.Buf.Length;
        }
        if (locked) cpu.Unlock(k.PstoreBufLock);
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>
    /// The record's time stamp as the era takes it: 3.12 and 4.10 from __getnstimeofday(), a read of
    /// the timekeeping seqcount that spins while a writer (a CPU stopped inside its update) holds it,
    /// formatted "%lu.%lu" without padding; 6.x from ktime_get_real_fast_ns(), NMI-safe, "%06lu".
    /// </summary>
    public static IEnumerable<Op> RecordTime(CpuActor cpu, long recordNs, Action<string> stamp)
    {
        if (cpu.Machine.Design.Era.PstoreTimeSpinsOnSeqcount)
        {
            yield return Op.SeqRead(cpu.Machine.Kernel.XtimeLock);   // __getnstimeofday(): read_seqcount_begin(&tk_core.seq) loop
            stamp(Printk.GetTimeOfDay(cpu.Runtime.Now));
            yield break;
        }
        stamp(Timestamp(recordNs));   // pstore_record_init(): ktime_get_real_fast_ns() when the dump began
    }

    /// <summary>big_oops_buf_sz: the uncompressed room for one part, for deflate's expected ratio (zlib: bufsize × 100 / 45).</summary>
    public static int BigOopsBufSize(int bufSize) => bufSize * 100 / 45;

    /// <summary>pstore_compress() with the "deflate" crypto compressor: raw deflate, no zlib header. Null if it fails.</summary>
    public static byte[]? Deflate(byte[] plain)
    {
        using var output = new MemoryStream();
        // Stryker disable once Boolean : MemoryStream.ToArray() works on a closed stream too, so closing it with the deflater changes nothing
        using (var z = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true)) z.Write(plain);
        return output.ToArray();
    }

    /// <summary>pstore_decompress() on the next boot: null if the bytes do not inflate (a torn or damaged record).</summary>
    public static byte[]? Inflate(ReadOnlySpan<byte> zipped)
    {
        try
        {
            using var input = new MemoryStream(zipped.ToArray());
            using var z = new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            z.CopyTo(output);
            return output.ToArray();
        }
        // Stryker disable once Block : the emptied catch returns default, which is the same null
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The youngest whole lines before <paramref name="end"/> that fit in <paramref name="max"/> bytes.</summary>
    private static string YoungestLines(string log, int end, int max)
    {
        // Stryker disable once Equality : at end == 0 the window is empty, and at max == 0 a one-byte window holds no whole line: "" either way
        if (end <= 0 || max <= 0) return "";
        var start = Math.Max(0, end - (max + 1));
        var tail = log[start..end];   // one more byte: does the window start on a line?
        if (tail.Length <= max) return tail;
        var newline = tail.IndexOf('\n');
        return newline < 0 ? "" : tail[(newline + 1)..];
    }
}
