using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// printk as in kernel/printk.c of 2.6.38: the line goes into __log_buf under logbuf_lock with
/// interrupts off; whoever gets console_sem prints all pending lines to the console, still with
/// interrupts off (release_console_sem). A CPU spinning on logbuf_lock therefore cannot take an IPI.
/// Designs with the lockless ringbuffer (<see cref="Designs.PanicDesign.LocklessPrintk"/>) take
/// <see cref="VprintkEmit"/> instead, which never spins on logbuf_lock.
/// </summary>
public static class Printk
{
    /// <summary>pr_emerg(): printk(KERN_EMERG …), the panic line, the countdown, the end marker.</summary>
    public static IEnumerable<Op> PrEmerg(CpuActor cpu, string text) => Vprintk(cpu, text, LogLevel.Emerg);

    public static IEnumerable<Op> Vprintk(CpuActor cpu, string text, int level = LogLevel.Default)
    {
        var k = cpu.Machine.Kernel;
        if (cpu.Machine.Design.LocklessPrintk)
        {
            yield return Op.Call(VprintkEmit(cpu, text, level));
            yield break;
        }
        if (cpu.Apic.InNmi && cpu.Machine.Design.Era.PrintkNmiBuffers)
        {
            yield return Op.Call(VprintkNmi(cpu, text, level));
            yield break;
        }
        var flags = cpu.LocalIrqSave();
        if (k.LogbufLock.Holder == cpu.Id)
        {
            // printk recursion on this CPU (an NMI panic inside printk): without an oops in progress
            // the line is dropped; with one, zap_locks() re-initialises the printk locks.
            if (k.OopsInProgress == 0)
            {
                // Stryker disable once Statement : the CPU holding logbuf_lock took it with interrupts off, so flags is "off" as well
                cpu.LocalIrqRestore(flags);
                yield break;
            }
            ZapLocks(cpu);
        }
        yield return Op.SpinLock(k.LogbufLock);
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // emit_log_char() for the line
        k.Log.Append(cpu.Runtime.Now, text, level);

        // acquire_console_semaphore_for_printk(): an offline CPU may not print (no CON_ANYTIME console).
        var mayPrint = k.ConsoleSem.TryAcquire(cpu.Id);
        if (mayPrint && !k.Online[cpu.Id])
        {
            cpu.Unlock(k.ConsoleSem);
            mayPrint = false;
        }
        cpu.Unlock(k.LogbufLock);
        if (mayPrint) yield return Op.Call(ReleaseConsoleSem(cpu));
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>
    /// vprintk_emit() of today (5.10+): the record is reserved and committed in the lockless
    /// ringbuffer, no logbuf_lock. During a panic only the panic CPU may write it ("printk: Avoid
    /// non-panic CPUs writing to ringbuffer", ≈6.9), and it prints to legacy consoles itself only
    /// after printk_legacy_allow_panic_sync(), that is after the other CPUs are stopped (≈6.12);
    /// until then its records wait for console_flush_on_panic().
    /// </summary>
    public static IEnumerable<Op> VprintkEmit(CpuActor cpu, string text, int level = LogLevel.Default)
    {
        var k = cpu.Machine.Kernel;
        var panicking = k.PanicCpu != KernelState.PanicCpuInvalid;
        // ...except the backtrace the panic CPU asked for (panic_triggering_all_cpu_backtrace).
        if (panicking && k.PanicCpu != cpu.Id && !k.BacktraceMask[cpu.Id]) yield break;
        var flags = cpu.LocalIrqSave();
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // prb_reserve(); vsnprintf; prb_final_commit()
        k.Log.Append(cpu.Runtime.Now, text, level);
        var mayPrint = !IsPrintkLegacyDeferred(cpu, panicking) && ConsoleTrylock(cpu);
        if (mayPrint) yield return Op.Call(ReleaseConsoleSem(cpu));
        // ft.legacy_offload: in NMI context the legacy consoles print later, from this CPU's irq_work
        // (defer_console_output()). The kernel does not queue it on the panic CPU while an nbcon
        // console holds the legacy ones back; the emulator does, without effect: that CPU keeps
        // interrupts off, and on any other CPU console_trylock() fails during the panic.
        else if (cpu.Apic.InNmi) IrqWork.Queue(cpu, IrqWorkItem.KlogdOutput);
        cpu.LocalIrqRestore(flags);
    }

    /// <summary>
    /// wake_up_klogd_work_func() with PRINTK_PENDING_OUTPUT (the irq_work defer_console_output()
    /// queued): "If trylock fails, someone else is doing the printing": console_trylock(), then
    /// console_unlock() prints what is pending. console_trylock() fails on a CPU other than the panic
    /// CPU during a panic ("the console_lock must be left to the panic cpu", 8ebc476fd51e, 5.18), and
    /// an offline CPU's legacy console is not usable (console_is_usable(): no CON_ANYTIME).
    /// </summary>
    public static IEnumerable<Op> WakeUpKlogdWorkFunc(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        var otherCpuInPanic = k.PanicCpu != KernelState.PanicCpuInvalid && k.PanicCpu != cpu.Id;
        if (otherCpuInPanic || !ConsoleTrylock(cpu)) yield break;
        yield return Op.Call(ReleaseConsoleSem(cpu));
    }

    /// <summary>console_trylock() for a legacy console that this CPU may use: an offline CPU may not (no CON_ANYTIME).</summary>
    private static bool ConsoleTrylock(CpuActor cpu) => cpu.Machine.Kernel.Online[cpu.Id] && cpu.Machine.Kernel.ConsoleSem.TryAcquire(cpu.Id);

    /// <summary>
    /// Whether the legacy consoles (the 8250 serial console, the pstore console) wait instead of
    /// printing from this printk (kernel/printk/internal.h, is_printk_legacy_deferred() and the panic
    /// rules of printk_get_console_flush_type()): in NMI context always (the irq_work that would print
    /// never runs in a panic, so console_flush_on_panic() prints them); during a panic only while an
    /// nbcon console is registered and printk_legacy_allow_panic_sync() has not run yet. With legacy
    /// consoles only, the panic line and the stack reach the console at once, before __crash_kexec
    /// (corrected; seen on a real 6.1 kernel in QEMU).
    /// </summary>
    private static bool IsPrintkLegacyDeferred(CpuActor cpu, bool panicking)
    {
        if (cpu.Apic.InNmi) return true;
        return LegacyHeldBackInPanic(cpu.Machine.Kernel, panicking);
    }

    /// <summary>During a panic with an nbcon console registered, legacy consoles wait for printk_legacy_allow_panic_sync().</summary>
    private static bool LegacyHeldBackInPanic(KernelState k, bool panicking) =>
        panicking && k.NbconConsoleRegistered && !k.LegacyAllowPanicSync;

    /// <summary>
    /// printk_legacy_allow_panic_sync() (6.x): from here on the panic CPU prints to legacy consoles
    /// itself even with an nbcon console registered, and flushes what waited: console_trylock(),
    /// console_unlock(). Deliberately after the CPU stop (Petr Mladek).
    /// </summary>
    public static IEnumerable<Op> PrintkLegacyAllowPanicSync(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        k.LegacyAllowPanicSync = true;
        if (cpu.Apic.InNmi || !k.ConsoleSem.TryAcquire(cpu.Id)) yield break;
        yield return Op.Call(ReleaseConsoleSem(cpu));
    }

    /// <summary>
    /// vprintk_nmi() (CONFIG_PRINTK_NMI, ≈4.7 to ≈5.15): printk in NMI context goes into this CPU's
    /// nmi_print_seq buffer — no logbuf_lock, no console — and queues the buffer's irq_work
    /// (irq_work_queue(&amp;s->work): a self-IPI), which copies it into the log once the CPU takes
    /// interrupts again (<see cref="PrintkNmiFlushWork"/>); a CPU that never does (a hard lockup, a
    /// panic) leaves it for printk_nmi_flush_on_panic().
    /// </summary>
    private static IEnumerable<Op> VprintkNmi(CpuActor cpu, string text, int level)
    {
        yield return Op.Delay(cpu.Machine.Timing.StepNs);  // vsnprintf into nmi_print_seq
        cpu.Machine.Kernel.NmiPrintSeq[cpu.Id].Add((text, level));
        IrqWork.Queue(cpu, IrqWorkItem.PrintkNmiFlush);   // "Get flushed in a more safe context."
    }

    /// <summary>
    /// __printk_nmi_flush() as this CPU's irq_work runs it (4.7–4.10 kernel/printk/nmi.c): under the
    /// static read_lock, each line of this CPU's nmi_print_seq goes through printk_nmi_flush_line(),
    /// which outside NMI context is printk() itself — logbuf_lock, console_sem and the console — then
    /// the buffer is emptied (lines an NMI added meanwhile are printed too: "goto more").
    /// Simplified: 4.11–5.14's printk_safe.c flushes with printk_deferred() (the console follows
    /// from the klogd irq_work); no design models those versions.
    /// </summary>
    public static IEnumerable<Op> PrintkNmiFlushWork(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        var seq = k.NmiPrintSeq[cpu.Id];
        // raw_spin_lock_irqsave(&read_lock, flags): interrupts are already off in the irq_work's hard-interrupt context
        yield return Op.SpinLock(k.NmiFlushReadLock);
        for (var i = 0; i < seq.Count; i++) yield return Op.Call(Vprintk(cpu, seq[i].Text, seq[i].Level));
        seq.Clear();
        cpu.Unlock(k.NmiFlushReadLock);
    }

    /// <summary>
    /// console_flush_on_panic() (4.x and later): console_trylock(), then print everything pending
    /// "even when dangerous"; <paramref name="replayAll"/> rewinds the consoles to the first record
    /// first (CONSOLE_REPLAY_ALL, panic_print's 0x20). 4.x then calls console_unlock() whatever the
    /// trylock said: it prints and up()s console_sem even if a stopped CPU holds it, so console_sem is
    /// free afterwards. 6.x ignores the lock altogether: it prints and releases only what it took.
    /// </summary>
    public static IEnumerable<Op> ConsoleFlushOnPanic(CpuActor cpu, bool replayAll = false)
    {
        var k = cpu.Machine.Kernel;
        if (k.ConsoleSem.Holder == cpu.Id) yield break;  // the panic interrupted this CPU's own printing
        var owned = k.ConsoleSem.TryAcquire(cpu.Id);
        if (!owned && cpu.Machine.Design.Era.ConsoleFlushUnlocksAnyway)
        {
            // console_unlock() on a semaphore another CPU holds: its up() frees console_sem for good.
            k.ConsoleSem.Release(k.ConsoleSem.Holder, cpu.Machine.WakeWaiters);
            k.ConsoleSem.TryAcquire(cpu.Id);
            owned = true;
        }
        if (replayAll) k.Log.ConsoleNext = 0;
        yield return Op.Call(ReleaseConsoleSem(cpu, owned));
    }

    /// <summary>
    /// printk_nmi_flush_on_panic() (4.7–4.10, Petr Mladek): "Make sure that we could access the main
    /// ring buffer. Do not risk a double release when more CPUs are up." In NMI context with
    /// logbuf_lock held: with more than one CPU online it gives up (nothing is copied); with one it
    /// re-initialises the lock. Then every CPU's NMI buffer is copied into the log (printk_deferred:
    /// under logbuf_lock, not printed; console_flush_on_panic() prints it later).
    /// </summary>
    public static IEnumerable<Op> PrintkNmiFlushOnPanic(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        if (cpu.Apic.InNmi && k.LogbufLock.IsHeld)
        {
            if (k.OnlineCount > 1) yield break;
            var holder = k.LogbufLock.Holder;
            k.LogbufLock.Release(holder, cpu.Machine.WakeWaiters);  // debug_locks_off(); raw_spin_lock_init(&logbuf_lock)
            k.Milestone(cpu, $"printk_nmi_flush_on_panic: logbuf_lock re-initialised (held by cpu{holder})");
        }
        if (!cpu.Machine.Design.Era.PrintkNmiBuffers) yield break;
        foreach (var seq in k.NmiPrintSeq)   // printk_nmi_flush(): for_each_possible_cpu
        {
            if (seq.Count == 0) continue;
            var flags = cpu.LocalIrqSave();
            // __printk_nmi_flush(): read_lock first, so a CPU whose irq_work is flushing its own
            // buffer finishes it (or, stopped in the middle, keeps the panic CPU spinning here).
            yield return Op.SpinLock(k.NmiFlushReadLock);
            if (seq.Count > 0)
            {
                yield return Op.SpinLock(k.LogbufLock);
                foreach (var (line, level) in seq) k.Log.Append(cpu.Runtime.Now, line, level);
                seq.Clear();
                cpu.Unlock(k.LogbufLock);
            }
            cpu.Unlock(k.NmiFlushReadLock);
            cpu.LocalIrqRestore(flags);
        }
    }

    /// <summary>release_console_sem(): print everything pending, then up(&amp;console_sem) if <paramref name="owned"/>.</summary>
    public static IEnumerable<Op> ReleaseConsoleSem(CpuActor cpu, bool owned = true)
    {
        var k = cpu.Machine.Kernel;
        var perChar = cpu.Machine.Timing.ConsoleNsPerChar;
        var logbufLock = !cpu.Machine.Design.LocklessPrintk;  // the lockless ringbuffer has none
        while (true)
        {
            var flags = cpu.LocalIrqSave();
            if (logbufLock) yield return Op.SpinLock(k.LogbufLock);
            if (k.Log.ConsoleNext == k.Log.LineCount)
            {
                if (logbufLock) cpu.Unlock(k.LogbufLock);
                if (owned) cpu.Unlock(k.ConsoleSem);
                cpu.LocalIrqRestore(flags);
                yield break;
            }
            var first = k.Log.ConsoleNext;
            var end = k.Log.LineCount;
            k.Log.ConsoleNext = end;
            if (logbufLock) cpu.Unlock(k.LogbufLock);
            for (var i = first; i < end; i++)
            {
                // call_console_drivers(): the serial port is slow, and this runs with interrupts off.
                yield return Op.Delay((k.Log.LineLength(i) + 1) * perChar);
                k.ConsolePrinted(cpu.Runtime.Now, i);
                if (k.Consoles.Count == 0) continue;
                var line = k.Log.Line(i);
                foreach (var con in k.Consoles) yield return Op.Call(con.Write(cpu, line));  // the other console drivers
            }
            cpu.LocalIrqRestore(flags);
        }
    }

    /// <summary>zap_locks(): forcibly re-initialise logbuf_lock and console_sem after printk recursion.</summary>
    public static void ZapLocks(CpuActor cpu)
    {
        var k = cpu.Machine.Kernel;
        foreach (var l in new[] { k.LogbufLock, k.ConsoleSem })
        {
            if (!l.IsHeld) continue;
            var holder = l.Holder;
            l.Release(holder, cpu.Machine.WakeWaiters);
        }
    }

    /// <summary>bust_spinlocks(): oops_in_progress tells console drivers to trylock their port locks.</summary>
    public static void BustSpinlocks(CpuActor cpu, bool yes)
    {
        var k = cpu.Machine.Kernel;
        if (yes) k.OopsInProgress++;
        else k.OopsInProgress--;
    }

    /// <summary>
    /// dump_stack() on x86, in the era's words: the header ("Pid: 1, comm: init …" in 2.6.x, "CPU: 0
    /// PID: 1 Comm: init …" later), "Hardware name:" from 3.x, and a short call trace — with frame
    /// addresses until ≈4.9, inside "&lt;TASK&gt;" brackets from ≈5.16.
    /// </summary>
    public static IEnumerable<Op> DumpStack(CpuActor cpu, string caller)
    {
        var era = cpu.Machine.Design.Era;
        var pid = cpu.Id == 0 ? 1 : 0;
        var comm = cpu.Id == 0 ? "init" : era.Major == 2 ? "swapper" : $"swapper/{cpu.Id}";
        yield return Op.Call(Vprintk(cpu, era.StackHeader(cpu.Id, pid, comm, cpu.Machine.Kernel.KexecCrashImageLoaded)));
        var lines = TraceLinesOf(era, caller);
        for (var i = 0; i < lines.Length; i++) yield return Op.Call(Vprintk(cpu, lines[i]));
    }

    // The trace lines depend on the era and the caller only: made once per pair, not on every dump_stack().
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(KernelEra Era, string Caller), string[]> TraceLineCache = new();

    private static string[] TraceLinesOf(KernelEra era, string caller) =>
        TraceLineCache.GetOrAdd((era, caller), static key => [.. TraceLines(key.Era, key.Caller)]);

    /// <summary>The lines after the header: Hardware name, Call Trace and its frames in the era's format.</summary>
    public static IEnumerable<string> TraceLines(KernelEra era, string caller)
    {
        if (era.HardwareNameLine) yield return "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014";
        yield return "Call Trace:";
        if (era.TaskBrackets) yield return " <TASK>";
        foreach (var (address, frame) in CallTrace(era, caller))
            yield return era.TraceAddresses ? $" [<{address}>] {frame}" : $" {frame}";
        if (era.TaskBrackets) yield return " </TASK>";
    }

    private static IEnumerable<(string Address, string Frame)> CallTrace(KernelEra era, string caller)
    {
        if (era.Major >= 3) yield return ("ffffffff8171c6a3", era.TaskBrackets ? "dump_stack_lvl+0x44/0x5c" : "dump_stack+0x45/0x56");
        yield return ("ffffffff814c9a0d", era.TaskBrackets ? "panic+0x118/0x2f4" : "panic+0x91/0x1a1");
        var frames = caller switch
        {
            "nmi" => new[]
            {
                ("ffffffff810a4c2e", "watchdog_overflow_callback+0xde/0xe0"),
                ("ffffffff810d61a3", "__perf_event_overflow+0x93/0x210"),
                ("ffffffff814ce3a8", era.Major >= 4 ? "perf_event_nmi_handler+0x2d/0x50" : "do_nmi+0xd8/0x2c0"),
                ("ffffffff814cdb50", era.Major >= 4 ? "nmi_handle+0x63/0x110" : "nmi+0x20/0x30"),
            },
            _ => new[]
            {
                ("ffffffff814cdb74", "oops_end+0xe4/0x100"),
                ("ffffffff8100f2fb", "die+0x5b/0x90"),
                ("ffffffff814cd442", "do_trap+0xc2/0x170"),
                ("ffffffff8100cd25", "do_invalid_op+0x95/0xb0"),
            },
        };
        foreach (var f in frames) yield return f;
    }

    /// <summary>do_gettimeofday()'s seconds since the epoch at virtual time 0: Eric's mail of 8 Feb 2011, 19:58:19 UTC.</summary>
    public const long EpochAtStart = 1297195099;

    public static string GetTimeOfDay(long nowNs) =>
        $"{EpochAtStart + nowNs / VirtualTime.Second}.{nowNs % VirtualTime.Second / VirtualTime.Microsecond}";
}
