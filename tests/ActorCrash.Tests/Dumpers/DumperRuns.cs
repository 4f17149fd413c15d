using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>Loads a scenario from text and runs it once, off the test thread with a wall-clock bound.</summary>
internal static class DumperRuns
{
    public const string Source = "scenarios/dumper-test.hocon";

    public const string PanicCpu0 = "{ at = 1ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    /// <summary>The scenario every dumper test starts from: two CPUs, no crash kernel, a panic on CPU 0 at 1 ms.</summary>
    public static string Scenario(string machine, string cmdline, string cpus = "", string triggers = PanicCpu0,
        string design = "linux-2.6.38", string tail = "") => $$"""
        name = "dumper-test"
        design = "{{design}}"
        cmdline = "{{cmdline}}"
        machine {
          cpus = 2
          kdump.loaded = false
          {{machine}}
        }
        cpus = [ {{cpus}} ]
        triggers = [ {{triggers}} ]
        {{tail}}
        """;

    public static RunResult Run(string hocon, ulong seed = 1)
    {
        var spec = ScenarioLoader.LoadText(hocon, Source);
        var run = Task.Run(() =>
        {
            using var machine = new Machine(spec);
            return machine.RunAndReport(seed);
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(20)), "the run did not finish within 20 s of wall time");
        return run.Result;
    }


    public static NvramRecord? File(this RunResult r, string name) => r.Nvram.FirstOrDefault(f => f.Name == name);

    public static bool Printed(this RunResult r, string text) => r.Console.Any(l => l.Text.Contains(text, StringComparison.Ordinal));

    public static StorageReport Storage(this RunResult r, string dumper) => Assert.Single(r.Storage!, s => s.Dumper == dumper);
}
