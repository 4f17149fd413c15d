using ActorCrash.Config;
using ActorCrash.Config.Experiments;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>Experiment files: what they mean, and bad ones reported with file, line, key and what was expected.</summary>
public sealed class ExperimentLoaderTests
{
    private static string Error(string text)
    {
        var e = Assert.Throws<ScenarioException>(() => ExperimentKit.Load(text, "x.hocon"));
        return e.Message;
    }

    [Theory]
    // the experiment's own keys
    [InlineData("runs = 20", "runs = 20\ntitl = \"x\"", "x.hocon:17: titl: unknown key (did you mean title?)")]
    [InlineData("runs = 20", "runs = 20\nruns = many", "x.hocon:17: runs: expected an integer from 1 to 10000000, got \"many\"")]
    [InlineData("runs = 20", "runs = 20\ncombine = all", "x.hocon:17: combine: expected one of none, pairs, got \"all\"")]
    [InlineData("runs = 20", "runs = 20\nstrategy = pct", "x.hocon:17: strategy: expected one of random, got \"pct\"")]
    [InlineData("designs = [linux-2.6.38, linux-6.x]", "designs = [linux-2.6.83]", "x.hocon:10: designs[0]: expected one of linux-2.6.38, vivek-2011, eric-2011")]
    // Chaos Toolkit keys that mean nothing in an emulation
    [InlineData("runs = 20", "runs = 20\nrollbacks = []", "x.hocon:17: rollbacks: not an ActorCrash experiment key: an emulated machine is built afresh from the scenario for every run, so there is nothing to roll back")]
    [InlineData("runs = 20", "runs = 20\ncontrols = []", "x.hocon:17: controls: not an ActorCrash experiment key: there is no live system to hook into")]
    [InlineData("runs = 20", "runs = 20\nsteady-state-hypothesis { title = x }", "x.hocon:17: steady-state-hypothesis: not an ActorCrash experiment key: ActorCrash calls it hypothesis")]
    // probes
    [InlineData("hypothesis.probes = [ \"reboot-in-time >= 99%\", \"log-saved >= 90%\" ]", "hypothesis.probes = [ \"log-saved >= 199%\" ]", "x.hocon:11: hypothesis.probes[0]: expected a tolerance such as \">= 99%\" or \"<= 0.1%\"")]
    [InlineData("hypothesis.probes = [ \"reboot-in-time >= 99%\", \"log-saved >= 90%\" ]", "hypothesis.probes = [ \"log-saveed >= 99%\" ]", "x.hocon:11: hypothesis.probes[0]: unknown measure \"log-saveed\" (did you mean log-saved?)")]
    [InlineData("hypothesis.probes = [ \"reboot-in-time >= 99%\", \"log-saved >= 90%\" ]", "hypothesis.probes = []", "x.hocon:11: hypothesis.probes: the hypothesis needs at least one probe")]
    // the steady scenario, checked by the scenario loader and located in the experiment file
    [InlineData("  machine { cpus = 2, kdump.loaded = false, dumpers = [ramoops] }", "  machine { cpus = two, kdump.loaded = false, dumpers = [ramoops] }", "x.hocon:5: machine.cpus: expected an integer from 1 to 4096, got \"two\" (the steady scenario under linux-2.6.38)")]
    [InlineData("  cmdline = \"panic=10\"", "  cmdlne = \"panic=10\"", "x.hocon:4: scenario.cmdlne: unknown key (did you mean cmdline?)")]
    // a fault action's changes, checked by the scenario loader and located in the experiment file
    [InlineData("{ cpu = 1, activity = spin, irqs = off }", "{ cpu = 5, activity = spin, irqs = off }", "x.hocon:14: cpus[0].cpu: expected an integer from 0 to 1 (machine.cpus = 2), got \"5\" (cell cpu-irqs-off under linux-2.6.38)")]
    [InlineData("machine.thirdparty.behaviour = hang", "machine.thirdparty.behavior = hang", "x.hocon:13: method[0].changes.machine.thirdparty.behavior: unknown key (did you mean machine.thirdparty.behaviour?)")]
    [InlineData("machine.thirdparty.behaviour = hang", "machine.thirdparty.behaviour = hangs", "x.hocon:13: machine.thirdparty.behaviour: expected one of hang, take-lock, spin-irqs-off")]
    [InlineData("{ name = \"dumper-hangs\",", "{ name = \"Dumper Hangs\",", "x.hocon:13: method[0].name: expected a name of lower-case letters, digits and '-'")]
    [InlineData("{ name = \"cpu-irqs-off\",", "{ name = \"dumper-hangs\",", "x.hocon:14: method[1].name: dumper-hangs is the name of an earlier action too")]
    [InlineData("changes { machine.dumpers", "type = action, changes { machine.dumpers", "x.hocon:13: method[0].type: not an ActorCrash experiment key: a fault action is a set of changes to the scenario")]
    public void A_bad_experiment_is_reported_with_file_line_and_key(string replace, string with, string expected)
    {
        Assert.Contains(replace, ExperimentKit.Tiny);
        var message = Error(ExperimentKit.Tiny.Replace(replace, with));
        Assert.StartsWith(expected, message);
        if (with.Contains("behaviour = hangs")) Assert.EndsWith("got \"hangs\" (did you mean hang?) (cell dumper-hangs under linux-2.6.38)", message);
    }

    [Fact]
    public void Syntax_errors_and_a_missing_scenario_are_located_too()
    {
        Assert.StartsWith("x.hocon:3: scenario: '{' is never closed", Error("title = x\n\nscenario {\n name = y\n"));
        Assert.StartsWith("x.hocon: scenario: missing: the experiment needs a steady scenario", Error("title = x\nhypothesis.probes = [\"no-hang >= 99%\"]\n"));
        var file = WriteTemp("title = x\nscenario.file = \"nope.hocon\"\n");
        var missing = Assert.Throws<ScenarioException>(() => ExperimentLoader.Read(file)).Message;
        Assert.StartsWith($"{file}:2: scenario.file: cannot read the scenario {Path.Combine(Path.GetDirectoryName(file)!, "nope.hocon")}: no such file", missing);
    }

    [Fact]
    public void A_json_experiment_loads_like_the_hocon_one()
    {
        const string json = """
            {
              "title": "tiny",
              "scenario": {
                "name": "tiny", "cmdline": "panic=10",
                "machine": { "cpus": 2, "kdump": { "loaded": false }, "dumpers": ["ramoops"] },
                "triggers": [ { "at": "0ms", "cpu": 0, "event": "panic" } ],
                "timing": { "console-ns-per-char": "0ns" },
                "limits": { "virtual-time": "1m" }
              },
              "designs": ["linux-2.6.38", "linux-6.x"],
              "hypothesis": { "probes": ["reboot-in-time >= 99%", "log-saved >= 90%"] },
              "method": [
                { "name": "dumper-hangs", "changes": { "machine": { "dumpers": ["ramoops", "thirdparty"], "thirdparty": { "behaviour": "hang" } } } },
                { "name": "cpu-irqs-off", "changes": { "cpus": [ { "cpu": 1, "activity": "spin", "irqs": "off" } ] } }
              ],
              "runs": 20
            }
            """;
        var fromJson = ExperimentKit.Load(json, "tiny.json");
        var fromHocon = ExperimentKit.Load(ExperimentKit.Tiny);
        Assert.Equal(fromHocon.Cells.Select(c => c.Name), fromJson.Cells.Select(c => c.Name));
        Assert.Equal(ExperimentKit.RunAll(fromHocon).Select(r => (r.Design, r.Cell, r.Seed, r.Outcome, r.Probes)),
            ExperimentKit.RunAll(fromJson).Select(r => (r.Design, r.Cell, r.Seed, r.Outcome, r.Probes)));
    }

    [Fact]
    public void Fault_actions_add_cpus_triggers_and_faults_and_replace_other_keys()
    {
        var e = ExperimentKit.Load("""
            scenario {
              cmdline = "panic=10"
              machine { cpus = 4, kdump.loaded = false, dumpers = [ramoops] }
              cpus = [ { cpu = 2, activity = printk-loop }, { cpu = 3, activity = idle } ]
              triggers = [ { at = 0ms, cpu = 0, event = panic } ]
            }
            designs = [linux-6.x]
            hypothesis.probes = [ "no-hang >= 99%" ]
            method = [
              { name = "a", changes { cpus = [ { cpu = 3, activity = spin, irqs = off } ], machine.dumpers = [ramoops, thirdparty] } }
              { name = "b", changes { triggers = [ { at = 1ms, cpu = 1, event = panic } ], machine.faults = [ { at = 1s, fault = write-error } ] } }
            ]
            combine = pairs
            """);
        Assert.Equal(["baseline", "a", "b", "a+b"], e.Cells.Select(c => c.Name));
        var both = e.Cell("a+b").For("linux-6.x").Spec!;
        Assert.Equal([CpuActivity.Idle, CpuActivity.Idle, CpuActivity.PrintkLoop, CpuActivity.Spin], both.Cpus.Select(c => c.Activity));
        Assert.Equal([(0, TriggerKind.Panic), (1, TriggerKind.Panic)], both.Triggers.Select(t => (t.Cpu, t.Kind)));
        Assert.Equal(["ramoops", "thirdparty"], both.Machine.Dumpers.Select(d => d.Type));
        Assert.Single(both.Machine.Faults!);
        var baseline = e.Cell("baseline").For("linux-6.x").Spec!;
        Assert.Equal(["ramoops"], baseline.Machine.Dumpers.Select(d => d.Type));
        Assert.Empty(baseline.Machine.Faults!);
    }

    [Fact]
    public void The_digest_covers_the_cells_and_probes_but_not_the_title_runs_or_designs()
    {
        var digest = ExperimentKit.Load(ExperimentKit.Tiny).Digest;
        Assert.Equal(digest, ExperimentKit.Load(ExperimentKit.Tiny.Replace("title = \"tiny\"", "title = \"other\"").Replace("runs = 20", "runs = 5")).Digest);
        Assert.Equal(digest, ExperimentKit.Load(ExperimentKit.Tiny, "elsewhere/tiny.hocon").Digest);
        Assert.Equal(digest, ExperimentKit.Load(ExperimentKit.Tiny.Replace("designs = [linux-2.6.38, linux-6.x]", "designs = [linux-6.x]")).Digest);
        Assert.NotEqual(digest, ExperimentKit.Load(ExperimentKit.Tiny.Replace("log-saved >= 90%", "log-saved >= 80%")).Digest);
        Assert.NotEqual(digest, ExperimentKit.Load(ExperimentKit.Tiny.Replace("panic=10", "panic=20")).Digest);
    }

    [Fact]
    public void A_cell_a_design_cannot_read_is_not_applicable_for_that_design_only()
    {
        var e = ExperimentKit.Load(ExperimentKit.Tiny.Replace("designs = [linux-2.6.38, linux-6.x]", "designs = all")
            .Replace("method = [", "method = [\n  { name = \"no-nmi-ipi\", changes { cmdline = \"panic=10 nonmi_ipi\" } }"));
        var cell = e.Cell("no-nmi-ipi");
        Assert.Contains("nonmi_ipi", cell.For("linux-2.6.38").NotApplicable);
        Assert.NotNull(cell.For("linux-6.x").Spec);
        Assert.Equal(ActorCrash.Config.KernelParameters.Designs.Count, e.Designs.Count);
    }

    [Fact]
    public void Every_shipped_experiment_loads()
    {
        foreach (var name in ExperimentLoader.BuiltInNames)
        {
            var e = ExperimentLoader.Load(ExperimentLoader.BuiltIn(name));
            Assert.True(e.Cells.Count >= 4, name);
            var file = Path.Combine(RepoRoot(), "experiments", name + ".hocon");
            Assert.Equal(e.Digest, ExperimentLoader.LoadFile(file).Digest);  // the file and the built-in are the same experiment
        }
        Assert.Contains(ExperimentLoader.DefaultName, ExperimentLoader.BuiltInNames);
        Assert.True(ExperimentLoader.Load(ExperimentLoader.BuiltIn(ExperimentLoader.DefaultName)).Method.Count >= 8);
    }

    private static string WriteTemp(string text)
    {
        var path = Path.Combine(ExperimentKit.TempDir(), "x.hocon");
        File.WriteAllText(path, text);
        return path;
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "ActorCrash.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
