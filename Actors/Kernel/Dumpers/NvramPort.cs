using ActorCrash.Hardware;
using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// A dumper's view of persistent RAM: memcpy/memset as chunks sent to the <see cref="NvramActor"/>,
/// each landing when the CPU's store of it completes (so a reset in between tears the record), and
/// the count of every byte this dumper issued, landed and had rejected, for the run's accounting.
/// The counts are this port's own: another driver sharing the part (the NVRAM console beside
/// ramoops, a test dumper) has its own port, and none of its bytes count here.
/// </summary>
public sealed class NvramPort(ActorId nvram, Hardware.Nvram device, int chunk) : IStoreAccount
{
    public Hardware.Nvram Device => device;
    public long Issued { get; private set; }
    public long Landed { get; private set; }
    public long Rejected { get; private set; }

    /// <summary>After the driver laid out its boot state directly: count from here.</summary>
    public void StartCounting()
    {
        Issued = 0;
        Landed = 0;
        Rejected = 0;
    }

    void IStoreAccount.Stored(int landed, int rejected)
    {
        Landed += landed;
        Rejected += rejected;
    }

    /// <summary>memcpy_toio(): <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public IEnumerable<Op> Store(CpuActor cpu, int offset, byte[] data) =>
        Chunked(cpu, nvram, offset, data, chunk, device.StoreNsPerByte, (at, piece) => new NvramStore(at, piece) { Account = this }, n => Issued += n);

    /// <summary>
    /// A CPU copying <paramref name="data"/> to a device <paramref name="chunk"/> bytes at a time: each
    /// piece is a message that lands when the CPU's store of it completes (a reset between pieces tears
    /// the copy). <paramref name="issued"/> counts every byte sent.
    /// </summary>
    public static IEnumerable<Op> Chunked(CpuActor cpu, ActorId to, int offset, byte[] data, int chunk, long nsPerByte,
        Func<int, ReadOnlyMemory<byte>, Message> piece, Action<int> issued)
    {
        for (var done = 0; done < data.Length; done += chunk)
        {
            var n = Math.Min(chunk, data.Length - done);
            issued(n);
            cpu.Runtime.Send(cpu.Address, to, piece(offset + done, new ReadOnlyMemory<byte>(data, done, n)), n * nsPerByte);
            yield return Op.Delay(n * nsPerByte);
        }
    }

    /// <summary>memset_io(): <paramref name="length"/> bytes of <paramref name="value"/>.</summary>
    public IEnumerable<Op> Fill(CpuActor cpu, int offset, int length, byte value)
    {
        for (var done = 0; done < length; done += chunk)
        {
            var n = Math.Min(chunk, length - done);
            var ns = n * device.StoreNsPerByte;
            Issued += n;
            cpu.Runtime.Send(cpu.Address, nvram, new NvramFill(offset + done, n, value) { Account = this }, ns);
            yield return Op.Delay(ns);
        }
    }

    /// <summary>This dumper's bytes issued, landed, and (BytesLost) in flight at the reset or rejected by a write error.</summary>
    public StorageReport Report(string dumper, IReadOnlyList<string> nextBootLog) =>
        new(dumper, "nvram", Issued, Landed,
            Rejected > 0 ? [$"nvram: {Rejected} bytes rejected by {device.Refusing.Describe()}", .. nextBootLog] : nextBootLog);
}
