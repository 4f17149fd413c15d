using System.Runtime.CompilerServices;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using Akka.Actor;

namespace ActorCrash.Actors.Akka;

/// <summary>Machine → <see cref="DeviceBoard"/>: create a device actor named <paramref name="Name"/>; the reply is its IActorRef.</summary>
public sealed record AddDevice(string Name, Props Props);

/// <summary>
/// One emulated machine's devices: their parent and supervisor, on the deterministic dispatcher.
/// When a device throws, Akka suspends it and sends this board the failure before the faulting Tell
/// returns; the board resumes the device (its state is the machine's, a restart would lose it) and
/// tells the machine's runtime, which decides what the fault means to the emulated machine (a CPU
/// oopses in the faulting kernel code; any other device's failure ends the run, naming it).
/// </summary>
public sealed class DeviceBoard : UntypedActor
{
    private readonly MachineRuntime _runtime;

    public DeviceBoard(MachineRuntime runtime) => _runtime = runtime;

    public static Props Props(MachineRuntime runtime) =>
        global::Akka.Actor.Props.Create(() => new DeviceBoard(runtime)).WithDispatcher(DeterministicDispatcher.ConfigId);

    protected override void OnReceive(object message)
    {
        if (message is AddDevice d) Sender.Tell(Context.ActorOf(DeviceProps(d.Props), d.Name));
        else Unhandled(message);
    }

    // A built-in device gets the single-thread queue where the system is configured from akka.hocon
    // (a TestKit's system keeps Akka's default queue; the deliveries are the same). Other actors (a
    // scenario's third-party devices) may be Told from other threads, so they keep the default.
    private Props DeviceProps(Props props)
    {
        props = props.WithDispatcher(DeterministicDispatcher.ConfigId);
        return typeof(DeviceActor).IsAssignableFrom(props.Type) && Context.System.Settings.Config.HasPath(DeviceMailbox.ConfigId)
            ? props.WithMailbox(DeviceMailbox.ConfigId)
            : props;
    }

    protected override SupervisorStrategy SupervisorStrategy() => new DeviceFaultStrategy(_runtime);

    /// <summary>Resume the failed device and report the failure to the machine (no log line: the run's outcome says it).</summary>
    private sealed class DeviceFaultStrategy(MachineRuntime runtime) : OneForOneStrategy(_ => Directive.Resume, loggingEnabled: false)
    {
        protected override Directive Handle(IActorRef child, Exception exception)
        {
            runtime.Faulted(child, exception);
            return Directive.Resume;
        }
    }
}

/// <summary>Any → the host actor of <see cref="DeviceHost"/>: create a <see cref="DeviceBoard"/>; the reply is its IActorRef.</summary>
public sealed record AddBoard(Props Props);

/// <summary>
/// Where machines built outside a machine actor (tests, the explorer, compare) keep their device
/// actors: one host actor per ActorSystem, on the deterministic dispatcher, parent of each machine's
/// <see cref="DeviceBoard"/>. <see cref="Shared"/> is the process's own system, created on first use
/// (once per process, about 0.1 s) and never per run; a test passes its TestKit's system instead.
/// </summary>
public static class DeviceHost
{
    private static readonly Lazy<ActorSystem> SharedSystem = new(CreateShared);
    private static Action<string>? _mark;
    private static readonly ConditionalWeakTable<ActorSystem, IActorRef> Hosts = [];
    private static long _boards;

    /// <summary>akka.hocon with its <c>actorcrash.device-system.akka</c> settings laid over <c>akka</c>: what <see cref="Shared"/> is created with.</summary>
    public static global::Akka.Configuration.Config SharedConfig()
    {
        var config = AkkaSettings.Load();
        return config.GetConfig(DeviceSystemConfigId).WithFallback(config);
    }

    private static ActorSystem CreateShared()
    {
        var config = SharedConfig();
        _mark?.Invoke("dev-config");
        var system = ActorSystem.Create("actorcrash-devices", config);
        _mark?.Invoke("dev-system");
        return system;
    }

    /// <summary>Where akka.hocon keeps the settings of <see cref="Shared"/> alone.</summary>
    public const string DeviceSystemConfigId = "actorcrash.device-system";

    /// <summary>The process-wide ActorSystem of machines built without one.</summary>
    public static ActorSystem Shared => SharedSystem.Value;

    /// <summary>
    /// Starts creating <see cref="Shared"/> and its host actor on a thread-pool thread and returns at
    /// once, so that a verb that will build a machine (<c>run</c>) pays for the ActorSystem while it
    /// parses its command line and scenario on the main thread. The first use of <see cref="Shared"/>
    /// waits for it (and sees its exception, if creating it failed). <paramref name="mark"/> is called on
    /// that thread at the end of each step (<c>dev-config</c>, <c>dev-system</c>, <c>devices</c>: the
    /// settings read, the system created, its host actor started), for the start-up trace.
    /// </summary>
    public static void Prestart(Action<string>? mark = null)
    {
        _mark = mark;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                Host(Shared);
                mark?.Invoke("devices");
            }
            catch (Exception)
            {
                // Reported where the system is used; a process that never uses it loses nothing.
            }
        }, null);
    }


    /// <summary>A new board for one machine, under <paramref name="system"/>'s host actor.</summary>
    public static IActorRef NewBoard(ActorSystem system, MachineRuntime runtime) =>
        Host(system).Ask<IActorRef>(new AddBoard(DeviceBoard.Props(runtime))).GetAwaiter().GetResult();

    /// <summary>A new board for one machine, as a child of the actor whose <paramref name="context"/> this is (a <see cref="MachineActor"/>).</summary>
    public static IActorRef NewBoard(IActorContext context, MachineRuntime runtime)
    {
        EnsureDispatcher(context.System);
        return context.ActorOf(DeviceBoard.Props(runtime), $"devices-{Interlocked.Increment(ref _boards)}");
    }

    /// <summary>
    /// Makes sure <paramref name="system"/>'s host actor exists (call it outside any actor: it waits for
    /// the actor to start). It lives on the deterministic dispatcher for the system's life, so stopping
    /// the last machine's devices never leaves that dispatcher empty: an Akka dispatcher left without
    /// actors schedules its own shutdown, which starts the system's scheduler, and that then ticks every
    /// 10 ms for the rest of the process (a few percent of a core; <see cref="Exploration.ParallelExplorer"/>).
    /// </summary>
    public static void Keep(ActorSystem system) => Host(system);

    private static IActorRef Host(ActorSystem system)
    {
        lock (Hosts)
        {
            if (Hosts.TryGetValue(system, out var host)) return host;
            EnsureDispatcher(system);
            host = system.ActorOf(Props.Create<HostActor>().WithDispatcher(DeterministicDispatcher.ConfigId), $"actorcrash-devices-{Interlocked.Increment(ref _boards)}");
            host.Ask<ActorIdentity>(new Identify(null)).GetAwaiter().GetResult();  // started: from now on a Tell runs on the caller's thread
            Hosts.Add(system, host);
            return host;
        }
    }

    // A system configured from akka.hocon has it; another (a TestKit's, a cluster node's) gets the same defaults.
    private static void EnsureDispatcher(ActorSystem system)
    {
        lock (Hosts)
        {
            if (system.Dispatchers.HasDispatcher(DeterministicDispatcher.ConfigId)) return;
            var config = AkkaSettings.Load().GetConfig(DeterministicDispatcher.ConfigId);
            system.Dispatchers.RegisterConfigurator(DeterministicDispatcher.ConfigId,
                new DeterministicDispatcherConfigurator(config, system.Dispatchers.Prerequisites));
        }
    }

    private sealed class HostActor : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is AddBoard b) Sender.Tell(Context.ActorOf(b.Props, $"machine-{Interlocked.Increment(ref _boards)}"));
            else Unhandled(message);
        }
    }
}
