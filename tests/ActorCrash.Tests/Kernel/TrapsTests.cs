using ActorCrash.Actors;
using ActorCrash.Tests.Dumpers;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// die() and oops_end() (Traps.cs): __die()'s report in each era's words; the context in which the
/// oops happened and what follows from it (a task is killed and the machine runs on; in an
/// interrupt or with panic_on_oops, panic()); oops_begin()'s bust_spinlocks(1) and oops_end()'s
/// bust_spinlocks(0) around the report; the interrupt state handed back to the interrupted code;
/// and a stray write into the crash-kernel region, which faults once the region is mapped read-only.
/// </summary>
public class TrapsTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";
    private const string Hw = "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014";
    private const string End = "---[ end trace 4a2f9e1c5d3b7086 ]---";

    public static TheoryData<string, string[]> Reports() => new()
    {
        { "linux-2.6.38", ["Oops: 0002 [#1] SMP", "Pid: 4242, comm: modprobe Not tainted 2.6.38 #1",
            "RIP: 0010:[<ffffffffa0000021>]  [<ffffffffa0000021>] crash_init+0x21/0x30 [crash]", "Call Trace:",
            " [<ffffffff81002042>] do_one_initcall+0x42/0x170", " [<ffffffff810a5f4b>] sys_init_module+0xbb/0x200",
            " [<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b", End] },
        { "linux-3.12", ["Oops: 0002 [#1] SMP", "CPU: 0 PID: 4242 Comm: modprobe Not tainted 3.12.0 #1", Hw,
            "RIP: 0010:[<ffffffffa0000021>]  [<ffffffffa0000021>] crash_init+0x21/0x30 [crash]", "Call Trace:",
            " [<ffffffff81002042>] do_one_initcall+0x42/0x170", " [<ffffffff810a5f4b>] sys_init_module+0xbb/0x200",
            " [<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b", End] },
        { "linux-4.10", ["Oops: 0002 [#1] SMP", "CPU: 0 PID: 4242 Comm: modprobe Not tainted 4.10.0 #1", Hw,
            "RIP: 0010:crash_init+0x21/0x30 [crash]", "Call Trace:",
            " do_one_initcall+0x42/0x170", " sys_init_module+0xbb/0x200", " system_call_fastpath+0x16/0x1b", End] },
        { "linux-6.x", ["Oops: 0002 [#1] PREEMPT SMP NOPTI", "CPU: 0 PID: 4242 Comm: modprobe Not tainted 6.12.0 #1", Hw,
            "RIP: 0010:crash_init+0x21/0x30 [crash]", "Call Trace:", " <TASK>",
            " do_one_initcall+0x42/0x170", " sys_init_module+0xbb/0x200", " system_call_fastpath+0x16/0x1b", " </TASK>", End] },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void An_oops_prints_the_eras_report_and_kills_only_the_task(string design, string[] report)
    {
        var r = RunOn(design, 2, NoKdump, "panic=1", triggers: "{ at = 1ms, cpu = 0, event = oops }", tail: Instant);

        Assert.Equal(report, r.Console.Select(l => l.Text[15..]));
        Assert.Equal(["oops: Oops", "kmsg_dump(KMSG_DUMP_OOPS)", "oops: do_exit(SIGSEGV), the machine runs on"], MilestonesOf(r, 0));
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    [Theory]
    [InlineData("irq", "oops in interrupt context: Oops", "panic: Fatal exception in interrupt")]
    [InlineData("nmi", "oops in NMI context: Oops", "panic: Fatal exception in interrupt")]
    public void An_oops_in_interrupt_context_always_panics(string context, string oops, string panic)
    {
        var r = RunOn("linux-4.10", 2, NoKdump, "panic=1", triggers: $"{{ at = 1ms, cpu = 0, event = oops, context = {context} }}", tail: Instant);

        var mine = MilestonesOf(r, 0);
        Assert.Equal([oops, "kmsg_dump(KMSG_DUMP_OOPS)", panic], mine[..3]);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Fact]
    public void With_panic_on_oops_a_task_oops_panics()
    {
        var r = RunOn("linux-4.10", 2, NoKdump, "panic=1 oops=panic", triggers: "{ at = 1ms, cpu = 0, event = oops }", tail: Instant);

        Assert.Equal(["oops: Oops", "kmsg_dump(KMSG_DUMP_OOPS)", "panic: Fatal exception"], MilestonesOf(r, 0)[..3]);
        Assert.False(Has(r, "do_exit(SIGSEGV)"));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    /// <summary>
    /// The oopsing CPU goes back to its idle loop with interrupts on again (oops_end's
    /// raw_local_irq_restore): a panic on CPU 1 later stops it with 2.6.38's IPI, at once.
    /// </summary>
    [Fact]
    public void After_an_oops_the_cpu_has_its_interrupts_back_and_takes_a_later_stop_ipi()
    {
        var r = RunOn("linux-2.6.38", 2, NoKdump, "panic=1", triggers: "{ at = 1ms, cpu = 0, event = oops }, { at = 100ms, cpu = 1, event = panic, message = \"x\" }", tail: Instant);

        Assert.Equal("smp_send_stop: all other CPUs offline", Assert.Single(r.Milestones, m => m.What.StartsWith("smp_send_stop", StringComparison.Ordinal)).What);
        Assert.True(TimeOf(r, "smp_send_stop") < 101 * Ms);
        Assert.Equal(CpuFate.StoppedByIpi, Cpu(r, 0).Fate);
    }

    /// <summary>
    /// oops_begin()'s bust_spinlocks(1): the NVRAM console writes the report past a port lock that
    /// CPU 1 holds for good. oops_end()'s bust_spinlocks(0) comes before oops_exit()'s end marker,
    /// so that printk spins on the port lock for ever and kmsg_dump(OOPS) is never reached.
    /// </summary>
    [Fact]
    public void The_oops_report_is_written_past_a_held_console_port_lock_and_the_end_marker_after_bust_spinlocks_0_spins_on_it()
    {
        var r = DumperRuns.Run(DumperRuns.Scenario("nvram.size = 128K\ndumpers = [ramoops, nvram-console]", "panic=1",
            "{ cpu = 1, activity = spin, irqs = off, holding = [nvcon_port_lock] }", triggers: "{ at = 1ms, cpu = 0, event = oops }"));

        var con = r.File("console-nvcon-0")!.Text;
        Assert.Contains("Oops: 0002 [#1] SMP", con);
        Assert.Contains("system_call_fastpath+0x16/0x1b", con);   // the last line of the report
        Assert.DoesNotContain("end trace", con);
        Assert.Contains("spinning on nvcon_port_lock held by cpu1", Cpu(r, 0).Doing);
        Assert.Contains("write < release_console_sem < vprintk < die", Cpu(r, 0).Doing);
        Assert.False(Has(r, "kmsg_dump(KMSG_DUMP_OOPS)"));
    }

    /// <summary>
    /// k6: CPU 3, stuck in an NMI handler, stores into the loaded crash-kernel region at 500 ms. In
    /// 2.6.38 the store lands and purgatory's SHA-256 check loops for ever; from ≈4.6 the region is
    /// mapped read-only (arch_kexec_protect_crashkres): the store faults and the crash kernel boots.
    /// </summary>
    [Theory]
    [InlineData("linux-2.6.38", false, Outcome.Hung)]
    [InlineData("linux-4.10", true, Outcome.VmcoreCaptured)]
    public void A_stray_write_lands_in_the_crash_kernel_region_unless_it_is_mapped_read_only(string design, bool faults, Outcome outcome)
    {
        var r = Run(Load("k6-stray-write-into-crash-kernel", design));

        Assert.Equal(faults, Has(r, "stray write into the crash-kernel region faults"));
        Assert.Equal(!faults, Has(r, "stray write into the crash-kernel region at +448"));
        Assert.Equal(!faults, Has(r, "purgatory: SHA-256 mismatch"));
        Assert.Equal(outcome, r.Outcome);
    }
}
