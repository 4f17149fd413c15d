using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

/// <summary>
/// An emulated machine built from a scenario: its device actors (CPUs, the interrupt controller,
/// NVRAM, the crash kernel, the firmware's reset line, a watchdog, the harness), the kernel's shared
/// memory and the panic-path design. Built once, then run any number of times: each run resets every
/// actor, so a run allocates no actors and two runs with the same seed are identical.
/// </summary>
public sealed class Machine
{
    private readonly List<CpuActor> _cpus = [];
    private readonly WatchdogActor _watchdog;
    private readonly Nvram _nvram;

    public Machine(ScenarioSpec spec)
    {
        Spec = spec;
        Timing = spec.Timing;
        Design = Designs.Designs.ByName(spec.Design);
        Kernel = new KernelState(spec.Machine.CpuCount, spec.Cmdline);
        Runtime = new MachineRuntime();

        for (var i = 0; i < spec.Machine.CpuCount; i++)
        {
            var cpu = new CpuActor(i, this) { Workload = Workloads.For(spec.Cpus[i]) };
            Runtime.Register(cpu);
            _cpus.Add(cpu);
        }
        InterruptController = Runtime.Register(new InterruptControllerActor(this));
        _nvram = new Nvram(spec.Machine.Nvram.SizeBytes, spec.Machine.Nvram.WriteNsPerByte);
        Nvram = Runtime.Register(new NvramActor(_nvram));
        CrashKernelActor = new CrashKernelActor(this, new CrashKernelRegion());
        CrashKernel = Runtime.Register(CrashKernelActor);
        FirmwareActor = new FirmwareActor(this);
        Firmware = Runtime.Register(FirmwareActor);
        _watchdog = new WatchdogActor(this, new HardwareWatchdog(spec.Machine.Watchdog.Enabled, spec.Machine.Watchdog.TimeoutNs, spec.Machine.Watchdog.LastPingNs));
        Runtime.Register(_watchdog);
        Harness = Runtime.Register(new HarnessActor());
        if (spec.Machine.Faults is { Count: > 0 } faults) Runtime.Register(new FaultActor(this, _nvram, faults));

        foreach (var d in spec.Machine.Dumpers)
            Kernel.DumpList.Add(DumperFactory.Build(this, d, _nvram));
        Kernel.Log.SetBootLog(BootLog(spec, Kernel.DumpList));
    }

    public ScenarioSpec Spec { get; }
    public TimingSpec Timing { get; }
    public PanicDesign Design { get; }
    public KernelState Kernel { get; }
    public MachineRuntime Runtime { get; }
    public IReadOnlyList<CpuActor> Cpus => _cpus;
    public ActorId InterruptController { get; }
    public ActorId Nvram { get; }
    public Nvram NvramDevice => _nvram;
    public ActorId CrashKernel { get; }
    public ActorId Firmware { get; }
    public ActorId Harness { get; }
    public CrashKernelActor CrashKernelActor { get; }
    public FirmwareActor FirmwareActor { get; }

    /// <summary>Wakes every CPU waiting on <paramref name="channel"/>; each wake is a message, so the strategy orders them.</summary>
    public void WakeWaiters(WaitChannel channel, int byCpu)
    {
        var waiters = channel.Waiters;
        if (waiters.Count == 0) return;
        var wake = new Wake(channel);
        var from = byCpu >= 0 ? _cpus[byCpu].Self : Harness;
        for (var i = 0; i < waiters.Count; i++)
            Runtime.Send(from, _cpus[waiters[i]].Self, wake, Interconnect.CachelineMinNs, Interconnect.CachelineMaxNs);
    }

    /// <summary>A milestone from a device (cpu = -1 when no CPU is involved).</summary>
    public void Note(int cpu, string what) => Kernel.Milestones.Add(new Milestone(Runtime.Now, cpu, what));

    /// <summary>
    /// Runs the scenario once with <paramref name="seed"/> under <paramref name="strategy"/> and
    /// returns its verdict. The full report (<see cref="Report"/>) is read from the machine's state
    /// afterwards, until the next run: campaigns pay for it only on the runs they keep.
    /// </summary>
    /// <exception cref="EmulatorFault">An exception inside the emulator: a bug, reported with the scenario and seed.</exception>
    public RunSummary Run(ulong seed, ISchedulingStrategy? strategy = null)
    {
        try
        {
            Runtime.Start(strategy ?? new RandomStrategy(), seed);
            Kernel.Reset(Spec.Machine.Kdump.Loaded);
            foreach (var cpu in _cpus) cpu.PowerOn();
            _watchdog.Arm();
            foreach (var t in Spec.Triggers) Inject(t);

            var end = Runtime.Run(Spec.Limits.VirtualTimeNs, Spec.Limits.MaxSteps);
            var (outcome, reason) = Judge(end);
            _last = new RunSummary(seed, outcome, reason, Runtime.Now, Runtime.Steps);
            return _last;
        }
        catch (Exception e) when (e is not (EmulatorFault or ReplayDivergedException))
        {
            throw new EmulatorFault(Spec, seed, e);
        }
    }

    /// <summary>Runs once and reports everything (the common case outside campaigns).</summary>
    public RunResult RunAndReport(ulong seed, ISchedulingStrategy? strategy = null, bool trace = false)
    {
        Run(seed, strategy);
        return Report(trace);
    }

    private RunSummary? _last;

    private void Inject(TriggerSpec t)
    {
        Message message = t.Kind switch
        {
            TriggerKind.Panic => new InjectPanic(t.Message),
            TriggerKind.NmiWatchdog => new DeliverNmi(NmiSource.Watchdog),
            TriggerKind.Wedge => new InjectWedge(string.Join(",", t.Holding)),
            TriggerKind.CorruptCrashKernel => new ScribbleCrashKernel(0x1c0),
            TriggerKind.Oops or TriggerKind.SysrqReboot or TriggerKind.StrayWrite => new InjectEntry(t.Kind, t.Message),
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        };
        var to = t.Kind == TriggerKind.CorruptCrashKernel ? CrashKernel : _cpus[t.Cpu].Self;
        Runtime.Send(Harness, to, message, Runtime.Choose(t.AtNs, t.AtLatestNs));  // at = [min, max]: a fault-timing choice of the run
    }

    /// <summary>The full result of the last run: console, milestones, NVRAM read back, CPUs, locks, decisions, trace.</summary>
    public RunResult Report(bool trace = false)
    {
        var last = _last ?? throw new InvalidOperationException("no run yet");
        var k = Kernel;
        var cpus = _cpus.Select(c => new CpuReport(c.Id, c.Fate, k.Online[c.Id], k.CrashNotesSaved[c.Id], c.Doing)).ToArray();
        var held = k.Locks.Where(l => l.IsHeld)
            .Select(l => new HeldLock(l.Name, l.Holder, _cpus[l.Holder].Fate.ToString())).ToArray();
        var nvram = k.DumpList.SelectMany(d => d.ReadBack()).ToArray();
        var storage = k.DumpList.Select(d => d.Storage()).OfType<StorageReport>().ToArray();
        return new RunResult(
            Spec.Name, Design.Name, last.Seed, Runtime.StrategyName, last.Outcome, last.Reason, last.EndTimeNs, last.Steps,
            k.Milestones.ToArray(), k.Console.ToArray(), nvram, cpus, held, Runtime.Decisions.ToArray(),
            trace ? FormatTrace() : null, storage);
    }

    /// <summary>What the end state means: rebooted, vmcore, halted as configured, or hung (and where).</summary>
    private (Outcome, string) Judge(RunEnd end)
    {
        if (FirmwareActor.ResetCause is { } cause)
            return (Outcome.Rebooted, CrashKernelActor.Booted ? $"{cause} while the crash kernel was running" : cause);
        if (CrashKernelActor.VmcoreSaved)
            return (Outcome.VmcoreCaptured, $"kdump on cpu{CrashKernelActor.KexecCpu}");
        if (CrashKernelActor.PurgatoryLooping) return (Outcome.Hung, "purgatory: crash-kernel digest mismatch, looping forever");
        if (CrashKernelActor.BootFailed) return (Outcome.Hung, "the crash kernel failed to boot");

        var limit = end switch
        {
            RunEnd.TimeLimit => $"virtual-time limit ({VirtualTime.Format(Spec.Limits.VirtualTimeNs)}) reached",
            RunEnd.StepLimit => $"step limit ({Spec.Limits.MaxSteps}) reached",
            _ => "no further events",
        };
        if (!_cpus.Any(c => c.Fate is CpuFate.Panicking or CpuFate.PanicLoop or CpuFate.SelfStopped or CpuFate.InCrashKernel
                or CpuFate.StoppedByIpi or CpuFate.StoppedByNmi))
            return (Outcome.Survived, $"no CPU panicked, the machine runs on: {limit}");
        var panicking = _cpus.Where(c => c.Fate is CpuFate.Panicking or CpuFate.PanicLoop).ToArray();
        if (panicking.Length > 0 && panicking.All(c => c.Fate == CpuFate.PanicLoop))
            return (Outcome.Halted, $"cpu{panicking[0].Id} in panic's final loop (panic={Kernel.PanicTimeout}): {limit}");
        if (panicking.Length == 0)
            return (Outcome.Hung, $"no CPU is left running the panic: {limit}");
        return (Outcome.Hung, $"{string.Join("; ", panicking.Select(c => $"cpu{c.Id} {c.Doing}"))}: {limit}");
    }

    private TraceLine[] FormatTrace()
    {
        var actors = Runtime.Actors;
        var lines = new TraceLine[Runtime.Trace.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var e = Runtime.Trace[i];
            lines[i] = new TraceLine(e.Time, actors[e.From.Index].Name, actors[e.To.Index].Name, TraceText.Describe(e.Message));
        }
        return lines;
    }

    private static IEnumerable<string> BootLog(ScenarioSpec spec, IEnumerable<KmsgDumper> dumpers)
    {
        yield return "Linux version 2.6.38 (gcc version 4.5.2) #1 SMP";
        yield return $"Command line: {spec.Cmdline.Raw}";
        yield return $"Brought up {spec.Machine.CpuCount} CPUs";
        if (spec.Machine.Kdump.Loaded) yield return "kexec: crash kernel loaded";
        foreach (var line in dumpers.SelectMany(d => d.BootMessages)) yield return line;
    }
}
