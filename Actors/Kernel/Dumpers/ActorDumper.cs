using ActorCrash.Actors.Runtime;
using Akka.Actor;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// CPU → an actor dumper's device: kmsg_dump(<paramref name="Reason"/>) with the log's last bytes
/// (what kmsg_dump_get_buffer() would hand the dumper). Printed without the text.
/// </summary>
public sealed record KmsgDumpRequest(KmsgDumpReason Reason, string Text) : Message
{
    protected override bool PrintMembers(System.Text.StringBuilder b)
    {
        b.Append("Reason = ").Append(Reason).Append(", Length = ").Append(Text.Length);
        return true;
    }
}

/// <summary>A record an actor dumper's device says it saved, for the next boot's view.</summary>
public sealed record ActorDumperRecord(string Name, KmsgDumpReason Reason, string Text);

/// <summary>
/// What a third-party dumper actor (machine.actor-dumpers) gets in its constructor: the machine's
/// virtual clock and the ways to act on the machine, every one a post to the machine's seeded queue
/// (never a Tell to another device). Use it only while handling a message.
/// </summary>
public sealed class DumperPort
{
    private readonly Machine _machine;
    private readonly List<ActorDumperRecord> _saved = [];

    internal DumperPort(Machine machine, string name)
    {
        _machine = machine;
        Name = name;
        Done = new WaitChannel($"{name} completion");
    }

    /// <summary>The dumper's name (its actor's name and the trace's).</summary>
    public string Name { get; }

    /// <summary>Virtual time now (ns since the scenario started).</summary>
    public long Now => _machine.Runtime.Now;

    /// <summary>The CPUs' actors, as Sender shows them ("cpu0" is <c>Cpus[0]</c>).</summary>
    public IReadOnlyList<IActorRef> Cpus => [.. _machine.Cpus.Select(c => _machine.Runtime.RefOf(c.Address))];

    internal ActorId Address { get; set; } = ActorId.None;
    internal WaitChannel Done { get; }
    internal int Completed { get; private set; }
    internal IReadOnlyList<ActorDumperRecord> Records => _saved;

    /// <summary>The dump is complete: the CPU waiting in the dumper's dump() goes on (a wake through the machine's queue).</summary>
    public void Complete()
    {
        Completed++;
        _machine.WakeWaiters(Done, Address);
    }

    /// <summary>Records what the device saved, as the next boot would read it back.</summary>
    public void Saved(string name, KmsgDumpReason reason, string text) => _saved.Add(new ActorDumperRecord(name, reason, text));

    /// <summary>Stores bytes in the machine's persistent RAM (the NVRAM device), landing after <paramref name="delayNs"/>.</summary>
    public void StoreNvram(int offset, byte[] data, long delayNs) =>
        _machine.Runtime.Send(Address, _machine.Nvram, new NvramStore(offset, data), delayNs);

    /// <summary>A milestone of the run, from this device.</summary>
    public void Note(string what) => _machine.Note(-1, $"{Name}: {what}");

    internal void Reset()
    {
        _saved.Clear();
        Completed = 0;
        Done.Reset();
    }
}

/// <summary>
/// The kernel side of a dumper whose device is a third-party Akka actor (machine.actor-dumpers): its
/// dump() runs on the dumping CPU, sends the device a <see cref="KmsgDumpRequest"/> with the device
/// latency and polls for the device's completion (<see cref="DumperPort.Complete"/>) for at most
/// <see cref="TimeoutNs"/>, the way a driver waits on its hardware in panic context.
/// </summary>
public sealed class ActorDumper : KmsgDumper
{
    /// <summary>How long dump() waits for the device (1 s), then gives up.</summary>
    public const long TimeoutNs = 1_000_000_000;
    /// <summary>At most this much of the log's end goes into a request (kmsg_dump_get_buffer into a 4 KiB buffer).</summary>
    public const int MaxBytes = 4096;

    private readonly DumperPort _port;
    private readonly ActorId _device;
    private readonly string _type;

    private ActorDumper(string name, string type, DumperPort port, ActorId device) : base(name)
    {
        _type = type;
        _port = port;
        _device = device;
    }

    /// <summary>Creates the actor of <paramref name="typeName"/> (constructor taking a <see cref="DumperPort"/>) under the machine's board and its kernel side.</summary>
    public static ActorDumper Build(Machine machine, string typeName)
    {
        var type = Type.GetType(typeName, throwOnError: false)
            ?? throw new ArgumentException($"machine.actor-dumpers: no type \"{typeName}\"");
        if (type.GetConstructor([typeof(DumperPort)]) is null)
            throw new ArgumentException($"machine.actor-dumpers: {type.FullName} needs a public constructor taking an ActorCrash.Actors.Kernel.Dumpers.DumperPort");
        var name = ActorName(type.Name);
        var port = new DumperPort(machine, name);
        var actor = machine.AddActor(name, Props.Create(type, port));
        port.Address = machine.Runtime.IdOf(actor);
        return new ActorDumper(name, type.FullName!, port, port.Address);
    }

    public override IReadOnlyList<string> BootMessages => [$"{Name}: registered kmsg dumper (actor {_type})"];

    public override void Reset() => _port.Reset();

    public override IReadOnlyList<NvramRecord> ReadBack() =>
        [.. _port.Records.Select(r => new NvramRecord(r.Name, Name, r.Reason, -1, r.Text.Length, r.Text.Length, true, r.Text))];

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd)
    {
        var k = cpu.Machine.Kernel;
        var before = _port.Completed;
        k.Milestone(cpu, $"{Name}: dump({Kmsg.Name(reason)})");
        cpu.SendToDevice(_device, new KmsgDumpRequest(reason, k.Log.Tail(logEnd, MaxBytes)));
        yield return Op.WaitFor(_port.Done, () => _port.Completed > before, TimeoutNs);
        if (cpu.LastWaitTimedOut) k.Milestone(cpu, $"{Name}: no completion from the device within {TimeoutNs / 1_000_000} ms, giving up");
        else k.Milestone(cpu, $"{Name}: dump complete");
    }

    // "NetDumper" → "netdumper": an actor name, short in the trace.
    private static string ActorName(string typeName) => new([.. typeName.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
}
