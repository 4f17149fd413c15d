using ActorCrash.Config;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>Builds the registered dumpers (and the devices only they use) from the scenario's <c>machine.dumpers</c>.</summary>
public static class DumperFactory
{
    public static KmsgDumper Build(Machine machine, DumperSpec d, Nvram nvram)
    {
        var spec = machine.Spec.Machine;
        return (d.Type, d.Params) switch
        {
            (DumperTypes.Ramoops, null) => new Ramoops(machine.Nvram, nvram, d.MemSize, d.DumpOops, spec.Nvram.ChunkBytes),
            (DumperTypes.Ramoops, PstoreRamParams p) => new PstoreRam(machine.Kernel, machine.Nvram, nvram, spec.Nvram.ChunkBytes, new PstoreRamLayout(
                (int)d.MemSize, (int)d.RecordSize, (int)p.ConsoleSize, (int)p.PmsgSize, p.Ecc,
                Pstore.EffectiveMaxReason(p.MaxReason, d.DumpOops), p.KmsgBytes, p.Pmsg), machine.Design.Era),
            (DumperTypes.Mtdoops, MtdoopsParams p) => BuildMtdoops(machine, d, p),
            (DumperTypes.ThirdParty, ThirdPartyParams p) => new ThirdParty(p),
            (DumperTypes.NvramConsole, NvramConsoleParams p) => new NvramConsole(machine.Kernel, machine.Nvram, nvram, spec.Nvram.ChunkBytes, (int)p.Offset, (int)p.Size),
            (DumperTypes.EfiPstore, EfiPstoreParams p) => new EfiPstore(new EfiVariableStore(p.StoreSize, (int)d.RecordSize), p.CallNs, p.WriteNsPerByte, p.KmsgBytes),
            _ => throw new ArgumentException($"unknown dumper {d.Type}"),
        };
    }

    private static Mtdoops BuildMtdoops(Machine machine, DumperSpec d, MtdoopsParams p)
    {
        var chip = machine.AddDevice("mtd0", () => new MtdActor(machine, new MtdFlash(d.MemSize, p.EraseSize, p.WriteNsPerByte, p.EraseNs, p.BadBlocks)))!;
        return new Mtdoops(chip.Address, chip, (int)d.RecordSize, d.DumpOops, p.Current, p.PanicWrite, p.PriorRecords, p.Chunk);
    }
}
