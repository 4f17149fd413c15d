using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace ActorCrash.Cluster;

/// <summary>
/// Akka's own log lines of a cluster node, on standard error: standard output carries the table and
/// the journal, which a program reads (akka.loggers in actorcrash.cluster.akka).
/// </summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.Error.WriteLine($"akka {e.LogLevel().ToString().Replace("Level", "").ToLowerInvariant()}: {e.LogSource}: {e.Message}" +
                                                        (e is Error { Cause: { } cause } ? $" ({cause.GetType().Name}: {cause.Message})" : "")));
    }
}
