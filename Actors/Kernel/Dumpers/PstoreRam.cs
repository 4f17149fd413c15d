using System.Text;
using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>The pstore-era ramoops layout and parameters (module parameters of fs/pstore/ram.c).</summary>
public sealed record PstoreRamLayout(
    int MemSize,        // ramoops.mem_size
    int RecordSize,     // ramoops.record_size: one dmesg zone
    int ConsoleSize,    // ramoops.console_size (0: no pstore console)
    int PmsgSize,       // ramoops.pmsg_size (0: no /dev/pmsg0)
    int EccSize,        // ramoops.ecc: parity bytes per 128-byte block (0: none)
    int MaxReason,      // effective max_reason, today's order
    long KmsgBytes,     // pstore.kmsg_bytes
    IReadOnlyList<string> PmsgWrites);  // what userspace wrote to /dev/pmsg0 before the scenario

/// <summary>
/// ramoops as a pstore backend (fs/pstore/ram.c, 3.5 onwards): persistent RAM split into max_dump_cnt
/// dmesg zones of record_size, then the console zone, then the pmsg zone (ftrace zones are not
/// modelled). A dump goes through the pstore core (<see cref="Pstore.PstoreDump"/>); only part 1 of
/// a PANIC or OOPS dump is kept, in the next dmesg zone round-robin, after a zap and the
/// "====sec.usec-D" header. The console zone is a ring written by the pstore console for every
/// printed line.
/// </summary>
public sealed class PstoreRam : KmsgDumper, IPstoreBackend
{
    private readonly KernelState _kernel;
    private readonly NvramPort _port;
    private readonly PstoreRamLayout _layout;
    private readonly PersistentRamZone[] _dmesg;
    private readonly PersistentRamZone? _console;
    private readonly PersistentRamZone? _pmsg;
    private readonly (KmsgDumpReason Reason, long AtNs)?[] _meta;
    private int _dumpWriteCnt;

    public PstoreRam(KernelState kernel, ActorId nvram, Hardware.Nvram device, int chunk, PstoreRamLayout layout, KernelEra era) : base("ramoops")
    {
        _kernel = kernel;
        _port = new NvramPort(nvram, device, chunk);
        _layout = layout;
        var dumpMemSize = layout.MemSize - layout.ConsoleSize - layout.PmsgSize;
        var maxDumpCnt = dumpMemSize / layout.RecordSize;
        _dmesg = new PersistentRamZone[maxDumpCnt];
        for (var i = 0; i < maxDumpCnt; i++)
            _dmesg[i] = new PersistentRamZone($"dmesg-ramoops-{i}", _port, i * layout.RecordSize, layout.RecordSize, layout.EccSize);
        _meta = new (KmsgDumpReason, long)?[maxDumpCnt];
        var at = dumpMemSize;
        if (layout.ConsoleSize > 0)
        {
            _console = new PersistentRamZone("console-ramoops-0", _port, at, layout.ConsoleSize, layout.EccSize);
            if (kernel.Cmdline.PstoreConsole) kernel.Consoles.Add(new PstoreConsole(this));   // CONFIG_PSTORE_CONSOLE
        }
        at += layout.ConsoleSize;
        if (layout.PmsgSize > 0) _pmsg = new PersistentRamZone("pmsg-ramoops-0", _port, at, layout.PmsgSize, layout.EccSize);
        foreach (var zone in Zones) zone.UseBufferLock(kernel, era.PstoreZoneBufferLock);
    }

    public int MaxDumpCount => _dmesg.Length;
    // Stryker disable once Conditional,Equality : the config requires mem_size >= record_size + console_size + pmsg_size, so there is always a dmesg zone
    int IPstoreBackend.BufSize => _dmesg.Length > 0 ? _dmesg[0].BufferSize : 0;
    int IPstoreBackend.MaxReason => _layout.MaxReason;
    long IPstoreBackend.KmsgBytes => _layout.KmsgBytes;

    public override IReadOnlyList<string> BootMessages =>
    [
        $"ramoops: using 0x{_layout.MemSize:x}@0x0, ecc: {_layout.EccSize}",
        "pstore: Registered ramoops as persistent store backend",
        .. _console is null || !_kernel.Cmdline.PstoreConsole ? Array.Empty<string>() : ["console [pstore-1] enabled"],
    ];

    /// <summary>Boot: every zone found empty and zapped, the pstore console's replay of the log so far, userspace's pmsg writes.</summary>
    public override void Reset()
    {
        foreach (var z in _dmesg) z.Format();
        _console?.Format();
        _pmsg?.Format();
        // Stryker disable once Statement : a zone's meta is read only with its data, and a zone holds data on the next boot only after a write this run, which sets its meta
        Array.Clear(_meta);
        _dumpWriteCnt = 0;
        if (_console is not null && _kernel.Cmdline.PstoreConsole)   // CON_PRINTBUFFER: the console gets the whole log when it registers
            for (var i = 0; i < _kernel.Log.LineCount; i++) _console.WriteAtBoot(Encoding.ASCII.GetBytes(_kernel.Log.Line(i) + "\n"));
        if (_kernel.Cmdline.PstorePmsg)   // CONFIG_PSTORE_PMSG: without it there is no /dev/pmsg0 to write to
            foreach (var text in _layout.PmsgWrites) _pmsg?.WriteAtBoot(Encoding.UTF8.GetBytes(text));
        _port.StartCounting();
    }

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd) => Pstore.PstoreDump(cpu, this, reason, logEnd);

    /// <summary>ramoops_pstore_write() for PSTORE_TYPE_DMESG.</summary>
    public IEnumerable<Op> WriteDmesg(CpuActor cpu, PstoreWrite record)
    {
        // Out of the various dmesg dump types, ramoops is currently designed to only store crash logs
        // (until ≈5.8: since the max_reason series it logs "everything that the kmsg dumper sends us").
        // Skip Oopses when configured to do so (dump_oops = 0: max_reason PANIC).
        if (!cpu.Machine.Design.Era.RamoopsStoresEveryReason && Pstore.Priority(record.Reason) > Math.Min(2, _layout.MaxReason))
        {
            // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
            record.Error = -Pstore.EINVAL;
            yield break;
        }
        // Explicitly only take the first part of any new crash: no report split across records.
        if (record.Part != 1 || _dmesg.Length == 0)
        {
            // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
            record.Error = -Pstore.ENOSPC;
            yield break;
        }
        var slot = _dumpWriteCnt;
        var prz = _dmesg[slot];
        yield return Op.Call(prz.Zap(cpu));   // a new crash: reset the zone in case it holds an old dump
        var stamp = "";
        yield return Op.Call(Pstore.RecordTime(cpu, record.TimeNs, t => stamp = t));   // ramoops_write_kmsg_hdr()
        var header = Encoding.ASCII.GetBytes($"===={stamp}-{(record.Compressed ? 'C' : 'D')}\n");
        var size = Math.Min(record.Buf.Length, prz.BufferSize - header.Length);
        _meta[slot] = (record.Reason, record.TimeNs);
        yield return Op.Call(prz.Write(cpu, [.. header, .. record.Buf.AsSpan(0, size)]));
        _dumpWriteCnt = (_dumpWriteCnt + 1) % _dmesg.Length;
        cpu.Machine.Kernel.Milestone(cpu, $"ramoops: {prz.Label} written ({header.Length + size} bytes, {Kmsg.Name(record.Reason)})");
    }

    /// <summary>The next boot: pstore's files for every zone that holds data, and the zones it resets.</summary>
    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var files = new List<NvramRecord>();
        for (var i = 0; i < _dmesg.Length; i++) AddFile(files, _dmesg[i].ReadBack(), _meta[i]);
        if (_console is not null) AddFile(files, _console.ReadBack(), null);
        if (_pmsg is not null) AddFile(files, _pmsg.ReadBack(), null);
        return files;
    }

    /// <summary><see cref="ReadBack"/>'s files without their text: each zone's verdict, read into its own buffers.</summary>
    public override void ReadBackVerdicts(List<RecordVerdict> into)
    {
        for (var i = 0; i < _dmesg.Length; i++) AddVerdict(into, _dmesg[i]);
        if (_console is not null) AddVerdict(into, _console);
        if (_pmsg is not null) AddVerdict(into, _pmsg);
    }

    // AddFile's record, as far as RecordVerdict goes.
    private static void AddVerdict(List<RecordVerdict> into, PersistentRamZone zone)
    {
        var (state, matching, stored, meant) = zone.Verdict();
        if (stored == 0 && meant == 0) return;
        into.Add(new RecordVerdict(stored > 0 ? zone.Label : zone.EmptyLabel, state, meant, matching));
    }

    public override StorageReport? Storage() =>
        _port.Report(Name, [.. Zones.Select(z => z.ReadBack()).Where(i => i.BootLog.Length > 0).Select(i => $"{i.Zone.Label}: {i.BootLog}")]);

    private IEnumerable<PersistentRamZone> Zones =>
        _dmesg.Concat(_console is null ? [] : [_console]).Concat(_pmsg is null ? [] : [_pmsg]);

    private void AddFile(List<NvramRecord> files, ZoneImage image, (KmsgDumpReason Reason, long AtNs)? meta)
    {
        var stored = image.Stored ?? [];
        if (stored.Length == 0 && image.Meant.Length == 0) return;   // an empty zone makes no file
        var text = RecordText.Printable(stored);
        var timestamp = "";
        if (meta is not null && text.StartsWith("====", StringComparison.Ordinal) && text.IndexOf('\n') is var nl and > 0)
        {
            // ramoops_read_kmsg_hdr(): the header becomes the record's time; the file shows the rest.
            var compressed = text[..nl].EndsWith("-C", StringComparison.Ordinal);
            timestamp = text[4..nl].TrimEnd('D', 'C').TrimEnd('-');
            text = text[(nl + 1)..];
            if (compressed)   // pstore_decompress(): the file shows the inflated text
            {
                var zipped = stored.AsSpan(stored.AsSpan().IndexOf((byte)'\n') + 1);
                text = Pstore.Inflate(zipped) is { } plain ? RecordText.Printable(plain) : "(compressed record does not inflate)";
            }
        }
        var state = image.State;
        var note = stored.Length == 0 ? $"zone empty on the next boot: no pstore file; {image.BootLog}".TrimEnd(' ', ';') : image.EccNotice;
        files.Add(new NvramRecord(
            Name: stored.Length > 0 ? image.Zone.Label : image.Zone.EmptyLabel,   // no data, no pstore file
            Dumper: Name,
            Reason: meta?.Reason ?? KmsgDumpReason.Panic,
            WrittenAtNs: meta?.AtNs ?? -1,
            IntendedBytes: image.Meant.Length,
            StoredBytes: image.Matching,
            Intact: state is RecordState.Intact or RecordState.EccCorrected,
            Text: text,
            State: state,
            Timestamp: timestamp,
            Note: note));
    }

    /// <summary>
    /// The pstore console (fs/pstore/platform.c pstore_console_write → ramoops_pstore_write for
    /// PSTORE_TYPE_CONSOLE): every printed line into the console zone's ring.
    /// </summary>
    private sealed class PstoreConsole(PstoreRam ramoops) : ConsoleDriver("pstore-1")
    {
        public override IEnumerable<Op> Write(CpuActor cpu, string line)
        {
            var bytes = Encoding.ASCII.GetBytes(line + "\n");
            if (!cpu.Machine.Design.Era.PstoreConsoleTakesBufLock)
            {
                yield return Op.Call(ramoops._console!.Write(cpu, bytes));
                yield break;
            }
            // 3.12, 4.10: pstore_console_write() under psinfo->buf_lock — a trylock while an oops is in
            // progress (the line is dropped if it fails), a spin otherwise. A CPU stopped in here leaves it held.
            var k = cpu.Machine.Kernel;
            var flags = cpu.LocalIrqSave();
            if (k.OopsInProgress > 0)
            {
                if (!k.PstoreBufLock.TryAcquire(cpu.Id))
                {
                    cpu.LocalIrqRestore(flags);
                    yield break;
                }
            }
            else
                yield return Op.SpinLock(k.PstoreBufLock);
            yield return Op.Call(ramoops._console!.Write(cpu, bytes));
            cpu.Unlock(k.PstoreBufLock);
            // Stryker disable once Statement : console drivers run under call_console_drivers' irqsave (Printk.ReleaseConsoleSem), so the restore re-sets the state it found
            cpu.LocalIrqRestore(flags);
        }
    }
}
