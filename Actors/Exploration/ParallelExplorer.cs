using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ActorCrash.Actors.Akka;
using Akka.Actor;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// `explore` on every core: an <see cref="ExploreCampaignActor"/> hands stretches of run indices to one
/// <see cref="MachineActor"/> per core (each with its own machine and strategy) and merges what they
/// find in run order. The report for N runs is the same at any core count; a stop (a time budget,
/// Ctrl-C) ends it at a prefix of the runs, as if that many had been asked for. The exhaustive
/// strategy is one depth-first search: it stays on one core.
/// A campaign that finished an exploration waits, idle, for the next one asked of the same system with
/// the same core count (its machine actors and their threads are kept; each exploration builds fresh
/// explorers): a process that explores many times (bench-explore, tests) neither starts threads per
/// exploration nor stops dispatchers, which would start Akka's scheduler ticking.
/// </summary>
public static class ParallelExplorer
{
    private static readonly ConditionalWeakTable<ActorSystem, ConcurrentDictionary<int, ConcurrentBag<IActorRef>>> IdleCampaigns = [];

    /// <summary>The cores an exploration uses by default: all of them.</summary>
    public static int DefaultCores => Environment.ProcessorCount;

    /// <summary>The cores a job actually gets when <paramref name="cores"/> are asked for.</summary>
    public static int CoresFor(ExploreJob job, int cores) => job.Strategy == "exhaustive" ? 1 : Math.Max(1, cores);

    /// <summary>
    /// Explores runs [report.Runs, maxRuns) of <paramref name="job"/> on <paramref name="cores"/>
    /// machines, merging into <paramref name="report"/> (whose OnViolation is called, in run order, from
    /// the campaign's thread). Completes when the runs are done, the exploration stopped at a violation or
    /// the exhaustive space ended, or <paramref name="stop"/> fired; faults with the emulator's exception.
    /// </summary>
    public static async Task<ExploreReport> ExploreAsync(ExploreJob job, int cores, long maxRuns, ExploreReport report,
        CancellationToken stop = default, ActorSystem? system = null, int? stretchSize = null)
    {
        if (report.Save != job.SavePolicy) throw new ArgumentException("the report's save policy differs from the job's", nameof(report));
        system ??= DeviceHost.Shared;
        cores = CoresFor(job, cores);
        if (report.Coverage is not null) job = job with { Coverage = true };  // each stretch brings its coverage, merged in run order
        report.Cores = cores;
        DeviceHost.Keep(system);  // the devices' dispatcher never empties: no dispatcher shutdown, no scheduler ticking
        var idle = IdleCampaigns.GetValue(system, _ => new()).GetOrAdd(cores, _ => []);
        if (!idle.TryTake(out var campaign)) campaign = system.ActorOf(ExploreCampaignActor.Props(cores));
        var reusable = false;
        try
        {
            var reply = await campaign.Ask<object>(new StartExplore(job, maxRuns, report, stop, stretchSize ?? StretchFor(job)), Timeout.InfiniteTimeSpan)
                .ConfigureAwait(false);
            if (reply is Status.Failure f) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(f.Cause);
            reusable = true;
            return report;
        }
        finally
        {
            // A finished campaign lets the stretches still running past the end stop at their next run, then
            // takes the next exploration. One that failed is stopped: its machines finish the run they are in
            // and dispose their devices.
            if (reusable) idle.Add(campaign);
            else
            {
                try
                {
                    await campaign.GracefulStop(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
                }
                catch (TaskCanceledException)
                {
                    // a run longer than that: its devices go with the process
                }
            }
        }
    }

    /// <summary>
    /// Runs per stretch: 256 up to 8 CPUs, fewer for bigger machines (a run's cost grows with its
    /// CPUs), at least 4, so a stretch stays a few tens of milliseconds: a violation is saved at most
    /// that long after it is found, and Ctrl-C stops within it. The results do not depend on it.
    /// </summary>
    public static int StretchFor(ExploreJob job) => Math.Clamp(2048 / Math.Max(1, job.Spec.Machine.CpuCount), 4, 256);

    /// <summary><see cref="ExploreAsync"/> on the caller's thread.</summary>
    public static ExploreReport Explore(ExploreJob job, int cores, long maxRuns, ExploreReport? report = null,
        CancellationToken stop = default, ActorSystem? system = null) =>
        ExploreAsync(job, cores, maxRuns, report ?? new ExploreReport { Save = job.SavePolicy }, stop, system).GetAwaiter().GetResult();
}
