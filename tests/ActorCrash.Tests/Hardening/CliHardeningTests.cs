using System.Text.Json;
using System.Text.RegularExpressions;
using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>Issue 13's CLI classes: strict options, one vocabulary, internal errors at once, violation files, the exit-code table.</summary>
[Collection(ConsoleCollection.Name)]
public class CliHardeningTests
{
    private static CliHarness.Result Cli(params string[] args) => CliHarness.Run(args);

    [Theory]
    [InlineData("run", "--sed", "7", "--seed")]
    [InlineData("explore", "--rusn", "5", "--runs")]
    [InlineData("compare", "--design", "linux-6.x", "--designs")]
    [InlineData("replay", "--jsno", "x", "--json")]
    public void An_unknown_option_is_an_error_with_a_suggestion(string verb, string option, string value, string meant)
    {
        var r = Cli(verb, option, value);
        Assert.Equal(2, r.Exit);
        Assert.Contains($"did you mean {meant}?", r.Err);
    }

    [Theory]
    [InlineData("explore", "--time", "Infinitys")]
    [InlineData("explore", "--time", "1e308s")]
    [InlineData("explore", "--time", "NaNs")]
    [InlineData("explore", "--seed", "abc")]
    [InlineData("run", "--seed", "-1")]
    [InlineData("compare", "--seeds", "1..18446744073709551615")]
    [InlineData("run", "--design", "linux-5.0")]
    [InlineData("explore", "--runs", "0")]
    public void Bad_option_values_exit_2_with_the_option_named(string verb, string option, string value)
    {
        var r = Cli(verb, option, value);
        Assert.Equal(2, r.Exit);
        Assert.Contains(option, r.Err);
        Assert.DoesNotContain("Nullable", r.Err);
    }

    // Spectre renders descriptions as markup: an unescaped "[word]" in one verb's option text made
    // that verb's --help an internal error (bench's --startups, found by hand).
    public static TheoryData<string> EveryVerb() => new(Verbs.All.Select(v => v.Name));

    [Theory]
    [MemberData(nameof(EveryVerb))]
    public void Every_verbs_help_renders(string verb)
    {
        var r = Cli(verb, "--help");
        Assert.Equal(0, r.Exit);
        Assert.DoesNotContain("internal error", r.Out + r.Err);
        Assert.Contains("OPTIONS:", r.Out);
    }

    [Fact]
    public void Help_is_not_cut_at_80_columns_when_piped()  // the test host's output is a pipe
    {
        var help = Cli("explore", "--help").Out;
        Assert.Contains("portfolio (default: random, pct d=3, delay-bounding, pct d=5 by run), random, pct, delay-bounding, exhaustive", help);
    }

    [Fact]
    public void Version_prints_the_emulator_version() =>
        Assert.Equal((0, EmulatorVersion.Value), (Cli("--version").Exit, Cli("--version").Out.Trim()));

    [Fact]
    public void Run_takes_a_design_and_a_built_in_scenario_like_explore()
    {
        var r = Cli("run", "built-in:k1-two-cpus-panic", "--design", "linux-6.x", "--seed", "3");
        Assert.Equal(0, r.Exit);
        Assert.Contains("design linux-6.x, seed 3", r.Out);
        Assert.Contains("replay: actorcrash run built-in:k1-two-cpus-panic --design linux-6.x --seed 3", r.Out);
    }

    [Fact]
    public void A_directory_as_a_scenario_says_so()
    {
        var r = Cli("run", Path.GetTempPath());
        Assert.Equal(2, r.Exit);
        Assert.Contains("it is a directory", r.Err);
    }

    /// <summary>A scenario the loader would refuse (a 1-byte pmsg zone), built by hand: the emulator throws inside a run.</summary>
    private static ScenarioSpec Broken()
    {
        var spec = ScenarioLoader.LoadText("design = linux-6.x\nmachine.ramoops.era = pstore\ntriggers = [{ at = 0ms, cpu = 0, event = panic }]\n", "broken.hocon");
        var d = spec.Machine.Dumpers[0];
        return spec with { Machine = spec.Machine with { Dumpers = [d with { Params = ((PstoreRamParams)d.Params!) with { PmsgSize = 1 } }] } };
    }

    [Fact]
    public void An_exception_inside_the_emulator_is_reported_at_once_with_scenario_seed_and_replay()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var fault = Assert.ThrowsAny<Exception>(() => RunCommand.Emulate(Broken() with { Seed = 5 }, trace: false));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}: the Ask waited for its timeout");
        var err = new StringWriter();
        Assert.Equal(3, Errors.Report(fault, err));
        var text = err.ToString();
        Assert.StartsWith("internal error: ", text);
        Assert.Contains("scenario broken.hocon, design linux-6.x", text);
        Assert.Contains("replay: actorcrash run broken.hocon --design linux-6.x --seed ", text);
        Assert.DoesNotContain("   at ", text);  // no stack trace
        Assert.Single(Regex.Matches(text, "internal error"));
    }

    [Fact]
    public void An_exception_in_a_run_names_that_runs_seed()
    {
        using var machine = new Machine(Broken());   // builds: the tiny zone fails only when the run writes to it
        var fault = Assert.Throws<EmulatorFault>(() => machine.Run(77));
        Assert.Equal((77UL, "broken.hocon", "linux-6.x"), (fault.Seed!.Value, fault.Scenario, fault.Design));
    }

    [Fact]
    public void The_readme_exit_code_table_is_the_ExitCode_enum()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var rows = Regex.Matches(readme, @"^\| (\d+) \| `(\w+)` \|", RegexOptions.Multiline)
            .Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value)).ToArray();
        Assert.Equal(Enum.GetValues<ExitCode>().Select(c => ((int)c, c.ToString())).ToArray(), rows);
    }

    [Fact]
    public void The_printed_commands_use_the_program_the_readme_setup_puts_on_path()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        Assert.Contains("export PATH=\"$PWD/.bin:$PATH\"", readme);
        Assert.StartsWith("actorcrash ", CliApp.Command("replay", "a b.json"));
        Assert.Equal("actorcrash replay 'a b.json'", CliApp.Command("replay", "a b.json"));
        Assert.Equal("actorcrash replay 'it'\\''s.json'", CliApp.Command("replay", "it's.json"));
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "ActorCrash.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}

/// <summary>Violation files: self-contained, replayable from anywhere, edits told from divergence, outputs safe.</summary>
[Collection(ConsoleCollection.Name)]
public class ViolationFileTests
{
    private const string Race = "built-in:race-dumper-blocks-kdump";

    private static string Explore(string dir, params string[] more)
    {
        var r = CliHarness.Run(["explore", Race, "--strategy", "random", "--runs", "20000", "--out", dir, .. more]);
        Assert.Equal(1, r.Exit);
        return Directory.GetFiles(dir, "*.json").Order().Last();
    }

    [Fact]
    public void A_violation_file_copied_anywhere_replays_and_shrinks()
    {
        var dir = CliHarness.TempDir("found");
        var elsewhere = Path.Combine(CliHarness.TempDir("copied"), "v.json");
        File.Copy(Explore(dir), elsewhere);
        Directory.Delete(dir, recursive: true);
        var v = Violation.FromJson(File.ReadAllText(elsewhere));
        Assert.NotNull(v.ScenarioText);
        Assert.Equal((EmulatorVersion.Value, Violation.CurrentSchemaVersion), (v.EmulatorVersion, v.SchemaVersion));
        Assert.Equal(1, CliHarness.Run("replay", elsewhere).Exit);
        Assert.Equal(1, CliHarness.Run("shrink", elsewhere).Exit);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(elsewhere)!, "v.min.json")));
        Assert.Equal(1, CliHarness.Run("shrink", elsewhere).Exit);  // never over the first one
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(elsewhere)!, "v.min-2.json")));
    }

    [Theory]
    [InlineData("decisions", "was edited since explore or shrink wrote it: decisions no longer matches")]
    [InlineData("scenario_text", "scenario_text no longer matches")]
    [InlineData("design", "design (now \"linux-9\")")]
    [InlineData("-design", "design: missing")]
    [InlineData("seed", "seed")]
    public void An_edited_or_broken_file_exits_2_saying_what_changed(string field, string says)
    {
        var file = Explore(CliHarness.TempDir("edit"));
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(file))!;
        var edited = new Dictionary<string, object?>(json.Select(kv => KeyValuePair.Create(kv.Key, (object?)kv.Value)));
        switch (field)
        {
            case "decisions": edited["decisions"] = json["decisions"].EnumerateArray().Select(e => e.GetInt64() + 1).ToArray(); break;
            case "scenario_text": edited["scenario_text"] = json["scenario_text"].GetString() + "\n# edited"; break;
            case "design": edited["design"] = "linux-9"; break;
            case "-design": edited.Remove("design"); break;
            case "seed": edited["seed"] = "x"; break;
        }
        File.WriteAllText(file, JsonSerializer.Serialize(edited));
        var r = CliHarness.Run("replay", file);
        Assert.Equal(2, r.Exit);
        Assert.Contains(says, r.Err);
    }

    [Fact]
    public void A_diverging_emulator_exits_3_and_says_so()
    {
        var file = Explore(CliHarness.TempDir("diverge"));
        var text = File.ReadAllText(file);
        var v = Violation.FromJson(text);
        File.WriteAllText(file, (v with { TraceSha256 = new string('0', 64) }).Sealed().ToJson());  // as if the emulator now traced otherwise
        var r = CliHarness.Run("replay", file);
        Assert.Equal(3, r.Exit);
        Assert.Contains("diverged", r.Err);
    }

    [Fact]
    public void Names_are_sanitised_and_never_overwrite()
    {
        var dir = CliHarness.TempDir("names");
        var scenario = Path.Combine(dir, "evil.hocon");
        File.WriteAllText(scenario, ScenarioLoader.BuiltInText("race-dumper-blocks-kdump") + "\nname = \"../../escape/x\"\n");
        var outDir = Path.Combine(dir, "out");
        for (var i = 0; i < 2; i++)
            Assert.Equal(1, CliHarness.Run("explore", scenario, "--strategy", "random", "--runs", "20000", "--out", outDir).Exit);
        // The violating run breaks vmcore and no-hang: a file for each, twice, none overwritten.
        var files = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(4, files.Length);
        Assert.Equal(2, files.Count(f => f!.StartsWith("_.._escape_x-vmcore-seed", StringComparison.Ordinal)));
        Assert.Equal(2, files.Count(f => f!.StartsWith("_.._escape_x-no-hang-seed", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(Path.Combine(dir, "..", "escape")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_out_that_is_a_file_is_refused_before_any_run()
    {
        var file = Path.Combine(CliHarness.TempDir("outfile"), "taken");
        File.WriteAllText(file, "mine");
        var r = CliHarness.Run("explore", Race, "--out", file);
        Assert.Equal(2, r.Exit);
        Assert.Contains("--out", r.Err);
        Assert.DoesNotContain("runs:", r.Out);
        Assert.Equal("mine", File.ReadAllText(file));
    }
}
