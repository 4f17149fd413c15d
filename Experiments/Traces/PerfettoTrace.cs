using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ActorCrash.Actors.Tracing;

namespace ActorCrash.Experiments.Traces;

/// <summary>
/// A run as Chrome / Perfetto trace-event JSON (the JSON Object Format: <c>{"traceEvents": [...]}</c>),
/// for ui.perfetto.dev or chrome://tracing. One process (the machine), one track (thread) per device:
/// tid 0 carries the milestones of no CPU, tid i+1 is device i (the CPUs first, cpu N is tid N+1).
/// Kernel functions are B/E slices on their CPU's track (cat kernel, irq or nmi: the frame's
/// context); each delivery is a zero-length X slice on its receiver's track (name: the message kind,
/// args: sender and the trace's text of the message) and, unless a device sent it to itself, a flow
/// arrow (s at the send, f at the delivery, id = the runtime's send sequence); milestones are
/// instant events. ts is virtual time in µs with ns precision. Slices still open when the run ends
/// close at its end time. The file is a pure function of the run: byte-identical for the same
/// scenario and seed. Format: docs/traces.md; JSON Schema: schemas/perfetto-trace.schema.json.
/// </summary>
public static class PerfettoTrace
{
    /// <summary>Version of this output's shape (<c>schema_version</c>, the first key).</summary>
    public const int SchemaVersion = 1;

    public static string Render(RecordedRun run)
    {
        var r = run.Result;
        var events = new List<string>();
        var b = new StringBuilder();

        events.Add(Meta(0, "process_name", "name", $"{r.Scenario} {r.Design} seed {r.Seed}"));
        events.Add(Meta(0, "thread_name", "name", "machine"));
        events.Add(MetaSort(0, 0));
        for (var i = 0; i < run.Actors.Count; i++)
        {
            events.Add(Meta(i + 1, "thread_name", "name", run.Actors[i]));
            events.Add(MetaSort(i + 1, i + 1));
        }

        var rec = run.Recording;
        var open = new Stack<int>[run.Actors.Count];
        for (var i = 0; i < open.Length; i++) open[i] = new Stack<int>();
        var milestones = r.Milestones;
        var nextMilestone = 0;
        var delivery = 0;
        foreach (var e in rec.Events)
        {
            // A milestone goes after the events of the delivery whose handling noted it (by time if that is unknown).
            var before = e.Kind == RecordedKind.Deliver && e.Other >= 0 ? e.Other : -1;
            while (nextMilestone < milestones.Count && (before >= 0 ? nextMilestone < before : milestones[nextMilestone].TimeNs < e.TimeNs))
                events.Add(Milestone(milestones[nextMilestone++], run));
            switch (e.Kind)
            {
                case RecordedKind.Enter:
                    events.Add(Obj(w =>
                    {
                        Head(w, "B", e.Actor + 1, e.TimeNs);
                        w.WriteString("name", e.Name);
                        w.WriteString("cat", e.Context switch { 1 => "irq", 2 => "nmi", _ => "kernel" });
                    }));
                    open[e.Actor].Push(1);
                    break;
                case RecordedKind.Leave:
                    events.Add(Obj(w => Head(w, "E", e.Actor + 1, e.TimeNs)));
                    open[e.Actor].Pop();
                    break;
                case RecordedKind.Send when e.Actor != e.Other && rec.WasDelivered(e.Seq):
                    events.Add(Flow("s", e.Actor + 1, e.TimeNs, e.Seq));
                    break;
                case RecordedKind.Deliver:
                    {
                        var line = r.Trace![delivery++];
                        var to = IndexOf(run, line.To);
                        var from = IndexOf(run, line.From);
                        events.Add(Obj(w =>
                        {
                            Head(w, "X", to + 1, e.TimeNs);
                            w.WriteNumber("dur", 0);
                            w.WriteString("name", Kind(line.Message));
                            w.WriteString("cat", "delivery");
                            w.WriteStartObject("args");
                            w.WriteString("from", line.From);
                            w.WriteString("message", line.Message);
                            w.WriteEndObject();
                        }));
                        if (from != to) events.Add(Flow("f", to + 1, e.TimeNs, e.Seq));
                        break;
                    }
            }
        }
        while (nextMilestone < milestones.Count) events.Add(Milestone(milestones[nextMilestone++], run));
        var end = Math.Max(r.EndTimeNs, rec.Events.Count > 0 ? rec.Events[^1].TimeNs : 0);
        if (rec.Truncated)
            events.Add(Obj(w =>
            {
                Head(w, "i", 0, end);
                w.WriteString("s", "g");
                w.WriteString("name", string.Create(CultureInfo.InvariantCulture,
                    $"trace cut at {rec.MaxEvents} events ({Hardware.VirtualTime.Format(rec.TruncatedAtNs)}); the run went on to {Hardware.VirtualTime.Format(r.EndTimeNs)}"));
                w.WriteString("cat", "truncated");
            }));
        for (var i = 0; i < open.Length; i++)
            while (open[i].TryPop(out _)) events.Add(Obj(w => Head(w, "E", i + 1, end)));

        b.Append("{\"schema_version\":").Append(SchemaVersion.ToString(CultureInfo.InvariantCulture)).Append(",\n");
        b.Append("\"displayTimeUnit\":\"ns\",\n");
        b.Append("\"otherData\":").Append(Obj(w =>
        {
            w.WriteString("generator", "actorcrash");
            w.WriteString("scenario", r.Scenario);
            w.WriteString("design", r.Design);
            w.WriteNumber("seed", r.Seed);
            w.WriteString("strategy", r.Strategy);
            w.WriteString("outcome", JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Outcome.ToString()));
            w.WriteString("reason", r.Reason);
            w.WriteNumber("end_time_ns", r.EndTimeNs);
            w.WriteNumber("deliveries", r.Trace!.Count);
            w.WriteBoolean("truncated", rec.Truncated);
        })).Append(",\n");
        b.Append("\"traceEvents\":[\n");
        for (var i = 0; i < events.Count; i++)
        {
            b.Append(events[i]);
            b.Append(i + 1 < events.Count ? ",\n" : "\n");
        }
        b.Append("]}\n");
        return b.ToString();
    }

    /// <summary>The message kind: the first word of its trace text (<c>deliver_ipi</c>, <c>nvram_store</c>).</summary>
    public static string Kind(string message)
    {
        var space = message.IndexOf(' ');
        return space < 0 ? message : message[..space];
    }

    private static int IndexOf(RecordedRun run, string actor)
    {
        for (var i = 0; i < run.Actors.Count; i++)
            if (run.Actors[i] == actor) return i;
        throw new InvalidOperationException($"the trace names a device \"{actor}\" the machine does not have");
    }

    private static string Milestone(Actors.Kernel.Milestone m, RecordedRun run) => Obj(w =>
    {
        var tid = m.Cpu >= 0 && m.Cpu < run.Actors.Count ? IndexOf(run, $"cpu{m.Cpu}") + 1 : 0;
        Head(w, "i", tid, m.TimeNs);
        w.WriteString("s", "t");
        w.WriteString("name", m.What);
        w.WriteString("cat", "milestone");
    });

    private static string Flow(string ph, int tid, long ns, long id) => Obj(w =>
    {
        Head(w, ph, tid, ns);
        if (ph == "f") w.WriteString("bp", "e");
        w.WriteString("name", "delivery");
        w.WriteString("cat", "delivery");
        w.WriteNumber("id", id);
    });

    private static string Meta(int tid, string name, string key, string value) => Obj(w =>
    {
        w.WriteString("ph", "M");
        w.WriteNumber("pid", 1);
        w.WriteNumber("tid", tid);
        w.WriteString("name", name);
        w.WriteStartObject("args");
        w.WriteString(key, value);
        w.WriteEndObject();
    });

    private static string MetaSort(int tid, int index) => Obj(w =>
    {
        w.WriteString("ph", "M");
        w.WriteNumber("pid", 1);
        w.WriteNumber("tid", tid);
        w.WriteString("name", "thread_sort_index");
        w.WriteStartObject("args");
        w.WriteNumber("sort_index", index);
        w.WriteEndObject();
    });

    private static void Head(Utf8JsonWriter w, string ph, int tid, long ns)
    {
        w.WriteString("ph", ph);
        w.WriteNumber("pid", 1);
        w.WriteNumber("tid", tid);
        w.WritePropertyName("ts");
        w.WriteRawValue(Micros(ns), skipInputValidation: true);
    }

    /// <summary>Virtual ns as µs with three decimals, exact and culture-free: 58830123 → 58830.123.</summary>
    public static string Micros(long ns) =>
        string.Create(CultureInfo.InvariantCulture, $"{ns / 1000}.{ns % 1000:D3}");

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Obj(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
