using System.Collections;

namespace ActorCrash.Actors.Kernel;

/// <summary>
/// cpu_idle()'s code (<see cref="Workloads.IdleLoop"/>): HLT with interrupts on, forever. It has no
/// state (every step is <see cref="Op.Idle"/>), so every CPU runs this one instance instead of a
/// fresh C# iterator per power-on and per fall-back to idle: at 4096 CPUs those were 4096
/// allocations a run (a fifth of the bytes an emulation allocates) and a cold object read whenever a
/// CPU went back to idle (Actors/README.md). Its kernel name is "idle_loop", as the iterator's was
/// (<see cref="CpuActor.KernelName"/>). Disposing it does nothing: the loop never ends, and a frame
/// dropped at an oops leaves it for the next CPU.
/// </summary>
internal sealed class IdleLoopCode : IEnumerable<Op>, IEnumerator<Op>
{
    public static readonly IdleLoopCode Instance = new();

    /// <summary>The function's name in the kernel's spelling.</summary>
    public const string KernelName = "idle_loop";

    private IdleLoopCode() { }

    public Op Current => Op.Idle;

    object IEnumerator.Current => Current;

    public bool MoveNext() => true;

    public void Reset() { }

    public void Dispose() { }

    public IEnumerator<Op> GetEnumerator() => this;

    IEnumerator IEnumerable.GetEnumerator() => this;
}
