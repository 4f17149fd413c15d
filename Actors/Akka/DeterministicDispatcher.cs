using Akka.Actor;
using Akka.Dispatch;
using AkkaConfig = Akka.Configuration.Config;

namespace ActorCrash.Actors.Akka;

/// <summary>
/// The device actors' dispatcher: a mailbox runs on the thread that Tells it, before Tell returns
/// (Akka.TestKit's CallingThreadDispatcher does the same; this one keeps the TestKit out of the
/// runtime). With the machine's runtime Telling one delivery at a time from one thread, every
/// device message is processed in exactly the order the strategy chose, on any host and thread count.
/// Configured as <c>actorcrash.device-dispatcher</c> in akka.hocon; <see cref="DeviceHost"/> registers
/// it in an ActorSystem whose configuration lacks it (e.g. a TestKit's).
/// </summary>
public sealed class DeterministicDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
{
    /// <summary>The dispatcher's id in akka.hocon.</summary>
    public const string ConfigId = "actorcrash.device-dispatcher";

    protected override void ExecuteTask(IRunnable run) => run.Run();

    protected override void Shutdown() { }
}

/// <summary>Builds the one <see cref="DeterministicDispatcher"/> of an ActorSystem (Akka calls it from the dispatcher's <c>type</c>).</summary>
public sealed class DeterministicDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly DeterministicDispatcher _dispatcher;

    public DeterministicDispatcherConfigurator(AkkaConfig config, IDispatcherPrerequisites prerequisites) : base(config, prerequisites) =>
        _dispatcher = new DeterministicDispatcher(this);

    public override MessageDispatcher Dispatcher() => _dispatcher;
}
