using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Designs;

/// <summary>
/// The kdump path's timings, pinned: nmi_shootdown_cpus() gives the other CPUs 1000 ms to answer
/// its NMI (arch/x86/kernel/reboot.c, <c>msecs = 1000</c>), purgatory hands over to the crash
/// kernel, which boots in machine.kdump.boot-time and saves /proc/vmcore in capture-time.
/// </summary>
public class KdumpTimingTests
{
    private const string Base = """
        name = "kdump-timing"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 4, kdump.loaded = true, kdump.boot-time = 2s, kdump.capture-time = 7s, dumpers = [] }
        triggers = [ { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" } ]
        limits.virtual-time = 1m
        """;

    private static long TimeOf(ActorCrash.Actors.RunResult r, string what) => r.Milestones[At(r, what)].TimeNs;

    [Fact]
    public void A_cpu_that_cannot_take_the_nmi_costs_the_shootdown_exactly_its_1000_ms_wait()
    {
        var spec = Inline(Base + "\ncpus = [ { cpu = 3, activity = in-nmi } ]", "linux-2.6.38");
        foreach (var r in Runs(spec, 20))
        {
            var waited = TimeOf(r, "did not answer the NMI") - TimeOf(r, "crash_kexec: crash kernel loaded");
            Assert.InRange(waited, 1000 * Ms, 1000 * Ms + 1 * Ms);
            Assert.Contains("1 CPU(s) did not answer the NMI within 1000 ms", r.Milestones[At(r, "did not answer")].What);
        }
    }

    [Fact]
    public void Cpus_that_answer_the_nmi_end_the_shootdown_within_microseconds()
    {
        var spec = Inline(Base, "linux-2.6.38");
        foreach (var r in Runs(spec, 20))
        {
            var took = TimeOf(r, "nmi_shootdown_cpus: all other CPUs halted") - TimeOf(r, "crash_kexec: crash kernel loaded");
            Assert.InRange(took, 0, 100_000);  // NMI latency and the handlers' crash_save_cpu, far below the 1000 ms wait
        }
    }

    [Fact]
    public void The_crash_kernel_boots_in_boot_time_and_saves_the_vmcore_in_capture_time()
    {
        var spec = Inline(Base, "linux-2.6.38");
        foreach (var r in Runs(spec, 20))
        {
            var jump = TimeOf(r, "machine_kexec: jumping to purgatory");
            var booted = TimeOf(r, "crash kernel booted");
            var saved = TimeOf(r, "vmcore saved");
            Assert.InRange(booted - jump, 2 * S, 2 * S + 10_000);   // purgatory's digest check takes microseconds
            Assert.Equal(7 * S, saved - booted);
            Assert.Equal(saved, r.EndTimeNs);
        }
    }
}
