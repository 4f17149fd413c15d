namespace ActorCrash.Actors.Kernel;

/// <summary>
/// The kernel version a design stands for, and the mechanisms of the panic path that came and went
/// with versions. Shared code (printk, pstore, the dumpers, the x86 crash shutdown) asks these by
/// name instead of testing designs; each predicate says the version it assumes and whether the
/// domain reference verified it ([V]) or took it as a default ([U]).
/// </summary>
public sealed record KernelEra(int Major, int Minor)
{
    public static readonly KernelEra V2638 = new(2, 638), V312 = new(3, 12), V45 = new(4, 5), V410 = new(4, 10), V612 = new(6, 12);

    /// <summary>The version as a comparable number: 2.6.38 is written (2, 638) so that it sorts before 3.0.</summary>
    private int Number => Major * 1000 + Minor;

    private bool AtLeast(int major, int minor) => Number >= major * 1000 + minor;

    public override string ToString() => Major == 2 ? $"2.6.{Minor - 600}" : $"{Major}.{Minor}";

    /// <summary>x86 registers dump_kernel_offset on panic_notifier_list ("Kernel Offset: …", with KASLR, 3.15 [U]).</summary>
    public bool KernelOffsetNotifier => AtLeast(3, 15);

    /// <summary>
    /// The kdump NMI shootdown reaches only CPUs still in cpu_online_mask (4.5's machine_crash_shutdown
    /// after a post-notifiers smp_send_stop: "we can't save their registers", 0ee59413c967; [U] the APIC
    /// mode). Only the 4.5 design asks; 4.10 stops with the shootdown itself.
    /// </summary>
    public bool ShootdownNmiOnlineOnly => AtLeast(4, 5) && !AtLeast(4, 10);

    /// <summary>sysrq-c calls panic("sysrq triggered crash") (≥5.0 [V, 2019 log]); before it forced panic_on_oops and oopsed.</summary>
    public bool SysrqCrashPanics => AtLeast(5, 0);

    /// <summary>
    /// drivers/tty/sysrq.c's message prefix: "SysRq : " in 2.6/3.x/4.x, "sysrq: " (its pr_fmt) in 6.1 as
    /// recorded under QEMU (tests/groundtruth/sysrq-b-*); taken from 5.0, with sysrq-c's direct panic [U].
    /// </summary>
    public string SysrqPrefix => AtLeast(5, 0) ? "sysrq: " : "SysRq : ";

    /// <summary>kernel/watchdog.c's pr_fmt "watchdog: " (≈4.13 [U]).</summary>
    public bool WatchdogPrefix => AtLeast(4, 13);

    /// <summary>kernel/reboot.c's pr_fmt "reboot: " (3.14 [U]).</summary>
    public bool RebootPrefix => AtLeast(3, 14);

    /// <summary>ramoops as a pstore backend (fs/pstore/ram.c, 3.5 [U]; pstore itself 2.6.39).</summary>
    public bool HasPstore => AtLeast(3, 5);

    /// <summary>The mechanisms above, named, as `show-design` lists them.</summary>
    public IEnumerable<(string Mechanism, bool Has)> Mechanisms()
    {
        yield return ("ioapic_zap_locks() in machine_crash_shutdown (3.x)", IoapicZapLocks);
        yield return ("per-CPU NMI printk buffers, flushed by an irq_work self-IPI (≈4.7–5.x)", PrintkNmiBuffers);
        yield return ("NMI printk's console output deferred to the lazy klogd irq_work (5.15)", AtLeast(5, 15));
        yield return ("console_flush_on_panic unlocks whatever the trylock said (4.x)", ConsoleFlushUnlocksAnyway && AtLeast(4, 0));
        yield return ("ramoops stores every reason max_reason allows (≈5.8)", RamoopsStoresEveryReason);
        yield return ("pstore zone buffer_lock (6.x)", PstoreZoneBufferLock);
        yield return ("pstore record time from __getnstimeofday, a seqcount (3.12, 4.10)", PstoreTimeSpinsOnSeqcount && HasPstore);
        yield return ("pstore console takes buf_lock (3.12, 4.10)", PstoreConsoleTakesBufLock && HasPstore);
        yield return ("kmsg_dump iterator shared in the dumper (3.5–5.12)", SharedDumperIterator);
        yield return ("mtdoops schedule_work after the panic write (3.x–≈5.9)", MtdoopsScheduleWorkAfterPanicWrite);
        yield return ("mtdoops erases the next used block in the panic (≈6.2)", MtdoopsPanicErase);
        yield return ("efi-pstore efivars_lock trylock + query_variable_info (6.x)", EfivarsLockTrylock);
        yield return ("sysrq-c panics directly (5.0)", SysrqCrashPanics);
        yield return ("x86 dump_kernel_offset panic notifier (3.15)", KernelOffsetNotifier);
        yield return ("end-of-panic marker (4.x)", EndMarker("") is not null);
        yield return ("unknown_nmi_error without the power-saving hint (5.18)", !UnknownNmiPowerSavingHint);
        yield return ("unknown_nmi_error lines ratelimited (6.9)", UnknownNmiRatelimited);
    }

    // ---- the era's kernel text (issue 11 B6): banner, stack-dump header, oops and lockup wording ----

    /// <summary>The kernel release in `uname -r` form.</summary>
    public string Release => Major == 2 ? ToString() : $"{this}.0";

    /// <summary>The boot banner's first line ("Linux version …"), with a compiler of the time.</summary>
    public string Banner => Major switch
    {
        2 => $"Linux version {Release} (gcc version 4.5.2) #1 SMP",
        3 => $"Linux version {Release} (gcc version 4.8.2) #1 SMP",
        4 => $"Linux version {Release} (gcc version 6.3.0) #1 SMP",
        _ => $"Linux version {Release} (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC",
    };

    /// <summary>
    /// dump_stack()'s first line: "Pid: 1, comm: init Not tainted 2.6.38 #1" in 2.6.x; from 3.x
    /// "CPU: 0 PID: 1 Comm: init Not tainted 3.12.0 #1" (6.x adds "Kdump: loaded" as a real 6.1 kernel prints).
    /// </summary>
    public string StackHeader(int cpu, int pid, string comm, bool kdumpLoaded) => Major == 2
        ? $"Pid: {pid}, comm: {comm} Not tainted {Release} #1"
        : $"CPU: {cpu} PID: {pid} Comm: {comm}{(kdumpLoaded && AtLeast(5, 0) ? " Kdump: loaded" : "")} Not tainted {Release} #1";

    /// <summary>"Hardware name: …" after the header (3.x on).</summary>
    public bool HardwareNameLine => AtLeast(3, 0);

    /// <summary>Call-trace frames as "[&lt;address&gt;] fn+off/len" (to ≈4.9 [U]) or "fn+off/len" (later).</summary>
    public bool TraceAddresses => !AtLeast(4, 10);

    /// <summary>The "&lt;TASK&gt;" … "&lt;/TASK&gt;" brackets around the call trace (≈5.16 [U]; seen on a real 6.1 kernel).</summary>
    public bool TaskBrackets => AtLeast(5, 16);

    /// <summary>The oops line's flags: "SMP" until ≈4.14, "PREEMPT SMP NOPTI" (a real 6.1 kernel) after [U].</summary>
    public string OopsFlags => AtLeast(4, 15) ? "PREEMPT SMP NOPTI" : "SMP";

    /// <summary>panic()'s "---[ end Kernel panic - not syncing: %s" marker before the final loop (4.x [U version]; " ]---" from ≈5.x [U]).</summary>
    public string? EndMarker(string message) =>
        !AtLeast(4, 0) ? null : AtLeast(5, 0) ? $"---[ end Kernel panic - not syncing: {message} ]---" : $"---[ end Kernel panic - not syncing: {message}";

    /// <summary>
    /// unknown_nmi_error()'s second line, "Do you have a strange power saving mode enabled?": in every
    /// release up to 5.17 [V 2.6.38 traps.c, 3.x/4.x nmi.c]; removed by d4c9df20a37d "x86/nmi: Remove the
    /// 'strange power saving mode' hint from unknown NMI handler" (Jiri Kosina), merged for v5.18-rc1 [V].
    /// </summary>
    public bool UnknownNmiPowerSavingHint => !AtLeast(5, 18);

    /// <summary>
    /// unknown_nmi_error()'s "Uhhuh. NMI received for unknown reason" and "Dazed and confused" lines go
    /// through pr_emerg_ratelimited() (10 per 5 s per line): e2fbc857d3c6 "x86/nmi: Rate limit unknown
    /// NMI messages" (Namhyung Kim), v6.9-rc1 [V]; before, plain pr_emerg() (printk(KERN_EMERG) in 2.6.38).
    /// </summary>
    public bool UnknownNmiRatelimited => AtLeast(6, 9);

    /// <summary>The hard-lockup panic's text: "Hard LOCKUP" from 4.x, after a "Watchdog detected hard LOCKUP on cpu N" line [V 4.x watchdog]; before, the panic says it all.</summary>
    public bool HardLockupWording => AtLeast(4, 0);

    /// <summary>ioapic_zap_locks() before disable_IO_APIC() in native_machine_crash_shutdown(): in 3.12 [V], not in 2.6.38 [V].</summary>
    public bool IoapicZapLocks => AtLeast(3, 0);

    /// <summary>
    /// printk in NMI context into per-CPU buffers (CONFIG_PRINTK_NMI, kernel/printk/nmi.c): ≈4.7 [V 4.10]
    /// to ≈5.15 [U]. vprintk_nmi() queues the buffer's irq_work (not lazy: an IRQ_WORK_VECTOR self-IPI,
    /// arch/x86/kernel/irq_work.c), whose __printk_nmi_flush() printk()s the lines once the CPU takes
    /// interrupts again (<see cref="IrqWork"/>); a CPU spinning with interrupts off leaves them for
    /// printk_nmi_flush_on_panic(). Outside these eras printk in NMI context goes to the log at once;
    /// with the lockless ringbuffer (6.x) the console waits for the lazy klogd irq_work instead.
    /// </summary>
    public bool PrintkNmiBuffers => AtLeast(4, 7) && !AtLeast(5, 15);

    /// <summary>console_flush_on_panic() calls console_unlock() whatever console_trylock() said (4.x [V 4.10]); 6.x ignores the lock.</summary>
    public bool ConsoleFlushUnlocksAnyway => !AtLeast(5, 0);

    /// <summary>
    /// The max_reason series (≈5.8 [V code, U version]): pstore passes the backend's max_reason to
    /// kmsg_dump() and ramoops stores every reason it lets through. Before, pstore's dumper registers
    /// none, so pstore_dump() gets OOPS and PANIC (every reason with printk.always_kmsg_dump) and
    /// counts each, and ramoops refuses what it does not store: all but OOPS and PANIC, and OOPS
    /// without dump_oops.
    /// </summary>
    public bool RamoopsStoresEveryReason => AtLeast(5, 8);

    /// <summary>The persistent_ram_zone's raw buffer_lock around the start/size update (6.x [V struct]).</summary>
    public bool PstoreZoneBufferLock => AtLeast(6, 0);

    /// <summary>pstore's record time from __getnstimeofday(), a tk_core.seq seqcount loop (3.12, 4.10 [V]); later ktime_get_real_fast_ns().</summary>
    public bool PstoreTimeSpinsOnSeqcount => !AtLeast(5, 0);

    /// <summary>The pstore console's write takes psinfo->buf_lock (3.12, 4.10 [V]; a trylock while oops_in_progress).</summary>
    public bool PstoreConsoleTakesBufLock => !AtLeast(5, 0);

    /// <summary>pstore_dump() in a cannot-block path whose trylock fails: 3.12 carries on without the lock [V], 4.10 gives up [V], 6.x skips with its own message.</summary>
    public bool PstoreDumpCarriesOnUnlocked => !AtLeast(4, 0);

    /// <summary>mtdoops' panic write erases the next used block synchronously (Ray Zhang's series, ≈6.2 [V 6.18 code, U version]).</summary>
    public bool MtdoopsPanicErase => AtLeast(6, 2);

    /// <summary>mtdoops_do_dump() calls schedule_work(&amp;work_write) after the panic write too (3.x–≈5.9 [V 3.12, 4.10; U end]).</summary>
    public bool MtdoopsScheduleWorkAfterPanicWrite => AtLeast(3, 0) && !AtLeast(5, 10);

    /// <summary>efi-pstore takes efivars_lock by trylock and calls query_variable_info() before set_variable (6.x [V]).</summary>
    public bool EfivarsLockTrylock => AtLeast(6, 0);

    /// <summary>The pstore file name dmesg-efi_pstore-… instead of dmesg-efi-… (≈6.2 [U]).</summary>
    public bool EfiPstoreFileName => AtLeast(6, 2);

    /// <summary>The kmsg_dump iterator lives in struct kmsg_dumper, shared by concurrent dumps (3.5–5.12 [V-msg]); later each dumper keeps its own.</summary>
    public bool SharedDumperIterator => AtLeast(3, 5) && !AtLeast(5, 13);
}
