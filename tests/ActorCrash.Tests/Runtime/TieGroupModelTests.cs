using ActorCrash.Actors.Runtime;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The runtime against a plain model of its delivery contract (issue 15): the next delivery is the
/// earliest due; when several are due at that instant the strategy picks among all of them in send
/// order (those sent meanwhile for the same instant included); a cancelled message is never offered
/// or delivered, wherever it waits; a run stopped by its time or step limit loses nothing, and a
/// resume carries on exactly as an uninterrupted run would. Devices post, cancel and the caller sends
/// between resumes, in patterns drawn from a seed, so tie groups of every size (beyond the tie buffer's
/// first 8 and 16), picks at both ends and the middle, and stops inside a group all occur.
/// </summary>
public class TieGroupModelTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Hit(int N) : Message;

    /// <summary>The i-th pick of a run is a pure function of (seed, i, candidates): two instances with one seed answer alike.</summary>
    private sealed class HashPicks(ulong salt) : ISchedulingStrategy
    {
        private long _calls;
        public List<long[]> Offered { get; } = [];
        public string Name => "hash";
        public void Start(ulong seed) => _calls = 0;

        public int NextDelivery(ReadOnlySpan<Pending> candidates)
        {
            var seqs = new long[candidates.Length];
            for (var i = 0; i < seqs.Length; i++) seqs[i] = candidates[i].Seq;
            return Pick(seqs);
        }

        public int Pick(long[] seqs)
        {
            Offered.Add(seqs);
            var h = Mix(salt, (ulong)_calls++);
            // Mostly the ends (delay-bounding's usual picks), else anywhere: both of the buffer's shift directions.
            return (h % 4) switch
            {
                0 => 0,
                1 => seqs.Length - 1,
                _ => (int)(h / 4 % (ulong)seqs.Length),
            };
        }

        public long NextInRange(long min, long max) => min;
    }

    internal static ulong Mix(ulong a, ulong b)
    {
        var z = a * 0x9E3779B97F4A7C15UL + b + 0x632BE59BD9B4E5ADUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>What a delivery of message n does: the delays of the messages it posts and whom (an earlier message) it cancels.</summary>
    private sealed class Plan(ulong salt, int budget)
    {
        private static readonly long[] Delays = [0, 0, 0, 1, 2, 7];

        public long[] Posts(int n)
        {
            if (n >= budget) return [];
            var h = Mix(salt, (ulong)n * 3);
            var count = (int)(h % 3);
            return [.. Enumerable.Range(0, count).Select(j => Delays[(int)(Mix(h, (ulong)j) % (ulong)Delays.Length)])];
        }

        /// <summary>An earlier message to cancel (of those numbered below <paramref name="issued"/>), or -1.</summary>
        public int Cancels(int n, int issued)
        {
            var h = Mix(salt, (ulong)n * 3 + 1);
            return h % 3 == 0 && issued > 0 ? (int)(h / 3 % (ulong)issued) : -1;
        }
    }

    /// <summary>The model: the pending messages as a list, each delivery and choice as the contract says.</summary>
    private sealed class Model(Plan plan, HashPicks strategy)
    {
        private readonly List<(long Seq, long Due, int N)> _pending = [];
        private readonly Dictionary<int, long> _seqOf = [];
        private long _seq;
        public long Now, Steps;
        public int Issued;
        public List<(int N, long Time)> Delivered { get; } = [];
        public List<long> Decisions { get; } = [];

        public void Send(long delay)
        {
            var n = Issued++;
            _seqOf[n] = ++_seq;
            _pending.Add((_seq, Now + delay, n));
        }

        public void Cancel(int n) => _pending.RemoveAll(p => p.Seq == _seqOf[n]);

        public RunEnd Run(long timeLimit, long stepLimit)
        {
            while (true)
            {
                if (_pending.Count == 0) return RunEnd.Quiescent;
                var due = _pending.Min(p => p.Due);
                var group = _pending.Where(p => p.Due == due).OrderBy(p => p.Seq).ToList();
                var pick = 0;
                if (group.Count > 1)
                {
                    pick = strategy.Pick([.. group.Select(g => g.Seq)]);
                    Decisions.Add(pick);
                }
                var next = group[pick];
                if (due > timeLimit)
                {
                    Now = timeLimit;
                    return RunEnd.TimeLimit;
                }
                if (Steps >= stepLimit) return RunEnd.StepLimit;
                Now = due;
                Steps++;
                _pending.Remove(next);
                Delivered.Add((next.N, Now));
                foreach (var d in plan.Posts(next.N)) Send(d);
                if (plan.Cancels(next.N, Issued) is >= 0 and var c) Cancel(c);
            }
        }
    }

    /// <summary>The same plan on the runtime, with one device that posts to itself.</summary>
    private sealed class Subject
    {
        private readonly MachineRuntime _runtime;
        private readonly ActorId _id;
        private readonly Dictionary<int, long> _handles = [];
        private Plan _plan = new(0, 0);
        public int Issued;
        public List<(int N, long Time)> Delivered { get; } = [];

        public Subject(ActorSystem system)
        {
            _runtime = new MachineRuntime();
            _id = _runtime.Register("d", RuntimeKit.CallbackDevice(system, m =>
            {
                if (m is not Hit h) return;
                Delivered.Add((h.N, _runtime.Now));
                foreach (var d in _plan.Posts(h.N)) Send(d);
                if (_plan.Cancels(h.N, Issued) is >= 0 and var c) Cancel(c);
            }), resetAtStart: false);
        }

        public MachineRuntime Runtime => _runtime;

        public void Start(Plan plan, HashPicks strategy, ulong seed)
        {
            _plan = plan;
            _handles.Clear();
            Issued = 0;
            Delivered.Clear();
            _runtime.Start(strategy, seed);
        }

        public void Send(long delay)
        {
            var n = Issued++;
            _handles[n] = _runtime.Send(_id, _id, new Hit(n), delay);
        }

        public void Cancel(int n) => _runtime.Cancel(_handles[n]);
    }

    /// <summary>
    /// One run of a campaign: the same initial messages, resumes and outside sends and cancels on the
    /// model and the runtime; every run's end, the clock, the step count, each offer, each decision and
    /// each delivery (message and time) must agree.
    /// </summary>
    private static void RunBoth(Subject subject, ulong scenario)
    {
        var plan = new Plan(scenario, budget: 160);
        var modelPicks = new HashPicks(scenario);
        var runtimePicks = new HashPicks(scenario);
        var model = new Model(plan, modelPicks);
        subject.Start(plan, runtimePicks, scenario);
        var runtime = subject.Runtime;

        // Initial messages: a group at t=3 larger than the tie buffer's first size (8), often than 16; one at t=10.
        var initial = 16 + (int)(Mix(scenario, 99) % 16);
        for (var i = 0; i < initial; i++)
        {
            long due = i < 12 ? 3 : (Mix(scenario, 100 + (ulong)i) % 4) switch { 0 => 0, 3 => 10, _ => 3 };
            model.Send(due);
            subject.Send(due);
        }

        var ends = new List<RunEnd>();
        for (var round = 0; round < 400; round++)
        {
            var h = Mix(scenario, 1000 + (ulong)round);
            long[] chunks = [0, 1, 1, 2, 3, 5, 40];
            var stepLimit = model.Steps + chunks[h % (ulong)chunks.Length];
            var timeLimit = h / 8 % 4 == 0 ? model.Now + (long)(h / 32 % 3) : long.MaxValue;
            var expected = model.Run(timeLimit, stepLimit);
            var actual = runtime.Run(timeLimit, stepLimit);
            Assert.Equal(expected, actual);
            Assert.Equal(model.Now, runtime.Now);
            Assert.Equal(model.Steps, runtime.Steps);
            ends.Add(actual);
            if (actual == RunEnd.Quiescent && round > 20) break;
            // Between resumes the caller may post (for now, or a little later) and withdraw a message.
            if (h / 128 % 3 == 0)
            {
                var delay = (long)(h / 384 % 3);
                model.Send(delay);
                subject.Send(delay);
            }
            if (h / 1152 % 4 == 0 && model.Issued > 0)
            {
                var n = (int)(h / 4608 % (ulong)model.Issued);
                model.Cancel(n);
                subject.Cancel(n);
            }
        }

        Assert.Equal(RunEnd.Quiescent, ends[^1]);
        Assert.Equal(model.Delivered, subject.Delivered);
        Assert.Equal(model.Delivered.Select(d => d.Time), runtime.Trace.Select(t => t.Time));
        Assert.Equal(modelPicks.Offered, runtimePicks.Offered);
        Assert.Equal(model.Decisions, runtime.Decisions);
        Assert.Contains(RunEnd.StepLimit, ends);
        Assert.Contains(modelPicks.Offered, o => o.Length > 8);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    [InlineData(5UL)]
    [InlineData(6UL)]
    [InlineData(7UL)]
    [InlineData(8UL)]
    public void Deliveries_offers_and_decisions_follow_the_model_through_posts_cancels_and_resumes(ulong scenario)
    {
        RunBoth(new Subject(Sys), scenario);
    }

    [Fact]
    public void A_campaign_of_runs_on_one_runtime_follows_the_model_in_every_run()
    {
        // Each run starts where the last one left its buffers (slots, free list, tie buffer): nothing carries over.
        var subject = new Subject(Sys);
        for (var scenario = 11UL; scenario <= 22; scenario++) RunBoth(subject, scenario);
    }

    /// <summary>
    /// A fixed group of <paramref name="count"/> messages due at one instant, picked by a rule, with a
    /// stop at the step limit before each delivery (the pick put back, then asked again on resume)
    /// or none: each delivery is the model list's pick, and the strategy is offered the list in send order.
    /// </summary>
    [Theory]
    [InlineData(7, "last")]
    [InlineData(8, "last")]
    [InlineData(8, "sixth")]
    [InlineData(8, "second")]
    [InlineData(9, "last")]
    [InlineData(9, "second")]
    [InlineData(15, "last")]
    [InlineData(16, "last")]
    [InlineData(16, "middle")]
    [InlineData(17, "second")]
    [InlineData(17, "middle")]
    [InlineData(33, "alternate")]
    public void A_group_due_at_one_instant_is_worked_through_as_a_list_with_or_without_a_stop_before_each_delivery(int count, string rule)
    {
        foreach (var stops in new[] { false, true })
        {
            var picks = new RulePicks(rule);
            var runtime = new MachineRuntime();
            var delivered = new List<int>();
            var id = runtime.Register("d", RuntimeKit.CallbackDevice(Sys, m =>
            {
                if (m is Hit h) delivered.Add(h.N);
            }), resetAtStart: false);
            runtime.Start(picks, 1);
            for (var i = 0; i < count; i++) runtime.Send(id, id, new Hit(i), 50);
            if (stops)
            {
                for (var step = 0; step < count; step++)
                    Assert.Equal(RunEnd.StepLimit, runtime.Run(1_000, step));   // the pick goes back; the group is intact
                Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, count));
            }
            else Assert.Equal(RunEnd.Quiescent, runtime.Run(1_000, count));

            var group = Enumerable.Range(0, count).ToList();
            var expected = new List<int>();
            var offered = new List<long[]>();
            var model = new RulePicks(rule);
            while (group.Count > 0)
            {
                var pick = 0;
                if (group.Count > 1)
                {
                    long[] seqs = [.. group.Select(n => (long)n + 1)];
                    offered.Add(seqs);
                    pick = model.Pick(seqs.Length);
                    if (stops)
                    {
                        // The stop: the same question is asked again before the delivery is made.
                        offered.Add(seqs);
                        pick = model.Pick(seqs.Length);
                    }
                }
                expected.Add(group[pick]);
                group.RemoveAt(pick);
            }
            Assert.Equal(expected, delivered);
            Assert.Equal(offered, picks.Offered);
            Assert.Equal(50, runtime.Now);
        }
    }

    /// <summary>Picks by a named rule ("alternate": the second, then the last, then the middle, in turn) and records each offer.</summary>
    private sealed class RulePicks(string rule) : ISchedulingStrategy
    {
        private int _calls;
        public List<long[]> Offered { get; } = [];
        public string Name => rule;
        public void Start(ulong seed) => _calls = 0;
        public long NextInRange(long min, long max) => min;

        public int NextDelivery(ReadOnlySpan<Pending> candidates)
        {
            var seqs = new long[candidates.Length];
            for (var i = 0; i < seqs.Length; i++) seqs[i] = candidates[i].Seq;
            Offered.Add(seqs);
            return Pick(seqs.Length);
        }

        public int Pick(int length) => rule switch
        {
            "last" => length - 1,
            "sixth" => Math.Min(5, length - 1),
            "second" => 1,
            "middle" => length / 2,
            _ => (_calls++ % 3) switch { 0 => 1, 1 => length - 1, _ => length / 2 },
        };
    }
}
