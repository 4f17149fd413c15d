namespace ActorCrash.Actors.Kernel;

public enum LockKind { Spinlock, Mutex, Semaphore, Seqlock }

/// <summary>
/// A kernel lock as an emulated object in shared memory. A CPU that cannot take it spins in virtual
/// time: it registers as a waiter and is woken (by a message, so the strategy orders competing
/// wakers) when the holder releases. A lock held by a CPU that was then stopped stays held forever.
/// Sleeping locks are modelled as spinning: in panic context there is nothing else to schedule, and
/// the emulator does not model "scheduling while atomic".
/// </summary>
public sealed class KernelLock(string name, LockKind kind) : WaitChannel(name)
{
    public LockKind Kind { get; } = kind;

    /// <summary>The CPU holding it, or -1. For a seqlock, the writer.</summary>
    public int Holder { get; private set; } = -1;

    public bool IsHeld => Holder >= 0;

    public bool TryAcquire(int cpu)
    {
        if (Holder >= 0) return false;
        Holder = cpu;
        return true;
    }

    /// <summary>Releases the lock and wakes its spinners.</summary>
    public void Release(int cpu, Action<WaitChannel, int> wake)
    {
        if (Holder != cpu) throw new InvalidOperationException($"CPU {cpu} released {Name} held by CPU {Holder}");
        Holder = -1;
        wake(this, cpu);
    }

    /// <summary>Forces the holder (a scenario's initial state).</summary>
    public void SetHolder(int cpu) => Holder = cpu;

    public override void Reset()
    {
        base.Reset();
        Holder = -1;
    }
}

/// <summary>Something CPUs can wait on: a lock, or a shared variable such as the online-CPU count.</summary>
public class WaitChannel(string name)
{
    private readonly List<int> _waiters = [];

    public string Name { get; } = name;
    public IReadOnlyList<int> Waiters => _waiters;

    /// <summary>The <see cref="Wake"/> for this channel, made once (a message is immutable, so every release may send the same one).</summary>
    internal Wake? WakeMessage { get; set; }

    public void AddWaiter(int cpu)
    {
        if (!_waiters.Contains(cpu)) _waiters.Add(cpu);
    }

    public void RemoveWaiter(int cpu) => _waiters.Remove(cpu);

    public virtual void Reset() => _waiters.Clear();

    public override string ToString() => Name;
}
