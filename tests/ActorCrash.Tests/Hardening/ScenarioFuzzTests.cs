using System.Diagnostics;
using ActorCrash.Actors;
using ActorCrash.Config;
using ActorCrash.Config.Hocon;
using Akka.Configuration;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// Property-based fuzzing of the scenario loader and the emulator (CsCheck): 10,000 mutations of the
/// shipped scenarios per run — values replaced by edge cases (null, NaN, overflow, empty, wrong kind),
/// keys of any section added, lines deleted or repeated, text cut or a byte inserted. Each must end
/// like `run` would: exit 0 (it ran) or exit 2 with a located message (file:line or a key) — never an
/// exception of the emulator (exit 3), never over 2 s. Runs are kept short (5,000 steps, 10 s of
/// virtual time) so the whole test stays well under a minute. Where the strict checker accepts a
/// text, Akka's parser must see the same keys with the same kinds: the two parsers agree.
/// </summary>
public class ScenarioFuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 10_000;
    private const string Source = "fuzz.hocon";

    private static readonly string[] Bases = [.. ScenarioLoader.BuiltInNames.Select(ScenarioLoader.BuiltInText)];

    private static readonly string[] Values =
    [
        "null", "NaN", "Infinity", "-1", "0", "1", "2", "4095", "4096", "65536", "2147483647", "2147483648", "4294967296",
        "9223372036854775807", "99999999999999999999", "1e308s", "Infinitys", "-5ms", "0ns", "1ns", "720h", "721h", "1K", "16M", "17M", "1G",
        "true", "off", "\"\"", "x", "\"../../etc/passwd\"", "[]", "[1]", "[null]", "{}", "{ a = 1 }", "[1us, 5us]", "[5us, 1us]",
        "[0ms, 9223372036854775807ns]", "ramoops", "mtdoops", "efi-pstore", "nvram-console", "thirdparty", "[ramoops, mtdoops, efi-pstore, nvram-console, thirdparty]",
        "pstore", "2.6.38", "current", "linux-6.x", "vivek-2011", "take-lock", "logbuf_lock", "panic", "spin", "[{ at = 0ms, cpu = 0, event = panic }]",
        "[{ at = 0ms, fault = bit-flip, offset = 0, bytes = 100000 }]", "[{ cpu = 4095, activity = printk-loop, period = 1ns }]",
        "\"panic=-1 crashkernel=128M\"", "\"crash_kexec_post_notifiers nonmi_ipi\"",
    ];

    private static readonly string[] Keys =
    [
        .. KeyChecks.Keys,
        "triggers[0].at", "triggers[0].cpu", "cpus[0].cpu", "machine.faults[0].at", "machine.bogus", "machine.ramoops.mem_size.x",
    ];

    /// <summary>One edit of a scenario's text.</summary>
    private sealed record Mutation(int Op, int Line, int Key, int Value, int Position, char Char)
    {
        public string Apply(string text)
        {
            var lines = text.Split('\n').ToList();
            var line = Line % lines.Count;
            switch (Op)
            {
                case 0 when lines[line].Contains('='):  // a value replaced
                    lines[line] = lines[line][..(lines[line].IndexOf('=') + 1)] + " " + Values[Value % Values.Length];
                    break;
                case 1 or 0:                            // a key of any section set
                    lines.Insert(line, $"{Keys[Key % Keys.Length]} = {Values[Value % Values.Length]}");
                    break;
                case 2: lines.RemoveAt(line); break;
                case 3: lines.Insert(line, lines[line]); break;
                case 4: return text[..(Position % (text.Length + 1))];
                default: return text.Insert(Position % (text.Length + 1), Char.ToString());
            }
            return string.Join('\n', lines);
        }
    }

    private static readonly Gen<string> Scenario =
        Gen.Select(
            Gen.Int[0, Bases.Length - 1],
            Gen.Select(Gen.Int[0, 5], Gen.Int[0, 10_000], Gen.Int[0, 10_000], Gen.Int[0, 10_000], Gen.Int[0, 100_000], Gen.Char,
                (op, line, key, value, pos, c) => new Mutation(op, line, key, value, pos, c)).Array[1, 3],
            (b, mutations) => mutations.Aggregate(Bases[b], (text, m) => m.Apply(text)));

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public void Mutated_scenarios_end_in_exit_0_or_a_located_exit_2_never_an_internal_error()
    {
        long slowestTicks = 0;
        int ran = 0, refused = 0;
        var sw = Stopwatch.StartNew();
        Scenario.Sample(text =>
        {
            var one = Stopwatch.StartNew();
            var exit = Run(text);
            one.Stop();
            InterlockedMax(ref slowestTicks, one.ElapsedTicks);
            if (exit == 0) Interlocked.Increment(ref ran);
            else Interlocked.Increment(ref refused);
            // A hang guard, not a speed check: an input runs in milliseconds on a quiet machine and under
            // 3 s on a saturated one (4096 CPUs at load 50); one that never ends would hit this.
            if (one.Elapsed > HangGuard)
                throw new Xunit.Sdk.XunitException($"took {one.Elapsed.TotalSeconds:F1} s (over {HangGuard.TotalSeconds:F0} s, a hang):\n{text}");
        }, iter: Inputs, seed: Environment.GetEnvironmentVariable("ACTORCRASH_FUZZ_SEED") ?? "0000fuzz0001");
        sw.Stop();
        output.WriteLine($"{Inputs} mutated scenarios in {sw.Elapsed.TotalSeconds:F1} s ({Inputs / sw.Elapsed.TotalSeconds:N0} inputs/s); " +
            $"{ran} ran, {refused} refused with a located error; slowest {TimeSpan.FromTicks(slowestTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds:F0} ms");
        Assert.Equal(Inputs, ran + refused);
        Assert.True(ran > Inputs / 20 && refused > Inputs / 20, $"the mutations should both run and fail: {ran} ran, {refused} refused");
    }

    /// <summary>What `run` would exit with; anything else fails the test with the input.</summary>
    private static int Run(string text)
    {
        AgreeWithAkka(text);
        ScenarioSpec spec;
        try
        {
            spec = ScenarioLoader.LoadText(text, Source);
        }
        catch (ScenarioException e)
        {
            if (!e.Message.StartsWith(Source, StringComparison.Ordinal) || (e.Line <= 0 && e.Key.Length == 0))
                throw new Xunit.Sdk.XunitException($"an error without a line or key: {e.Message}\n{text}");
            return 2;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"the loader threw {e.GetType().Name} (exit 3): {e.Message}\n{text}");
        }
        spec = spec with { Limits = new LimitsSpec(Math.Min(spec.Limits.VirtualTimeNs, 10_000_000_000), Math.Min(spec.Limits.MaxSteps, 5_000)) };
        try
        {
            var machine = new Machine(spec);
            machine.Run(spec.Seed);
            machine.Report(trace: true);
            return 0;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"the emulator threw (exit 3): {e}\n--- scenario ---\n{text}");
        }
    }

    /// <summary>Where the strict checker accepts the text, Akka sees every key it saw, holding the same kind of thing.</summary>
    private static void AgreeWithAkka(string text)
    {
        HoconPositions positions;
        try
        {
            positions = HoconPositions.Scan(text, Source);
        }
        catch (ScenarioException)
        {
            return;
        }
        Akka.Configuration.Config akka;
        try
        {
            akka = ConfigurationFactory.ParseString(text + "\n");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"the strict checker accepts what Akka cannot parse ({e.Message}):\n{text}");
        }
        foreach (var entry in positions.Entries.Where(e => !e.Path.Contains('[')))
        {
            var v = akka.GetValue(entry.Path);
            var kind = v is null ? "nothing" : v.IsObject() ? "object" : v.IsList() ? "list" : "value";
            var expected = entry.Kind switch { HoconKind.Object => "object", HoconKind.List => "list", _ => "value" };
            if (kind != expected)
                throw new Xunit.Sdk.XunitException($"{entry.Path}: the strict checker sees a {expected}, Akka {kind}:\n{text}");
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}
