using System.Globalization;
using System.Text.Json;
using ActorCrash.Actors;
using ActorCrash.Actors.Exploration;
using ActorCrash.Actors.Tracing;
using ActorCrash.Experiments.Traces;
using Xunit;

namespace ActorCrash.Tests.Tracing;

/// <summary>
/// run/replay --perfetto as a contract: the JSON Schema of the trace-event subset written
/// (schemas/perfetto-trace.schema.json), and the trace-event format's structural rules a schema
/// cannot say — checked on every shipped scenario kind: a kdump run, a hang, two panics, a 64-CPU run.
/// </summary>
public sealed class PerfettoTraceTests
{
    public static TheoryData<string, string?, string> Runs => new()
    {
        { "thread-2011", null, "" },
        { "race-logbuf-wedge", null, "" },
        { "k1-two-cpus-panic", null, "" },
        { "k6-stray-write-into-crash-kernel", null, "" },
        { "k2-logbuf-lock-stopped-holder", "linux-6.x", "" },
        { "thread-2011", "linux-6.x", "machine.cpus = 64" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void The_trace_follows_its_schema_and_the_trace_event_rules(string scenario, string? design, string extra)
    {
        foreach (var seed in new ulong[] { 1, 2, 3 })
        {
            var run = TraceKit.Record(scenario, seed, design, extra);
            var json = PerfettoTrace.Render(run);
            TraceKit.MatchesSchema("perfetto-trace", json);
            CheckStructure(json, run);
        }
    }

    /// <summary>
    /// B/E nest per track and close by the end; ts never goes back on a track (file order); every flow
    /// id has one start and one finish, the start not after the finish, the finish on the track and at
    /// the ts of a delivery slice; every track used has a thread_name; one event per delivery and milestone.
    /// </summary>
    internal static void CheckStructure(string json, RecordedRun run)
    {
        using var doc = JsonDocument.Parse(json);
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        var named = new HashSet<long>();
        var depth = new Dictionary<long, int>();
        var last = new Dictionary<long, decimal>();
        var starts = new Dictionary<long, (long Tid, decimal Ts)>();
        var finishes = new Dictionary<long, (long Tid, decimal Ts)>();
        var deliveries = new HashSet<(long, decimal)>();
        int x = 0, instants = 0;
        foreach (var e in events)
        {
            var ph = e.GetProperty("ph").GetString()!;
            var tid = e.GetProperty("tid").GetInt64();
            if (ph == "M")
            {
                if (e.GetProperty("name").GetString() == "thread_name") Assert.True(named.Add(tid), $"tid {tid} named twice");
                continue;
            }
            Assert.Contains(tid, named);  // metadata comes first and names every track
            var ts = decimal.Parse(e.GetProperty("ts").GetRawText(), CultureInfo.InvariantCulture);
            Assert.True(ts >= last.GetValueOrDefault(tid), $"tid {tid}: ts {ts} after {last.GetValueOrDefault(tid)}");
            last[tid] = ts;
            switch (ph)
            {
                case "B":
                    depth[tid] = depth.GetValueOrDefault(tid) + 1;
                    break;
                case "E":
                    depth[tid] = depth.GetValueOrDefault(tid) - 1;
                    Assert.True(depth[tid] >= 0, $"tid {tid}: E without B at {ts}");
                    break;
                case "X":
                    x++;
                    deliveries.Add((tid, ts));
                    break;
                case "i":
                    instants++;
                    break;
                case "s":
                    Assert.True(starts.TryAdd(e.GetProperty("id").GetInt64(), (tid, ts)), "flow id started twice");
                    break;
                case "f":
                    Assert.True(finishes.TryAdd(e.GetProperty("id").GetInt64(), (tid, ts)), "flow id finished twice");
                    Assert.Contains((tid, ts), deliveries);  // binds to the delivery slice just written
                    break;
                default:
                    Assert.Fail($"unexpected ph {ph}");
                    break;
            }
        }
        Assert.All(depth, d => Assert.Equal(0, d.Value));
        Assert.Equal(starts.Keys.Order(), finishes.Keys.Order());
        foreach (var (id, s) in starts)
        {
            Assert.True(s.Ts <= finishes[id].Ts, $"flow {id} ends before it starts");
            Assert.NotEqual(s.Tid, finishes[id].Tid);
        }
        Assert.Equal(run.Result.Trace!.Count, x);
        Assert.Equal(run.Result.Milestones.Count + (run.Recording.Truncated ? 1 : 0), instants);
        Assert.Equal(run.Actors.Count + 1, named.Count);
    }

    [Fact]
    public void Kernel_functions_are_slices_on_their_cpu_and_deliveries_flow_between_tracks()
    {
        var run = TraceKit.Record("thread-2011");
        using var doc = JsonDocument.Parse(PerfettoTrace.Render(run));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        var cpu0 = events.Where(e => e.GetProperty("tid").GetInt64() == 1 && e.GetProperty("ph").GetString() == "B")
            .Select(e => e.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "panic", "crash_kexec", "kmsg_dump", "ramoops_do_dump", "native_machine_crash_shutdown", "nmi_shootdown_cpus", "machine_kexec" }, cpu0);
        // The other CPUs take the shootdown NMI: crash_nmi_callback as an NMI-context slice on their own track.
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "B" && e.GetProperty("tid").GetInt64() == 4
            && e.GetProperty("name").GetString() == "crash_nmi_callback" && e.GetProperty("cat").GetString() == "nmi");
        // The NMI's delivery from the apic is an arrow from the apic's track to cpu3's.
        var apic = run.Actors.ToList().IndexOf("apic") + 1;
        var nmiTo3 = events.First(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt64() == 4 && e.GetProperty("name").GetString() == "deliver_nmi");
        var finish = events.SkipWhile(e => !e.Equals(nmiTo3)).First(e => e.GetProperty("ph").GetString() == "f");
        var start = events.First(e => e.GetProperty("ph").GetString() == "s" && e.GetProperty("id").GetInt64() == finish.GetProperty("id").GetInt64());
        Assert.Equal(apic, start.GetProperty("tid").GetInt64());
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "i" && e.GetProperty("name").GetString() == "vmcore saved (makedumpfile)");
        Assert.Equal("vmcore_captured", doc.RootElement.GetProperty("otherData").GetProperty("outcome").GetString());
    }

    [Fact]
    public void The_same_scenario_and_seed_give_the_same_bytes_and_recording_does_not_change_the_run()
    {
        var spec = TraceKit.BuiltIn("race-logbuf-wedge");
        var a = PerfettoTrace.Render(RecordedRun.Record(spec, 7));
        var b = PerfettoTrace.Render(RecordedRun.Record(spec, 7));
        Assert.Equal(a, b);
        Assert.NotEqual(a, PerfettoTrace.Render(RecordedRun.Record(spec, 8)));

        using var plain = new Machine(spec);
        plain.Run(7);
        var (unobserved, _) = Violation.TraceText(plain);
        using var watched = new Machine(spec);
        new RunRecording().Attach(watched);
        watched.Run(7);
        Assert.Equal(unobserved, Violation.TraceText(watched).Text);
    }

    [Fact]
    public void A_recording_cut_at_its_event_cap_still_makes_a_well_formed_trace_that_says_so()
    {
        var spec = TraceKit.BuiltIn("thread-2011");
        using var machine = new Machine(spec);
        var recording = new RunRecording(maxEvents: 60);
        recording.Attach(machine);
        machine.Run(1);
        var run = RecordedRun.From(machine, recording);
        Assert.True(recording.Truncated);
        var json = PerfettoTrace.Render(run);
        TraceKit.MatchesSchema("perfetto-trace", json);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("otherData").GetProperty("truncated").GetBoolean());
        Assert.Contains(doc.RootElement.GetProperty("traceEvents").EnumerateArray(), e => e.GetProperty("ph").GetString() == "i"
            && e.GetProperty("cat").GetString() == "truncated");
    }

    [Theory]
    [InlineData(0, "0.000")]
    [InlineData(999, "0.999")]
    [InlineData(58830123, "58830.123")]
    [InlineData(8058850971, "8058850.971")]
    public void Virtual_ns_become_microseconds_exactly(long ns, string ts) => Assert.Equal(ts, PerfettoTrace.Micros(ns));
}
