namespace ActorCrash.Actors.Kernel;

/// <summary>
/// schedule_work() (kernel/workqueue.c) as the panic path meets it: queueing takes the worker pool's
/// lock on this CPU (local_irq_save; spin_lock(&amp;pool->lock)), and no kworker ever runs the work
/// after a panic. A CPU stopped while holding the pool lock makes every later schedule_work() spin.
/// </summary>
public static class Workqueue
{
    public static IEnumerable<Op> ScheduleWork(CpuActor cpu, string work)
    {
        var k = cpu.Machine.Kernel;
        var flags = cpu.LocalIrqSave();
        yield return Op.SpinLock(k.WorkqueuePoolLock);   // __queue_work(): raw_spin_lock(&pwq->pool->lock)
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // insert_work(); wake_up_worker()
        cpu.Unlock(k.WorkqueuePoolLock);
        cpu.LocalIrqRestore(flags);
        k.Milestone(cpu, $"schedule_work({work}): queued, no kworker runs after the panic");
    }
}
