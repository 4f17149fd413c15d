using System.Globalization;
using System.Text.RegularExpressions;
using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using ActorCrash.Tests.Hardening;
using Spectre.Console.Cli;
using Xunit;

namespace ActorCrash.Tests.Bench;

/// <summary>`bench-scale`'s machine-readable lines (README "bench output"): version, one line per CPU count, the keys in order.</summary>
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
    public void Prints_a_versioned_line_per_cpu_count_with_the_local_exponent_from_the_previous_one()
    {
        var (exit, output) = Run("bench-scale", "--cpus", "4,8", "--repeats", "1", "--messages", "100", "--warmup", "0");

        Assert.Equal((int)ExitCode.Ok, exit);
        var lines = output.Split('\n');
        Assert.Contains($"bench_scale_output_version={BenchScaleCommand.OutputVersion}", lines);
        var rows = lines.Where(l => l.StartsWith("cpus=", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, rows.Length);
        var keys = new[] { "cpus", "messages_per_emulation", "cpu_us_per_emulation", "cpu_ns_per_message", "local_exponent", "bytes_per_emulation",
            "gen0_per_1k", "gen1_per_1k", "gen2_per_1k", "emulations_per_sample" };
        foreach (var row in rows)
            Assert.Equal(keys, row.Split(' ').Select(kv => kv.Split('=')[0]));
        string Value(string row, string key) => Regex.Match(row, $@"\b{key}=(\S+)").Groups[1].Value;
        Assert.Equal("4", Value(rows[0], "cpus"));
        Assert.Equal("8", Value(rows[1], "cpus"));
        Assert.Equal("-", Value(rows[0], "local_exponent"));   // no previous CPU count
        Assert.True(double.TryParse(Value(rows[1], "local_exponent"), NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        // More CPUs, more deliveries in one emulation of the built-in scenario.
        Assert.True(double.Parse(Value(rows[1], "messages_per_emulation"), CultureInfo.InvariantCulture)
                    > double.Parse(Value(rows[0], "messages_per_emulation"), CultureInfo.InvariantCulture));
    }

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
