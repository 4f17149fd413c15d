using System.Globalization;
using System.Text.RegularExpressions;
using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using ActorCrash.Tests.Hardening;
using Spectre.Console.Cli;
using Xunit;

namespace ActorCrash.Tests.Bench;

/// <summary>`bench-scale`'s machine-readable lines (README "bench output"): version, one line per CPU count and one per step, the keys in order.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class BenchScaleOutputTests
{
    private static (int Exit, string Out) Run(params string[] args)
    {
        var old = Console.Out;
        var o = new StringWriter { NewLine = "\n" };
        Console.SetOut(o);
        try
        {
            var app = new CommandApp();
            app.Configure(c =>
            {
                CliApp.Configure(c);
                c.AddCommand<BenchScaleCommand>("bench-scale");
            });
            return (app.Run(args), o.ToString());
        }
        finally
        {
            Console.SetOut(old);
        }
    }

    [Fact]
    public void Prints_a_versioned_line_per_cpu_count_and_per_step_with_the_local_exponent_and_its_spread()
    {
        var (exit, output) = Run("bench-scale", "--cpus", "4,8,16", "--repeats", "3", "--messages", "100", "--warmup", "0");

        Assert.Equal((int)ExitCode.Ok, exit);
        var lines = output.Split('\n');
        Assert.Contains($"bench_scale_output_version={BenchScaleCommand.OutputVersion}", lines);
        Assert.Equal(2, BenchScaleCommand.OutputVersion);
        Assert.Contains(lines, l => l.StartsWith("rounds=3 messages_per_sample=100 bootstrap_resamples=", StringComparison.Ordinal));
        var rows = lines.Where(l => l.StartsWith("cpus=", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, rows.Length);
        // Version 1's keys first, in their order (readers of version 1 keep working), then version 2's.
        var keys = new[] { "cpus", "messages_per_emulation", "cpu_us_per_emulation", "cpu_ns_per_message", "local_exponent", "bytes_per_emulation",
            "gen0_per_1k", "gen1_per_1k", "gen2_per_1k", "emulations_per_sample",
            "samples", "cpu_us_p25", "cpu_us_p75", "wall_us_per_emulation", "cpu_per_wall" };
        foreach (var row in rows)
            Assert.Equal(keys, row.Split(' ').Select(kv => kv.Split('=')[0]));
        Assert.Equal(["4", "8", "16"], rows.Select(r => Value(r, "cpus")));
        Assert.Equal("-", Value(rows[0], "local_exponent"));   // no previous CPU count
        Assert.All(rows, r => Assert.Equal("3", Value(r, "samples")));
        Assert.All(rows, r => Assert.True(Number(r, "cpu_us_p25") <= Number(r, "cpu_us_per_emulation") && Number(r, "cpu_us_per_emulation") <= Number(r, "cpu_us_p75")));
        // More CPUs, more deliveries in one emulation of the built-in scenario.
        Assert.True(Number(rows[1], "messages_per_emulation") > Number(rows[0], "messages_per_emulation"));

        var steps = lines.Where(l => l.StartsWith("step=", StringComparison.Ordinal)).ToArray();
        var stepKeys = new[] { "step", "local_exponent", "bootstrap_p05", "bootstrap_p25", "bootstrap_p75", "bootstrap_p95",
            "round_median", "round_p25", "round_p75", "messages_exponent", "per_message_exponent" };
        Assert.Equal(["4-8", "8-16"], steps.Select(s => Value(s, "step")));
        foreach (var (step, row, previous) in new[] { (steps[0], rows[1], rows[0]), (steps[1], rows[2], rows[1]) })
        {
            Assert.Equal(stepKeys, step.Split(' ').Select(kv => kv.Split('=')[0]));
            // The step's exponent is the one its CPU count's line shows, from the two medians.
            Assert.Equal(Value(row, "local_exponent"), Value(step, "local_exponent"));
            // Recomputed from the printed (rounded) medians, so within a rounding step of the printed exponent, not digit-equal.
            var k = Math.Log(Number(row, "cpu_us_per_emulation") / Number(previous, "cpu_us_per_emulation")) / Math.Log(2);
            Assert.InRange(Number(step, "local_exponent"), k - 0.02, k + 0.02);
            var m = Math.Log(Number(row, "messages_per_emulation") / Number(previous, "messages_per_emulation")) / Math.Log(2);
            Assert.InRange(Number(step, "messages_exponent"), m - 0.02, m + 0.02);
            Assert.True(Number(step, "bootstrap_p05") <= Number(step, "bootstrap_p25") && Number(step, "bootstrap_p25") <= Number(step, "bootstrap_p75")
                        && Number(step, "bootstrap_p75") <= Number(step, "bootstrap_p95"));
            Assert.True(Number(step, "round_p25") <= Number(step, "round_median") && Number(step, "round_median") <= Number(step, "round_p75"));
        }
    }

    private static string Value(string row, string key) => Regex.Match(row, $@"(?:^| ){key}=(\S+)").Groups[1].Value;

    private static double Number(string row, string key) => double.Parse(Value(row, key), NumberStyles.Float, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("--cpus", "1")]
    [InlineData("--cpus", "512,eight")]
    [InlineData("--repeats", "0")]
    [InlineData("--messages", "0")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        var (exit, _) = Run("bench-scale", option, value);
        Assert.Equal((int)ExitCode.BadInput, exit);
    }
}
