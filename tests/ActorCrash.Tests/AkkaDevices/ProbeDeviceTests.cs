using System.Text;
using ActorCrash.Actors;
using ActorCrash.Actors.Runtime;
using ActorCrash.Config;
using Akka.Actor;
using Xunit;

namespace ActorCrash.Tests.AkkaDevices;

/// <summary>Issue 10 (a): an Akka.TestKit TestProbe stands in for a device of the emulated machine.</summary>
public class ProbeDeviceTests : MachineTestKit
{
    [Fact]
    public void A_probe_in_place_of_NVRAM_receives_exactly_the_stores_ramoops_issues_in_order()
    {
        var spec = ScenarioLoader.Default();  // 2.6.38's ramoops dumps KMSG_DUMP_KEXEC before kdump
        var reference = NewMachine(spec);
        var expected = reference.RunAndReport(1, trace: true).Trace!.Where(t => t.To == "nvram").ToArray();
        var landed = reference.NvramDevice.Read(0, reference.NvramDevice.Size).ToArray();
        Assert.True(expected.Length >= 2, "ramoops wrote fewer than two chunks");

        var nvram = CreateTestProbe();
        var machine = NewMachine(spec, new Dictionary<string, IActorRef> { ["nvram"] = nvram.Ref });
        var run = machine.RunAndReport(1, trace: true);
        var cpu0 = machine.Runtime.RefOf(machine.Cpus[0].Address);

        nvram.ExpectMsg<ResetDevice>();  // before the run, like every device
        var written = new List<NvramStore>();
        foreach (var e in expected)
        {
            var message = nvram.ExpectMsg<Message>();
            Assert.Equal(e.Message, ActorCrash.Actors.Runtime.TraceText.Describe(message));           // the same store or fill, offset and length, in the same order
            Assert.Equal(cpu0, nvram.LastSender);                   // Sender is the storing CPU's actor
            if (message is not NvramStore store) continue;          // ramoops clears its record with memset first
            Assert.Equal(landed.AsSpan(store.Offset, store.Data.Length).ToArray(), store.Data.ToArray());  // the bytes the real NVRAM kept
            written.Add(store);
        }
        nvram.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.StartsWith("====", Encoding.ASCII.GetString(written[0].Data.Span));  // 2.6.38's record header "====sec.usec"
        Assert.Equal(Outcome.VmcoreCaptured, run.Outcome);
        // Nothing reached the real part: the next boot finds no intact record.
        Assert.DoesNotContain(run.Nvram, r => r.Intact && r.WrittenAtNs >= 0);
    }

    [Fact]
    public void Only_devices_whose_state_the_machine_never_reads_can_be_replaced()
    {
        var probe = CreateTestProbe();
        var e = Assert.Throws<ArgumentException>(() => NewMachine(ScenarioLoader.Default(), new Dictionary<string, IActorRef> { ["cpu0"] = probe.Ref }));
        Assert.Contains("cpu0", e.Message);
        Assert.Contains("nvram", e.Message);
    }
}
