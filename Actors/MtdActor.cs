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
/// Pollers of <see cref="Status"/> re-check on every completion. Programming a page that is not
/// erased ANDs the data into it and sets <see cref="ProgramFailed"/> (the status a verify would report).
/// </summary>
public sealed class MtdActor(Machine machine, MtdFlash flash) : EmulatedActor("mtd0")
{
    public MtdFlash Flash => flash;

    /// <summary>Changes whenever a command completes.</summary>
    public WaitChannel Status { get; } = new("mtd0 status");

    public long BytesLanded { get; private set; }

    /// <summary>The driver's completion of an erase (mtdoops marks the block's pages unused).</summary>
    public Action<int>? Erased { get; set; }
    public bool ProgramFailed { get; set; }

    protected internal override void Receive(ActorId from, Message message)
    {
        switch (message)
        {
            case MtdProgram p:
                if (!flash.Program(p.Offset, p.Data.Span)) ProgramFailed = true;
                BytesLanded += p.Data.Length;
                break;
            case MtdErase e:
                flash.EraseBlockAt(e.Offset);
                Erased?.Invoke(e.Offset);
                machine.Note(-1, $"mtd0: erase block {e.Offset / flash.EraseSize} done");
                break;
            default:
                return;
        }
        machine.WakeWaiters(Status, -1);
    }

    // The flash keeps its contents across resets; the mtdoops driver lays out the scenario's earlier boots.
    protected internal override void Reset()
    {
        Status.Reset();
        BytesLanded = 0;
        ProgramFailed = false;
    }
}
