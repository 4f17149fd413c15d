using ActorCrash.Actors.Akka;
using ActorCrash.Actors.Designs;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using ActorCrash.Hardware;
using Akka.Actor;

namespace ActorCrash.Actors;

/// <summary>
/// An emulated machine built from a scenario: its device actors (CPUs, the interrupt controller,
/// NVRAM, the crash kernel, the firmware's reset line, a watchdog, the harness; Akka actors under one
/// <see cref="DeviceBoard"/>), the kernel's shared memory and the panic-path design. Built once, then
/// run any number of times: each run resets every device, so a run creates no actor and two runs
/// with the same seed are identical. <see cref="Dispose"/> stops the device actors.
/// </summary>
public sealed class Machine : IDisposable
{
    /// <summary>Devices a caller may replace with an actor of its own (e.g. a TestProbe): the machine never reads their state.</summary>
    public static IReadOnlyList<string> ReplaceableDevices { get; } = ["nvram", "apic", "watchdog"];

    private readonly List<CpuActor> _cpus = [];
    private readonly IActorRef[] _cpuRefs;
    private readonly ActorId[] _cpuAddresses;
    private readonly IActorRef _board;
    private readonly IReadOnlyDictionary<string, IActorRef> _replaced;
    private readonly Nvram _nvram;
    private readonly bool[] _faultedCpus;
    // Per-CPU state the machine reads across all CPUs, in arrays (not in the 4096 CPU actors, whose
    // objects are out of cache by the end of a run): each CPU's fate, and which CPUs have not yet
    // powered on this run. _quietPowerOn: CPUs whose power-on only starts their idle loop (deferred).
    private readonly CpuFate[] _fates;
    private readonly bool[] _awaitingPowerOn;
    private readonly bool[] _quietPowerOn;
    private string? _deviceFailure;

    /// <summary>A machine whose devices live in the process's shared ActorSystem (<see cref="DeviceHost.Shared"/>).</summary>
    public Machine(ScenarioSpec spec) : this(spec, runtime => DeviceHost.NewBoard(DeviceHost.Shared, runtime), null) { }

    /// <summary>
    /// A machine whose devices live in <paramref name="system"/> (a TestKit's, say); the devices named
    /// in <paramref name="devices"/> (see <see cref="ReplaceableDevices"/>) are those actors instead
    /// of the built-in ones, and get every delivery and <see cref="ResetDevice"/> the built-in would.
    /// </summary>
    public Machine(ScenarioSpec spec, ActorSystem system, IReadOnlyDictionary<string, IActorRef>? devices = null)
        : this(spec, runtime => DeviceHost.NewBoard(system, runtime), devices) { }

    /// <summary>A machine whose device board is a child of the actor owning <paramref name="context"/> (a <see cref="MachineActor"/>).</summary>
    public Machine(ScenarioSpec spec, IActorContext context) : this(spec, runtime => DeviceHost.NewBoard(context, runtime), null) { }

    private Machine(ScenarioSpec spec, Func<MachineRuntime, IActorRef> board, IReadOnlyDictionary<string, IActorRef>? devices)
    {
        _replaced = devices ?? new Dictionary<string, IActorRef>();
        foreach (var name in _replaced.Keys)
            if (!ReplaceableDevices.Contains(name))
                throw new ArgumentException($"device \"{name}\" cannot be replaced; replaceable: {string.Join(", ", ReplaceableDevices)}");
        Spec = spec;
        Timing = spec.Timing;
        Design = Designs.Designs.ByName(spec.Design);
        Kernel = new KernelState(spec.Machine.CpuCount, spec.Cmdline) { NbconConsoleRegistered = spec.Machine.NbconConsole };
        Runtime = new MachineRuntime { OnFault = OnFault };
        _board = board(Runtime);
        _faultedCpus = new bool[spec.Machine.CpuCount];
        _cpuRefs = new IActorRef[spec.Machine.CpuCount];
        _cpuAddresses = new ActorId[spec.Machine.CpuCount];
        _fates = new CpuFate[spec.Machine.CpuCount];
        _awaitingPowerOn = new bool[spec.Machine.CpuCount];
        _quietPowerOn = spec.Cpus.Take(spec.Machine.CpuCount).Select(Workloads.PowersOnQuietly).ToArray();

        for (var i = 0; i < spec.Machine.CpuCount; i++)
        {
            var id = i;
            // A CPU's reset is part of its PowerOn (one control message a run, not two: 512 CPUs, 512 Tells).
            var cpu = AddDevice($"cpu{i}", () => new CpuActor(id, this) { Workload = Workloads.For(spec.Cpus[id]) }, resetAtStart: false)!;
            _cpus.Add(cpu);
            _cpuRefs[i] = Runtime.RefOf(cpu.Address);
            _cpuAddresses[i] = cpu.Address;
        }
        InterruptController = Address(AddDevice("apic", () => new InterruptControllerActor(this)), "apic");
        _nvram = new Nvram(spec.Machine.Nvram.SizeBytes, spec.Machine.Nvram.WriteNsPerByte);
        Nvram = Address(AddDevice("nvram", () => new NvramActor(_nvram, Runtime)), "nvram");
        CrashKernelActor = AddDevice("kdump", () => new CrashKernelActor(this, new CrashKernelRegion()))!;
        CrashKernel = CrashKernelActor.Address;
        FirmwareActor = AddDevice("firmware", () => new FirmwareActor(this))!;
        Firmware = FirmwareActor.Address;
        Watchdog = Address(AddDevice("watchdog", () => new WatchdogActor(this, new HardwareWatchdog(spec.Machine.Watchdog.Enabled, spec.Machine.Watchdog.TimeoutNs, spec.Machine.Watchdog.LastPingNs))), "watchdog");
        Harness = AddDevice("harness", () => new HarnessActor(Runtime))!.Address;
        if (spec.Machine.Faults is { Count: > 0 } faults) AddDevice("faults", () => new FaultActor(this, _nvram, faults));

        foreach (var d in spec.Machine.Dumpers)
            Kernel.DumpList.Add(DumperFactory.Build(this, d, _nvram));
        foreach (var type in spec.Machine.ActorDumpers)
            Kernel.DumpList.Add(ActorDumper.Build(this, type));
        Kernel.Log.SetBootLog(BootLog(spec, Kernel.DumpList));
        KernelPanic.RegisterPanicNotifiers(Kernel, Design, spec.Notifiers ?? []);
    }

    /// <summary>
    /// Creates a built-in device actor under the machine's board and registers it, or registers the
    /// caller's replacement of that name (then there is no instance: null).
    /// </summary>
    internal T? AddDevice<T>(string name, Func<T> make, bool resetAtStart = true) where T : DeviceActor
    {
        if (_replaced.TryGetValue(name, out var replacement))
        {
            Runtime.Register(name, replacement);
            return null;
        }
        T? made = null;
        var actor = AddActor(name, DeviceProducer<T>.Props(make, a => made = a), resetAtStart);
        made!.Address = Runtime.IdOf(actor);
        Runtime.SetInstance(made.Address, made);
        made.Registered();
        return made;
    }

    /// <summary>Creates any Akka actor as a device of this machine (a third-party device from a scenario) and registers it.</summary>
    internal IActorRef AddActor(string name, Props props, bool resetAtStart = true)
    {
        // Answered before Ask returns (the board runs on the calling thread); the timeout only guards against a broken host.
        var actor = _board.Ask<IActorRef>(new AddDevice(name, props), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        Runtime.Register(name, actor, resetAtStart);
        return actor;
    }

    private ActorId Address(DeviceActor? device, string name) => device?.Address ?? Runtime.IdOf(_replaced[name]);

    public ScenarioSpec Spec { get; }
    public TimingSpec Timing { get; }
    public PanicDesign Design { get; }
    public KernelState Kernel { get; }
    public MachineRuntime Runtime { get; }
    public IReadOnlyList<CpuActor> Cpus => _cpus;

    /// <summary>
    /// CPU <paramref name="cpu"/>'s address in the runtime, from an array of ints: a fan-out to every
    /// CPU reads this, not each CPU actor's object (at 4096 CPUs, 4096 cache lines out of cache).
    /// </summary>
    public ActorId CpuAddress(int cpu) => _cpuAddresses[cpu];

    internal CpuFate FateOf(int cpu) => _fates[cpu];

    internal void SetFate(int cpu, CpuFate fate) => _fates[cpu] = fate;

    /// <summary>True while CPU <paramref name="cpu"/>'s power-on is deferred to its first message of the run (CpuActor.PowerUpIfDeferred).</summary>
    internal bool AwaitsPowerOn(int cpu) => _awaitingPowerOn[cpu];

    internal void PoweredOn(int cpu) => _awaitingPowerOn[cpu] = false;

    /// <summary>How many CPUs the machine has.</summary>
    public int CpuCount => _cpuAddresses.Length;
    public ActorId InterruptController { get; }
    public ActorId Nvram { get; }
    public Nvram NvramDevice => _nvram;
    public ActorId CrashKernel { get; }
    public ActorId Firmware { get; }
    public ActorId Harness { get; }
    public ActorId Watchdog { get; }
    public CrashKernelActor CrashKernelActor { get; }
    public FirmwareActor FirmwareActor { get; }

    /// <summary><see cref="WakeWaiters"/> as one delegate for every lock release (a method group would allocate one per call).</summary>
    internal Action<WaitChannel, int> Wake => _wake ??= WakeWaiters;
    private Action<WaitChannel, int>? _wake;

    /// <summary>Wakes every CPU waiting on <paramref name="channel"/>; each wake is a message, so the strategy orders them.</summary>
    public void WakeWaiters(WaitChannel channel, int byCpu) => WakeWaiters(channel, byCpu >= 0 ? _cpuAddresses[byCpu] : Harness);

    /// <summary>Wakes every CPU waiting on <paramref name="channel"/>, the wakes sent by device <paramref name="from"/>.</summary>
    public void WakeWaiters(WaitChannel channel, ActorId from)
    {
        var waiters = channel.Waiters;
        if (waiters.Count == 0) return;
        var wake = channel.WakeMessage ??= new Wake(channel);  // immutable: one per channel
        for (var i = 0; i < waiters.Count; i++)
            Runtime.Send(from, _cpuAddresses[waiters[i]], wake, Interconnect.CachelineMinNs, Interconnect.CachelineMaxNs);
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
            _deviceFailure = null;
            Array.Clear(_faultedCpus);
            Runtime.Start(strategy ?? (_random ??= new RandomStrategy()), seed);
            Kernel.Reset(Spec.Machine.Kdump.Loaded);
            PowerOnCpus();
            Runtime.RefOf(Watchdog).Tell(ArmWatchdog.Instance, ActorRefs.NoSender);
            for (var i = 0; i < Spec.Triggers.Count; i++) Inject(Spec.Triggers[i]);

            var end = Runtime.Run(Spec.Limits.VirtualTimeNs, Spec.Limits.MaxSteps);
            PowerOnTheRest();
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

    /// <summary>
    /// Every CPU powers on at time 0, in CPU order. One whose power-on only starts its idle loop
    /// (<see cref="Workloads.PowersOnQuietly"/>) sends nothing, takes no lock and reads no clock, so
    /// it gets its <see cref="PowerOn"/> when its first message arrives instead (unless an observer
    /// records the run: it sees each CPU enter its code at time 0): at 4096 CPUs a sweep of 4096
    /// power-ons through every CPU's out-of-cache actor was a quarter of a run's cache misses.
    /// </summary>
    private void PowerOnCpus()
    {
        var defer = Runtime.Observer is null;
        for (var i = 0; i < _cpuRefs.Length; i++)
        {
            _fates[i] = CpuFate.Running;
            if (defer && _quietPowerOn[i]) _awaitingPowerOn[i] = true;
            else
            {
                _awaitingPowerOn[i] = false;
                _cpuRefs[i].Tell(PowerOn.Instance, ActorRefs.NoSender);
            }
        }
    }

    /// <summary>The CPUs no message reached this run power on now, so the run's end state (fates, what each CPU does) is complete.</summary>
    private void PowerOnTheRest()
    {
        for (var i = 0; i < _awaitingPowerOn.Length; i++)
            if (_awaitingPowerOn[i]) _cpuRefs[i].Tell(PowerOn.Instance, ActorRefs.NoSender);
    }

    private RunSummary? _last;
    private RandomStrategy? _random;   // the default strategy, reseeded by each run

    private void Inject(TriggerSpec t)
    {
        Message message = t.Kind switch
        {
            TriggerKind.Panic => new InjectPanic(t.Message),
            TriggerKind.NmiWatchdog => new DeliverNmi(NmiSource.Watchdog),
            TriggerKind.Wedge => new InjectWedge(string.Join(",", t.Holding)),
            TriggerKind.CorruptCrashKernel => new ScribbleCrashKernel(0x1c0),
            TriggerKind.UnknownNmi => new DeliverNmi(NmiSource.Unknown),
            TriggerKind.IoCheckNmi => new DeliverNmi(NmiSource.IoCheck),
            _ => new InjectEntry(t.Kind, t.Message),   // oops, sysrq, lockup reports, WARN, orderly reboot/halt/power-off, stray writes
        };
        var to = t.Kind == TriggerKind.CorruptCrashKernel ? CrashKernel : _cpus[t.Cpu].Address;
        Runtime.Send(Harness, to, message, Runtime.Choose(t.AtNs, t.AtLatestNs, to));  // at = [min, max]: a fault-timing choice of the run
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
            k.Milestones.ToArray(), k.ConsoleOutput(), nvram, cpus, held, Runtime.Decisions.ToArray(),
            trace ? FormatTrace() : null, storage, Spec.Cmdline.NotModelled);
    }

    /// <summary>What the end state means: rebooted, vmcore, halted as configured, or hung (and where).</summary>
    private (Outcome, string) Judge(RunEnd end)
    {
        if (_deviceFailure is not null) return (Outcome.Hung, _deviceFailure);
        if (Kernel.MachineStopped is { } stopped && FirmwareActor.ResetCause is null) return (Outcome.Halted, stopped);
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
        // From the array of fates, not the CPU actors (see _fates).
        if (!_fates.Any(f => f is CpuFate.Panicking or CpuFate.PanicLoop or CpuFate.SelfStopped or CpuFate.InCrashKernel
                or CpuFate.StoppedByIpi or CpuFate.StoppedByNmi))
            return (Outcome.Survived, $"no CPU panicked, the machine runs on: {limit}");
        var panicking = Enumerable.Range(0, _fates.Length).Where(i => _fates[i] is CpuFate.Panicking or CpuFate.PanicLoop).Select(i => _cpus[i]).ToArray();
        if (panicking.Length > 0 && panicking.All(c => c.Fate == CpuFate.PanicLoop))
            return (Outcome.Halted, $"cpu{panicking[0].Id} in panic's final loop (panic={Kernel.PanicTimeout}): {limit}");
        if (panicking.Length == 0)
            return (Outcome.Hung, $"no CPU is left running the panic: {limit}");
        return (Outcome.Hung, $"{string.Join("; ", panicking.Select(c => $"cpu{c.Id} {c.Doing}"))}: {limit}");
    }

    private TraceLine[] FormatTrace()
    {
        var lines = new TraceLine[Runtime.Trace.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var e = Runtime.Trace[i];
            lines[i] = new TraceLine(e.Time, Runtime.NameOf(e.From), Runtime.NameOf(e.To), TraceText.Describe(e.Message));
        }
        return lines;
    }

    /// <summary>
    /// A device threw while handling a delivery; its supervisor resumed it and reports here. Kernel
    /// code that throws on a CPU is a fault in that code: the CPU oopses there, and a fault while it
    /// handles that one is a recursive fault (<see cref="KernelFault"/>). Any other device's failure
    /// ends the run with an outcome naming the device and the exception.
    /// </summary>
    private void OnFault(ActorId device, Exception cause)
    {
        var what = $"{cause.GetType().Name}: {cause.Message}";
        if (device.Index >= 0 && device.Index < _cpus.Count)
        {
            _cpuRefs[device.Index].Tell(new KernelFault(what, Recursive: _faultedCpus[device.Index]), ActorRefs.NoSender);
            _faultedCpus[device.Index] = true;
            return;
        }
        if (_deviceFailure is not null) return;
        var name = device == ActorId.None ? "an unregistered actor" : Runtime.NameOf(device);
        _deviceFailure = $"device {name} failed ({what}); its supervisor stopped the machine";
        Note(-1, $"{name}: actor failed: {what}");
        Runtime.Stop();
    }

    /// <summary>Stops the machine's device actors. A machine not disposed keeps them until its ActorSystem ends.</summary>
    public void Dispose() => _board.Tell(PoisonPill.Instance, ActorRefs.NoSender);

    private IEnumerable<string> BootLog(ScenarioSpec spec, IEnumerable<KmsgDumper> dumpers)
    {
        yield return Design.Era.Banner;
        yield return $"Command line: {spec.Cmdline.Raw}";
        yield return $"Brought up {spec.Machine.CpuCount} CPUs";
        if (spec.Machine.Kdump.Loaded) yield return "kexec: crash kernel loaded";
        foreach (var line in dumpers.SelectMany(d => d.BootMessages)) yield return line;
    }
}
