using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;

namespace ActorCrash.Tests.Experiments;

/// <summary>Small experiments and temporary folders for the experiment tests.</summary>
internal static class ExperimentKit
{
    /// <summary>
    /// Two designs, a baseline and two faults on a 2-CPU machine without kdump: quick to run and
    /// small enough to check by hand (see TinyExperimentTests).
    /// </summary>
    public const string Tiny = """
        title = "tiny"
        scenario {
          name = "tiny"
          cmdline = "panic=10"
          machine { cpus = 2, kdump.loaded = false, dumpers = [ramoops] }
          triggers = [ { at = 0ms, cpu = 0, event = panic } ]
          timing.console-ns-per-char = 0ns
          limits.virtual-time = 1m
        }
        designs = [linux-2.6.38, linux-6.x]
        hypothesis.probes = [ "reboot-in-time >= 99%", "log-saved >= 90%" ]
        method = [
          { name = "dumper-hangs", changes { machine.dumpers = [ramoops, thirdparty], machine.thirdparty.behaviour = hang } }
          { name = "cpu-irqs-off", changes { cpus = [ { cpu = 1, activity = spin, irqs = off } ] } }
        ]
        runs = 20
        """;

    public static ExperimentSpec Load(string text, string name = "tiny.hocon") => ExperimentLoader.Load(new ExperimentSource(name, text));

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorcrash-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static IReadOnlyList<ResultRow> RunAll(ExperimentSpec e, int batch = 7)
    {
        using var runner = new UnitRunner();
        var plan = new ExperimentPlan(e, new Seeds(1, (ulong)e.Runs));
        return [.. plan.Units(batch).SelectMany(u => runner.Run(e, u))];
    }
}
