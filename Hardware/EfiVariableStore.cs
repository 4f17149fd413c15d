namespace ActorCrash.Hardware;

/// <summary>EFI_STATUS values SetVariable() returns here.</summary>
public enum EfiStatus { Success, NotReady, OutOfResources, InvalidParameter, DeviceError }

/// <summary>
/// The UEFI variable store (NV flash behind the firmware's runtime services). A SetVariable() call
/// either lands whole when it completes or, if the machine resets first, not at all (the
/// firmware's fault-tolerant write), so it has no partial writes; the firmware checks its variables,
/// so a bit flip is never read back as data. Variables survive any reset. Space is limited.
/// Faults: a write error (EFI_DEVICE_ERROR), a full store (EFI_OUT_OF_RESOURCES), slow NV writes.
/// </summary>
public sealed class EfiVariableStore(long capacity, int maxVariableSize) : IFaultableStore
{
    private readonly SortedDictionary<string, byte[]> _variables = new(StringComparer.Ordinal);
    private long _used;

    public long Capacity { get; } = capacity;
    public int MaxVariableSize { get; } = maxVariableSize;
    public IReadOnlyDictionary<string, byte[]> Variables => _variables;

    public StoreRefusal Refusing { get; set; }
    public int Slowdown { get; set; } = 1;

    /// <summary>What QueryVariableInfo() reports as free variable space.</summary>
    public long Free => Refusing == StoreRefusal.Full ? 0 : Capacity - _used;

    /// <summary>Bytes SetVariable() was given but did not store.</summary>
    public long BytesRejected { get; private set; }

    int IFaultableStore.PartialNextStore
    {
        get => 0;
        set => throw new NotSupportedException("the EFI variable store has no partial writes (fault-tolerant write)");
    }

    void IFaultableStore.FlipBits(int offset, byte mask) =>
        throw new NotSupportedException("bit flips in the EFI variable store are not modelled");

    public void Clear()
    {
        _variables.Clear();
        _used = 0;
        Refusing = StoreRefusal.None;
        Slowdown = 1;
        BytesRejected = 0;
    }

    public EfiStatus SetVariable(string name, byte[] data)
    {
        var status = Check(name, data);
        if (status != EfiStatus.Success)
        {
            BytesRejected += data.Length;
            return status;
        }
        _used += data.Length - (_variables.TryGetValue(name, out var old) ? old.Length : 0);
        _variables[name] = data;
        return status;
    }

    private EfiStatus Check(string name, byte[] data)
    {
        if (Refusing == StoreRefusal.WriteError) return EfiStatus.DeviceError;
        if (Refusing == StoreRefusal.Full) return EfiStatus.OutOfResources;
        if (data.Length > MaxVariableSize) return EfiStatus.InvalidParameter;
        var old = _variables.TryGetValue(name, out var o) ? o.Length : 0;
        return _used - old + data.Length > Capacity ? EfiStatus.OutOfResources : EfiStatus.Success;
    }
}
