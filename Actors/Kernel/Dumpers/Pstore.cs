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

    /// <summary>The dumper's max_reason, in today's priority order (<see cref="Pstore.Priority"/>).</summary>
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
    public int Error { get; set; }
}

/// <summary>
/// The pstore core of today's kernels (fs/pstore/platform.c): pstore_dump() under psinfo->buf_lock,
/// trylocked where the caller cannot block; "<Why>#<oopscount> Part<k>" headers; parts of the log,
/// youngest first, until kmsg_bytes; NMI-safe time stamps. Domain reference §2.10.
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

    /// <summary>pstore_cannot_block_path(): in NMI, or dumping for a panic or an emergency restart.</summary>
    public static bool CannotBlockPath(CpuActor cpu, KmsgDumpReason reason) =>
        cpu.Apic.InNmi || reason is KmsgDumpReason.Panic or KmsgDumpReason.Kexec or KmsgDumpReason.Emerg;

    /// <summary>ktime_get_real_fast_ns() as "sec.usec": NMI-safe, it never spins on the timekeeping seqlock.</summary>
    public static string Timestamp(long nowNs) =>
        $"{Printk.EpochAtStart + nowNs / VirtualTime.Second}.{nowNs % VirtualTime.Second / VirtualTime.Microsecond:D6}";

    /// <summary>pstore_dump(): the kmsg dumper callback of the pstore core.</summary>
    public static IEnumerable<Op> PstoreDump(CpuActor cpu, IPstoreBackend psinfo, KmsgDumpReason reason, int logEnd)
    {
        if (Priority(reason) > psinfo.MaxReason) yield break;   // kmsg_dump(): reason > dumper->max_reason
        var k = cpu.Machine.Kernel;
        var why = ReasonStr(reason);
        var flags = cpu.LocalIrqSave();
        if (CannotBlockPath(cpu, reason))
        {
            // Another CPU dumping (or a CPU stopped mid-dump) holds buf_lock: spinning could hang the panic.
            if (!k.PstoreBufLock.TryAcquire(cpu.Id))
            {
                cpu.LocalIrqRestore(flags);
                var path = cpu.Apic.InNmi ? "NMI" : why;
                k.Milestone(cpu, $"pstore: dump skipped in {path} path because of concurrent dump");
                yield return Op.Call(Printk.Vprintk(cpu, $"pstore: dump skipped in {path} path because of concurrent dump"));
                yield break;
            }
        }
        else
            yield return Op.SpinLock(k.PstoreBufLock);

        var count = ++k.PstoreOopsCount;
        long total = 0;
        var end = logEnd;   // kmsg_dump_rewind(): the iterator starts at the youngest record
        for (var part = 1; total < psinfo.KmsgBytes; part++)
        {
            var header = $"{why}#{count} Part{part}\n";
            var body = YoungestLines(k.Log, end, psinfo.BufSize - header.Length);   // kmsg_dump_get_buffer()
            if (body.Length == 0) break;
            end -= body.Length;
            var record = new PstoreWrite(reason, count, part, cpu.Runtime.Now, Encoding.ASCII.GetBytes(header + body));
            yield return Op.Call(psinfo.WriteDmesg(cpu, record));   // a failed part does not end the loop
            total += record.Buf.Length;
        }
        cpu.Unlock(k.PstoreBufLock);
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>The youngest whole lines before <paramref name="end"/> that fit in <paramref name="max"/> bytes.</summary>
    private static string YoungestLines(LogBuffer log, int end, int max)
    {
        if (end <= 0 || max <= 0) return "";
        var tail = log.Tail(end, max + 1);   // one more byte: does the window start on a line?
        if (tail.Length <= max) return tail;
        var newline = tail.IndexOf('\n');
        return newline < 0 ? "" : tail[(newline + 1)..];
    }
}
