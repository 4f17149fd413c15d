using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorCrash.Config;
using AkkaConfig = Akka.Configuration.Config;
using Akka.Configuration;

namespace ActorCrash.Cluster;

/// <summary>A node that cannot start as asked (address, seeds, TLS), and why: exit code 2.</summary>
public sealed class NodeSetupException(string message) : Exception(message);

/// <summary>HOST:PORT of a node.</summary>
public readonly record struct Endpoint(string Host, int Port)
{
    public static Endpoint Parse(string text, string what)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new NodeSetupException($"{what}: expected HOST:PORT (a port from 0 to 65535), e.g. 127.0.0.1:4053, got \"{text}\"");
        var host = text[..colon].Trim('[', ']');
        if (host.Length == 0) throw new NodeSetupException($"{what}: expected HOST:PORT with a host, got \"{text}\"");
        return new Endpoint(host, port);
    }

    /// <summary>A TCP port free on 127.0.0.1 just now (for tests and benchmarks that start nodes at known ports).</summary>
    public static int FreeLoopbackPort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static Endpoint Of(Akka.Actor.Address a) => new(a.Host ?? "?", a.Port ?? 0);

    /// <summary>127.0.0.0/8, ::1 and localhost: reachable from this machine only.</summary>
    public bool IsLoopback =>
        Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>The certificate Akka.Remote's TLS uses (akka.remote.dot-netty.tcp.ssl.certificate).</summary>
public sealed record TlsSettings(string Certificate, string Password, bool SuppressValidation);

/// <summary>
/// A node's cluster settings, read once from <c>actorcrash.cluster</c> (akka.hocon), then environment
/// variables, then the command line, each over the one before. Checked here: a node binds or joins
/// anything but loopback only with TLS configured.
/// </summary>
public sealed record NodeSettings(
    Endpoint Bind,
    IReadOnlyList<Endpoint> Seeds,
    IReadOnlyList<string> Roles,
    TlsSettings? Tls,
    string? PublicHost,
    int BatchSize,
    int Prefetch,
    TimeSpan ProgressInterval,
    TimeSpan RegisterRetry,
    AkkaConfig AkkaOverrides)
{
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";
    public const string SystemName = "actorcrash";

    public const string BindVariable = "ACTORCRASH_CLUSTER_BIND";
    public const string SeedsVariable = "ACTORCRASH_CLUSTER_SEEDS";
    public const string RolesVariable = "ACTORCRASH_CLUSTER_ROLES";
    public const string PublicHostVariable = "ACTORCRASH_CLUSTER_PUBLIC_HOST";
    public const string CertificateVariable = "ACTORCRASH_CLUSTER_TLS_CERT";
    public const string PasswordVariable = "ACTORCRASH_CLUSTER_TLS_PASSWORD";
    /// <summary>"true": accept peer certificates that do not chain to a trusted root (a cluster's own CA, self-signed).</summary>
    public const string SuppressValidationVariable = "ACTORCRASH_CLUSTER_TLS_SUPPRESS_VALIDATION";
    /// <summary>HOCON laid over <c>actorcrash.cluster.akka</c> (e.g. failure-detector timings), for deployments and tests.</summary>
    public const string AkkaVariable = "ACTORCRASH_CLUSTER_AKKA";

    private static AkkaConfig Section => AkkaSettings.Load().GetConfig("actorcrash.cluster");

    /// <summary>
    /// Settings for a node of <paramref name="role"/>. A coordinator binds <c>coordinator-bind</c>
    /// and is its own seed; a worker binds <c>bind</c> and joins <c>seed-nodes</c>.
    /// </summary>
    public static NodeSettings For(string role, string? bind = null, IReadOnlyList<string>? join = null,
        string? certificate = null, string? password = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var c = Section;
        var coordinator = role == CoordinatorRole;
        var bindText = bind ?? environment(BindVariable) ?? c.GetString(coordinator ? "coordinator-bind" : "bind");
        var bindAt = Endpoint.Parse(bindText, bind is not null ? "--bind" : environment(BindVariable) is not null ? BindVariable : "actorcrash.cluster.bind");

        IReadOnlyList<Endpoint> seeds;
        if (join is { Count: > 0 }) seeds = join.Select(j => Endpoint.Parse(j, "--join")).ToArray();
        else if (environment(SeedsVariable) is { Length: > 0 } s)
            seeds = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => Endpoint.Parse(x, SeedsVariable)).ToArray();
        else if (coordinator) seeds = [];
        else seeds = c.GetStringList("seed-nodes").Select(x => Endpoint.Parse(x, "actorcrash.cluster.seed-nodes")).ToArray();

        var roles = new List<string> { role };
        var extra = environment(RolesVariable) is { Length: > 0 } r
            ? r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : c.GetStringList("roles").ToArray();
        roles.AddRange(extra.Where(x => x != role));

        var certFile = certificate ?? environment(CertificateVariable) ?? c.GetString("tls.certificate", "");
        var certPassword = password ?? environment(PasswordVariable) ?? c.GetString("tls.password", "");
        var tls = string.IsNullOrEmpty(certFile) ? null : new TlsSettings(certFile, certPassword,
            environment(SuppressValidationVariable) is { } sv ? sv.Equals("true", StringComparison.OrdinalIgnoreCase) : c.GetBoolean("tls.suppress-validation", false));
        var publicHost = environment(PublicHostVariable) ?? NullIfEmpty(c.GetString("public-hostname", ""));

        var overrides = environment(AkkaVariable) is { Length: > 0 } a ? ParseOverrides(a) : ConfigurationFactory.Empty;
        var settings = new NodeSettings(bindAt, seeds, roles, tls, publicHost,
            Positive(c.GetInt("batch-size"), "actorcrash.cluster.batch-size"),
            Math.Max(0, c.GetInt("prefetch")),
            c.GetTimeSpan("progress-interval"),
            c.GetTimeSpan("register-retry"),
            overrides);
        settings.Check(coordinator);
        return settings;
    }

    /// <summary>
    /// Refuses what would expose the node: Akka.Remote without TLS accepts any peer that connects and
    /// trusts what it sends (a cluster member can deploy work to this node and read its results), so a
    /// node may listen on, or talk to, an address other than loopback only over TLS.
    /// </summary>
    private void Check(bool coordinator)
    {
        if (!coordinator && Seeds.Count == 0)
            throw new NodeSetupException($"a worker needs a coordinator to join: --join HOST:PORT, {SeedsVariable}, or actorcrash.cluster.seed-nodes");
        var exposed = new List<string>();
        if (!Bind.IsLoopback) exposed.Add($"binding {Bind}");
        if (PublicHost is not null && !new Endpoint(PublicHost, 0).IsLoopback) exposed.Add($"advertising {PublicHost}");
        exposed.AddRange(Seeds.Where(s => !s.IsLoopback).Select(s => $"joining {s}"));
        if (exposed.Count > 0 && Tls is null)
            throw new NodeSetupException(
                $"refusing {string.Join(", ", exposed)} without TLS: Akka.Remote would accept unauthenticated, unencrypted " +
                "connections from anyone who can reach the port, and any cluster member can hand this node work and read its results. " +
                $"Configure a certificate (--tls-cert FILE [--tls-password P], {CertificateVariable}, or actorcrash.cluster.tls.certificate in akka.hocon; " +
                "see Cluster/README.md), or stay on 127.0.0.1.");
        if (Tls is not null) CheckCertificate(Tls);
    }

    private static void CheckCertificate(TlsSettings tls)
    {
        if (!File.Exists(tls.Certificate))
            throw new NodeSetupException($"TLS certificate {tls.Certificate}: no such file (expected a PKCS#12 file with the node's private key)");
        try
        {
            using var cert = X509CertificateLoader.LoadPkcs12FromFile(tls.Certificate, tls.Password);
            if (!cert.HasPrivateKey)
                throw new NodeSetupException($"TLS certificate {tls.Certificate}: it holds no private key (expected a PKCS#12 file with the node's private key)");
        }
        catch (CryptographicException e)
        {
            throw new NodeSetupException($"TLS certificate {tls.Certificate}: cannot be read ({e.Message.TrimEnd('.')}); expected a PKCS#12 file and its password");
        }
    }

    /// <summary>The ActorSystem's configuration: these settings over <c>actorcrash.cluster.akka</c> over akka.hocon.</summary>
    public AkkaConfig ToAkkaConfig()
    {
        var protocol = Tls is null ? "akka.tcp" : "akka.ssl.tcp";  // DotNetty's TLS transport has its own scheme
        var seeds = string.Join(", ", Seeds.Select(s => Quote($"{protocol}://{SystemName}@{s}")));
        var roles = string.Join(", ", Roles.Select(Quote));
        var tls = Tls is null
            ? "enable-ssl = false"
            : $$"""
              enable-ssl = true
              ssl {
                certificate { path = {{Quote(Tls.Certificate)}}, password = {{Quote(Tls.Password)}} }
                suppress-validation = {{(Tls.SuppressValidation ? "true" : "false")}}
              }
              """;
        var node = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(Bind.Host)}}
              port = {{Bind.Port}}
              {{(PublicHost is null ? "" : $"public-hostname = {Quote(PublicHost)}")}}
              {{tls}}
            }
            akka.cluster.seed-nodes = [{{seeds}}]
            akka.cluster.roles = [{{roles}}]
            """);
        var all = AkkaSettings.Load();
        return node.WithFallback(AkkaOverrides).WithFallback(all.GetConfig("actorcrash.cluster.akka").Root.AtKey("akka")).WithFallback(all);
    }

    private static AkkaConfig ParseOverrides(string hocon)
    {
        try
        {
            var parsed = ConfigurationFactory.ParseString(hocon);
            return parsed.HasPath("akka") ? parsed : parsed.Root.AtKey("akka");
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new NodeSetupException($"{AkkaVariable}: expected HOCON over akka's settings, e.g. \"cluster.failure-detector.acceptable-heartbeat-pause = 2s\": {e.Message}");
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static int Positive(int n, string key) =>
        n > 0 ? n : throw new NodeSetupException($"{key}: expected a positive integer, got {n}");
}
