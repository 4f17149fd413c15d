using System.Text;
using ActorCrash.Actors;
using ActorCrash.Config.Experiments;
using ActorCrash.Experiments;

namespace ActorCrash.Cluster;

/// <summary>
/// The compact form of a batch's <see cref="ResultRow"/>s on the wire. The digest, design and cell
/// are the unit's and the seeds are consecutive, so a row is its outcome, two flags, its virtual end
/// time and steps (7-bit varints), and indexes into the batch's table of distinct probe strings and
/// reasons (a batch of 250 runs has a handful). About 8 bytes a row.
/// </summary>
public static class RowCodec
{
    private const byte Version = 1;

    public static byte[] Encode(WorkUnit unit, IReadOnlyList<ResultRow> rows)
    {
        if (rows.Count != unit.Count) throw new ArgumentException($"{rows.Count} rows for {unit.Count} seeds of {unit}");
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var table = new List<string>();
        int Index(string s)
        {
            if (!strings.TryGetValue(s, out var i))
            {
                strings[s] = i = table.Count;
                table.Add(s);
            }
            return i;
        }
        var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                if (r.Seed != unit.FirstSeed + (ulong)i || r.Design != unit.Design || r.Cell != unit.Cell || r.Digest != unit.Digest)
                    throw new ArgumentException($"row {r.Design}/{r.Cell} seed {r.Seed} is not row {i} of {unit}");
                w.Write((byte)((int)r.Outcome | (r.LogSaved ? 0x40 : 0) | (r.RebootedInTime ? 0x80 : 0)));
                w.Write7BitEncodedInt64(r.EndNs);
                w.Write7BitEncodedInt64(r.Steps);
                w.Write7BitEncodedInt(Index(r.Probes));
                w.Write7BitEncodedInt(Index(r.Reason));
            }
        var output = new MemoryStream();
        using (var w = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write7BitEncodedInt(table.Count);
            foreach (var s in table) w.Write(s);
            w.Write7BitEncodedInt(rows.Count);
            w.Write(body.GetBuffer(), 0, (int)body.Length);
        }
        return output.ToArray();
    }

    public static IReadOnlyList<ResultRow> Decode(WorkUnit unit, byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        if (r.ReadByte() != Version) throw new InvalidDataException("rows written by another version of the cluster protocol");
        var table = new string[r.Read7BitEncodedInt()];
        for (var i = 0; i < table.Length; i++) table[i] = r.ReadString();
        var count = r.Read7BitEncodedInt();
        if (count != unit.Count) throw new InvalidDataException($"{count} rows for {unit.Count} seeds of {unit}");
        var rows = new ResultRow[count];
        for (var i = 0; i < count; i++)
        {
            var flags = r.ReadByte();
            var end = r.Read7BitEncodedInt64();
            var steps = r.Read7BitEncodedInt64();
            var probes = table[r.Read7BitEncodedInt()];
            var reason = table[r.Read7BitEncodedInt()];
            rows[i] = new ResultRow(unit.Digest, unit.Design, unit.Cell, unit.FirstSeed + (ulong)i, (Outcome)(flags & 0x3f), end, steps,
                (flags & 0x40) != 0, (flags & 0x80) != 0, probes, reason);
        }
        return rows;
    }

    /// <summary>An experiment's text as it travels to workers: the file and its scenario file, if any.</summary>
    public static string EncodeSource(ExperimentSource s)
    {
        var b = new StringBuilder();
        foreach (var part in new[] { s.Name, s.Text, s.ScenarioName, s.ScenarioText })
            b.Append(part is null ? "-" : $"{part.Length}:{part}");
        return b.ToString();
    }

    public static ExperimentSource DecodeSource(string text)
    {
        var parts = new string?[4];
        var at = 0;
        for (var i = 0; i < 4; i++)
        {
            if (text[at] == '-')
            {
                at++;
                continue;
            }
            var colon = text.IndexOf(':', at);
            var length = int.Parse(text.AsSpan(at, colon - at), System.Globalization.CultureInfo.InvariantCulture);
            parts[i] = text.Substring(colon + 1, length);
            at = colon + 1 + length;
        }
        return new ExperimentSource(parts[0]!, parts[1]!, parts[2], parts[3]);
    }
}
