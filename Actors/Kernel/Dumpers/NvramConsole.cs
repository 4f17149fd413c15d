using System.Text;
using ActorCrash.Actors.Runtime;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// Eric's suggestion in the 2011 thread: instead of a dump hook on the panic path, a printk console
/// that writes every printed line to NVRAM as it is printed. Like a serial driver
/// (serial8250_console_write) it takes its port lock, but only trylocks it while an oops is in
/// progress and writes anyway if that fails, so a CPU stopped holding the lock cannot hang the
/// panic. The lines go into a persistent-RAM ring; the next boot reads it back as console-nvcon-0.
/// Registered as a dumper only so the next boot reads it: its dump() does nothing.
/// </summary>
public sealed class NvramConsole : KmsgDumper
{
    private readonly KernelState _kernel;
    private readonly NvramPort _port;
    private readonly PersistentRamZone _zone;

    public NvramConsole(KernelState kernel, ActorId nvram, Hardware.Nvram device, int chunk, int offset, int size) : base("nvcon")
    {
        _kernel = kernel;
        _port = new NvramPort(nvram, device, chunk);
        _zone = new PersistentRamZone("console-nvcon-0", _port, offset, size, eccSize: 0);
        kernel.Consoles.Add(new Driver(this));
    }

    public override IReadOnlyList<string> BootMessages => ["console [nvcon0] enabled"];

    public override void Reset()
    {
        _zone.Format();
        for (var i = 0; i < _kernel.Log.LineCount; i++) _zone.WriteAtBoot(Encoding.ASCII.GetBytes(_kernel.Log.Line(i) + "\n"));
        _port.StartCounting();
    }

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd) => [];

    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var image = _zone.ReadBack();
        var state = image.State;
        // Stryker disable once NullCoalescing : a null byte[] converts to an empty span, which Printable() shows as "", the same as []
        return
        [
            new NvramRecord(_zone.Label, Name, KmsgDumpReason.Panic, -1, image.Meant.Length, image.Matching,
                state is RecordState.Intact, RecordText.Printable(image.Stored ?? []), state, Note: image.BootLog),
        ];
    }

    public override StorageReport? Storage() => _port.Report(Name, []);

    /// <summary>The console's write(): port lock (trylock while oops_in_progress), then the line into the ring.</summary>
    private IEnumerable<Op> Write(CpuActor cpu, string line)
    {
        var k = cpu.Machine.Kernel;
        var flags = cpu.LocalIrqSave();
        var locked = true;
        if (k.OopsInProgress > 0)
            locked = k.NvconPortLock.TryAcquire(cpu.Id);   // a stopped holder must not hang the oops: write without it
        else
            yield return Op.SpinLock(k.NvconPortLock);
        yield return Op.Call(_zone.Write(cpu, Encoding.ASCII.GetBytes(line + "\n")));
        if (locked) cpu.Unlock(k.NvconPortLock);
        // Stryker disable once Statement : a console's write() is only called from call_console_drivers(), with interrupts already off (Printk.ReleaseConsoleSem's LocalIrqSave): the restore puts back "off", and the caller's own restore follows
        cpu.LocalIrqRestore(flags);
    }

    private sealed class Driver(NvramConsole console) : ConsoleDriver("nvcon0")
    {
        public override IEnumerable<Op> Write(CpuActor cpu, string line) => console.Write(cpu, line);
    }
}
