using ActorCrash.Config;
using Akka.Actor;

namespace ActorCrash.Actors.Akka;

/// <summary>Any → <see cref="CampaignActor"/>: run seeds [First, First+Count) over the machine pool; the reply is a <see cref="CampaignResult"/>.</summary>
public sealed record RunCampaign(ScenarioSpec Spec, ulong First, int Count, int BatchSize = 64, bool Trace = false);

/// <summary>Reply to <see cref="RunCampaign"/>: every result, in seed order whatever order the batches finished in.</summary>
public sealed record CampaignResult(IReadOnlyList<RunResult> Results);

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
        var results = new RunResult[c.Count];
        var pending = 0;
        var failed = false;
        for (var offset = 0; offset < c.Count; offset += c.BatchSize)
        {
            pending++;
            var batch = new RunBatch(c.Spec, c.First + (ulong)offset, Math.Min(c.BatchSize, c.Count - offset), c.Trace);
            _machines[_next++ % _machines.Length].Tell(batch);
        }
        if (pending == 0)
        {
            requester.Tell(new CampaignResult(results));
            return;
        }
        Become(() =>
        {
            Receive<BatchResult>(b =>
            {
                for (var i = 0; i < b.Results.Count; i++) results[(int)(b.First - c.First) + i] = b.Results[i];
                if (--pending > 0) return;
                if (!failed) requester.Tell(new CampaignResult(results));
                Become(Idle);
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
