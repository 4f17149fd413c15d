using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorCrash.Tests.Experiments;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// SIGINT and SIGTERM stop a long compare cleanly (issue 13): the table of the runs made so far is
/// printed, saying it was interrupted, and the exit is 130 / 143. Runs the real program.
/// </summary>
public class CompareSignalTests
{
    [Theory]
    [InlineData("INT", 130, "SIGINT")]
    [InlineData("TERM", 143, "SIGTERM")]
    public void A_signal_during_compare_prints_the_rows_so_far_and_exits_with_its_code(string signal, int exit, string name)
    {
        // Ten million seeds under every design: it never ends on its own within the test.
        using var c = ChildProcess.Start("compare", "built-in:k1-two-cpus-panic", "--seeds", "1..10000000");
        Thread.Sleep(TimeSpan.FromSeconds(12));   // start-up (seconds on a busy machine), then runs: compare prints nothing before its table
        Assert.False(c.Exited, $"compare ended before it was interrupted: {c.Err}");
        using (var kill = Process.Start("kill", [$"-{signal}", $"{c.Id}"])) kill.WaitForExit();
        Assert.Equal(exit, c.Wait(TimeSpan.FromSeconds(60)));
        Assert.Contains($"interrupted by {name}: the rows count the runs made so far", c.Out);
        var runs = Regex.Matches(c.Out, @"^\| linux-2\.6\.38 +\| +(\d+) \|", RegexOptions.Multiline);
        Assert.True(runs.Count == 1 && long.Parse(runs[0].Groups[1].Value) > 0, $"no row of the runs made so far:\n{c.Out}");
    }
}
