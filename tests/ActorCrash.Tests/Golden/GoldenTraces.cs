using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ActorCrash.Actors;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using ActorCrash.Tests.Emulator;

namespace ActorCrash.Tests.Golden;

/// <summary>
/// The golden traces: the SHA-256 of everything a run reports (outcome, reason, milestones, console,
/// storage read back, CPUs, locks, decisions and the full message trace) for every shipped scenario
/// under every design, seeds 1..200. A change that means to keep behaviour must keep every digest; a
/// change that means to alter it regenerates the fixture and says why in its commit:
/// <code>ACTORCRASH_GOLDEN=regenerate dotnet test ActorCrash.sln --filter FullyQualifiedName~GoldenTrace</code>
/// </summary>
/// <remarks>
/// The fixture (golden-traces.txt beside this file) holds, per (scenario, design), a line
/// <c>= scenario design SHA-256-of-the-seed-digests</c>, then one line per seed
/// <c>seed outcome SHA-256</c>; a (scenario, design) the design rejects at load is a line
/// <c>! scenario design reason</c>.
/// </remarks>
public static class GoldenTraces
{
    public const ulong FirstSeed = 1, LastSeed = 200;
    public const string Header = "# golden traces v1: sha256 of each run's full report and trace; regenerate with ACTORCRASH_GOLDEN=regenerate (see GoldenTraces.cs)";

    public static string FixturePath([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "golden-traces.txt");

    public static bool Regenerating => Environment.GetEnvironmentVariable("ACTORCRASH_GOLDEN") == "regenerate";

    /// <summary>Every (scenario, design) pair, in a fixed order.</summary>
    public static IEnumerable<(string Scenario, string Design)> Pairs() =>
        from s in ScenarioLoader.BuiltInNames
        from d in Actors.Designs.Designs.All
        select (s, d.Name);

    /// <summary>One (scenario, design)'s digests, or the reason the design rejects the scenario.</summary>
    public sealed record Group(string Scenario, string Design, string? Rejected, IReadOnlyList<(ulong Seed, Outcome Outcome, string Sha)> Seeds)
    {
        public string Combined => Hex(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join("\n", Seeds.Select(s => $"{s.Seed} {s.Outcome} {s.Sha}")))));
    }

    public static Group Compute(string scenario, string design)
    {
        var (spec, rejected) = Load(scenario, design);
        return spec is null ? new Group(scenario, design, rejected, []) : new Group(scenario, design, null, [.. Runs(spec)]);
    }

    /// <summary>The built-in scenario under the design, or the reason the design rejects it at load.</summary>
    public static (ScenarioSpec? Spec, string? Rejected) Load(string scenario, string design)
    {
        try
        {
            return (ScenarioLoader.LoadText(DesignComparison.WithDesign(ScenarioLoader.BuiltInText(scenario), design), $"built-in:{scenario}"), null);
        }
        catch (ScenarioException e)
        {
            return (null, e.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>Seeds 1..200 of the scenario on one machine, run lazily so a comparison can stop at the first difference.</summary>
    public static IEnumerable<(ulong Seed, Outcome Outcome, string Sha)> Runs(ScenarioSpec spec)
    {
        using var machine = new Machine(spec);
        for (var seed = FirstSeed; seed <= LastSeed; seed++)
        {
            var r = machine.RunAndReport(seed, trace: true);
            yield return (seed, r.Outcome, Digest(r));
        }
    }

    /// <summary>SHA-256 of the run's full report: <see cref="Emu.Fingerprint"/> (trace included) and the storage accounting.</summary>
    public static string Digest(RunResult r)
    {
        var b = new StringBuilder(Emu.Fingerprint(r));
        foreach (var s in r.Storage ?? [])
            b.Append("\nS ").Append(s.Dumper).Append(' ').Append(s.Device).Append(' ').Append(s.BytesIssued).Append(' ')
                .Append(s.BytesLanded).Append(" | ").AppendJoin(" | ", s.NextBootLog);
        return Hex(SHA256.HashData(Encoding.UTF8.GetBytes(b.ToString())));
    }

    public static string Format(IEnumerable<Group> groups)
    {
        var b = new StringBuilder(Header).Append('\n');
        foreach (var g in groups)
        {
            if (g.Rejected is not null)
            {
                b.Append("! ").Append(g.Scenario).Append(' ').Append(g.Design).Append(' ').Append(g.Rejected).Append('\n');
                continue;
            }
            b.Append("= ").Append(g.Scenario).Append(' ').Append(g.Design).Append(' ').Append(g.Combined).Append('\n');
            foreach (var (seed, outcome, sha) in g.Seeds) b.Append(seed).Append(' ').Append(outcome).Append(' ').Append(sha).Append('\n');
        }
        return b.ToString();
    }

    public static IReadOnlyList<Group> Parse(string text)
    {
        var groups = new List<Group>();
        string? scenario = null, design = null;
        List<(ulong, Outcome, string)>? seeds = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split(' ', 4);
            switch (f[0])
            {
                case "!":
                    Flush();
                    groups.Add(new Group(f[1], f[2], f[3], []));
                    break;
                case "=":
                    Flush();
                    (scenario, design, seeds) = (f[1], f[2], []);
                    break;
                default:
                    seeds!.Add((ulong.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Outcome>(f[1]), f[2]));
                    break;
            }
        }
        Flush();
        return groups;

        void Flush()
        {
            if (scenario is not null) groups.Add(new Group(scenario, design!, null, seeds!));
            scenario = null;
        }
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);
}
