using System.Text;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// efi-pstore (drivers/firmware/efi/efi-pstore.c) as the pstore backend: one EFI variable
/// "dump-type0-&lt;part&gt;-&lt;count&gt;-&lt;time&gt;-D" per part of the dump. In atomic context
/// efivar_set_variable is non-blocking: virt_efi_set_variable_nb() trylocks efi_runtime_lock and
/// returns EFI_NOT_READY if anyone is in the firmware (it is not re-entrant), else calls the firmware
/// directly on this CPU. Domain reference §2.10.
/// </summary>
public sealed class EfiPstore(EfiVariableStore store, long callNs, long nsPerByte, long kmsgBytes) : KmsgDumper("efi-pstore"), IPstoreBackend
{
    private readonly List<Meant> _meant = [];
    private long _issued, _landed;

    private sealed record Meant(string Variable, PstoreWrite Record, EfiStatus? Status);

    public EfiVariableStore Store => store;

    string IPstoreBackend.Name => "efi";
    public int BufSize => store.MaxVariableSize;   // psinfo->bufsize = record_size (1 KiB)
    public int MaxReason => 0;                     // registered without max_reason (KMSG_DUMP_UNDEF): OOPS, or every reason with printk.always_kmsg_dump
    public long KmsgBytes => kmsgBytes;

    public override IReadOnlyList<string> BootMessages => ["pstore: Registered efi_pstore as persistent store backend"];

    public override void Reset()
    {
        store.Clear();
        _meant.Clear();
        _issued = _landed = 0;
    }

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd)
    {
        _fileName = cpu.Machine.Design.Era.EfiPstoreFileName ? "dmesg-efi_pstore" : "dmesg-efi";
        return Pstore.PstoreDump(cpu, this, reason, logEnd);
    }

    private string _fileName = "dmesg-efi";   // the pstore file prefix: dmesg-efi_pstore-… from ≈6.2

    /// <summary>efi_pstore_write() → efivar_set_variable(block = false) → virt_efi_set_variable_nb().</summary>
    public IEnumerable<Op> WriteDmesg(CpuActor cpu, PstoreWrite record)
    {
        var k = cpu.Machine.Kernel;
        var seconds = Printk.EpochAtStart + record.TimeNs / VirtualTime.Second;
        var name = $"dump-type0-{record.Part}-{record.Count}-{seconds}-{(record.Compressed ? 'C' : 'D')}";
        _issued += record.Buf.Length;
        var era = cpu.Machine.Design.Era;   // the 6.x-only steps follow the design itself
        if (era.EfivarsLockTrylock)
        {
            // 6.x efivar_lock(): down_trylock(&efivars_lock) in atomic context, -EBUSY if another writer has it.
            if (!k.EfivarsLock.TryAcquire(cpu.Id))
            {
                _meant.Add(new Meant(name, record, EfiStatus.NotReady));
                // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
                record.Error = -16;
                yield break;
            }
            // efivar_query_variable_info(): virt_efi_query_variable_info_nb(), a non-blocking firmware call first.
            var queried = k.EfiRuntimeLock.TryAcquire(cpu.Id);
            if (queried)
            {
                yield return Op.Delay(callNs * store.Slowdown);
                cpu.Unlock(k.EfiRuntimeLock);
            }
            if (!queried || store.Free < record.Buf.Length)
            {
                _meant.Add(new Meant(name, record, queried ? EfiStatus.OutOfResources : EfiStatus.NotReady));
                // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
                record.Error = queried ? -Pstore.ENOSPC : -16;
                cpu.Unlock(k.EfivarsLock);
                yield break;
            }
        }
        if (!k.EfiRuntimeLock.TryAcquire(cpu.Id))
        {
            // down_trylock(&efi_runtime_lock) failed: someone is inside the firmware.
            _meant.Add(new Meant(name, record, EfiStatus.NotReady));
            // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
            record.Error = -16;   // efi_status_to_err(EFI_NOT_READY) = -EBUSY
            if (era.EfivarsLockTrylock) cpu.Unlock(k.EfivarsLock);
            yield break;
        }
        var entry = new Meant(name, record, null);
        _meant.Add(entry);
        yield return Op.Delay((callNs + record.Buf.Length * nsPerByte) * store.Slowdown);   // the firmware's SetVariable, on this CPU
        var status = store.SetVariable(name, record.Buf);
        _meant[_meant.IndexOf(entry)] = entry with { Status = status };
        if (status == EfiStatus.Success) _landed += record.Buf.Length;
        // Stryker disable once all : PstoreWrite.Error is psinfo->write()'s return value, which pstore_dump() never reads here (the kernel reads it only to kick pstore_timer after an OOPS, not modelled)
        else record.Error = status switch   // efi_status_to_err()
        {
            EfiStatus.DeviceError => -Pstore.EIO,
            EfiStatus.InvalidParameter => -Pstore.EINVAL,
            _ => -Pstore.ENOSPC,
        };
        cpu.Unlock(k.EfiRuntimeLock);
        if (era.EfivarsLockTrylock) cpu.Unlock(k.EfivarsLock);
    }

    /// <summary>The next boot: a dmesg-efi-&lt;id&gt; file per variable, and what was meant but never landed.</summary>
    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var files = new List<NvramRecord>();
        foreach (var m in _meant)
        {
            var landed = store.Variables.TryGetValue(m.Variable, out var bytes) && m.Status == EfiStatus.Success;
            var parts = m.Variable.Split('-');
            var id = (long.Parse(parts[4], System.Globalization.CultureInfo.InvariantCulture) * 100 + m.Record.Part) * 1000 + m.Record.Count;  // generic_id()
            var note = m.Status switch
            {
                EfiStatus.Success => $"EFI variable {m.Variable}",
                EfiStatus.NotReady => "EFI_NOT_READY: efi_runtime_lock was held, the part was dropped",
                EfiStatus.OutOfResources => "EFI_OUT_OF_RESOURCES: the variable store is full",
                EfiStatus.InvalidParameter => "EFI_INVALID_PARAMETER: larger than the firmware takes",
                EfiStatus.DeviceError => "EFI_DEVICE_ERROR: the variable store failed the write, the part was lost",
                _ => "the machine reset inside SetVariable(): the variable never landed",
            };
            files.Add(new NvramRecord(
                Name: landed ? $"{_fileName}-{id}" : $"({_fileName}-{id})",
                Dumper: Name,
                Reason: m.Record.Reason,
                WrittenAtNs: m.Record.TimeNs,
                IntendedBytes: m.Record.Buf.Length,
                StoredBytes: landed ? bytes!.Length : 0,
                Intact: landed,
                Text: !landed ? "" : m.Record.Compressed ? (Pstore.Inflate(bytes) is { } plain ? RecordText.Printable(plain) : "(compressed record does not inflate)") : RecordText.Printable(bytes),
                State: landed ? RecordState.Intact : RecordState.Lost,
                Timestamp: parts[4],
                Note: note));
        }
        return files;
    }

    public override StorageReport? Storage() =>
        new(Name, "efivars", _issued, _landed, [
            $"efivars: {store.Variables.Count} dump variable(s)",
            .. store.BytesRejected > 0 ? [$"efivars: {store.BytesRejected} bytes rejected by SetVariable()"] : Array.Empty<string>()]);
}
