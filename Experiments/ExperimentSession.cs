using ActorCrash.Config.Experiments;

namespace ActorCrash.Experiments;

/// <summary>
/// One invocation of an experiment over an --out folder: the folder prepared (afresh, or kept for
/// --resume), each cell's scenario written as a file `actorcrash run` reads, the store opened and
/// bound to the experiment; afterwards the table from the store, the journal and the report.
/// </summary>
public sealed class ExperimentSession : IDisposable
{
    private readonly Func<string[], string> _command;

    private ExperimentSession(ExperimentPlan plan, string outDir, ResultStore store, long resumedRows, Func<string[], string> command)
    {
        _command = command;
        Plan = plan;
        OutDir = outDir;
        Store = store;
        ResumedRows = resumedRows;
    }

    public ExperimentPlan Plan { get; }
    public ExperimentSpec Experiment => Plan.Experiment;
    public string OutDir { get; }
    public ResultStore Store { get; }

    /// <summary>Rows of this experiment the store already held (a resumed run).</summary>
    public long ResumedRows { get; }

    /// <summary>
    /// Prepares <paramref name="outDir"/>. Without <paramref name="resume"/> earlier results there are
    /// replaced; with it they are kept, and a store of another experiment is refused.
    /// </summary>
    /// <exception cref="StoreMismatchException">--resume into another experiment's results.</exception>
    /// <param name="command">Formats a command the user can paste (the CLI quotes its words); default: "actorcrash" and the words, space-separated.</param>
    public static ExperimentSession Open(ExperimentSpec experiment, Seeds seeds, string outDir, bool resume, Func<string[], string>? command = null)
    {
        Directory.CreateDirectory(outDir);
        var storePath = Path.Combine(outDir, ExperimentFiles.Store);
        if (!resume)
        {
            foreach (var f in new[] { storePath, storePath + "-wal", storePath + "-shm", Path.Combine(outDir, ExperimentFiles.Journal), Path.Combine(outDir, ExperimentFiles.Report) })
                File.Delete(f);
            var scenarios = Path.Combine(outDir, ExperimentFiles.Scenarios);
            if (Directory.Exists(scenarios)) Directory.Delete(scenarios, recursive: true);
        }
        var store = ResultStore.Open(storePath);
        try
        {
            store.Bind(experiment.Digest, experiment.Title, EmulatorBuild.Id);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        foreach (var cell in experiment.Cells)
            foreach (var d in cell.Designs)
            {
                var path = Path.Combine(outDir, ExperimentFiles.CellScenario(d.Design, cell.Name));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, d.Text);
            }
        return new ExperimentSession(new ExperimentPlan(experiment, seeds), outDir, store, resume ? store.Count(experiment.Digest) : 0,
            command ?? (words => "actorcrash " + string.Join(' ', words)));
    }

    /// <summary>The command that replays a run of a cell, as a user pastes it.</summary>
    public string Replay(string design, string cell, ulong seed) =>
        _command(["run", ScenarioFile(design, cell), "--seed", $"{seed}"]);

    public string ScenarioFile(string design, string cell) => Path.Combine(OutDir, ExperimentFiles.CellScenario(design, cell));

    /// <summary>The reliability table of what the store holds for this experiment and these seeds.</summary>
    public ReliabilityTable Table() => ReliabilityTable.From(Experiment, Plan.Seeds, Store.Rows(Experiment.Digest), Replay);

    /// <summary>Writes journal.json and report.html; returns the journal's text.</summary>
    public string WriteOutputs(ReliabilityTable table, string status, DateTimeOffset start, DateTimeOffset end)
    {
        var journal = Journal.ToJson(table, status, start, end, OutDir, ScenarioFile);
        WriteAtomically(Path.Combine(OutDir, ExperimentFiles.Journal), journal);
        WriteAtomically(Path.Combine(OutDir, ExperimentFiles.Report), HtmlReport.Render(table, status, start, end, v => Traces.FailingRuns.Sequence(Experiment, v)));
        return journal;
    }

    public void Dispose() => Store.Dispose();

    // A kill while writing leaves the previous file whole, never half a new one.
    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

}
