using System.Text.Json.Nodes;
using ActorCrash.Tests.Experiments;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorCrash.Tests.Cluster;

/// <summary>
/// The cluster through the CLI, as separate processes on 127.0.0.1: a coordinator
/// (`experiment --cluster`) and two workers (`node`); one worker is SIGKILLed mid-campaign, then the
/// coordinator; the coordinator restarted with --resume finishes with the surviving worker rejoining.
/// The table and journal (timing fields and the --out folder aside) must be a single process's, every
/// row there once. Every wait is bounded and every child is killed in finally.
/// </summary>
[Collection("cluster")]
public sealed class ClusterCliTests(ITestOutputHelper output)
{
    private const string Experiment = "experiments/kmsg-dump-before-kdump.hocon";
    // Long enough that the survivor cannot finish between its first rows and the kill (runs got cheaper: 40 was not).
    private const int Runs = 120;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    /// <summary>Failure detection in about three seconds (robust to a loaded CI machine), downing two seconds later (Akka's defaults are meant for real networks).</summary>
    private static readonly Dictionary<string, string> Fast = new()
    {
        ["ACTORCRASH_CLUSTER_AKKA"] = "cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 3s }\n" +
                                      "cluster.split-brain-resolver.stable-after = 2s",
    };

    private static string ExperimentFile
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, Experiment))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new FileNotFoundException(Experiment), Experiment);
        }
    }

    [Fact]
    public void Workers_killed_and_a_coordinator_killed_and_resumed_give_the_single_process_table_and_journal()
    {
        var root = ExperimentKit.TempDir();
        string Dir(string name) => Path.Combine(root, name);
        var (refExit, refOut, refErr) = ChildProcess.Run("experiment", ExperimentFile, "--runs", $"{Runs}", "--out", Dir("single"));
        Assert.True(refExit is 0 or 1, refErr);
        var total = Count(Dir("single"));

        var port = ActorCrash.Cluster.Endpoint.FreeLoopbackPort();
        var at = $"127.0.0.1:{port}";
        var children = new List<ChildProcess>();
        ChildProcess Start(params string[] args)
        {
            var c = ChildProcess.Start(Fast, args);
            children.Add(c);
            return c;
        }
        try
        {
            var first = Start("experiment", ExperimentFile, "--runs", $"{Runs}", "--out", Dir("cluster"), "--cluster", "--bind", at);
            var victim = Start("node", "--join", at, "--cores", "1", "--once");
            // the victim dies holding its first batches; the survivor joins after, so it cannot finish the campaign first
            WaitFor(() => victim.Err.Contains("running "), "the victim worker to run a batch", first, victim);
            victim.KillHard();
            var survivor = Start("node", "--join", at, "--cores", "1", "--once");
            WaitFor(() => first.Err.Contains("back in the queue"), "the coordinator to reassign the killed worker's batches", first);
            WaitFor(() => Count(Dir("cluster")) > 0, "rows from the survivor", first);
            first.KillHard();
            var kept = Count(Dir("cluster"));
            Assert.True(kept < total, $"the coordinator finished ({kept} of {total} rows) before it was killed; make the campaign longer");

            var resumed = Start("experiment", ExperimentFile, "--runs", $"{Runs}", "--out", Dir("cluster"), "--cluster", "--bind", at, "--resume");
            var exit = resumed.Wait(Bound);
            output.WriteLine(resumed.Err);
            Assert.Equal(refExit, exit);
            Assert.Contains("joined campaign", survivor.Err[survivor.Err.IndexOf("joining again", StringComparison.Ordinal)..]);
            Assert.Equal(0, survivor.Wait(TimeSpan.FromSeconds(60)));

            Assert.Equal(total, Count(Dir("cluster")));
            Assert.Equal(total, Distinct(Dir("cluster")));
            Assert.Equal(Normalize(refOut, Dir("single")), Normalize(resumed.Out, Dir("cluster")));
            Assert.Equal(Journal(Dir("single")), Journal(Dir("cluster")));
        }
        finally
        {
            foreach (var c in children)
            {
                output.WriteLine($"--- child {c.Id} ---\n{c.Err}");
                c.Dispose();  // kills it if still running
            }
        }
    }

    [Theory]
    [InlineData("node", "--bind", "10.20.30.40:4053", "--join", "127.0.0.1:4053")]
    [InlineData("node", "--join", "10.20.30.40:4053")]
    [InlineData("experiment", "--cluster", "--bind", "0.0.0.0:4053", "--runs", "1")]
    public void A_node_outside_loopback_without_TLS_is_refused_and_says_why(params string[] args)
    {
        var (exit, _, err) = ChildProcess.Run([.. args, .. args[0] == "experiment" ? new[] { "--out", ExperimentKit.TempDir() } : []]);
        Assert.Equal(2, exit);
        Assert.Contains("without TLS", err);
        Assert.Contains("unauthenticated", err);
        Assert.DoesNotContain("   at ", err);  // no stack trace
    }

    [Fact]
    public void A_missing_certificate_is_refused_with_its_path()
    {
        var (exit, _, err) = ChildProcess.Run("node", "--bind", "10.20.30.40:4053", "--tls-cert", "/nonexistent/node.pfx");
        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/node.pfx: no such file", err);
    }

    private void WaitFor(Func<bool> condition, string what, params ChildProcess[] watched)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Bound} for {what}");
            var dead = watched.FirstOrDefault(c => c.Exited);
            if (dead is not null) throw new InvalidOperationException($"a child exited while waiting for {what}: {dead.Err}");
            Thread.Sleep(50);
        }
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");
    }

    private static long Count(string dir) => Scalar(dir, "SELECT COUNT(*) FROM runs");

    private static long Distinct(string dir) => Scalar(dir, "SELECT COUNT(*) FROM (SELECT DISTINCT digest, design, cell, seed FROM runs)");

    private static long Scalar(string dir, string sql)
    {
        var path = Path.Combine(dir, "results.sqlite");
        if (!File.Exists(path)) return 0;
        try
        {
            using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0;  // not created yet
        }
    }

    private static string Normalize(string text, string dir) => text.Replace(dir, "OUT");

    /// <summary>The journal without what a run's timing and folder change: start, end, duration, and the --out paths.</summary>
    private static string Journal(string dir)
    {
        var json = JsonNode.Parse(Normalize(File.ReadAllText(Path.Combine(dir, "journal.json")), dir))!.AsObject();
        foreach (var timing in new[] { "start", "end", "duration" }) json.Remove(timing);
        return json.ToJsonString();
    }
}
