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

    /// <summary>An nbcon console is registered (machine.console.nbcon): legacy consoles wait during a panic until printk_legacy_allow_panic_sync().</summary>
    public bool NbconConsoleRegistered { get; set; }

    /// <summary>nmi_print_seq (4.7–5.x): each CPU's buffer for printk in NMI context.</summary>
    public NmiPrintBuffers NmiPrintSeq { get; private set; } = new(0);

    /// <summary>__printk_nmi_flush()'s static read_lock (4.7–4.10): one CPU flushes NMI buffers at a time, "we do not want to mix messages from different CPUs".</summary>
    public KernelLock NmiFlushReadLock { get; } = new("printk_nmi_flush_read_lock", LockKind.Spinlock);

    /// <summary>Each CPU's queued irq_work (kernel/irq_work.c's raised_list and lazy_list).</summary>
    public IrqWorkLists IrqWork { get; private set; } = new(0);

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
    public CpuMask CpusStopMask { get; private set; } = null!;

    /// <summary>CPUs inside stop_this_cpu() that already left cpu_online_mask but have not reached HLT.</summary>
    public int StopThisCpuInFlight { get; set; }

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
    public CpuMask BacktraceMask { get; private set; } = null!;

    private void InitPanicPath(int cpuCount)
    {
        CpusStopMask = new CpuMask("cpus_stop_mask", cpuCount);
        NmiPrintSeq = new NmiPrintBuffers(cpuCount);
        IrqWork = new IrqWorkLists(cpuCount);
        BacktraceMask = new CpuMask("backtrace_mask", cpuCount);
    }

    private void ResetPanicPath()
    {
        PanicCpu = PanicCpuInvalid;
        TaintDie = false;
        LegacyAllowPanicSync = false;
        NmiPrintSeq.Reset();
        IrqWork.Reset();
        StoppingCpu = -1;
        StopNmiHandlerRegistered = false;
        CpusStopMask.Reset();
        StopThisCpuInFlight = 0;
        CrashIpiIssued = false;
        CrashIpiIssuedChanged.Reset();
        CrashSmpStopped = false;
        BacktraceMask.Reset();
    }
}

/// <summary>
/// A struct cpumask that one CPU waits on while the others clear their own bits (cpus_stop_mask,
/// backtrace_mask). It is its own wait channel: every clear makes the waiter re-check.
/// </summary>
public sealed class CpuMask(string name, int cpuCount) : WaitChannel(name)
{
    private readonly bool[] _bits = new bool[cpuCount];

    /// <summary>cpumask_weight(): how many bits are still set.</summary>
    public int Weight { get; private set; }

    public bool this[int cpu] => _bits[cpu];

    /// <summary>cpumask_copy(mask, cpu_online_mask); cpumask_clear_cpu(self, mask).</summary>
    public void CopyOnlineBut(bool[] online, int self)
    {
        Weight = 0;
        for (var c = 0; c < _bits.Length; c++)
        {
            _bits[c] = online[c] && c != self;
            if (_bits[c]) Weight++;
        }
    }

    /// <summary>cpumask_clear_cpu(cpu, mask), by <paramref name="cpu"/> itself: the waiter re-checks.</summary>
    public void ClearCpu(CpuActor cpu)
    {
        if (!_bits[cpu.Id]) return;
        _bits[cpu.Id] = false;
        Weight--;
        cpu.Machine.WakeWaiters(this, cpu.Id);
    }

    /// <summary>cpumask_clear(mask).</summary>
    public void Clear()
    {
        Array.Clear(_bits);
        Weight = 0;
    }

    public override void Reset()
    {
        base.Reset();
        Clear();
    }
}
