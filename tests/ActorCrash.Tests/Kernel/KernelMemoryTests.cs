using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// The kernel's shared memory on its own: __log_buf (what printk stored, what the console has
/// printed, the tail kmsg_dump hands a dumper), a lock word, a cpumask, and the version predicates
/// shared code asks instead of naming designs.
/// </summary>
public class KernelMemoryTests
{
    private static LogBuffer Log(params string[] boot)
    {
        var log = new LogBuffer();
        log.SetBootLog(boot);
        return log;
    }

    [Fact]
    public void A_line_is_stored_behind_its_printk_time_stamp()
    {
        var log = Log();
        log.Append(1_500_000_000, "Kernel panic - not syncing: x", LogLevel.Emerg);
        log.Append(2_000_001, "second");
        Assert.Equal(2, log.LineCount);
        Assert.Equal("[    1.500000] Kernel panic - not syncing: x", log.Line(0));
        Assert.Equal("[    0.002000] second", log.Line(1));
        Assert.Equal(log.Line(0).Length, log.LineLength(0));
        Assert.Equal(log.Line(1).Length, log.LineLength(1));
        Assert.Equal(log.Line(0).Length + log.Line(1).Length + 2, log.Length);   // each line ends in '\n'
    }

    [Fact]
    public void Reset_keeps_the_boot_log_and_drops_what_the_run_printed()
    {
        var log = Log("Linux version 2.6.38", "ramoops: registered");
        Assert.Equal(2, log.ConsoleNext);   // the boot lines were printed before the scenario started
        var bootLength = log.Length;
        log.Append(5, "run line");
        log.ConsoleNext = 3;
        log.Reset();
        Assert.Equal(2, log.LineCount);
        Assert.Equal(bootLength, log.Length);
        Assert.Equal(2, log.ConsoleNext);
        Assert.Equal("[    0.000000] ramoops: registered", log.Line(1));
        log.Append(7, "again");
        Assert.Equal("[    0.000000] again", log.Line(2));

        var empty = Log();
        empty.Append(1, "x");
        empty.Reset();
        Assert.Equal((0, 0, 0), (empty.LineCount, empty.Length, empty.ConsoleNext));
    }

    [Fact]
    public void The_tail_is_the_newest_bytes_before_the_snapshot()
    {
        var log = Log();
        log.Append(0, "aaaa");
        var snapshot = log.Length;
        log.Append(0, "bbbb");   // logged after kmsg_dump took its snapshot
        var whole = log.Line(0) + "\n";
        Assert.Equal(whole, log.Tail(snapshot, 1000));
        Assert.Equal(whole.Length, log.TailLength(snapshot, 1000));
        Assert.Equal("aaaa\n", log.Tail(snapshot, 5));
        Assert.Equal(5, log.TailLength(snapshot, 5));
        var into = new char[5];
        log.CopyTail(snapshot, 5, into);
        Assert.Equal("aaaa\n", new string(into));
        Assert.Equal("", log.Tail(snapshot, 0));
    }

    [Fact]
    public void Syslog_gives_whole_lines_up_to_the_snapshot_each_behind_its_level()
    {
        var log = Log("boot");
        log.Append(0, "emerg", LogLevel.Emerg);
        var snapshot = log.Length;
        log.Append(0, "later", LogLevel.Err);
        Assert.Equal("<6>[    0.000000] boot\n<0>[    0.000000] emerg\n", log.Syslog(snapshot));
        Assert.Equal("<6>[    0.000000] boot\n", log.Syslog(snapshot - 1));   // a line cut by the snapshot is left out
        Assert.EndsWith("<3>[    0.000000] later\n", log.Syslog(log.Length));
    }

    [Fact]
    public void A_lock_has_one_holder_and_only_the_holder_releases_it()
    {
        var l = new KernelLock("logbuf_lock", LockKind.Spinlock);
        Assert.False(l.IsHeld);
        Assert.Equal(-1, l.Holder);
        Assert.True(l.TryAcquire(2));
        Assert.False(l.TryAcquire(3));
        Assert.False(l.TryAcquire(2));   // not recursive
        Assert.Equal(2, l.Holder);
        var woken = new List<(WaitChannel, int)>();
        Assert.Throws<InvalidOperationException>(() => l.Release(3, (c, by) => woken.Add((c, by))));
        Assert.Empty(woken);
        Assert.Equal(2, l.Holder);
        l.Release(2, (c, by) => woken.Add((c, by)));
        Assert.Equal([(l, 2)], woken);
        Assert.False(l.IsHeld);
        Assert.True(l.TryAcquire(0));   // a held lock at CPU 0 is held
        Assert.True(l.IsHeld);
        l.AddWaiter(1);
        l.AddWaiter(1);
        Assert.Equal([1], l.Waiters);
        l.Reset();
        Assert.False(l.IsHeld);
        Assert.Empty(l.Waiters);
    }

    [Fact]
    public void A_cpumask_copied_from_the_online_mask_leaves_out_self_and_offline_cpus()
    {
        var mask = new CpuMask("cpus_stop_mask", 4);
        mask.CopyOnlineBut([true, false, true, true], self: 2);
        Assert.Equal(2, mask.Weight);
        Assert.Equal([true, false, false, true], Enumerable.Range(0, 4).Select(c => mask[c]));
        mask.CopyOnlineBut([true, true, true, true], self: 0);   // a second copy starts afresh
        Assert.Equal(3, mask.Weight);
        mask.Clear();
        Assert.Equal(0, mask.Weight);
        Assert.DoesNotContain(true, Enumerable.Range(0, 4).Select(c => mask[c]));
        mask.CopyOnlineBut([true, true, false, false], self: 3);
        mask.Reset();
        Assert.Equal(0, mask.Weight);
        Assert.False(mask[0]);
    }

    [Theory]
    [InlineData(2, 638, "2.6.38", "2.6.38")]
    [InlineData(3, 12, "3.12", "3.12.0")]
    [InlineData(6, 12, "6.12", "6.12.0")]
    public void An_era_prints_as_its_kernel_version(int major, int minor, string version, string release)
    {
        var era = new KernelEra(major, minor);
        Assert.Equal(version, era.ToString());
        Assert.Equal(release, era.Release);
        Assert.StartsWith($"Linux version {release} ", era.Banner);
    }

    /// <summary>Each mechanism holds from the version it came with (and until the one it went with), and 2.6.38 sorts before 3.0.</summary>
    [Fact]
    public void Each_mechanism_holds_from_its_version_on()
    {
        static KernelEra E(int major, int minor) => new(major, minor);
        Assert.False(E(2, 638).IoapicZapLocks);
        Assert.True(E(3, 0).IoapicZapLocks);
        Assert.False(E(3, 14).KernelOffsetNotifier);
        Assert.True(E(3, 15).KernelOffsetNotifier);
        Assert.False(E(3, 13).RebootPrefix);
        Assert.True(E(3, 14).RebootPrefix);
        Assert.False(E(3, 4).HasPstore);
        Assert.True(E(3, 5).HasPstore);
        Assert.False(E(4, 4).ShootdownNmiOnlineOnly);
        Assert.True(E(4, 5).ShootdownNmiOnlineOnly);
        Assert.True(E(4, 9).ShootdownNmiOnlineOnly);
        Assert.False(E(4, 10).ShootdownNmiOnlineOnly);
        Assert.False(E(4, 6).PrintkNmiBuffers);
        Assert.True(E(4, 7).PrintkNmiBuffers);
        Assert.True(E(5, 14).PrintkNmiBuffers);
        Assert.False(E(5, 15).PrintkNmiBuffers);
        Assert.False(E(4, 12).WatchdogPrefix);
        Assert.True(E(4, 13).WatchdogPrefix);
        Assert.True(E(4, 9).TraceAddresses);
        Assert.False(E(4, 10).TraceAddresses);
        Assert.False(E(5, 15).TaskBrackets);
        Assert.True(E(5, 16).TaskBrackets);
        Assert.Equal("SMP", E(4, 14).OopsFlags);
        Assert.Equal("PREEMPT SMP NOPTI", E(4, 15).OopsFlags);
        Assert.False(E(4, 99).SysrqCrashPanics);
        Assert.True(E(5, 0).SysrqCrashPanics);
        Assert.Equal("SysRq : ", E(4, 99).SysrqPrefix);
        Assert.Equal("sysrq: ", E(5, 0).SysrqPrefix);
        Assert.False(E(3, 99).HardLockupWording);
        Assert.True(E(4, 0).HardLockupWording);
        Assert.True(E(4, 99).ConsoleFlushUnlocksAnyway);
        Assert.False(E(5, 0).ConsoleFlushUnlocksAnyway);
        Assert.False(E(5, 7).RamoopsStoresEveryReason);
        Assert.True(E(5, 8).RamoopsStoresEveryReason);
        Assert.False(E(5, 99).PstoreZoneBufferLock);
        Assert.True(E(6, 0).PstoreZoneBufferLock);
        Assert.True(E(4, 99).PstoreTimeSpinsOnSeqcount);
        Assert.False(E(5, 0).PstoreTimeSpinsOnSeqcount);
        Assert.True(E(4, 99).PstoreConsoleTakesBufLock);
        Assert.False(E(5, 0).PstoreConsoleTakesBufLock);
        Assert.True(E(3, 99).PstoreDumpCarriesOnUnlocked);
        Assert.False(E(4, 0).PstoreDumpCarriesOnUnlocked);
        Assert.False(E(6, 1).MtdoopsPanicErase);
        Assert.True(E(6, 2).MtdoopsPanicErase);
        Assert.False(E(2, 638).MtdoopsScheduleWorkAfterPanicWrite);
        Assert.True(E(3, 0).MtdoopsScheduleWorkAfterPanicWrite);
        Assert.True(E(5, 9).MtdoopsScheduleWorkAfterPanicWrite);
        Assert.False(E(5, 10).MtdoopsScheduleWorkAfterPanicWrite);
        Assert.False(E(5, 99).EfivarsLockTrylock);
        Assert.True(E(6, 0).EfivarsLockTrylock);
        Assert.False(E(6, 1).EfiPstoreFileName);
        Assert.True(E(6, 2).EfiPstoreFileName);
        Assert.False(E(3, 4).SharedDumperIterator);
        Assert.True(E(3, 5).SharedDumperIterator);
        Assert.True(E(5, 12).SharedDumperIterator);
        Assert.False(E(5, 13).SharedDumperIterator);
        Assert.False(E(2, 999).HardwareNameLine);
        Assert.True(E(3, 0).HardwareNameLine);
    }

    [Fact]
    public void The_stack_header_and_end_marker_are_in_the_eras_words()
    {
        Assert.Equal("Pid: 1, comm: init Not tainted 2.6.38 #1", KernelEra.V2638.StackHeader(0, 1, "init", kdumpLoaded: true));
        Assert.Equal("CPU: 2 PID: 0 Comm: swapper/2 Not tainted 4.10.0 #1", KernelEra.V410.StackHeader(2, 0, "swapper/2", kdumpLoaded: true));
        Assert.Equal("CPU: 0 PID: 1 Comm: init Kdump: loaded Not tainted 6.12.0 #1", KernelEra.V612.StackHeader(0, 1, "init", kdumpLoaded: true));
        Assert.Equal("CPU: 0 PID: 1 Comm: init Not tainted 6.12.0 #1", KernelEra.V612.StackHeader(0, 1, "init", kdumpLoaded: false));
        Assert.Null(KernelEra.V312.EndMarker("x"));
        Assert.Equal("---[ end Kernel panic - not syncing: x", KernelEra.V410.EndMarker("x"));
        Assert.Equal("---[ end Kernel panic - not syncing: x ]---", KernelEra.V612.EndMarker("x"));
    }

    [Fact]
    public void Show_design_lists_each_mechanism_with_whether_the_era_has_it()
    {
        var old = KernelEra.V2638.Mechanisms().ToDictionary(m => m.Mechanism, m => m.Has);
        var now = KernelEra.V612.Mechanisms().ToDictionary(m => m.Mechanism, m => m.Has);
        Assert.Equal(17, old.Count);
        Assert.DoesNotContain(true, old.Values);   // 2.6.38 has none of the later mechanisms
        Assert.True(now["ioapic_zap_locks() in machine_crash_shutdown (3.x)"]);
        Assert.True(now["end-of-panic marker (4.x)"]);
        Assert.True(now["unknown_nmi_error lines ratelimited (6.9)"]);
        Assert.False(KernelEra.V410.Mechanisms().Single(m => m.Mechanism.StartsWith("unknown_nmi_error without", StringComparison.Ordinal)).Has);
        Assert.False(now["console_flush_on_panic unlocks whatever the trylock said (4.x)"]);
        Assert.True(KernelEra.V410.Mechanisms().Single(m => m.Mechanism.StartsWith("console_flush_on_panic", StringComparison.Ordinal)).Has);
        Assert.False(KernelEra.V312.Mechanisms().Single(m => m.Mechanism.StartsWith("console_flush_on_panic", StringComparison.Ordinal)).Has);
        Assert.True(KernelEra.V410.Mechanisms().Single(m => m.Mechanism.StartsWith("pstore record time", StringComparison.Ordinal)).Has);
        Assert.False(KernelEra.V2638.Mechanisms().Single(m => m.Mechanism.StartsWith("pstore console", StringComparison.Ordinal)).Has);
        Assert.True(KernelEra.V410.Mechanisms().Single(m => m.Mechanism.StartsWith("per-CPU NMI printk buffers", StringComparison.Ordinal)).Has);
        Assert.False(KernelEra.V410.Mechanisms().Single(m => m.Mechanism.StartsWith("NMI printk's console output", StringComparison.Ordinal)).Has);
        Assert.True(now["NMI printk's console output deferred to the lazy klogd irq_work (5.15)"]);
    }

    [Fact]
    public void Do_gettimeofday_counts_from_the_seed_mail()
    {
        Assert.Equal("1297195099.0", Printk.GetTimeOfDay(0));
        Assert.Equal("1297195102.421", Printk.GetTimeOfDay(3 * 1_000_000_000L + 421_000));
    }
}
