namespace ActorCrash.Hardware;

/// <summary>EFI_STATUS values SetVariable() returns here.</summary>
public enum EfiStatus { Success, NotReady, OutOfResources, InvalidParameter }

/// <summary>
/// The UEFI variable store (NV flash behind the firmware's runtime services). A SetVariable() call
/// either lands whole when it completes or, if the machine resets first, not at all (the
/// firmware's fault-tolerant write). Variables survive any reset. Space is limited.
/// </summary>
public sealed class EfiVariableStore(long capacity, int maxVariableSize)
{
    private readonly SortedDictionary<string, byte[]> _variables = new(StringComparer.Ordinal);
    private long _used;

    public long Capacity { get; } = capacity;
    public int MaxVariableSize { get; } = maxVariableSize;
    public IReadOnlyDictionary<string, byte[]> Variables => _variables;

    public void Clear()
    {
        _variables.Clear();
        _used = 0;
    }

    public EfiStatus SetVariable(string name, byte[] data)
    {
        if (data.Length > MaxVariableSize) return EfiStatus.InvalidParameter;
        var old = _variables.TryGetValue(name, out var o) ? o.Length : 0;
        if (_used - old + data.Length > Capacity) return EfiStatus.OutOfResources;
        _variables[name] = data;
        _used += data.Length - old;
        return EfiStatus.Success;
    }
}
