namespace ActorCrash.Actors.Kernel;

/// <summary>enum kmsg_dump_reason as of 2.6.38 (OOPS=0, PANIC=1, KEXEC=2, then RESTART, HALT, POWEROFF, EMERG).</summary>
public enum KmsgDumpReason
{
    Oops = 0,
    Panic = 1,
    Kexec = 2,
    Restart = 3,
    Halt = 4,
    Poweroff = 5,
    Emerg = 6,
}

/// <summary>
/// struct kmsg_dumper: a dumper registered on dump_list. Its dump() callback is kernel code that runs
/// on the CPU calling kmsg_dump, under that CPU's interrupt state, so it is a routine that CPU
/// executes; the storage it writes to is an actor (e.g. <see cref="NvramActor"/>).
/// </summary>
public abstract class KmsgDumper(string name)
{
    public string Name { get; } = name;

    /// <summary>
    /// The iterator inside struct kmsg_dumper (cur_seq/next_seq, ≈3.5–5.12): kmsg_dump() sets it up
    /// for every call, so a second CPU's kmsg_dump() re-initialises it under a dump still reading it —
    /// that dump's next kmsg_dump_get_buffer() starts again from the youngest record. From 5.13 each
    /// dump has its own struct kmsg_dump_iter and this stays false.
    /// </summary>
    public bool SharedIterReset { get; set; }

    /// <summary>dumper->dump(dumper, reason, s1, l1, s2, l2): <paramref name="logEnd"/> is the snapshot of log_end.</summary>
    public abstract IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd);

    /// <summary>Back to the state after the driver's probe, before a run.</summary>
    public abstract void Reset();

    /// <summary>What the next boot reads back from this dumper's storage.</summary>
    public abstract IReadOnlyList<NvramRecord> ReadBack();

    /// <summary>
    /// What a property asks of <see cref="ReadBack"/> — each record's name, state and byte counts, the
    /// same records in the same order — appended to <paramref name="into"/> without building the
    /// records' text. A campaign checks log-saved on every run, so the dumpers the shipped experiments
    /// use on every run override this with a reading that allocates nothing: <see cref="Ramoops"/> and
    /// <see cref="Dumpers.PstoreRam"/> (pinned against ReadBack by ReadBackVerdictTests); the rest keep this default.
    /// </summary>
    public virtual void ReadBackVerdicts(List<RecordVerdict> into)
    {
        foreach (var r in ReadBack()) into.Add(RecordVerdict.Of(r));
    }

    /// <summary>What the driver logged when it registered at boot (part of the boot log).</summary>
    public virtual IReadOnlyList<string> BootMessages => [$"{Name}: registered kmsg dumper"];

    /// <summary>The byte accounting of the last run and what the next boot's driver logs on attach; null if it has no storage.</summary>
    public virtual StorageReport? Storage() => null;
}

/// <summary>How a record reads back on the next boot.</summary>
public enum RecordState
{
    /// <summary>Exactly what the dumper meant to write.</summary>
    Intact,
    /// <summary>Damaged by bit flips, repaired by the zone's Reed–Solomon ECC (≤ 8 bad bytes per 128-byte block).</summary>
    EccCorrected,
    /// <summary>Only part of it landed: the machine reset while it was being written.</summary>
    Torn,
    /// <summary>Bytes differ from what was written: bit flips without ECC, or flash programmed over a used page.</summary>
    Corrupt,
    /// <summary>ECC found blocks with more than 8 bad bytes: they read back damaged.</summary>
    Uncorrectable,
    /// <summary>Written by an earlier boot, not this run.</summary>
    Old,
    /// <summary>Meant, but none of it is on the device: rejected, dropped, or still in flight at the reset.</summary>
    Lost,
}

/// <summary>A record read back after the reset, and whether it is what the dumper meant to write.</summary>
public sealed record NvramRecord(
    string Name,            // the pstore file, e.g. "dmesg-ramoops-0"; "ramoops record 0" for the 2.6.38 driver
    string Dumper,
    KmsgDumpReason Reason,
    long WrittenAtNs,
    int IntendedBytes,
    int StoredBytes,        // bytes that read back as the dumper wrote them (the common prefix)
    bool Intact,
    string Text,
    RecordState State = RecordState.Intact,
    string Timestamp = "",  // the record's own time stamp, e.g. "1297195102.000421" (pstore: from the ====sec.usec header)
    string Note = "");      // e.g. "ECC: 3 Corrected bytes, 0 unrecoverable blocks"

/// <summary>A record read back, as far as a property looks at it: <see cref="NvramRecord"/> without its text, time stamp and note.</summary>
public readonly record struct RecordVerdict(string Name, RecordState State, int IntendedBytes, int StoredBytes)
{
    public static RecordVerdict Of(NvramRecord r) => new(r.Name, r.State, r.IntendedBytes, r.StoredBytes);
}

/// <summary>
/// Every byte a dumper's storage was sent during the run: issued by the CPU, landed on the device,
/// lost in flight when the machine reset. Plus what the driver logs when the next boot attaches it.
/// </summary>
public sealed record StorageReport(string Dumper, string Device, long BytesIssued, long BytesLanded, IReadOnlyList<string> NextBootLog)
{
    public long BytesLost => BytesIssued - BytesLanded;
}


