using ActorCrash.Config;

namespace ActorCrash.Actors;

/// <summary>
/// An exception inside the emulator (a bug, never bad input: the loader refuses that), caught where it
/// happened — building the machine or running a seed — and carrying what a bug report needs: the
/// scenario, design and seed. Every verb reports it once, with a replay command, and exits 3.
/// </summary>
public sealed class EmulatorFault(ScenarioSpec spec, ulong? seed, Exception inner)
    : Exception($"{inner.GetType().Name}: {inner.Message}", inner)
{
    /// <summary>The scenario's file, or built-in:NAME.</summary>
    public string Scenario { get; } = spec.Source;
    public string Design { get; } = spec.Design;
    /// <summary>The seed of the run that failed; null when building the machine failed.</summary>
    public ulong? Seed { get; } = seed;
}
