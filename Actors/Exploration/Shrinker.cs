using ActorCrash.Actors.Runtime;
using ActorCrash.Config;

namespace ActorCrash.Actors.Exploration;

/// <summary>
/// Reduces a violating schedule (delta debugging, Zeller–Hildebrandt's ddmin, adapted): first the
/// trigger set (drop triggers the violation does not need, keeping at least one panic), then the
/// decision list — drop chunks, then zero chunks (0 = the first due message; a range falls back to
/// its minimum), halving the chunk size down to single decisions — and finally trailing zeros,
/// which the lenient replay supplies anyway. Every candidate is run with a lenient
/// <see cref="ReplayStrategy"/> and kept only if it still violates the same property.
/// </summary>
public sealed class Shrinker(ScenarioSpec spec, Violation original, int maxRuns = 5000)
{
    private readonly Property _property = Properties.ByName(original.Property);
    private readonly Dictionary<string, Machine> _machines = [];

    /// <summary>Candidate runs made so far.</summary>
    public int Runs { get; private set; }

    public Violation Shrink()
    {
        var removed = new List<int>(original.RemovedTriggers ?? []);
        var decisions = new List<long>(original.Decisions);
        ShrinkTriggers(removed, decisions);
        ShrinkDecisions(removed, decisions);
        while (decisions.Count > 0 && decisions[^1] == 0) decisions.RemoveAt(decisions.Count - 1);

        var machine = MachineFor(removed);
        var summary = machine.Run(original.Seed, new ReplayStrategy(decisions, lenient: true));
        var message = _property.Check(new RunView(machine, summary))
            ?? throw new InvalidOperationException("shrink: the reduced schedule no longer fails (the emulator is not deterministic)");
        var (trace, lines) = Violation.TraceText(machine);
        return original with
        {
            Message = message, Decisions = decisions.ToArray(), Lenient = true,
            RemovedTriggers = removed.Count > 0 ? [.. removed.Order()] : null,
            TraceSha256 = Violation.Sha256(trace), TraceLength = lines,
        };
    }

    private void ShrinkTriggers(List<int> removed, List<long> decisions)
    {
        for (var i = spec.Triggers.Count - 1; i >= 0 && Runs < maxRuns; i--)
        {
            if (removed.Contains(i)) continue;
            var keep = removed.Append(i).ToList();
            if (!Remaining(keep).Any(t => t.Kind is TriggerKind.Panic or TriggerKind.NmiWatchdog)) continue;
            // A ranged trigger's time is one decision, taken in injection order before any delivery.
            var candidate = new List<long>(decisions);
            if (spec.Triggers[i].AtMaxNs is not null)
            {
                var at = Enumerable.Range(0, i).Count(j => !removed.Contains(j) && spec.Triggers[j].AtMaxNs is not null);
                if (at < candidate.Count) candidate.RemoveAt(at);
            }
            if (!Fails(keep, candidate)) continue;
            removed.Add(i);
            decisions.Clear();
            decisions.AddRange(candidate);
        }
    }

    private void ShrinkDecisions(List<int> removed, List<long> decisions)
    {
        foreach (var zero in new[] { false, true })
        {
            for (var chunk = Math.Max(1, decisions.Count / 2); chunk >= 1 && Runs < maxRuns; chunk /= 2)
            {
                for (var start = 0; start < decisions.Count && Runs < maxRuns;)
                {
                    var n = Math.Min(chunk, decisions.Count - start);
                    if (zero && decisions.Skip(start).Take(n).All(d => d == 0))
                    {
                        start += n;
                        continue;
                    }
                    var candidate = new List<long>(decisions);
                    if (zero) for (var i = start; i < start + n; i++) candidate[i] = 0;
                    else candidate.RemoveRange(start, n);
                    if (Fails(removed, candidate))
                    {
                        decisions.Clear();
                        decisions.AddRange(candidate);
                        if (zero) start += n;  // a dropped chunk's place is taken by the next one: retry there
                    }
                    else start += n;
                }
            }
        }
    }

    private bool Fails(List<int> removed, List<long> decisions)
    {
        Runs++;
        var machine = MachineFor(removed);
        var summary = machine.Run(original.Seed, new ReplayStrategy(decisions, lenient: true));
        return _property.Check(new RunView(machine, summary)) is not null;
    }

    private IEnumerable<TriggerSpec> Remaining(List<int> removed) => spec.Triggers.Where((_, i) => !removed.Contains(i));

    private Machine MachineFor(List<int> removed)
    {
        var key = string.Join(",", removed.Order());
        if (!_machines.TryGetValue(key, out var m))
            _machines[key] = m = new Machine(spec with { Triggers = [.. Remaining(removed)] });
        return m;
    }
}
