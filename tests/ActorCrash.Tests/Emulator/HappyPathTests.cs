using ActorCrash.Actors;
using ActorCrash.Actors.Akka;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;
using static ActorCrash.Tests.Emulator.Emu;

namespace ActorCrash.Tests.Emulator;

/// <summary>
/// Issue item 1: kdump loaded, no faults. crash_kexec() of 2.6.38 (domain reference §1.2 step 5/5a/5b,
/// §1.3): kmsg_dump(KMSG_DUMP_KEXEC) runs first, then the NMI shootdown saves every other CPU's
/// registers and halts it, then machine_kexec; the crash kernel boots and saves the vmcore.
/// Run through the Akka MachineActor, as the CLI and campaigns do.
/// </summary>
public class HappyPathTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ScenarioSpec Spec = Load($$"""
        name = "happy-kdump"
        cmdline = "panic=10 crashkernel=128M"
        machine { cpus = 8, kdump.loaded = true, dumpers = [ramoops] }
        {{PanicCpu0}}
        """);

    private static readonly string[] Path =
    [
        "panic: Fatal exception",
        "crash_kexec: crash kernel loaded",
        "kmsg_dump(KMSG_DUMP_KEXEC)",
        "ramoops: record 0 written",
        "nmi_shootdown_cpus: all other CPUs halted",
        "machine_kexec: jumping to purgatory",
        "crash kernel booted: /proc/vmcore ready",
        "vmcore saved (makedumpfile)",
    ];

    [Fact]
    public void Kdump_loaded_without_faults_captures_a_vmcore_after_kexec_dump_and_nmi_shootdown_on_every_seed()
    {
        var machine = Sys.ActorOf(MachineActor.Props());
        machine.Tell(new RunScenario(Spec, 7), TestActor);
        var r = ExpectMsg<RunResult>(TimeSpan.FromSeconds(10));

        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.Equal("kdump on cpu0", r.Reason);
        Assert.Equal(7UL, r.Seed);

        // The milestones, in this order and nothing else: kdump takes over before kmsg_dump(PANIC) and smp_send_stop.
        var m = InOrder(r, Path);
        Assert.Equal(Path.Length, r.Milestones.Count);
        Assert.All(r.Milestones, x => Assert.Equal(0, x.Cpu));
        Assert.Contains("KMSG_DUMP_KEXEC", m[3].What);
        Assert.False(Has(r, "KMSG_DUMP_PANIC"));
        Assert.False(Has(r, "smp_send_stop"));
        Assert.False(Has(r, "emergency_restart"));

        // Virtual times: the panic at 0; the kexec dump and the shootdown within a few ms of crash_kexec
        // (no CPU is slow to answer the NMI: nowhere near the 1000 ms timeout); boot 3 s after
        // machine_kexec (plus one device latency, ≤ 2 µs); capture 5 s after the boot; the run ends there.
        Assert.Equal(0, m[0].TimeNs);
        Assert.Equal(m[1].TimeNs, m[2].TimeNs);
        Assert.InRange(m[4].TimeNs - m[2].TimeNs, 1 * Us, 1 * Ms);
        Assert.InRange(m[6].TimeNs - m[5].TimeNs, 3 * S, 3 * S + 2 * Us);
        Assert.Equal(5 * S, m[7].TimeNs - m[6].TimeNs);
        Assert.Equal(m[7].TimeNs, r.EndTimeNs);

        // The panic CPU jumped to the crash kernel with its own registers saved (crash_save_cpu);
        // every other CPU answered crash_nmi_callback: registers saved, halted, still "online" (the NMI path does not clear the bit).
        var panicCpu = Cpu(r, 0);
        Assert.Equal(CpuFate.InCrashKernel, panicCpu.Fate);
        Assert.True(panicCpu.RegistersSaved);
        Assert.Equal(8, r.Cpus.Count);
        foreach (var c in r.Cpus.Where(c => c.Cpu != 0))
        {
            Assert.Equal(CpuFate.StoppedByNmi, c.Fate);
            Assert.True(c.RegistersSaved, $"cpu{c.Cpu} has no crash notes");
            Assert.True(c.Online);
            Assert.StartsWith("halted in crash_nmi_callback", c.Doing);
        }

        // Only kexec_mutex stays held: machine_kexec never returns to unlock it.
        var held = Assert.Single(r.LocksHeld);
        Assert.Equal(new HeldLock("kexec_mutex", 0, nameof(CpuFate.InCrashKernel)), held);

        // ramoops wrote one intact KEXEC record before the shootdown, holding the panic message.
        var rec = Assert.Single(r.Nvram);
        Assert.Equal("ramoops record 0", rec.Name);
        Assert.Equal(KmsgDumpReason.Kexec, rec.Reason);
        Assert.True(rec.Intact);
        Assert.Equal(rec.IntendedBytes, rec.StoredBytes);
        Assert.True(rec.WrittenAtNs > m[2].TimeNs && rec.WrittenAtNs < m[4].TimeNs);
        Assert.StartsWith($"===={Printk.EpochAtStart}.", rec.Text);
        Assert.Contains("Kernel panic - not syncing: Fatal exception", rec.Text);

        // The console shows the panic line first; no reboot countdown (panic() never got that far).
        Assert.NotEmpty(r.Console);
        Assert.EndsWith("Kernel panic - not syncing: Fatal exception", r.Console[0].Text);
        Assert.DoesNotContain(r.Console, l => l.Text.Contains("Rebooting in"));
        Assert.All(r.Console, l => Assert.True(l.TimeNs <= m[2].TimeNs, "console printed after kmsg_dump(KEXEC)"));

        // The same machine actor, asked for a batch of other seeds: every one takes the same path.
        machine.Tell(new RunBatch(Spec, 100, 50), TestActor);
        var batch = ExpectMsg<BatchResult>(TimeSpan.FromSeconds(20));

        Assert.Equal(100UL, batch.First);
        Assert.Equal(50, batch.Results.Count);
        for (var i = 0; i < batch.Results.Count; i++)
        {
            var other = batch.Results[i];
            Assert.Equal(100UL + (ulong)i, other.Seed);
            Assert.Equal(Outcome.VmcoreCaptured, other.Outcome);
            InOrder(other, Path);
            Assert.All(other.Cpus.Where(c => c.Cpu != 0), c => Assert.Equal(CpuFate.StoppedByNmi, c.Fate));
            Assert.True(Assert.Single(other.Nvram).Intact);
        }
        // Latencies are seeded choices: the seeds do not all produce the same timing.
        Assert.True(batch.Results.Select(b => string.Join(",", b.Decisions)).Distinct().Count() > 1);
    }
}
