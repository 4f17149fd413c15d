namespace ActorCrash.Actors.Kernel;

/// <summary>kmsg_dump() of 2.6.38 (kernel/printk.c).</summary>
public static class Kmsg
{
    public static string Name(KmsgDumpReason reason) => $"KMSG_DUMP_{reason.ToString().ToUpperInvariant()}";

    /// <summary>
    /// Snapshot log_end under logbuf_lock, then call every registered dumper under rcu_read_lock().
    /// "Theoretically, the log could move on after we do this": dumpers copy from the live buffer
    /// while the other CPUs may still be running and printing.
    /// </summary>
    public static IEnumerable<Op> KmsgDump(CpuActor cpu, KmsgDumpReason reason)
    {
        var k = cpu.Machine.Kernel;
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
