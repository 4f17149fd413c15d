using ActorCrash.Experiments;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorCrash.Tests.Experiments;

/// <summary>
/// The coordinator keeps each worker on one (design, cell) while that cell has units, starts a new
/// cell for a worker whose cell is handed out, helps with the fullest cell at the end, and hands out
/// every unit exactly once: a cell's machine is built by about one worker, whatever the worker count.
/// </summary>
public sealed class CoordinatorAffinityTests : TestKit
{
    private static WorkUnit Unit(string cell, ulong first) => new("digest", "linux-6.x", cell, first, 10);

    [Fact]
    public async Task Each_worker_keeps_to_its_cell_and_every_unit_goes_out_once()
    {
        // Three cells of four units each, in plan order (design, cell, seed).
        var units = new[] { "a", "b", "c" }.SelectMany(c => Enumerable.Range(0, 4).Select(i => Unit(c, 1 + 10 * (ulong)i))).ToList();
        var (w1, w2) = (CreateTestProbe(), CreateTestProbe());
        var done = new List<UnitDone>();
        var finished = new TaskCompletionSource<UnitFailed?>();
        var coordinator = Sys.ActorOf(ExperimentCoordinator.Props([w1.Ref, w2.Ref], units, u => u, d => { lock (done) done.Add(d); }, finished));

        var handedOut = new List<WorkUnit>();
        var outstanding = new Dictionary<Akka.TestKit.TestProbe, Queue<WorkUnit>> { [w1] = new(), [w2] = new() };
        WorkUnit Got(Akka.TestKit.TestProbe w)
        {
            var u = w.ExpectMsg<WorkUnit>();
            handedOut.Add(u);
            outstanding[w].Enqueue(u);
            return u;
        }
        void Done(Akka.TestKit.TestProbe w) => coordinator.Tell(new UnitDone(outstanding[w].Dequeue(), []), w.Ref);

        // Two in flight each: worker 1 on cell a, worker 2 on cell b.
        Assert.Equal(["a", "a"], new[] { Got(w1), Got(w1) }.Select(u => u.Cell));
        Assert.Equal(["b", "b"], new[] { Got(w2), Got(w2) }.Select(u => u.Cell));
        Done(w1);
        Assert.Equal(("a", 21UL), Got(w1) is var a3 ? (a3.Cell, a3.FirstSeed) : default);   // its cell's next unit, not b's or c's
        Done(w1);
        Assert.Equal(("a", 31UL), Got(w1) is var a4 ? (a4.Cell, a4.FirstSeed) : default);
        Done(w1);
        Assert.Equal("c", Got(w1).Cell);   // cell a is all handed out: the next cell nobody started
        Done(w2);
        Assert.Equal("b", Got(w2).Cell);

        // Drain: answer each worker's units until the coordinator has nothing more to hand out.
        foreach (var w in new[] { w1, w2, w1, w2, w1, w2, w1, w2 })
            while (outstanding[w].Count > 0)
            {
                Done(w);
                if (w.ReceiveOne(TimeSpan.FromMilliseconds(200)) is WorkUnit n)
                {
                    handedOut.Add(n);
                    outstanding[w].Enqueue(n);
                }
            }
        Assert.Null(await finished.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(units.OrderBy(u => (u.Cell, u.FirstSeed)), handedOut.OrderBy(u => (u.Cell, u.FirstSeed)));   // each unit once
        Assert.Equal(units.Count, done.Count);
    }

    [Fact]
    public void A_worker_with_nothing_new_to_start_helps_with_the_fullest_cell()
    {
        // One cell of six units, another of one: worker 2 finishes cell b and then takes cell a's units.
        var units = Enumerable.Range(0, 6).Select(i => Unit("a", 1 + 10 * (ulong)i)).Append(Unit("b", 1)).ToList();
        var (w1, w2) = (CreateTestProbe(), CreateTestProbe());
        var finished = new TaskCompletionSource<UnitFailed?>();
        var coordinator = Sys.ActorOf(ExperimentCoordinator.Props([w1.Ref, w2.Ref], units, u => u, _ => { }, finished));
        var (a1, a2) = (w1.ExpectMsg<WorkUnit>(), w1.ExpectMsg<WorkUnit>());
        var (b1, a3) = (w2.ExpectMsg<WorkUnit>(), w2.ExpectMsg<WorkUnit>());
        Assert.Equal(("a", "a", "b", "a"), (a1.Cell, a2.Cell, b1.Cell, a3.Cell));
        Assert.Equal(21UL, a3.FirstSeed);   // cell b had one unit: worker 2's second goes to cell a, after worker 1's two
        coordinator.Tell(new UnitDone(b1, []), w2.Ref);
        var next = w2.ExpectMsg<WorkUnit>();
        Assert.Equal(("a", 31UL), (next.Cell, next.FirstSeed));
    }
}
