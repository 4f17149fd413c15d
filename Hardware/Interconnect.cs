namespace ActorCrash.Hardware;

/// <summary>
/// The coherent interconnect: how long a store to a lock word takes to reach a CPU spinning on it.
/// Fixed model constants: a spinner notices a release after one cache-line transfer.
/// </summary>
public static class Interconnect
{
    public const long CachelineMinNs = 40;
    public const long CachelineMaxNs = 200;
}
