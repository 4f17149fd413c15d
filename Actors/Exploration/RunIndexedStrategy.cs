namespace ActorCrash.Actors.Exploration;

/// <summary>
/// The explorer's side of the exploration contract (issue 14): a strategy's choices in run i depend
/// only on (scenario, seed, i), never on what earlier runs did, so the runs can be split over cores
/// (each worker its own machine and strategy) and give the same results as on one core.
/// The explorer tells the strategy which run comes next; a strategy that needs a size estimate (PCT's
/// and delay bounding's k) gets one calibration, measured the same way by every worker.
/// </summary>
public interface IRunIndexedStrategy
{
    /// <summary>
    /// The number of choice points a run of this scenario asks: measured by the explorer once, from
    /// the first run's seed under the random strategy, before any run (every worker measures the same).
    /// </summary>
    void Calibrate(int steps);

    /// <summary>The next <see cref="Runtime.ISchedulingStrategy.Start"/> begins run <paramref name="run"/> (0-based) of the exploration.</summary>
    void BeginRun(long run);
}
