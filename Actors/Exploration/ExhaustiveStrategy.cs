using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// Bounded exhaustive search for small machines: a stateless depth-first search over decision
/// prefixes (VeriSoft-style). Each run replays the current path and takes the default alternative
/// at every new choice point; after the run, <see cref="Advance"/> backtracks to the deepest choice
/// point with an untried alternative.
/// <list type="bullet">
/// <item><b>Timing instants.</b> A fault or trigger time (<c>at = [min, max]</c>) is not only its
/// two ends: every delivery the event could fall before or after — one the run delivered inside the
/// window before this event landed, so it does not depend on the value chosen — adds the instants
/// just before and just after it (t − 1, t + 1). The instants are learnt from the runs under that
/// choice point (the run at the range's end sees them all) and kept per choice point (by path), so
/// the alternatives grow as the search sees more; the space is still finite. A message latency
/// keeps its two ends: instants per message multiply past any small machine's budget.</item>
/// <item><b>Partial-order reduction</b> (unless turned off): sleep sets (Godefroid 1996) over the
/// deliveries due at one instant — once a delivery has been explored first, a sibling branch does not
/// put it first again until something dependent has been delivered — and of several identical
/// messages (same sender, receiver and content) only the first is tried; and a time range is not
/// placed around deliveries it commutes with. Two deliveries are dependent when they go to the same
/// actor, when both go to actors that share the kernel's memory (the CPUs, the crash kernel, the
/// watchdog, the harness), or when either goes to one that acts on the whole machine (the firmware,
/// the fault injector); the interrupt controller and NVRAM keep their state to themselves.</item>
/// <item><b>Order.</b> Deviation-bounded iterative deepening (after CHESS's iterative context
/// bounding): level b explores every path with at most b non-default choices, b = 0, 1, 2, then
/// without a bound, so a bug that needs one or two unusual choices is found after a few runs; the
/// search is complete when a level was cut nowhere by its bound. A path with fewer than b deviations is run again at level b (to
/// find its choice points) but counted once: <see cref="Explored"/> counts distinct schedules
/// (decision lists), <see cref="Runs"/> every run.</item>
/// </list>
/// </summary>
public sealed class ExhaustiveStrategy(bool partialOrderReduction = true) : ExplorationStrategy
{
    private readonly List<Node> _path = [];            // the choice points of the current path, in order
    private readonly Dictionary<ulong, SortedSet<long>> _instants = [];   // per range choice point (path hash): its alternatives
    private readonly List<Sleeper> _sleep = [];
    private int _traceSeen;      // trace entries already folded into the sleep set
    private int _bound;          // the deviation bound of the current level
    private bool _cut;           // the bound kept some alternative from being explored in this level
    private bool _blocked;
    /// <summary>After levels 0..this the search drops the bound: a plain depth-first search re-runs nothing.</summary>
    private const int MaxBoundedLevel = 2;       // every candidate was asleep: the rest of the run is equivalent to an explored one

    public override string Name => "exhaustive";

    public bool PartialOrderReduction => partialOrderReduction;

    /// <summary>Distinct schedules explored so far.</summary>
    public long Explored { get; private set; }

    /// <summary>Runs made so far (a schedule re-run at a higher level to find its choice points counts again).</summary>
    public long Runs { get; private set; }

    /// <summary>Alternatives the partial-order reduction skipped (asleep or identical deliveries) and runs it found redundant.</summary>
    public long Pruned { get; private set; }

    /// <summary>True once every schedule of the space has been run.</summary>
    public bool Complete { get; private set; }

    /// <summary>The deepest path seen (choice points of the longest run).</summary>
    public int MaxDepth { get; private set; }

    /// <summary>The deviation bound of the level being explored (int.MaxValue: unbounded).</summary>
    public int Level => _bound;

    /// <summary>A delivery in a sleep set: which pending message (by sequence number) and how the trace shows it.</summary>
    private readonly record struct Sleeper(long Seq, int From, int To, long Due, Message Message);

    private sealed class Node
    {
        public int Step;
        public bool Range;
        public int Deviations;            // non-default choices on the path above this node
        // delivery choice points
        public int Arity;
        public long[] Seqs = [];
        public int[] Tos = [];
        public bool[] Skip = [];          // asleep on entry, or identical to an earlier candidate
        public List<Sleeper> SleepOnEntry = [];
        public Sleeper[] Candidates = [];
        public List<int> Done = [];       // candidates explored first at this node so far (this level)
        public int Choice;
        // range choice points
        public long Min, Max, T0;
        public int Target;                // the actor the event lands on (−1: any)
        public ulong Key;
        public SortedSet<long> Values = [];
        public HashSet<long> Tried = [];
        public bool Learn;                // a fault or trigger time: learns the instants around deliveries
        public long Value;
        public bool IsDefault => Range ? Value == Min : Choice == FirstAwake();

        public int FirstAwake()
        {
            for (var i = 0; i < Arity; i++)
                if (!Skip[i]) return i;
            return 0;
        }
    }

    protected override void OnStart(ulong seed)
    {
        _sleep.Clear();
        _traceSeen = 0;
        _blocked = false;
    }

    protected override int ChooseDelivery(int step, ReadOnlySpan<Pending> candidates)
    {
        FoldDeliveries();
        var index = NodeAt(step);
        if (index < 0 && _blocked) return 0;
        Node node;
        if (index >= 0)
        {
            node = _path[index];
            if (node.Range || node.Arity != candidates.Length)
                throw new InvalidOperationException($"exhaustive search: choice point {step} offered {candidates.Length} deliveries, {(node.Range ? "a range" : $"{node.Arity}")} before (the emulator is not deterministic)");
        }
        else
        {
            node = NewDeliveryNode(step, candidates);
            if (node.Arity == 0 || Array.TrueForAll(node.Skip, s => s))
            {
                // Every candidate is asleep: whatever comes first, the run is equivalent to one explored.
                _blocked = true;
                Pruned++;
                return 0;
            }
            node.Choice = node.FirstAwake();
            _path.Add(node);
        }
        // The child's sleep set: what was asleep or explored first here, and commutes with the choice.
        _sleep.Clear();
        if (partialOrderReduction)
        {
            var to = node.Tos[node.Choice];
            foreach (var x in node.SleepOnEntry)
                if (Independent(x.To, to)) _sleep.Add(x);
            foreach (var j in node.Done)
                if (j != node.Choice && Independent(node.Tos[j], to)) _sleep.Add(node.Candidates[j]);
        }
        return node.Choice;
    }

    protected override long ChooseInRange(int step, long min, long max) => Time(step, -1, min, max);

    protected override long ChooseTime(int step, ActorId to, long min, long max) => Time(step, to.Index, min, max);

    /// <summary>A latency: its two ends (the instants between are for fault and trigger times; per message they multiply past any small machine's budget).</summary>
    protected override long ChooseLatency(int step, ActorId to, long min, long max) => Time(step, to.Index, min, max, learn: false);

    private long Time(int step, int target, long min, long max, bool learn = true)
    {
        FoldDeliveries();
        var index = NodeAt(step);
        if (index < 0 && _blocked) return min;
        if (index >= 0)
        {
            var n = _path[index];
            if (!n.Range || n.Min != min || n.Max != max)
                throw new InvalidOperationException($"exhaustive search: choice point {step} offered [{min}, {max}], something else before (the emulator is not deterministic)");
            return n.Value;
        }
        var key = PathKey(step, min, max);
        if (!_instants.TryGetValue(key, out var values)) _instants[key] = values = [min, max];
        _path.Add(new Node
        {
            Step = step, Range = true, Min = min, Max = max, T0 = Runtime?.Now ?? 0, Target = target, Key = key,
            Values = values, Value = min, Deviations = DeviationsAbove(_path.Count), Learn = learn,
        });
        return min;
    }

    private Node NewDeliveryNode(int step, ReadOnlySpan<Pending> candidates)
    {
        var n = candidates.Length;
        var node = new Node
        {
            Step = step, Arity = n, Seqs = new long[n], Tos = new int[n], Skip = new bool[n], Candidates = new Sleeper[n],
            SleepOnEntry = [.. _sleep], Deviations = DeviationsAbove(_path.Count),
        };
        for (var i = 0; i < n; i++)
        {
            var c = candidates[i];
            node.Seqs[i] = c.Seq;
            node.Tos[i] = c.To.Index;
            if (partialOrderReduction && Runtime is { } r) node.Candidates[i] = new Sleeper(c.Seq, c.From.Index, c.To.Index, c.Due, r.MessageOf(c));
        }
        if (!partialOrderReduction) return node;
        for (var i = 0; i < n; i++)
        {
            foreach (var x in _sleep)
                if (x.Seq == node.Seqs[i]) node.Skip[i] = true;
            if (node.Skip[i] || Runtime is not { } rt) continue;
            var c = candidates[i];
            if (c.From == c.To) continue;   // a timer: its handle may be cancelled, so it is not interchangeable
            for (var j = 0; j < i && !node.Skip[i]; j++)
            {
                var o = candidates[j];
                if (o.From == c.From && o.To == c.To && rt.MessageOf(o).Equals(rt.MessageOf(c))) node.Skip[i] = true;
            }
        }
        Pruned += node.Skip.Count(s => s);
        return node;
    }

    /// <summary>
    /// Folds the deliveries made since the last choice point into the sleep set: one that was asleep
    /// (delivered because nothing else was due) makes the rest of the run equivalent to an explored
    /// one (sleep-set blocked: it stops branching); every other one wakes the sleepers it depends on.
    /// </summary>
    private void FoldDeliveries()
    {
        if (Runtime is not { } rt) return;
        var trace = rt.Trace;
        for (; _traceSeen < trace.Count; _traceSeen++)
        {
            if (_sleep.Count == 0) continue;
            var e = trace[_traceSeen];
            foreach (var x in _sleep)
                if (x.To == e.To.Index && x.From == e.From.Index && x.Due == e.Time && ReferenceEquals(x.Message, e.Message))
                {
                    if (!_blocked) Pruned++;
                    _blocked = true;
                }
            var to = e.To.Index;
            _sleep.RemoveAll(x => !Independent(x.To, to));
        }
    }

    /// <summary>
    /// Whether deliveries to <paramref name="a"/> and <paramref name="b"/> commute: different actors,
    /// not both with access to the kernel's shared memory, neither one that acts on the whole machine.
    /// </summary>
    private bool Independent(int a, int b)
    {
        if (a == b) return false;
        var (ka, kb) = (Kind(a), Kind(b));
        return ka != ActorKind.Global && kb != ActorKind.Global && !(ka == ActorKind.Kernel && kb == ActorKind.Kernel);
    }

    private enum ActorKind { Private, Kernel, Global }

    private readonly Dictionary<int, ActorKind> _kinds = [];

    /// <summary>
    /// The interrupt controller and NVRAM keep their state to themselves; the firmware (reset, power
    /// loss) and the fault injector act on the whole machine; every other actor — the CPUs, the crash
    /// kernel, the watchdog, the harness, a scenario's own device — shares the kernel's memory.
    /// </summary>
    private ActorKind Kind(int actor)
    {
        if (_kinds.TryGetValue(actor, out var k)) return k;
        k = (Runtime?.NameOf(new ActorId(actor)) ?? "") switch
        {
            "apic" or "nvram" => ActorKind.Private,
            "firmware" or "faults" => ActorKind.Global,
            _ => ActorKind.Kernel,
        };
        _kinds[actor] = k;
        return k;
    }

    private int NodeAt(int step)
    {
        // Nodes are in step order; the current run asks them in order, so the next one is found by a short scan from the end of the matched part.
        for (var i = _matched; i < _path.Count; i++)
        {
            if (_path[i].Step == step)
            {
                _matched = i + 1;
                return i;
            }
            if (_path[i].Step > step) break;
        }
        return -1;
    }

    private int _matched;

    private int DeviationsAbove(int count)
    {
        if (count == 0) return 0;
        var above = _path[count - 1];
        return above.Deviations + (above.IsDefault ? 0 : 1);
    }

    private readonly HashSet<ulong> _schedules = [];

    private static ulong ScheduleHash(IReadOnlyList<long> decisions)
    {
        var h = 14695981039346656037UL;
        foreach (var d in decisions)
        {
            h = (h ^ (ulong)d) * 1099511628211UL;
            h ^= h >> 31;
        }
        return h ^ (ulong)decisions.Count;
    }

    /// <summary>A hash of the path up to a range choice point: which point it is, across levels.</summary>
    private ulong PathKey(int step, long min, long max)
    {
        var h = 14695981039346656037UL;
        void Mix(long v)
        {
            h ^= (ulong)v;
            h *= 1099511628211UL;
            h ^= h >> 29;
        }
        foreach (var n in _path) Mix(n.Range ? n.Value : n.Choice);
        Mix(step);
        Mix(min);
        Mix(max);
        return h;
    }

    /// <summary>After a run: learns its timing instants, moves to the next schedule. False when the space is exhausted.</summary>
    public bool Advance()
    {
        Runs++;
        if (Runtime is { } rt && _schedules.Add(ScheduleHash(rt.Decisions))) Explored++;
        MaxDepth = Math.Max(MaxDepth, Step);
        _matched = 0;
        LearnInstants();
        while (_path.Count > 0)
        {
            var n = _path[^1];
            if (TryNext(n)) return true;
            _path.RemoveAt(_path.Count - 1);
        }
        if (_cut)
        {
            _bound = _bound < MaxBoundedLevel ? _bound + 1 : int.MaxValue;
            _cut = false;
            return true;   // the next level starts from the all-default path
        }
        Complete = true;
        return false;
    }

    /// <summary>Moves <paramref name="n"/> to its next alternative within the level's bound.</summary>
    private bool TryNext(Node n)
    {
        var mayDeviate = n.Deviations + 1 <= _bound;
        if (n.Range)
        {
            // The smallest value not tried yet: instants learnt below the current value (from the runs at
            // the range's end, say) are tried too.
            n.Tried.Add(n.Value);
            long? next = null;
            foreach (var v in n.Values)
                if (!n.Tried.Contains(v))
                {
                    next = v;
                    break;
                }
            if (next is null) return false;
            if (!mayDeviate)
            {
                _cut = true;
                return false;
            }
            n.Value = next.Value;
            return true;
        }
        n.Done.Add(n.Choice);
        for (var i = n.Choice + 1; i < n.Arity; i++)
        {
            if (n.Skip[i]) continue;
            if (!mayDeviate)
            {
                _cut = true;
                return false;
            }
            n.Choice = i;
            return true;
        }
        return false;
    }

    /// <summary>
    /// For each range choice point of the run: the deliveries inside its window that came before the
    /// event landed add the instants just before and after them — with the reduction only those the
    /// event is dependent on (its own actor, and the kernel's shared memory when it lands on a CPU):
    /// an event placed before or after a delivery it commutes with gives an equivalent run.
    /// </summary>
    private void LearnInstants()
    {
        if (Runtime is not { } rt) return;
        var trace = rt.Trace;
        foreach (var n in _path)
        {
            if (!n.Range || !n.Learn) continue;
            var lo = n.T0 + n.Min;
            var landed = n.T0 + n.Value;
            for (var i = LowerBound(trace, lo); i < trace.Count && trace[i].Time < landed; i++)
            {
                // With the reduction, only the deliveries the event does not commute with; without it, every one.
                if (partialOrderReduction && n.Target >= 0 && Independent(trace[i].To.Index, n.Target)) continue;
                var at = trace[i].Time - n.T0;
                n.Values.Add(Math.Clamp(at - 1, n.Min, n.Max));
                n.Values.Add(Math.Clamp(at + 1, n.Min, n.Max));
            }
        }
    }

    private static int LowerBound(IReadOnlyList<TraceEntry> trace, long time)
    {
        int lo = 0, hi = trace.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (trace[mid].Time < time) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
