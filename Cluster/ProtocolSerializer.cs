using ActorCrash.Experiments;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorCrash.Cluster;

/// <summary>
/// Writes the cluster protocol (<see cref="IClusterMessage"/>) in a small binary form: a batch's rows
/// travel as the bytes the experiment encoded, with no per-row framing added here. Bound in
/// <c>actorcrash.cluster.akka</c> (akka.hocon); version 1 of the wire format, in the first byte.
/// </summary>
public sealed class ProtocolSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const byte Version = 1;

    public override int Identifier => 4053;

    public override string Manifest(object o) => o switch
    {
        Register => "R",
        Welcome => "W",
        Refused => "X",
        RequestWork => "Q",
        Work => "B",
        NoWork => "N",
        WorkDone => "D",
        WorkFailed => "F",
        CampaignOver => "O",
        _ => throw new ArgumentException($"not a cluster protocol message: {o.GetType()}"),
    };

    public override byte[] ToBinary(object o)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            switch (o)
            {
                case Register r: w.Write(r.Build); w.Write(r.Node); w.Write(r.Cores); break;
                case Welcome m: w.Write(m.Experiment); w.Write(m.Title); break;
                case Refused m: w.Write(m.Why); break;
                case RequestWork m: w.Write(m.Slots); break;
                case Work m:
                    w.Write(m.Batch); WriteUnit(w, m.Unit);
                    w.Write(m.ExperimentText is not null);
                    if (m.ExperimentText is not null) w.Write(m.ExperimentText);
                    break;
                case NoWork m: w.Write(m.Finished); break;
                case WorkDone m:
                    w.Write(m.Batch); WriteUnit(w, m.Unit); w.Write(m.Runs); w.Write(m.Seconds);
                    w.Write(m.Rows.Length); w.Write(m.Rows);
                    break;
                case WorkFailed m: w.Write(m.Batch); WriteUnit(w, m.Unit); w.Write(m.Error); break;
                case CampaignOver m: w.Write(m.Experiment); break;
                default: throw new ArgumentException($"not a cluster protocol message: {o.GetType()}");
            }
        }
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var version = r.ReadByte();
        if (version != Version)
            throw new SerializationException($"cluster protocol version {version} from a peer; this node speaks {Version} (mixed builds)");
        return manifest switch
        {
            "R" => new Register(r.ReadString(), r.ReadString(), r.ReadInt32()),
            "W" => new Welcome(r.ReadString(), r.ReadString()),
            "X" => new Refused(r.ReadString()),
            "Q" => new RequestWork(r.ReadInt32()),
            "B" => new Work(r.ReadInt64(), ReadUnit(r), r.ReadBoolean() ? r.ReadString() : null),
            "N" => new NoWork(r.ReadBoolean()),
            "D" => ReadDone(r),
            "F" => new WorkFailed(r.ReadInt64(), ReadUnit(r), r.ReadString()),
            "O" => new CampaignOver(r.ReadString()),
            _ => throw new SerializationException($"unknown cluster protocol manifest '{manifest}'"),
        };
    }

    private static WorkDone ReadDone(BinaryReader r)
    {
        var batch = r.ReadInt64();
        var unit = ReadUnit(r);
        var runs = r.ReadInt32();
        var seconds = r.ReadDouble();
        var rows = r.ReadBytes(r.ReadInt32());
        return new WorkDone(batch, unit, rows, runs, seconds);
    }

    private static void WriteUnit(BinaryWriter w, WorkUnit u)
    {
        w.Write(u.Digest); w.Write(u.Design); w.Write(u.Cell); w.Write(u.FirstSeed); w.Write(u.Count);
    }

    private static WorkUnit ReadUnit(BinaryReader r) =>
        new(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadUInt64(), r.ReadInt32());
}
