using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors;

/// <summary>CPU → flash: program one chunk (it lands after the program time). The driver then polls the status.</summary>
public sealed record MtdProgram(int Offset, ReadOnlyMemory<byte> Data) : Message
{
    protected override bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append("Offset = ").Append(Offset).Append(", Length = ").Append(Data.Length);
        return true;
    }
}

/// <summary>kworker (mtdoops_workfunc_erase) → flash: erase the block holding Offset; it completes after the erase time.</summary>
public sealed record MtdErase(int Offset) : Message;

/// <summary>
/// The MTD chip: program and erase commands land when they arrive (a reset before that loses them).
/// Pollers of <see cref="Status"/> re-check on every completion. A program that fails its verify
/// (a page that was not erased: the data is ANDed in; a bad block; a device fault) sets
/// <see cref="Error"/>, the errno mtd_panic_write() returns.
/// </summary>
public sealed class MtdActor(Machine machine, MtdFlash flash) : DeviceActor("mtd0", machine.Runtime)
{
    public MtdFlash Flash => flash;
    public Machine Machine => machine;

    /// <summary>Changes whenever a command completes.</summary>
    public WaitChannel Status { get; } = new("mtd0 status");

    /// <summary>Bytes stored by this run's program commands.</summary>
    public long BytesLanded { get; private set; }

    /// <summary>Bytes of this run's program commands that completed, stored or not (what a poller waits for).</summary>
    public long BytesDone { get; private set; }

    /// <summary>The driver's completion of an erase: the offset and 0 or the errno (mtdoops marks the block's pages unused, or the block bad).</summary>
    public Action<int, int>? Erased { get; set; }

    /// <summary>The errno of the last failed program (0: none since the driver cleared it).</summary>
    public int Error { get; set; }

    protected override void Receive(Message message)
    {
        switch (message)
        {
            case MtdProgram p:
                BytesLanded += flash.Program(p.Offset, p.Data.Span, out var errno);
                BytesDone += p.Data.Length;
                if (errno != 0) Error = errno;
                break;
            case MtdErase e:
                var failed = flash.EraseBlockAt(e.Offset);
                machine.Note(-1, $"mtd0: erase block {e.Offset / flash.EraseSize} {(failed == 0 ? "done" : $"failed, error -{failed}")}");
                Erased?.Invoke(e.Offset, failed);
                break;
            default:
                return;
        }
        machine.WakeWaiters(Status, -1);
    }

    // The flash keeps its contents across resets; the mtdoops driver lays out the scenario's earlier boots.
    protected override void Reset()
    {
        Status.Reset();
        BytesLanded = BytesDone = 0;
        Error = 0;
    }
}
