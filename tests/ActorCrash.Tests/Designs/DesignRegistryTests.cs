using ActorCrash.Actors;
using ActorCrash.Actors.Designs;
using Registry = ActorCrash.Actors.Designs.Designs;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;

namespace ActorCrash.Tests.Designs;

/// <summary>Every design is selectable by name, listed, shown; parameters are per design; `compare` is deterministic.</summary>
public class DesignRegistryTests
{
    [Fact]
    public void The_designs_are_the_ones_the_scenario_loader_accepts_oldest_first()
    {
        Assert.Equal(All, Registry.All.Select(d => d.Name));
        Assert.Equal(All, KernelParameters.Designs);
    }

    [Theory]
    [MemberData(nameof(DesignNames))]
    public void Every_design_is_selectable_by_name_and_runs_the_default_scenario_to_a_vmcore(string name)
    {
        var spec = Load(ScenarioLoader.DefaultName, name);
        Assert.Equal(name, spec.Design);
        var machine = new Machine(spec);
        Assert.Same(Registry.ByName(name), machine.Design);
        var r = machine.RunAndReport(1);
        Assert.Equal(name, r.Design);
        Assert.Equal(Outcome.VmcoreCaptured, r.Outcome);
        Assert.NotEmpty(machine.Design.Steps);
        Assert.False(string.IsNullOrWhiteSpace(machine.Design.Models));
        Assert.DoesNotContain('\n', machine.Design.Summary);
    }

    public static TheoryData<string> DesignNames() => [.. All];

    [Fact]
    public void Designs_lists_every_design_with_a_summary_and_what_it_models()
    {
        var o = new StringWriter();
        DesignsCommand.Write(o);
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 * All.Length, lines.Length);
        foreach (var d in Registry.All)
        {
            Assert.Contains(lines, l => l.StartsWith(d.Name + " ", StringComparison.Ordinal) && l.Contains(d.Summary, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains($"models: {d.Models}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Show_design_prints_the_steps_in_order_and_what_the_design_knows()
    {
        var o = new StringWriter();
        ShowDesignCommand.Write(Registry.ByName("linux-6.x"), o);
        var text = o.ToString();
        Assert.Contains("cmdline: panic, crashkernel, oops, nmi_watchdog, reboot, unknown_nmi_panic, softlockup_panic, hung_task_panic, nonmi_ipi, printk.always_kmsg_dump, crash_kexec_post_notifiers, panic_print, panic_on_warn", text);
        Assert.Contains("kconfig: CONFIG_KMSG_DUMP", text);
        var steps = Registry.ByName("linux-6.x").Steps;
        for (var i = 0; i < steps.Count; i++) Assert.Contains($"{i + 1,4}  {steps[i]}", text);
        Assert.False(new ShowDesignSettings { Design = "linux-3.0" }.Validate().Successful);
        Assert.Contains("known: linux-2.6.38, vivek-2011", new ShowDesignSettings { Design = "linux-3.0" }.Validate().Message);
    }

    [Theory]
    [InlineData("linux-2.6.38", "cmdline = \"panic=10 crashkernel=128M crash_kexec_post_notifiers\"", "cmdline", "linux-2.6.38 does not know the kernel parameter \"crash_kexec_post_notifiers\": it first appeared in Linux 3.16")]
    [InlineData("eric-2011", "cmdline = \"panic=10 crashkernel=128M nonmi_ipi\"", "cmdline", "eric-2011 does not know the kernel parameter \"nonmi_ipi\": it first appeared in Linux 3.5")]
    [InlineData("linux-3.12", "cmdline = \"panic=10 crashkernel=128M crash_kexec_post_notifiers\"", "cmdline", "linux-3.12 does not know the kernel parameter \"crash_kexec_post_notifiers\": it first appeared in Linux 3.16")]
    [InlineData("linux-4.10", "cmdline = \"panic=10 crashkernel=128M panic_print=0x40\"", "cmdline", "linux-4.10 does not know the kernel parameter \"panic_print\": it first appeared in Linux 5.0")]
    [InlineData("vivek-2011", "cmdline = \"panic=10 crashkernel=128M printk.always_kmsg_dump\"", "cmdline", "vivek-2011 does not know the kernel parameter \"printk.always_kmsg_dump\": it first appeared in Linux 3.4")]
    [InlineData("linux-6.x", "sysctl = \"kernel.kdump_msg=0\"", "sysctl", "linux-6.x does not know the sysctl \"kernel.kdump_msg\"")]
    [InlineData("linux-3.12", "kconfig = \"CONFIG_KMSG_DUMPER=n\"", "kconfig", "linux-3.12 does not know the kconfig option \"CONFIG_KMSG_DUMPER\" (did you mean CONFIG_KMSG_DUMP?)")]
    public void A_parameter_a_design_does_not_know_is_an_error_naming_both(string design, string line, string key, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => Load(ScenarioLoader.DefaultName, design, line));
        Assert.Equal(key, e.Key);
        Assert.EndsWith($"{key}: {message}", e.Message);
        Assert.Contains(design, e.Expected);
    }

    [Fact]
    public void Panic_below_zero_is_never_in_2_6_38_and_at_once_from_3_12()
    {
        Assert.Equal(0, Load(ScenarioLoader.DefaultName, "linux-2.6.38", "cmdline = \"panic=-1 crashkernel=128M\"").Cmdline.PanicTimeoutSeconds);
        Assert.Equal(0, Load(ScenarioLoader.DefaultName, "eric-2011", "cmdline = \"panic=-1 crashkernel=128M\"").Cmdline.PanicTimeoutSeconds);
        foreach (var d in new[] { "linux-3.12", "linux-4.10", "linux-6.x" })
            Assert.Equal(-1, Load(ScenarioLoader.DefaultName, d, "cmdline = \"panic=-1 crashkernel=128M\"").Cmdline.PanicTimeoutSeconds);
    }

    [Fact]
    public void Parameters_parse_as_their_kernels_parse_them()
    {
        var c6 = Load(ScenarioLoader.DefaultName, "linux-6.x",
            "cmdline = \"panic=5 crashkernel=128M crash_kexec_post_notifiers=n panic_print=0x41 nonmi_ipi printk.always_kmsg_dump reboot=w,force\"").Cmdline;
        Assert.Equal((5, false, 0x41, true, true, true), (c6.PanicTimeoutSeconds, c6.CrashKexecPostNotifiers, c6.PanicPrint, c6.NoNmiIpi, c6.AlwaysKmsgDump, c6.RebootForce));
        // 4.10's early_param sets it whatever the value says.
        Assert.True(Load(ScenarioLoader.DefaultName, "linux-4.10", "cmdline = \"crashkernel=128M crash_kexec_post_notifiers=0\"").Cmdline.CrashKexecPostNotifiers);
        var vivek = Load(ScenarioLoader.DefaultName, "vivek-2011", "kconfig = \"CONFIG_KMSG_DUMP=n\"\nsysctl = \"kernel/kdump_msg=0 kernel.panic_on_oops=1\"").Cmdline;
        Assert.Equal((false, false, true), (vivek.KmsgDumpCompiledIn, vivek.KdumpMsg, vivek.OopsPanic));
        var e = Assert.Throws<ScenarioException>(() => Load(ScenarioLoader.DefaultName, "linux-6.x", "cmdline = \"crashkernel=128M panic_print=lots\""));
        Assert.Contains("expected panic_print=MASK", e.Message);
    }

    [Fact]
    public void Compare_prints_the_same_output_on_two_runs_and_a_row_per_design()
    {
        string Once()
        {
            var o = new StringWriter();
            CompareCommand.WriteTable(DesignComparison.Run(null, new SeedRange(1, 40), Registry.All), o);
            return o.ToString();
        }
        var first = Once();
        Assert.Equal(first, Once());
        foreach (var d in All) Assert.Contains($"| {d.PadRight(12)} |   40 |", first);
        Assert.StartsWith("scenario thread-2011 (built-in:thread-2011), seeds 1..40", first);

        var csv = new StringWriter();
        CompareCommand.WriteCsv(DesignComparison.Run(null, new SeedRange(1, 40), [Registry.ByName("linux-2.6.38")]), csv);
        Assert.Equal("schema_version,scenario,seeds,design,runs,nvram_intact,vmcore,rebooted,hung,halted,survived,median_end_ns", csv.ToString().Split('\n')[0].TrimEnd('\r'));
        Assert.StartsWith("1,thread-2011,1..40,linux-2.6.38,40,40,40,0,0,0,", csv.ToString().Split('\n')[1]);
    }

    [Fact]
    public void Compare_counts_the_same_outcomes_as_running_each_seed()
    {
        using var file = new TempScenario("k3-dumper-blocks-kdump");
        var report = DesignComparison.Run(file.Path, new SeedRange(0, 19), [Registry.ByName("linux-2.6.38"), Registry.ByName("eric-2011")]);
        foreach (var row in report.Rows)
        {
            var runs = Runs(Load("k3-dumper-blocks-kdump", row.Design), 20);
            Assert.Equal(runs.Count(r => r.Outcome == Outcome.VmcoreCaptured), row.Vmcore);
            Assert.Equal(runs.Count(r => r.Outcome == Outcome.Hung), row.Hung);
            Assert.Equal(runs.Count(DumpIntact), row.NvramIntact);
            Assert.Equal(runs.Select(r => r.EndTimeNs).Order().ElementAt(9), row.MedianEndNs);
        }
        Assert.Equal((0, 20), (report.Rows[0].Vmcore, report.Rows[0].Hung));
        Assert.Equal((20, 0), (report.Rows[1].Vmcore, report.Rows[1].Hung));
    }

    /// <summary>A built-in scenario written to a file, as a user would pass it to `compare`.</summary>
    private sealed class TempScenario : IDisposable
    {
        public TempScenario(string name)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"actorcrash-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}.hocon");
            File.WriteAllText(Path, ScenarioLoader.BuiltInText(name));
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    [Theory]
    [InlineData("1..200", true)]
    [InlineData("0..0", true)]
    [InlineData("7", false)]
    [InlineData("1-5", false)]
    [InlineData("5..1", false)]
    [InlineData("..5", false)]
    [InlineData("a..b", false)]
    [InlineData("1..99999999999", false)]  // over Options.MaxSeeds
    public void Seeds_take_a_range(string seeds, bool ok)
    {
        Assert.Equal(ok, SeedRange.TryParse(seeds, out _));
        var v = new CompareSettings { Seeds = seeds }.Validate();
        Assert.Equal(ok, v.Successful);
        if (!ok) Assert.Equal($"--seeds takes {SeedRange.Syntax}; got \"{seeds}\"", v.Message);
    }

    [Fact]
    public void Compare_rejects_an_unknown_design_and_json_with_csv()
    {
        Assert.Contains("unknown design \"linux-5.0\"", new CompareSettings { Designs = "linux-2.6.38,linux-5.0" }.Validate().Message);
        Assert.False(new CompareSettings { Json = true, Csv = true }.Validate().Successful);
    }

    [Fact]
    public void Compare_leaves_out_a_design_that_does_not_know_a_parameter_only_when_no_designs_are_listed()
    {
        var k2 = ScenarioLoader.BuiltIn("k2-logbuf-lock-stopped-holder");
        Assert.Equal("linux-4.10", k2.Design);
        using var file = new TempScenario("k2-logbuf-lock-stopped-holder");
        var all = DesignComparison.Run(file.Path, new SeedRange(0, 1), Registry.All, skipUnreadable: true);
        Assert.Equal(["linux-4.5", "linux-4.10", "linux-6.x"], all.Rows.Select(r => r.Design));
        Assert.Equal(["linux-2.6.38", "vivek-2011", "eric-2011", "linux-3.12"], all.Skipped.Select(s => s.Design));
        Assert.Contains("does not know the kernel parameter \"crash_kexec_post_notifiers\"", all.Skipped[0].Why);
        Assert.Throws<ScenarioException>(() => DesignComparison.Run(file.Path, new SeedRange(0, 1), [Registry.ByName("linux-3.12")]));
    }
}
