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

    /// <summary>dumper->dump(dumper, reason, s1, l1, s2, l2): <paramref name="logEnd"/> is the snapshot of log_end.</summary>
    public abstract IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd);

    /// <summary>Back to the state after the driver's probe, before a run.</summary>
    public abstract void Reset();

    /// <summary>What the next boot reads back from this dumper's storage.</summary>
    public abstract IReadOnlyList<NvramRecord> ReadBack();
}

/// <summary>A record read back after the reset, and whether it is what the dumper meant to write.</summary>
public sealed record NvramRecord(
    string Name,            // e.g. "ramoops record 0"
    string Dumper,
    KmsgDumpReason Reason,
    long WrittenAtNs,
    int IntendedBytes,
    int StoredBytes,
    bool Intact,
    string Text);
