using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using ActorCrash.Config.Experiments;
using ActorCrash.Tests.Designs;
using Xunit;

namespace ActorCrash.Tests.Exploration;

/// <summary>
/// The properties read the dumpers' NVRAM through <see cref="RunView.NvramVerdicts"/>, a read-back
/// that builds no record text (ramoops and the pstore zones answer from the device in place). It
/// must say exactly what the full read-back says, record by record, on every cell of the shipped
/// experiments (every design, the device faults, ECC) and on the machine reused across seeds, and
/// log-saved and nvram-not-torn must give the verdicts the text-based checks gave.
/// </summary>
public class ReadBackVerdictTests
{
    private const int Seeds = 12;

    /// <summary>Every (cell, design) scenario of the shipped experiments, and two ECC cases they lack.</summary>
    private static IEnumerable<(string Name, ScenarioSpec Spec)> Cases()
    {
        foreach (var name in ExperimentLoader.BuiltInNames)
        {
            var e = ExperimentLoader.Load(ExperimentLoader.BuiltIn(name));
            foreach (var cell in e.Cells)
                foreach (var d in cell.Designs)
                    if (d.Spec is { } spec) yield return ($"{name}/{cell.Name}/{d.Design}", spec);
        }
        // More flipped bytes in one 128-byte block than Reed-Solomon corrects; a console zone with ECC.
        yield return ("ecc-uncorrectable", Kit.Load("pstore-selftest", "linux-6.x",
            "machine.ramoops.ecc = 16\nmachine.faults = [ { at = 1s, fault = bit-flip, offset = 64, bytes = 40 } ]"));
        yield return ("ecc-console", Kit.Load("pstore-selftest", "linux-6.x",
            "machine.ramoops.ecc = 1\nmachine.faults = [ { at = 1s, fault = bit-flip, offset = 9000, bytes = 2 } ]"));
    }

    [Fact]
    public void Verdicts_equal_the_full_read_back_and_the_properties_answer_as_the_text_based_checks()
    {
        var logSaved = Properties.ByName(PropertyNames.LogSaved);
        var notTorn = Properties.ByName(PropertyNames.NvramNotTorn);
        var states = new HashSet<RecordState>();
        var records = 0;
        foreach (var (name, spec) in Cases())
        {
            using var machine = new Machine(spec);
            for (ulong seed = 1; seed <= Seeds; seed++)
            {
                var summary = machine.Run(seed);
                var cheap = new RunView(machine, summary);
                var verdicts = cheap.NvramVerdicts.ToArray();   // first, as a campaign reads it: nothing read before
                var full = new RunView(machine, summary).Nvram;
                Assert.True(full.Select(RecordVerdict.Of).SequenceEqual(verdicts), $"{name} seed {seed}: " +
                    $"[{string.Join("; ", verdicts)}] vs [{string.Join("; ", full.Select(RecordVerdict.Of))}]");
                Assert.Equal(TextLogSaved(machine, full), logSaved.Check(cheap));
                Assert.Equal(TextNvramNotTorn(full), notTorn.Check(cheap));
                states.UnionWith(verdicts.Select(v => v.State));
                records += verdicts.Length;
            }
        }
        // The cases reach every way a record can read back but an earlier boot's (no dumper makes Old ones).
        Assert.Superset(new HashSet<RecordState> { RecordState.Intact, RecordState.Torn, RecordState.Lost, RecordState.Corrupt,
            RecordState.EccCorrected, RecordState.Uncorrectable }, states);
        Assert.True(records > 1000, $"{records} records compared");
    }

    [Fact]
    public void A_read_back_of_verdicts_allocates_next_to_nothing()
    {
        // The built-in experiment's cell with the most records: 2.6.38 ramoops and a pstore-era zone set.
        foreach (var design in new[] { "linux-2.6.38", "linux-6.x" })
        {
            using var machine = new Machine(Kit.Load("thread-2011", design));
            var summary = machine.Run(1);
            _ = new RunView(machine, summary).NvramVerdicts;   // the reading buffers grow once
            var before = GC.GetAllocatedBytesForCurrentThread();
            var verdicts = new RunView(machine, summary).NvramVerdicts;
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.NotEmpty(verdicts);
            Assert.True(bytes < 1024, $"{design}: {bytes} bytes allocated for {verdicts.Count} verdicts");
            var full = GC.GetAllocatedBytesForCurrentThread();
            _ = new RunView(machine, summary).Nvram;
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - full > 4 * bytes, "the full read-back builds the records' text");
        }
    }

    // log-saved as it was written over the full records, before the verdicts.
    private static string? TextLogSaved(Machine machine, IReadOnlyList<NvramRecord> nvram)
    {
        if (machine.Kernel.DumpList.Count == 0) return "log-saved violated: no kmsg dumper is registered";
        var dumps = nvram.Where(rec => rec.State != RecordState.Old && !rec.Name.StartsWith("console-", StringComparison.Ordinal)
            && !rec.Name.StartsWith("pmsg-", StringComparison.Ordinal)).ToArray();
        if (dumps.Any(rec => rec.State is RecordState.Intact or RecordState.EccCorrected)) return null;
        return dumps.Length == 0 ? "log-saved violated: no dump of the kernel log was written" : $"log-saved violated: {dumps.Length} dump record(s), none intact";
    }

    private static string? TextNvramNotTorn(IReadOnlyList<NvramRecord> nvram)
    {
        foreach (var rec in nvram)
            if (rec.State is RecordState.Torn or RecordState.Corrupt or RecordState.Uncorrectable)
                return $"nvram-not-torn violated: {rec.Name} {rec.State.ToString().ToLowerInvariant()}: {rec.StoredBytes} of {rec.IntendedBytes} bytes as meant";
        return null;
    }
}
