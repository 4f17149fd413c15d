using ActorCrash.Experiments;
namespace ActorCrash.Cluster;

/// <summary>
/// The coordinator's view of an experiment: what is left to run and where its rows go. The
/// experiments project implements it over its plan and its SQLite store.
/// </summary>
public interface ICampaign
{
    /// <summary>The experiment digest: every <see cref="WorkUnit"/> and row carries it.</summary>
    string Experiment { get; }

    string Title { get; }

    /// <summary>Everything a worker needs to run any unit of this campaign (the experiment with its scenario text inlined).</summary>
    string Text { get; }

    /// <summary>Runs the whole campaign has (done or not), for progress.</summary>
    long TotalRuns { get; }

    /// <summary>The seeds not yet in the store, cut into units of at most <paramref name="batchSize"/> seeds, in plan order.</summary>
    IReadOnlyList<WorkUnit> Pending(int batchSize);

    /// <summary>Write a unit's rows (encoded by <see cref="IWorkRunner.Run"/>) in one transaction. Idempotent: rows already stored are kept once.</summary>
    void Store(WorkUnit unit, byte[] rows);
}

/// <summary>A worker's side of an experiment: run one unit from the experiment's text alone.</summary>
public interface IWorkRunner
{
    /// <summary>
    /// Run every seed of <paramref name="unit"/> on up to <paramref name="parallelism"/> threads and
    /// return the rows, encoded, in seed order. The result depends on (text, unit) only.
    /// Throws <see cref="ArgumentException"/> when the text does not load.
    /// </summary>
    byte[] Run(string experimentText, WorkUnit unit, int parallelism);
}
