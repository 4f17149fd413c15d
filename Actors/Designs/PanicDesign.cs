using ActorCrash.Actors.Kernel;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Designs;

/// <summary>
/// A panic-path design: one class whose <see cref="Panic"/> reads top to bottom like the kernel's
/// panic() it models, one line per step, named after the kernel function. The arch code it calls
/// (stopping CPUs, kexec, restart) and the interrupt handlers it installs are part of the design,
/// because they changed with the kernel too.
/// </summary>
public abstract class PanicDesign
{
    public abstract string Name { get; }

    /// <summary>The kernel version or commit the design stands for.</summary>
    public abstract string Models { get; }

    public abstract string Description { get; }

    /// <summary>panic(fmt, …) on <paramref name="cpu"/>. Never returns.</summary>
    public abstract IEnumerable<Op> Panic(CpuActor cpu, string message);

    /// <summary>The handler a fixed-vector IPI runs on its target.</summary>
    public abstract IEnumerable<Op> HandleIpi(CpuActor cpu, InterruptVector vector);

    /// <summary>do_nmi(): what an NMI runs on its target.</summary>
    public abstract IEnumerable<Op> HandleNmi(CpuActor cpu, NmiSource source);

    /// <summary>The step names of <see cref="Panic"/>, in order, for `show-design`.</summary>
    public abstract IReadOnlyList<string> Steps { get; }
}

/// <summary>Every design the emulator offers, by name.</summary>
public static class Designs
{
    public static IReadOnlyList<PanicDesign> All { get; } = [new Linux2638()];

    public static PanicDesign ByName(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown design \"{name}\"; known: {string.Join(", ", All.Select(d => d.Name))}");
}
