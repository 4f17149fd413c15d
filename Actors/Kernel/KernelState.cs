using ActorCrash.Config;

namespace ActorCrash.Actors.Kernel;

/// <summary>A point of the panic path worth showing a user, at its virtual time.</summary>
public sealed record Milestone(long TimeNs, int Cpu, string What);

/// <summary>struct console: a console driver registered after the serial port; write() runs on the printing CPU.</summary>
public abstract class ConsoleDriver(string name)
{
    public string Name { get; } = name;

    public abstract IEnumerable<Op> Write(CpuActor cpu, string line);
}

/// <summary>A line as it reached the (serial) console.</summary>
public sealed record ConsoleLine(long TimeNs, string Text);

/// <summary>
/// The emulated kernel's shared memory: its locks, the log buffer, cpu_online_mask, the kexec and
/// NMI-shootdown variables, the dump and notifier lists, and the parameters parsed from the command
/// line. CPUs read and write it directly (it is memory, not an actor); every access happens inside
/// one delivered message, so it is atomic with respect to the other CPUs.
/// </summary>
public sealed partial class KernelState
{
    public KernelState(int cpuCount, KernelCmdline cmdline)
    {
        CpuCount = cpuCount;
        Cmdline = cmdline;
        Online = new bool[cpuCount];
        CrashNotesSaved = new bool[cpuCount];
        DumpList = new KmsgDumperList(cmdline.KmsgDumpCompiledIn);
        InitPanicPath(cpuCount);
        _locks = [LogbufLock, ConsoleSem, XtimeLock, KexecMutex, IoapicLock, PstoreBufLock, EfiRuntimeLock, NvconPortLock, WorkqueuePoolLock, EfivarsLock, PanicLock, ShutdownMutex, NmiFlushReadLock];
    }

    public int CpuCount { get; }
    public KernelCmdline Cmdline { get; }

    // ---- locks (kernel/printk.c, kernel/time/timekeeping.c, kernel/kexec.c, arch/x86/kernel/apic/io_apic.c)
    public KernelLock LogbufLock { get; } = new("logbuf_lock", LockKind.Spinlock);
    public KernelLock ConsoleSem { get; } = new("console_sem", LockKind.Semaphore);
    public KernelLock XtimeLock { get; } = new("xtime_lock", LockKind.Seqlock);
    public KernelLock KexecMutex { get; } = new("kexec_mutex", LockKind.Mutex);
    public KernelLock IoapicLock { get; } = new("ioapic_lock", LockKind.Spinlock);
    public KernelLock PstoreBufLock { get; } = new("pstore_buf_lock", LockKind.Spinlock);  // psinfo->buf_lock (fs/pstore/platform.c)
    public KernelLock EfiRuntimeLock { get; } = new("efi_runtime_lock", LockKind.Semaphore);  // drivers/firmware/efi/runtime-wrappers.c
    public KernelLock NvconPortLock { get; } = new("nvcon_port_lock", LockKind.Spinlock);  // the NVRAM console's port->lock
    public KernelLock WorkqueuePoolLock { get; } = new("workqueue_pool_lock", LockKind.Spinlock);  // pool->lock of system_wq on this CPU (kernel/workqueue.c)
    public KernelLock EfivarsLock { get; } = new("efivars_lock", LockKind.Semaphore);  // drivers/firmware/efi/vars.c (6.x: down_trylock in atomic context)
    private readonly List<KernelLock> _locks;
    public IReadOnlyList<KernelLock> Locks => _locks;

    /// <summary>A lock a driver owns (a pstore zone's buffer_lock): reported and reset with the kernel's own.</summary>
    public void AddLock(KernelLock l) => _locks.Add(l);

    public KernelLock Lock(string name) =>
        Locks.FirstOrDefault(l => l.Name == name) ?? throw new ArgumentException($"no kernel lock named {name}");

    // ---- printk
    public LogBuffer Log { get; } = new();
    /// <summary>
    /// What the serial console printed, in order: when, and which log line. The text is the log's
    /// (which only grows during a run), read when the run is reported (<see cref="ConsoleOutput"/>).
    /// </summary>
    private readonly List<(long TimeNs, int Line)> _console = [];

    /// <summary>The serial console printed log line <paramref name="logLine"/> at <paramref name="timeNs"/>.</summary>
    public void ConsolePrinted(long timeNs, int logLine) => _console.Add((timeNs, logLine));

    /// <summary>The console output of the run so far, as the report shows it.</summary>
    public ConsoleLine[] ConsoleOutput()
    {
        var lines = new ConsoleLine[_console.Count];
        for (var i = 0; i < lines.Length; i++) lines[i] = new ConsoleLine(_console[i].TimeNs, Log.Line(_console[i].Line));
        return lines;
    }
    public int OopsInProgress { get; set; }

    /// <summary>console_drivers beyond the serial port (the pstore console): each gets every line release_console_sem prints.</summary>
    public List<ConsoleDriver> Consoles { get; } = [];

    /// <summary>oopscount of fs/pstore/platform.c: the N of "Panic#N".</summary>
    public int PstoreOopsCount { get; set; }

    // ---- cpu_online_mask
    public bool[] Online { get; }
    public int OnlineCount { get; private set; }
    public WaitChannel OnlineChanged { get; } = new("cpu_online_mask");

    // ---- kexec (kernel/kexec.c) and the x86 NMI shootdown (arch/x86/kernel/reboot.c)
    public bool KexecCrashImageLoaded { get; set; }
    // Stryker disable once Unary : read only while CrashNmiCallbackRegistered, which NmiShootdownCpus sets together with CrashingCpu
    public int CrashingCpu { get; set; } = -1;
    public int WaitingForCrashIpi { get; set; }
    public bool CrashNmiCallbackRegistered { get; set; }
    public WaitChannel CrashIpiAcks { get; } = new("waiting_for_crash_ipi");
    public bool[] CrashNotesSaved { get; }

    // ---- hooks: dump_list and panic_notifier_list
    public KmsgDumperList DumpList { get; }
    public List<PanicNotifier> PanicNotifierList { get; } = [];

    // ---- what happened
    public List<Milestone> Milestones { get; } = [];

    /// <summary>An orderly machine_halt() or machine_power_off() completed (null: no): the run's verdict is halted.</summary>
    public string? MachineStopped { get; set; }

    /// <summary>panic_on_oops: oops=panic or kernel.panic_on_oops, or forced by sysrq-c before 5.0.</summary>
    public bool PanicOnOops => Cmdline.OopsPanic || PanicOnOopsForced;

    /// <summary>sysrq_handle_crash() before 5.0: "panic_on_oops = 1; /* force panic */".</summary>
    public bool PanicOnOopsForced { get; set; }

    /// <summary>panic_on_warn as panic() finds it (6.x clears it on entry so a WARN inside the panic path does not re-panic).</summary>
    public bool PanicOnWarnCleared { get; set; }

    /// <summary>The ratelimit states of unknown_nmi_error()'s two pr_emerg_ratelimited() lines (6.9 on; static data, one per call site).</summary>
    public Ratelimit UnknownNmiReasonRatelimit { get; } = new("unknown_nmi_error");

    public Ratelimit UnknownNmiDazedRatelimit { get; } = new("unknown_nmi_error");

    /// <summary>panic_timeout, from panic=N.</summary>
    public int PanicTimeout => Cmdline.PanicTimeoutSeconds;

    public void Reset(bool kdumpLoaded)
    {
        foreach (var l in Locks) l.Reset();
        Log.Reset();
        _console.Clear();
        OopsInProgress = 0;
        PstoreOopsCount = 0;
        Array.Fill(Online, true);
        OnlineCount = CpuCount;
        OnlineChanged.Reset();
        KexecCrashImageLoaded = kdumpLoaded;
        // Stryker disable once Unary : read only while CrashNmiCallbackRegistered, which NmiShootdownCpus sets together with CrashingCpu
        CrashingCpu = -1;
        WaitingForCrashIpi = 0;
        CrashNmiCallbackRegistered = false;
        CrashIpiAcks.Reset();
        Array.Clear(CrashNotesSaved);
        ResetPanicPath();
        foreach (var d in DumpList)
        {
            // Stryker disable once Boolean : its only reader, pstore's dump, clears it before its first read
            d.SharedIterReset = false;
            d.Reset();
        }
        Milestones.Clear();
        MachineStopped = null;
        PanicOnOopsForced = false;
        PanicOnWarnCleared = false;
        UnknownNmiReasonRatelimit.Reset();
        UnknownNmiDazedRatelimit.Reset();
    }

    /// <summary>set_cpu_online(cpu, online): pollers of num_online_cpus() re-check.</summary>
    public void SetCpuOnline(CpuActor cpu, bool online)
    {
        if (Online[cpu.Id] == online) return;
        Online[cpu.Id] = online;
        // Stryker disable once Conditional : only stop_this_cpu() calls it, with false; CPUs come back online only through Reset
        OnlineCount += online ? 1 : -1;
        cpu.Machine.WakeWaiters(OnlineChanged, cpu.Id);
    }

    public void Milestone(CpuActor cpu, string what) => Milestones.Add(new Milestone(cpu.Runtime.Now, cpu.Id, what));
}
