using System.Collections;
using ActorCrash.Actors.Kernel.Dumpers;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// dump_list: the registered kmsg dumpers, a visible registry. With kmsg_dump compiled out (kconfig
/// CONFIG_KMSG_DUMP=n, the thread's first opt-out) kmsg_dump_register() is a stub that registers
/// nothing, so the list stays empty and every kmsg_dump() is an empty inline.
/// </summary>
public sealed class KmsgDumperList(bool compiledIn) : IReadOnlyList<KmsgDumper>
{
    private readonly List<KmsgDumper> _dumpers = [];

    /// <summary>False when kmsg_dump() is compiled out.</summary>
    public bool CompiledIn { get; } = compiledIn;

    /// <summary>kmsg_dump_register(): a no-op when kmsg_dump is compiled out.</summary>
    public void Add(KmsgDumper dumper)
    {
        if (CompiledIn) _dumpers.Add(dumper);
    }

    public int Count => _dumpers.Count;
    public KmsgDumper this[int index] => _dumpers[index];

    /// <summary>A struct enumerator: walking dump_list allocates nothing.</summary>
    public List<KmsgDumper>.Enumerator GetEnumerator() => _dumpers.GetEnumerator();
    IEnumerator<KmsgDumper> IEnumerable<KmsgDumper>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>kmsg_dump() of 2.6.38 (kernel/printk.c).</summary>
public static class Kmsg
{
    public static string Name(KmsgDumpReason reason) => $"KMSG_DUMP_{reason.ToString().ToUpperInvariant()}";

    /// <summary>
    /// Snapshot log_end under logbuf_lock, then call every registered dumper under rcu_read_lock().
    /// "Theoretically, the log could move on after we do this": dumpers copy from the live buffer
    /// while the other CPUs may still be running and printing. Every reason goes to every dumper;
    /// the dumpers filter for themselves.
    /// </summary>
    public static IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason)
    {
        var k = cpu.Machine.Kernel;
        if (!k.DumpList.CompiledIn) yield break;
        k.Milestone(cpu, $"kmsg_dump({Name(reason)})");
        var flags = cpu.LocalIrqSave();
        yield return Op.SpinLock(k.LogbufLock);
        var end = k.Log.Length;
        cpu.Unlock(k.LogbufLock);
        cpu.LocalIrqRestore(flags);
        foreach (var dumper in k.DumpList)
            yield return Op.Call(dumper.Dump(cpu, reason, end));
    }
}

/// <summary>
/// kmsg_dump() of 3.5 to 5.9 (kernel/printk/printk.c), with the dumper iterators: by default only
/// PANIC and OOPS reach the dumpers ("kmsg_dump: don't run on non-error paths by default", 3.4,
/// printk.always_kmsg_dump lifts it), and each dumper's iterator is set up under logbuf_lock, which
/// a CPU stopped inside printk still holds (§3 K2).
/// </summary>
public static class KmsgIter
{
    public static IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason)
    {
        var k = cpu.Machine.Kernel;
        if (!k.DumpList.CompiledIn) yield break;
        if (reason is not (KmsgDumpReason.Panic or KmsgDumpReason.Oops) && !k.Cmdline.AlwaysKmsgDump)
        {
            k.Milestone(cpu, $"kmsg_dump({Kmsg.Name(reason)}): not an error path, skipped (printk.always_kmsg_dump is off)");
            yield break;
        }
        k.Milestone(cpu, $"kmsg_dump({Kmsg.Name(reason)})");
        foreach (var dumper in k.DumpList)
        {
            // initialize iterator with data about the stored records
            var flags = cpu.LocalIrqSave();
            yield return Op.SpinLock(k.LogbufLock);
            var end = k.Log.Length;
            if (cpu.Machine.Design.Era.SharedDumperIterator) dumper.SharedIterReset = true;   // dumper->cur_seq = clear_seq: under any dump still reading it
            cpu.Unlock(k.LogbufLock);
            cpu.LocalIrqRestore(flags);
            yield return Op.Call(dumper.Dump(cpu, reason, end));
        }
    }
}

/// <summary>
/// kmsg_dump() of today (5.10+, lockless ringbuffer): no printk lock at all; a dumper is skipped when
/// the reason is above its max_reason, and one without a max_reason gets PANIC and OOPS only unless
/// printk.always_kmsg_dump is set ("printk: honor the max_reason field in kmsg_dumper", ≈5.8). So
/// EMERG, from emergency_restart(), is not dumped by default.
/// </summary>
public static class KmsgLockless
{
    private const int KmsgDumpOops = 2, KmsgDumpMax = 5;  // today's enum: PANIC 1, OOPS 2, EMERG 3, SHUTDOWN 4

    public static IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason)
    {
        var k = cpu.Machine.Kernel;
        if (!k.DumpList.CompiledIn) yield break;
        k.Milestone(cpu, $"kmsg_dump({Kmsg.Name(reason)})");
        var end = k.Log.Length;  // the dumpers' iterators read the ringbuffer locklessly
        foreach (var dumper in k.DumpList)
        {
            if (Pstore.Priority(reason) > MaxReason(dumper, cpu.Machine.Design.Era, k.Cmdline.AlwaysKmsgDump)) continue;
            yield return Op.Call(dumper.Dump(cpu, reason, end));
        }
    }

    /// <summary>dumper->max_reason, or for a dumper that gives none (KMSG_DUMP_UNDEF): OOPS, or MAX with always_kmsg_dump.</summary>
    private static int MaxReason(KmsgDumper dumper, KernelEra era, bool alwaysKmsgDump) =>
        dumper is IPstoreBackend pstore ? Pstore.MaxReasonOf(pstore, era, alwaysKmsgDump) : alwaysKmsgDump ? KmsgDumpMax : KmsgDumpOops;
}
