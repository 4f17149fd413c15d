using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Config;

public class ScenarioLoaderTests
{
    private const string Source = "scenarios/x.hocon";
    private const long Us = 1_000, Ms = 1_000_000, S = 1_000_000_000;

    // The one thing a scenario must add to the defaults: a trigger that panics a CPU.
    private const string Panic = "triggers = [{ at = 0ms, cpu = 0, event = panic }]\n";

    private const string Example = """
        name = "two-cpus-panic"
        design = "linux-2.6.38"
        seed = 42
        cmdline = "panic=10 crashkernel=128M oops=panic"
        machine {
          cpus = 4
          kdump.loaded = false
          dumpers = [ramoops]
          ramoops { mem_size = 32K }
        }
        cpus = [
          { cpu = 3, activity = spin, irqs = off, holding = [logbuf_lock] }
          { cpu = 2, activity = printk-loop, period = 1ms, hold = 20us }
        ]
        triggers = [
          { at = 3ms, cpu = 2, event = nmi-watchdog }
          { at = 0ms, cpu = 0, event = panic, message = "Fatal exception" }
        ]
        limits.virtual-time = 10m
        """;

    private static ScenarioSpec Load(string hocon) => ScenarioLoader.LoadText(hocon, Source);

    // Runs the loader off the test thread: malformed HOCON has hung Akka's parser forever.
    private static async Task<ScenarioException> FailsAsync(string hocon)
    {
        var load = Task.Run(() => Load(hocon));
        var first = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.True(first == load, "the loader did not finish within 5 s");
        return await Assert.ThrowsAsync<ScenarioException>(() => load);
    }

    private static async Task<ScenarioException> FailsAsync(string hocon, int line, string key, string messagePart)
    {
        var e = await FailsAsync(hocon);
        Assert.Equal(Source, e.Source);
        Assert.Equal(line, e.Line);
        Assert.Equal(key, e.Key);
        Assert.Contains(messagePart, e.Message);
        Assert.NotEmpty(e.Expected);
        return e;
    }

    // ---- the default and a full example ----

    [Fact]
    public void Default_is_the_2011_thread_machine()
    {
        var spec = ScenarioLoader.Default();

        Assert.Equal("thread-2011", spec.Name);
        Assert.Equal("built-in:thread-2011", spec.Source);
        Assert.Equal("linux-2.6.38", spec.Design);
        Assert.Equal(new KernelCmdline("panic=10 crashkernel=128M", 10, false, "128M", "1"), spec.Cmdline);
        Assert.Equal(8, spec.Machine.CpuCount);
        Assert.True(spec.Machine.Kdump.Loaded);
        var dumper = Assert.Single(spec.Machine.Dumpers);
        Assert.Equal(new DumperSpec("ramoops", 4096, 65536, true), dumper);

        Assert.Equal(8, spec.Cpus.Count);
        var spinner = spec.Cpus[3];
        Assert.Equal((CpuActivity.Spin, true), (spinner.Activity, spinner.IrqsOff));
        Assert.Empty(spinner.Holding);
        var printer = spec.Cpus[2];
        Assert.Equal((CpuActivity.PrintkLoop, 10 * Ms, 20 * Us, (string?)null), (printer.Activity, printer.PeriodNs, printer.HoldNs, printer.Lock));
        Assert.All(new[] { 0, 1, 4, 5, 6, 7 }, cpu =>
            Assert.Equal((cpu, CpuActivity.Idle, false, 0, 0L, 0L), (spec.Cpus[cpu].Cpu, spec.Cpus[cpu].Activity, spec.Cpus[cpu].IrqsOff, spec.Cpus[cpu].Holding.Count, spec.Cpus[cpu].PeriodNs, spec.Cpus[cpu].HoldNs)));

        var trigger = Assert.Single(spec.Triggers);
        Assert.Equal((0L, TriggerKind.Panic, 0, "Fatal exception"), (trigger.AtNs, trigger.Kind, trigger.Cpu, trigger.Message));
    }

    [Fact]
    public void Default_takes_the_rest_from_akka_hocon()
    {
        var spec = ScenarioLoader.Default();

        Assert.Equal(1UL, spec.Seed);
        Assert.Equal(new KdumpSpec(true, 3 * S, 5 * S, false), spec.Machine.Kdump);
        Assert.Equal(new NvramSpec(65536, 2, 512), spec.Machine.Nvram);
        Assert.Equal(new WatchdogSpec(false, 30 * S, 0), spec.Machine.Watchdog);
        Assert.Equal(new TimingSpec(1 * Us, 5 * Us, 1 * Us, 5 * Us, 200, 2 * Us, 87 * Us, 500, 2 * Us), spec.Timing);
        Assert.Equal(new LimitsSpec(7200 * S, 2_000_000), spec.Limits);
    }

    [Fact]
    public void Built_ins_are_listed_and_load_by_name()
    {
        Assert.Contains(ScenarioLoader.DefaultName, ScenarioLoader.BuiltInNames);
        Assert.Equal("thread-2011", ScenarioLoader.BuiltIn("thread-2011").Name);
    }

    [Fact]
    public void Unknown_built_in_lists_the_built_ins()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.BuiltIn("thread-2012"));
        Assert.Equal("built-in:thread-2012", e.Source);
        Assert.Contains("thread-2011", e.Message);
    }

    [Fact]
    public void Example_loads_every_value()
    {
        var spec = Load(Example);

        Assert.Equal(("two-cpus-panic", Source, 42UL), (spec.Name, spec.Source, spec.Seed));
        Assert.Equal(new KernelCmdline("panic=10 crashkernel=128M oops=panic", 10, true, "128M", "1"), spec.Cmdline);
        Assert.Equal(4, spec.Machine.CpuCount);
        Assert.False(spec.Machine.Kdump.Loaded);
        Assert.Equal(new DumperSpec("ramoops", 4096, 32768, true), Assert.Single(spec.Machine.Dumpers));

        Assert.Equal(4, spec.Cpus.Count);
        Assert.Equal((CpuActivity.Spin, true), (spec.Cpus[3].Activity, spec.Cpus[3].IrqsOff));
        Assert.Equal(["logbuf_lock"], spec.Cpus[3].Holding);
        Assert.Equal((CpuActivity.PrintkLoop, 1 * Ms, 20 * Us), (spec.Cpus[2].Activity, spec.Cpus[2].PeriodNs, spec.Cpus[2].HoldNs));
        Assert.Equal(CpuActivity.Idle, spec.Cpus[0].Activity);

        Assert.Collection(spec.Triggers,
            t => Assert.Equal((0L, TriggerKind.Panic, 0, "Fatal exception"), (t.AtNs, t.Kind, t.Cpu, t.Message)),
            t => Assert.Equal((3 * Ms, TriggerKind.NmiWatchdog, 2, "Watchdog detected hard LOCKUP on cpu 2"), (t.AtNs, t.Kind, t.Cpu, t.Message)));
        Assert.Equal(600 * S, spec.Limits.VirtualTimeNs);
    }

    [Fact]
    public void Example_loads_from_a_file_and_overrides_apply_with_with()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, Example);
        try
        {
            var spec = ScenarioLoader.LoadFile(path) with { Seed = 7 };
            Assert.Equal((path, 7UL, "two-cpus-panic"), (spec.Source, spec.Seed, spec.Name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- values ----

    [Fact]
    public void Durations_sizes_and_booleans_take_their_units_and_words()
    {
        var spec = Load(Panic + """
            machine.nvram.size = 128K
            machine.ramoops { mem_size = 64K, record_size = 4096, dump_oops = no }
            machine.kdump { boot-time = 2h, capture-time = 500ns, boot-fails = on }
            machine.watchdog { enabled = yes, timeout = 87us, last-ping = -3s }
            timing.ipi-latency = [2us, 2us]
            limits { virtual-time = 10m, steps = 5 }
            """);

        Assert.Equal(128 * 1024, spec.Machine.Nvram.SizeBytes);
        Assert.Equal(new DumperSpec("ramoops", 4096, 65536, false), spec.Machine.Dumpers[0]);
        Assert.Equal(new KdumpSpec(true, 7200 * S, 500, true), spec.Machine.Kdump);
        Assert.Equal(new WatchdogSpec(true, 87 * Us, -3 * S), spec.Machine.Watchdog);
        Assert.Equal((2 * Us, 2 * Us), (spec.Timing.IpiLatencyMinNs, spec.Timing.IpiLatencyMaxNs));
        Assert.Equal(new LimitsSpec(600 * S, 5), spec.Limits);
    }

    [Fact]
    public void Cpu_activities_take_their_loop_defaults()
    {
        var spec = Load(Panic + """
            cpus = [
              { cpu = 1, activity = lock-loop, lock = ioapic_lock }
              { cpu = 2, activity = timekeeping }
              { cpu = 3, activity = in-nmi, holding = [logbuf_lock, console_sem] }
              { cpu = 4, activity = printk-loop, period = 3ms }
            ]
            """);

        Assert.Equal((CpuActivity.LockLoop, 1 * Ms, 50 * Us, "ioapic_lock"), (spec.Cpus[1].Activity, spec.Cpus[1].PeriodNs, spec.Cpus[1].HoldNs, spec.Cpus[1].Lock));
        Assert.Equal((CpuActivity.Timekeeping, 1 * Ms, 2 * Us), (spec.Cpus[2].Activity, spec.Cpus[2].PeriodNs, spec.Cpus[2].HoldNs));
        Assert.Equal(CpuActivity.InNmi, spec.Cpus[3].Activity);
        Assert.Equal(["logbuf_lock", "console_sem"], spec.Cpus[3].Holding);
        Assert.Equal((3 * Ms, 20 * Us), (spec.Cpus[4].PeriodNs, spec.Cpus[4].HoldNs));
    }

    [Fact]
    public void Spaces_and_comments_around_lists_change_nothing()
    {
        var spec = Load("""
            machine.dumpers = [ ]
            cpus = [] # none
            triggers = [ { at = 0ms , cpu = 1 , event = panic } ] // the panic
            timing.ipi-latency = [ 1us , 2us ] # the text ends here, without a line break
            """);

        Assert.Empty(spec.Machine.Dumpers);
        Assert.All(spec.Cpus, c => Assert.Equal(CpuActivity.Idle, c.Activity));
        Assert.Equal(1, Assert.Single(spec.Triggers).Cpu);
        Assert.Equal((1 * Us, 2 * Us), (spec.Timing.IpiLatencyMinNs, spec.Timing.IpiLatencyMaxNs));
    }

    [Fact]
    public void Triggers_are_ordered_by_time_then_file_order()
    {
        var spec = Load("""
            triggers = [
              { at = 2ms, event = corrupt-crash-kernel }
              { at = 1ms, cpu = 1, event = wedge, holding = [xtime_lock] }
              { at = 1ms, cpu = 0, event = panic, message = "Oops" }
            ]
            """);

        Assert.Collection(spec.Triggers,
            t => Assert.Equal((1 * Ms, TriggerKind.Wedge, 1, "", "xtime_lock"), (t.AtNs, t.Kind, t.Cpu, t.Message, Assert.Single(t.Holding))),
            t => Assert.Equal((1 * Ms, TriggerKind.Panic, 0, "Oops"), (t.AtNs, t.Kind, t.Cpu, t.Message)),
            t => Assert.Equal((2 * Ms, TriggerKind.CorruptCrashKernel, -1), (t.AtNs, t.Kind, t.Cpu)));
    }

    [Theory]
    [InlineData("panic=-1", 0)] // 2.6.38 treats a negative timeout like 0
    [InlineData("panic=0 panic=30", 30)]
    [InlineData("", 0)]
    public void Panic_timeout_is_parsed_as_2_6_38_does(string cmdline, int seconds)
    {
        var spec = Load(Panic + $"machine.kdump.loaded = false\ncmdline = \"{cmdline}\"");
        Assert.Equal(seconds, spec.Cmdline.PanicTimeoutSeconds);
    }

    [Fact]
    public void Cmdline_knows_crashkernel_ranges_and_the_nmi_watchdog()
    {
        var spec = Load(Panic + "cmdline = \"crashkernel=512M-2G:64M,2G-:128M@16M nmi-watchdog=panic\"");
        Assert.Equal(new KernelCmdline("crashkernel=512M-2G:64M,2G-:128M@16M nmi-watchdog=panic", 0, false, "512M-2G:64M,2G-:128M@16M", "panic"), spec.Cmdline);
    }

    // ---- malformed HOCON ----

    [Fact]
    public async Task Unclosed_list_fails_instead_of_hanging()
    {
        var e = await FailsAsync("a {\n b = 1\n c = [1,2\n}", line: 3, key: "a.c", messagePart: "'[' is never closed");
        Assert.Contains("']'", e.Expected);
    }

    [Fact]
    public async Task Closing_brace_where_a_value_belongs_fails() =>
        await FailsAsync("a {\n b = 1\n c = }}\n", line: 3, key: "a.c", messagePart: "expected a value, got '}'");

    [Fact]
    public async Task Key_with_no_value_fails()
    {
        await FailsAsync("seed = 1\nname =\n", line: 2, key: "name", messagePart: "expected a value");
        await FailsAsync("seed = 1\nname\n", line: 2, key: "name", messagePart: "expected '=' and a value");
    }

    [Fact]
    public async Task Unbalanced_braces_fail()
    {
        await FailsAsync("machine {\n  cpus = 4\n", line: 1, key: "machine", messagePart: "'{' is never closed");
        await FailsAsync("seed = 1\n}\n", line: 2, key: "", messagePart: "unexpected '}'");
        await FailsAsync("machine { cpus = 4 ]\n", line: 1, key: "machine", messagePart: "'{' is never closed: expected '}' before ']'");
    }

    [Fact]
    public async Task Unterminated_string_fails() =>
        await FailsAsync("seed = 1\nname = \"two\nseed = 2\n", line: 2, key: "name", messagePart: "unterminated string");

    [Theory]
    [InlineData("seed = 1\n@@@ !!\n", 2, "", "unexpected character '@'")]
    [InlineData("seed = 1 2 = 3\n", 1, "seed", "expected ',' or a new line after the value")]
    [InlineData("cpus = [1\n, 2]\n", 2, "cpus", "unexpected ','")]
    [InlineData("cpus = [1,,2]\n", 1, "cpus[1]", "expected a value, got ','")]
    [InlineData("name = \"a\\qb\"\n", 1, "name", "unknown escape")]
    [InlineData("include \"other.hocon\"\n", 1, "", "include is not supported")]
    [InlineData("seed = ${other}\n", 1, "seed", "substitutions")]
    [InlineData("cpus += 1\n", 1, "cpus", "'+=' is not supported")]
    [InlineData("name = \"\"\"long\"\"\"\n", 1, "name", "multi-line strings")]
    [InlineData("machine..cpus = 4\n", 1, "", "malformed key")]
    [InlineData("seed = 1\nname = x\u00A0y\n", 2, "name", "unexpected character U+00A0")]
    public async Task Garbage_fails_with_its_line(string hocon, int line, string key, string messagePart) =>
        await FailsAsync(hocon, line, key, messagePart);

    [Fact]
    public async Task Deep_nesting_fails_instead_of_overflowing_the_stack() =>
        await FailsAsync("cpus = " + new string('[', 100_000), line: 1, key: "cpus" + string.Concat(Enumerable.Repeat("[0]", 32)), messagePart: "nested too deeply");

    [Fact]
    public async Task Every_truncation_and_deletion_of_the_example_loads_or_fails_cleanly()
    {
        var variants = Enumerable.Range(0, Example.Length)
            .SelectMany(i => new[] { Example[..i], Example.Remove(i, 1) });
        var all = Task.Run(() =>
        {
            foreach (var text in variants)
            {
                try
                {
                    Load(text);
                }
                catch (ScenarioException)
                {
                }
            }
        });
        var first = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == all, "the loader did not finish within 60 s");
        await all; // any exception but ScenarioException fails here
    }

    // ---- unknown keys ----

    [Theory]
    [InlineData("seeds = 4", "seeds", "unknown key (did you mean seed?)")]
    [InlineData("machine { cpu = 4 }", "machine.cpu", "did you mean machine.cpus?")]
    [InlineData("machine.ramoops.record-size = 8K", "machine.ramoops.record-size", "did you mean machine.ramoops.record_size?")]
    [InlineData("colour = red", "colour", "the keys here are name, description, design")]
    public async Task Unknown_key_fails_with_a_suggestion(string line1, string key, string messagePart)
    {
        var e = await FailsAsync(Panic + line1, line: 2, key, messagePart);
        Assert.StartsWith("one of ", e.Expected);
    }

    [Fact]
    public async Task Unknown_key_in_a_list_entry_names_the_entry() =>
        await FailsAsync("""
            triggers = [
              { at = 0ms, cpu = 0, event = panic }
              { at = 1ms, cpux = 1, event = wedge }
            ]
            """, line: 3, key: "triggers[1].cpux", messagePart: "did you mean triggers[1].cpu?");

    // ---- wrong types and ranges ----

    [Fact]
    public async Task Wrong_type_reads_like_the_kernel_engineer_expects()
    {
        var e = await FailsAsync("""
            name = "x"
            # the machine
            design = "linux-2.6.38"
            seed = 42
            triggers = [{ at = 0ms, cpu = 0, event = panic }]
            machine {
              cpus = "eight"
            }
            """);

        Assert.Equal("scenarios/x.hocon:7: machine.cpus: expected an integer from 1 to 4096, got \"eight\"", e.Message);
        Assert.Equal((7, "machine.cpus", "an integer from 1 to 4096"), (e.Line, e.Key, e.Expected));
    }

    [Theory]
    [InlineData("machine = 5", "machine", "expected an object { ... }, got a value")]
    [InlineData("machine.dumpers = ramoops", "machine.dumpers", "expected a list [ ... ], got a value")]
    [InlineData("seed = [1]", "seed", "expected an integer from 0 to 18446744073709551615, got a list")]
    [InlineData("seed = -1", "seed", "expected an integer from 0 to 18446744073709551615, got \"-1\"")]
    [InlineData("machine.kdump.loaded = maybe", "machine.kdump.loaded", "expected true or false")]
    [InlineData("machine.cpus = 0", "machine.cpus", "expected an integer from 1 to 4096, got \"0\"")]
    [InlineData("machine.cpus = 5000", "machine.cpus", "expected an integer from 1 to 4096, got \"5000\"")]
    [InlineData("machine.nvram.size = 64X", "machine.nvram.size", "expected a size in bytes such as 65536, 64K or 128M, got \"64X\"")]
    [InlineData("timing.step = 500", "timing.step", "expected a duration with a unit (ns, us, ms, s, m, h)")]
    [InlineData("timing.step = 0ms", "timing.step", "expected a duration of at least 1ns, got \"0ms\"")]
    [InlineData("machine.watchdog.last-ping = 1s", "machine.watchdog.last-ping", "expected a duration of at most 0s")]
    [InlineData("limits.virtual-time = 99999999999h", "limits.virtual-time", "expected a duration with a unit")]
    [InlineData("timing.nmi-latency = [5us, 1us]", "timing.nmi-latency", "expected min <= max, got [5us, 1us]")]
    [InlineData("timing.nmi-latency = [5us]", "timing.nmi-latency", "got a list of 1")]
    [InlineData("timing.nmi-latency = [1us, soon]", "timing.nmi-latency[1]", "expected a duration")]
    public async Task Bad_value_fails_naming_what_was_expected(string line2, string key, string messagePart) =>
        await FailsAsync(Panic + line2, line: 2, key, messagePart);

    // ---- cpus ----

    [Fact]
    public async Task Unknown_activity_lists_the_activities()
    {
        var e = await FailsAsync(Panic + "cpus = [{ cpu = 1, activity = spinning }]", line: 2, key: "cpus[0].activity",
            messagePart: "expected one of idle, spin, printk-loop, lock-loop, timekeeping, in-nmi, got \"spinning\"");
        Assert.Equal("one of idle, spin, printk-loop, lock-loop, timekeeping, in-nmi", e.Expected);
        await FailsAsync(Panic + "cpus = [{ cpu = 1, activity = printk_loop }]", 2, "cpus[0].activity", "(did you mean printk-loop?)");
    }

    [Fact]
    public async Task Cpu_past_machine_cpus_fails() =>
        await FailsAsync(Panic + "machine.cpus = 4\ncpus = [\n  { cpu = 4, activity = spin }\n]", line: 4, key: "cpus[0].cpu",
            messagePart: "expected an integer from 0 to 3 (machine.cpus = 4), got \"4\"");

    [Fact]
    public async Task Cpu_described_twice_fails() =>
        await FailsAsync(Panic + "cpus = [\n  { cpu = 3, activity = spin }\n  { cpu = 3, activity = idle }\n]", line: 4, key: "cpus[1].cpu",
            messagePart: "CPU 3 is already described by cpus[0]");

    [Theory]
    [InlineData("{ cpu = 1, activity = spin, holding = [big_kernel_lock] }", "cpus[0].holding[0]", "expected one of logbuf_lock, xtime_lock, console_sem, kexec_mutex, ioapic_lock")]
    [InlineData("{ cpu = 1, activity = spin, holding = [logbuf_lock, logbuf_lock] }", "cpus[0].holding[1]", "logbuf_lock is listed twice")]
    [InlineData("{ cpu = 1, activity = lock-loop }", "cpus[0].lock", "missing; expected one of logbuf_lock")]
    [InlineData("{ cpu = 1, activity = lock-loop, lock = bkl }", "cpus[0].lock", "expected one of logbuf_lock")]
    [InlineData("{ cpu = 1, activity = spin, period = 1ms }", "cpus[0].period", "period applies only to printk-loop, lock-loop and timekeeping, not to spin")]
    [InlineData("{ cpu = 1, activity = idle, irqs = off }", "cpus[0].irqs", "irqs applies only to spin, not to idle")]
    [InlineData("{ cpu = 1, activity = spin, irqs = maybe }", "cpus[0].irqs", "expected one of on, off")]
    [InlineData("{ cpu = 1, activity = printk-loop, lock = xtime_lock }", "cpus[0].lock", "lock applies only to lock-loop")]
    [InlineData("{ activity = spin }", "cpus[0].cpu", "missing; expected an integer from 0 to 7")]
    [InlineData("{ cpu = 1, activity = printk-loop, period = 0ns }", "cpus[0].period", "expected a duration of at least 1ns")]
    public async Task Bad_cpu_entry_fails(string entry, string key, string messagePart) =>
        await FailsAsync(Panic + $"cpus = [\n  {entry}\n]", line: 3, key, messagePart);

    [Fact]
    public async Task Lock_held_by_two_cpus_fails() =>
        await FailsAsync(Panic + "cpus = [\n  { cpu = 1, activity = spin, holding = [logbuf_lock] }\n  { cpu = 2, holding = [logbuf_lock] }\n]",
            line: 4, key: "cpus[1].holding[0]", messagePart: "logbuf_lock is already held by CPU 1 (cpus[0])");

    // ---- triggers ----

    [Theory]
    [InlineData("{ at = 0ms, cpu = 8, event = panic }", "triggers[0].cpu", "expected an integer from 0 to 7 (machine.cpus = 8), got \"8\"")]
    [InlineData("{ at = 0ms, event = panic }", "triggers[0].cpu", "missing; expected an integer from 0 to 7")]
    [InlineData("{ cpu = 0, event = panic }", "triggers[0].at", "missing; expected a duration")]
    [InlineData("{ at = 0ms, cpu = 0, event = explode }", "triggers[0].event", "expected one of panic, nmi-watchdog, wedge, corrupt-crash-kernel, oops, sysrq-b, stray-write, unknown-nmi, io-check-nmi, sysrq-c, soft-lockup, hung-task, warn, reboot, halt, poweroff, lkdtm, got \"explode\"")]
    [InlineData("{ at = 0ms, cpu = 0, event = panic, holding = [logbuf_lock] }", "triggers[0].holding", "holding applies only to wedge, not to panic")]
    [InlineData("{ at = 0ms, cpu = 0, event = wedge, message = \"x\" }", "triggers[0].message", "message applies only to panic, nmi-watchdog, oops and warn, not to wedge")]
    [InlineData("{ at = 0ms, cpu = 0, event = corrupt-crash-kernel }", "triggers[0].cpu", "cpu applies only to events on a CPU (all but corrupt-crash-kernel), not to corrupt-crash-kernel")]
    [InlineData("{ at = -1ms, cpu = 0, event = panic }", "triggers[0].at", "expected a duration of at least 0s")]
    public async Task Bad_trigger_fails(string entry, string key, string messagePart) =>
        await FailsAsync($"seed = 1\ntriggers = [\n  {entry}\n]", line: 3, key, messagePart);

    [Fact]
    public async Task Triggers_without_a_panic_fail()
    {
        await FailsAsync("seed = 1\ntriggers = [\n  { at = 0ms, cpu = 1, event = wedge }\n]", line: 2, key: "triggers", messagePart: "no trigger makes a CPU panic");
        var e = await FailsAsync("seed = 1\n");
        Assert.Equal((0, "triggers"), (e.Line, e.Key));
    }

    // ---- design and kernel command line ----

    [Fact]
    public async Task Unknown_design_lists_the_designs() =>
        await FailsAsync(Panic + "design = \"linux-3.0\"", line: 2, key: "design", messagePart: "expected one of linux-2.6.38, vivek-2011, eric-2011, linux-3.12, linux-4.5, linux-4.10, linux-6.x, got \"linux-3.0\"");

    [Fact]
    public async Task Unknown_kernel_parameter_fails()
    {
        var e = await FailsAsync("""
            name = "x"
            seed = 1
            triggers = [{ at = 0ms, cpu = 0, event = panic }]
            cmdline = "panic=10 crashkernel=128M crash_kexec_post_notifiers"
            """);

        Assert.Equal("scenarios/x.hocon:4: cmdline: linux-2.6.38 does not know the kernel parameter \"crash_kexec_post_notifiers\": it first appeared in Linux 3.16", e.Message);
        Assert.Equal((4, "cmdline"), (e.Line, e.Key));
        Assert.Contains("crashkernel", e.Expected);
        await FailsAsync(Panic + "cmdline = \"crashkernal=128M\"", 2, "cmdline", "(did you mean crashkernel?)");
    }

    [Theory]
    [InlineData("panic=soon", "expected panic=N with N an integer number of seconds, got \"panic=soon\"")]
    [InlineData("panic", "got \"panic\"")]
    [InlineData("crashkernel=128X", "expected crashkernel=SIZE[@OFFSET]")]
    [InlineData("crashkernel=128M,high", "expected crashkernel=SIZE[@OFFSET]")]
    [InlineData("crashkernel=128M oops=yes", "expected oops=panic, got \"oops=yes\"")]
    [InlineData("crashkernel=128M nmi_watchdog=2", "expected nmi_watchdog=0, 1, panic or nopanic, got \"nmi_watchdog=2\"")]
    public async Task Bad_value_of_a_kernel_parameter_fails(string cmdline, string messagePart) =>
        await FailsAsync(Panic + $"cmdline = \"{cmdline}\"", line: 2, key: "cmdline", messagePart);

    [Fact]
    public async Task Loaded_crash_kernel_needs_crashkernel()
    {
        var e = await FailsAsync(Panic + "cmdline = \"panic=10\"", line: 2, key: "machine.kdump.loaded", messagePart: "without crashkernel=");
        Assert.Contains("crashkernel=", e.Expected);
    }

    // ---- dumpers ----

    [Theory]
    [InlineData("machine.dumpers = [pstore]", "machine.dumpers[0]", "expected one of ramoops, mtdoops, thirdparty, efi-pstore, nvram-console, got \"pstore\"")]
    [InlineData("machine.dumpers = [ramoops, ramoops]", "machine.dumpers[1]", "ramoops is listed twice")]
    [InlineData("machine.ramoops.record_size = 2048", "machine.ramoops.record_size", "expected a size of at least 4096 bytes, got \"2048\"")]
    [InlineData("machine.ramoops { record_size = 16K, mem_size = 8K }", "machine.ramoops.mem_size", "expected a size from 16384 to 65536 bytes (from machine.ramoops.record_size to machine.nvram.size)")]
    [InlineData("machine.ramoops.mem_size = 128K", "machine.ramoops.mem_size", "got \"128K\"")]
    public async Task Bad_dumper_fails(string line2, string key, string messagePart) =>
        await FailsAsync(Panic + line2, line: 2, key, messagePart);

    // ---- files ----

    [Fact]
    public void Missing_file_fails_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir", "x.hocon");
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));
        Assert.Equal((path, 0, ""), (e.Source, e.Line, e.Key));
        Assert.Equal($"{path}: cannot read the scenario: no such file", e.Message);
    }
}
