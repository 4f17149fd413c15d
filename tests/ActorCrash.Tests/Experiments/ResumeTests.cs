using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;
using Microsoft.Data.Sqlite;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>
/// Durable results through the real program: a run killed with SIGKILL and resumed, and one stopped
/// with SIGTERM and resumed, end with the same rows and the same table as an uninterrupted run; a
/// changed experiment is refused on --resume.
/// </summary>
public sealed class ResumeTests
{
    private const string Runs = "50";  // 62 design x cell pairs x 50 seeds: long enough to be killed mid-run

    [Fact]
    public void Killed_with_SIGKILL_then_SIGTERM_and_resumed_gives_the_table_of_an_uninterrupted_run()
    {
        var dir = ExperimentKit.TempDir();
        var (reference, interrupted) = (Path.Combine(dir, "reference"), Path.Combine(dir, "interrupted"));

        var whole = ChildProcess.Run("experiment", "--runs", Runs, "--out", reference);
        Assert.Equal(1, whole.Exit);  // the built-in experiment deviates: it answers the thread's question with "no"
        var total = Rows(reference);
        var plan = new ExperimentPlan(ExperimentLoader.Load(ExperimentLoader.BuiltIn(ExperimentLoader.DefaultName)), new Seeds(1, 50));
        Assert.Equal(plan.TotalRuns, total);  // every design x cell (the post-notifiers cell only under the designs that know it) x 50 seeds

        // SIGKILL once some rows are committed: nothing is flushed or closed.
        using (var first = ChildProcess.Start("experiment", "--runs", Runs, "--out", interrupted))
        {
            var atKill = WaitForRows(first, interrupted, total);
            first.KillHard();
            first.Wait(TimeSpan.FromSeconds(30));
            Assert.InRange(Rows(interrupted), atKill, total - 1);
        }

        // SIGTERM during the resumed run: it stops cleanly, prints the table so far, exits 143.
        using (var second = ChildProcess.Start("experiment", "--runs", Runs, "--out", interrupted, "--resume"))
        {
            var before = Rows(interrupted);
            WaitForRows(second, interrupted, total, more: before);
            second.Terminate();
            Assert.Equal(143, second.Wait(TimeSpan.FromMinutes(2)));
            Assert.Contains("| design ", second.Out);
            Assert.Contains("interrupted:", second.Err);
            Assert.InRange(Rows(interrupted), before + 1, total - 1);
        }

        var resumed = ChildProcess.Run("experiment", "--runs", Runs, "--out", interrupted, "--resume");
        Assert.Equal(1, resumed.Exit);
        Assert.Equal(total, Rows(interrupted));
        Assert.Equal(Table(whole.Out, reference), Table(resumed.Out, interrupted));
        Assert.Contains("were in the store already", resumed.Err);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Resuming_a_changed_experiment_is_refused()
    {
        var dir = ExperimentKit.TempDir();
        var file = Path.Combine(dir, "tiny.hocon");
        File.WriteAllText(file, ExperimentKit.Tiny);
        var outDir = Path.Combine(dir, "out");
        Assert.Equal(1, ChildProcess.Run("experiment", file, "--out", outDir).Exit);

        File.WriteAllText(file, ExperimentKit.Tiny.Replace("irqs = off", "irqs = on"));
        var refused = ChildProcess.Run("experiment", file, "--out", outDir, "--resume");
        Assert.Equal(2, refused.Exit);
        Assert.Contains("holds the results of another experiment", refused.Err);
        Assert.Equal(120, Rows(outDir));  // the old results are untouched

        // --runs and --designs choose rows of the same experiment: resuming with more seeds is fine.
        File.WriteAllText(file, ExperimentKit.Tiny);
        Assert.Equal(1, ChildProcess.Run("experiment", file, "--out", outDir, "--resume", "--runs", "30").Exit);
        Assert.Equal(180, Rows(outDir));
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Waits until the store in <paramref name="outDir"/> holds more than <paramref name="more"/> rows (and fewer than all).</summary>
    private static long WaitForRows(ChildProcess child, string outDir, long total, long more = 0)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(child.Exited, $"the experiment ended before it could be interrupted: {child.Err}");
            long n;
            try
            {
                n = File.Exists(Path.Combine(outDir, ExperimentFiles.Store)) ? Rows(outDir) : 0;
            }
            catch (SqliteException)
            {
                n = 0;  // the store is being created
            }
            if (n > more && n < total) return n;
            Thread.Sleep(20);
        }
        throw new TimeoutException("no rows were written");
    }

    private static long Rows(string outDir)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(outDir, ExperimentFiles.Store)};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM runs";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>The printed table and verdicts, with the out folder's path made neutral.</summary>
    private static string Table(string stdout, string outDir) =>
        stdout.Replace(outDir, "OUT")[..stdout.Replace(outDir, "OUT").IndexOf("wrote ", StringComparison.Ordinal)];
}
