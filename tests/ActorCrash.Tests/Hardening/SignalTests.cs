using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorCrash.Actors.Exploration;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>SIGINT and SIGTERM stop a long explore cleanly: the summary printed, every violation found kept, exit 130 / 143. Runs the real program.</summary>
public class SignalTests
{
    [Theory]
    [InlineData("INT", 130, "SIGINT")]
    [InlineData("TERM", 143, "SIGTERM")]
    public async Task A_signal_during_explore_keeps_every_violation_and_prints_the_summary(string signal, int exit, string name)
    {
        var dir = CliHarness.TempDir("signal");
        var apphost = Path.Combine(AppContext.BaseDirectory, "actorcrash");
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "actorcrash.dll") } };
        foreach (var a in new[] { "explore", "built-in:race-dumper-blocks-kdump", "--strategy", "random", "--keep-going", "--time", "120s", "--out", dir })
            start.ArgumentList.Add(a);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // Wait until violations are being saved, then interrupt.
        var until = DateTime.UtcNow.AddSeconds(60);
        while (Directory.GetFiles(dir, "*.json").Length < 2 && DateTime.UtcNow < until && !p.HasExited) await Task.Delay(100);
        Assert.False(p.HasExited, "explore ended before it was interrupted");
        using (var kill = Process.Start("kill", [$"-{signal}", $"{p.Id}"])) await kill.WaitForExitAsync();
        var sw = Stopwatch.StartNew();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "did not stop within 30 s of the signal");
        var text = await stdout;
        Assert.Equal(exit, p.ExitCode);
        Assert.Contains($"interrupted by {name}", text);
        Assert.Contains("runs: ", text);
        var saved = Regex.Matches(text, @"saved (\S+\.json)").Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(saved);
        Assert.All(saved, f => Assert.NotNull(Violation.FromJson(File.ReadAllText(f)).ScenarioText));
        Assert.Equal(saved.Order(), Directory.GetFiles(dir, "*.json").Order());
        Directory.Delete(dir, recursive: true);
    }
}
