using System.Diagnostics;
using System.Text.Json;
using ActorCrash.Experiments;
using Json.Schema;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>The outputs as contracts: the journal against its JSON Schema, the report in a real headless Chromium, the replay command as printed.</summary>
public sealed class ReportTests
{
    private static (ExperimentSession Session, ReliabilityTable Table, string Journal) Tiny(string outDir)
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny);
        var session = ExperimentSession.Open(e, new Seeds(1, 20), outDir, resume: false);
        Assert.Equal(RunStatus.Completed, ExperimentRunner.Run(session.Plan, session.Store, new RunnerOptions(2, 8), CancellationToken.None));
        var table = session.Table();
        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        return (session, table, session.WriteOutputs(table, "completed", start, start.AddSeconds(2)));
    }

    [Fact]
    public void The_journal_follows_its_schema_and_says_what_the_table_says()
    {
        var dir = ExperimentKit.TempDir();
        var (session, table, journal) = Tiny(dir);
        using (session)
        {
            var schema = JsonSchema.FromText(Journal.Schema);
            using var parsed = JsonDocument.Parse(journal);
            var result = schema.Evaluate(parsed.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, JsonSerializer.Serialize(result));
            Assert.Equal(journal, File.ReadAllText(Path.Combine(dir, ExperimentFiles.Journal)));

            using var doc = JsonDocument.Parse(journal);
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
            Assert.True(root.GetProperty("deviated").GetBoolean());
            Assert.Equal(session.Experiment.Digest, root.GetProperty("experiment").GetProperty("digest").GetString());
            Assert.Equal(2, root.GetProperty("steady_states").GetProperty("before").GetArrayLength());
            Assert.Equal(4, root.GetProperty("steady_states").GetProperty("after").GetArrayLength());
            var hangs = root.GetProperty("run").EnumerateArray().Single(r => r.GetProperty("design").GetString() == "linux-6.x" && r.GetProperty("cell").GetString() == "dumper-hangs");
            Assert.Equal("deviated", hangs.GetProperty("status").GetString());
            Assert.Equal(20, hangs.GetProperty("counts").GetProperty("hung").GetProperty("count").GetInt32());
            var verdict = root.GetProperty("verdicts").EnumerateArray().First();
            Assert.Equal(table.Verdicts[0].Replay, verdict.GetProperty("replay").GetString());
        }
    }

    [Fact]
    public void The_replay_command_as_printed_replays_the_failing_run()
    {
        var dir = ExperimentKit.TempDir();
        var (session, table, _) = Tiny(dir);
        using (session)
        {
            var v = table.Verdicts.Single(x => x.Design == "linux-2.6.38");
            var args = v.Replay!.Split(' ');
            Assert.Equal("actorcrash", args[0]);
            var run = ChildProcess.Run(args[1..]);
            Assert.Equal(0, run.Exit);
            Assert.Contains($"outcome: hung", run.Out);
            Assert.Contains(v.Reason!, run.Out);
        }
    }

    [Fact]
    public void The_report_renders_its_charts_in_headless_chromium_with_no_script_errors()
    {
        var dir = ExperimentKit.TempDir();
        var (session, table, _) = Tiny(dir);
        session.Dispose();
        var deviations = table.Verdicts.Count(v => v.Status == DesignVerdict.Deviated && v.Seed is not null);
        Assert.True(deviations > 0);
        var report = Path.Combine(dir, ExperimentFiles.Report);
        var html = File.ReadAllText(report);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));  // nothing fetched: no external URL at all
        Assert.DoesNotContain("https://", html);

        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("headless Chromium is needed: apt-get install -y chromium (.ci/run installs it)");
        var profile = ExperimentKit.TempDir();
        var info = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(report).AbsoluteUri })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var log = "";
        var reader = new Thread(() => log = p.StandardError.ReadToEnd());
        reader.Start();
        var dom = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "chromium did not finish");
        reader.Join();

        Assert.Contains("data-rendered=\"ok\"", dom);     // the page's own check: every chart has its bars and a size
        Assert.Contains("data-charts=\"2/2\"", dom);      // one chart per probe
        Assert.DoesNotContain("data-errors=\"", dom);   // set by window.onerror
        Assert.DoesNotContain("Uncaught", log);           // no script error reached the console either
        Assert.Equal(2 * 3 * 2, dom.Split("class=\"bar").Length - 1);  // 2 probes x 3 cells x 2 designs
        // The first failing run of each deviation, as an SVG sequence diagram the page measured: a size and every arrow drawn.
        Assert.Contains($"data-sequences=\"{deviations}/{deviations}\"", dom);
        Assert.Equal(deviations, dom.Split("<svg class=\"sequence\"").Length - 1);
        Directory.Delete(profile, recursive: true);
    }
}
