namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The shared variables the later panic paths added: panic_lock and panic_cpu (kernel/panic.c), the
/// stop bookkeeping of arch/x86/kernel/smp.c (stopping_cpu, the stop NMI handler, cpus_stop_mask),
/// crash_ipi_issued and crash_smp_send_stop's "cpus_stopped" (arch/x86/kernel/reboot.c, crash.c),
/// and the NMI backtrace request of panic_print. A design that predates one simply never touches it.
/// </summary>
public sealed partial class KernelState
{
    public const int PanicCpuInvalid = -1;  // PANIC_CPU_INVALID

    // ---- kernel/panic.c

    /// <summary>panic_lock (3.5–4.4): "Only one CPU is allowed to execute the panic code from here."</summary>
    public KernelLock PanicLock { get; } = new("panic_lock", LockKind.Spinlock);

    /// <summary>vivek-2011's "some_shutdown_mutex": the CPU that trylocks it prepares, stops, dumps and kexecs.</summary>
    public KernelLock ShutdownMutex { get; } = new("shutdown_mutex", LockKind.Mutex);

    /// <summary>atomic_t panic_cpu (4.5+): the one CPU allowed to run panic() or crash_kexec().</summary>
    public int PanicCpu { get; private set; }

    /// <summary>add_taint(TAINT_DIE): a CPU oopsed; a later panic() skips its nested dump_stack().</summary>
    public bool TaintDie { get; set; }

    /// <summary>printk_legacy_allow_panic_sync() (6.x): the panic CPU may now print to legacy consoles itself.</summary>
    public bool LegacyAllowPanicSync { get; set; }

    /// <summary>atomic_cmpxchg(&amp;panic_cpu, PANIC_CPU_INVALID, cpu): returns the old value.</summary>
    public int PanicCpuCmpxchg(int cpu)
    {
        var old = PanicCpu;
        if (old == PanicCpuInvalid) PanicCpu = cpu;
        return old;
    }

    /// <summary>atomic_set(&amp;panic_cpu, PANIC_CPU_INVALID): crash_kexec() lets a later panic() go ahead.</summary>
    public void PanicReset() => PanicCpu = PanicCpuInvalid;

    // ---- arch/x86/kernel/smp.c: native_stop_other_cpus()

    /// <summary>stopping_cpu (3.5+): only the first CPU to get here stops the others.</summary>
    public int StoppingCpu { get; set; }

    /// <summary>register_nmi_handler(NMI_LOCAL, smp_stop_nmi_callback, NMI_FLAG_FIRST) has run.</summary>
    public bool StopNmiHandlerRegistered { get; set; }

    /// <summary>cpus_stop_mask (6.5+): a CPU clears its bit right before HLT.</summary>
    public bool[] CpusStopMask { get; private set; } = [];
    public int CpusStopMaskWeight { get; private set; }
    public WaitChannel CpusStopMaskChanged { get; } = new("cpus_stop_mask");

    /// <summary>CPUs inside stop_this_cpu() that already left cpu_online_mask but have not reached HLT.</summary>
    public int StopThisCpuInFlight { get; set; }

    /// <summary>cpumask_copy(&amp;cpus_stop_mask, cpu_online_mask); cpumask_clear_cpu(self, ...).</summary>
    public void CopyOnlineToStopMask(int self)
    {
        CpusStopMaskWeight = 0;
        for (var c = 0; c < CpuCount; c++)
        {
            CpusStopMask[c] = Online[c] && c != self;
            if (CpusStopMask[c]) CpusStopMaskWeight++;
        }
    }

    /// <summary>cpumask_clear_cpu(cpu, &amp;cpus_stop_mask): the stopper re-checks.</summary>
    public void ClearStopMaskBit(CpuActor cpu)
    {
        if (!CpusStopMask[cpu.Id]) return;
        CpusStopMask[cpu.Id] = false;
        CpusStopMaskWeight--;
        cpu.Machine.WakeWaiters(CpusStopMaskChanged, cpu.Id);
    }

    /// <summary>cpumask_clear(&amp;cpus_stop_mask).</summary>
    public void ClearStopMask()
    {
        Array.Clear(CpusStopMask);
        CpusStopMaskWeight = 0;
    }

    // ---- kdump: arch/x86/kernel/reboot.c, crash.c (4.5+)

    /// <summary>crash_ipi_issued: CPUs looping in nmi_panic_self_stop() run crash_nmi_callback() themselves.</summary>
    public bool CrashIpiIssued { get; private set; }
    public WaitChannel CrashIpiIssuedChanged { get; } = new("crash_ipi_issued");

    /// <summary>crash_smp_send_stop()'s static cpus_stopped: it "executes only once".</summary>
    public bool CrashSmpStopped { get; set; }

    public void IssueCrashIpi(CpuActor cpu)
    {
        CrashIpiIssued = true;
        cpu.Machine.WakeWaiters(CrashIpiIssuedChanged, cpu.Id);
    }

    // ---- the NMI backtrace panic_print's 0x40 asks for (lib/nmi_backtrace.c)

    /// <summary>backtrace_mask: the CPUs asked for a backtrace that have not printed it yet.</summary>
    public bool[] BacktraceMask { get; private set; } = [];
    public int BacktracePending { get; private set; }
    public WaitChannel BacktraceMaskChanged { get; } = new("backtrace_mask");

    public void RequestBacktraces(int self)
    {
        BacktracePending = 0;
        for (var c = 0; c < CpuCount; c++)
        {
            BacktraceMask[c] = Online[c] && c != self;
            if (BacktraceMask[c]) BacktracePending++;
        }
    }

    /// <summary>cpumask_clear_cpu(cpu, to_cpumask(backtrace_mask)) after the CPU printed its backtrace.</summary>
    public void BacktraceDone(CpuActor cpu)
    {
        if (!BacktraceMask[cpu.Id]) return;
        BacktraceMask[cpu.Id] = false;
        BacktracePending--;
        cpu.Machine.WakeWaiters(BacktraceMaskChanged, cpu.Id);
    }

    private void InitPanicPath(int cpuCount)
    {
        CpusStopMask = new bool[cpuCount];
        BacktraceMask = new bool[cpuCount];
    }

    private void ResetPanicPath()
    {
        PanicCpu = PanicCpuInvalid;
        TaintDie = false;
        LegacyAllowPanicSync = false;
        StoppingCpu = -1;
        StopNmiHandlerRegistered = false;
        ClearStopMask();
        CpusStopMaskChanged.Reset();
        StopThisCpuInFlight = 0;
        CrashIpiIssued = false;
        CrashIpiIssuedChanged.Reset();
        CrashSmpStopped = false;
        Array.Clear(BacktraceMask);
        BacktracePending = 0;
        BacktraceMaskChanged.Reset();
    }
}
