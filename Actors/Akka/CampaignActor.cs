using ActorCrash.Config;
using Akka.Actor;

namespace ActorCrash.Actors.Akka;

/// <summary>Any → <see cref="CampaignActor"/>: run seeds [First, First+Count) over the machine pool; the reply is a <see cref="CampaignResult"/>.</summary>
public sealed record RunCampaign(ScenarioSpec Spec, ulong First, int Count, int BatchSize = 64, bool Trace = false, bool Reports = true);

/// <summary>Reply to <see cref="RunCampaign"/>: every verdict (and full result, if asked), in seed order whatever order the batches finished in.</summary>
public sealed record CampaignResult(IReadOnlyList<RunSummary> Summaries, IReadOnlyList<RunResult> Results);

/// <summary>
/// Spreads a campaign's seeds over a pool of <see cref="MachineActor"/>s in batches and gathers the
/// results in seed order. Which machine ran which batch, and when, cannot change a result: each run
/// depends only on (scenario, seed).
/// </summary>
public sealed class CampaignActor : ReceiveActor
{
    private readonly IActorRef[] _machines;
    private int _next;

    public CampaignActor(int machines)
    {
        _machines = Enumerable.Range(0, machines).Select(i => Context.ActorOf(MachineActor.Props(), $"machine-{i}")).ToArray();
        Idle();
    }

    private void Idle() => Receive<RunCampaign>(Start);

    public static Props Props(int machines) => global::Akka.Actor.Props.Create(() => new CampaignActor(machines));

    private void Start(RunCampaign c)
    {
        var requester = Sender;
        var summaries = new RunSummary[c.Count];
        var results = c.Reports ? new RunResult[c.Count] : [];
        var pending = 0;
        var failed = false;
        for (var offset = 0; offset < c.Count; offset += c.BatchSize)
        {
            pending++;
            var batch = new RunBatch(c.Spec, c.First + (ulong)offset, Math.Min(c.BatchSize, c.Count - offset), c.Trace, c.Reports);
            _machines[_next++ % _machines.Length].Tell(batch);
        }
        if (pending == 0)
        {
            requester.Tell(new CampaignResult(summaries, results));
            return;
        }
        Become(() =>
        {
            Receive<BatchResult>(b =>
            {
                var at = (int)(b.First - c.First);
                for (var i = 0; i < b.Summaries.Count; i++) summaries[at + i] = b.Summaries[i];
                for (var i = 0; i < b.Results.Count; i++) results[at + i] = b.Results[i];
                if (--pending > 0) return;
                if (!failed) requester.Tell(new CampaignResult(summaries, results));
                Become(Idle);
            });
            Receive<Status.Failure>(f =>   // an EmulatorFault in a batch: passed on at once
            {
                if (!failed) requester.Tell(f);
                failed = true;
                if (--pending == 0) Become(Idle);
            });
            Receive<RunFailed>(f =>
            {
                if (!failed) requester.Tell(f);
                failed = true;
                if (--pending == 0) Become(Idle);
            });
        });
    }
}
