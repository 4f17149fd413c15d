using System.ComponentModel;
using ActorCrash.Cluster;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class NodeSettingsCli : CommandSettings
{
    [CommandOption("--bind <HOST:PORT>")]
    [Description("Where this node listens. Default: actorcrash.cluster.bind (127.0.0.1:0, any free port) or ACTORCRASH_CLUSTER_BIND. Not loopback: needs --tls-cert.")]
    public string? Bind { get; init; }

    [CommandOption("--join <HOST:PORT>")]
    [Description("The coordinator (seed node) to join; repeatable. Default: actorcrash.cluster.seed-nodes (127.0.0.1:4053) or ACTORCRASH_CLUSTER_SEEDS.")]
    public string[]? Join { get; init; }

    [CommandOption("--cores <N>")]
    [Description("Threads running emulations. Default: every core.")]
    public int? Cores { get; init; }

    [CommandOption("--once")]
    [Description("Exit when the coordinator's campaign is over, instead of waiting for the next one.")]
    public bool Once { get; init; }

    [CommandOption("--tls-cert <FILE>")]
    [Description("PKCS#12 certificate with this node's private key, for Akka.Remote's TLS (ACTORCRASH_CLUSTER_TLS_CERT).")]
    public string? TlsCert { get; init; }

    [CommandOption("--tls-password <PASSWORD>")]
    [Description("The certificate's password (ACTORCRASH_CLUSTER_TLS_PASSWORD).")]
    public string? TlsPassword { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        Cores is < 1 ? Spectre.Console.ValidationResult.Error("--cores must be at least 1") : Spectre.Console.ValidationResult.Success();
}

/// <summary>
/// `actorcrash node`: a worker node. It joins the coordinator, pulls batches of an experiment, runs
/// them on its cores and sends the rows back; when its coordinator is gone (finished, killed,
/// restarting with --resume) it joins again. Ctrl-C or SIGTERM stops it (exit 130 / 143; what it was
/// running is handed to the others by the coordinator). Exit 2 when refused (another build) or misconfigured.
/// </summary>
public sealed class NodeCommand : Command<NodeSettingsCli>
{
    public override int Execute(CommandContext context, NodeSettingsCli settings, CancellationToken cancellation)
    {
        var node = NodeSettings.For(NodeSettings.WorkerRole, settings.Bind, settings.Join, settings.TlsCert, settings.TlsPassword);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, Interruption.Token);
        var cores = settings.Cores ?? Environment.ProcessorCount;
        try
        {
            var (end, message) = ClusterNode.RunWorker(new ExperimentWorkRunner(), node, cores, settings.Once, Console.Error.WriteLine, stop.Token)
                .GetAwaiter().GetResult();
            if (end == SessionEnd.Refused)
            {
                Console.Error.WriteLine($"error: refused by the coordinator: {message}");
                return (int)ExitCode.BadInput;
            }
            return (int)ExitCode.Ok;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("worker: stopped; the coordinator hands what it was running to the others");
            return Interruption.ExitCode ?? (int)ExitCode.Ok;
        }
    }
}
