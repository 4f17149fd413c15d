using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// kmsg_dump() per dumper: 5.8+ skips a dumper whose max_reason is below the reason, and one that
/// gives none (a module's kmsg_dumper, not pstore) gets PANIC and OOPS only, unless
/// printk.always_kmsg_dump.
/// </summary>
public class KmsgDumpReasonTests
{
    private const string ThirdPartyReturns = "kdump.loaded = false\n dumpers = [thirdparty]\n thirdparty { behaviour = slow-write, time = 1ms }";
    private const string SysrqB = "{ at = 1ms, cpu = 0, event = sysrq-b }";

    [Fact]
    public void Linux_6_x_gives_a_module_dumper_without_max_reason_panic_but_not_emerg()
    {
        var panic = RunOn("linux-6.x", 2, ThirdPartyReturns, "panic=1");
        Assert.True(Has(panic, "thirdparty: dump(KMSG_DUMP_PANIC)"), Describe(panic));

        var sysrq = RunOn("linux-6.x", 2, ThirdPartyReturns, "panic=1", triggers: SysrqB);
        Assert.True(Has(sysrq, "kmsg_dump(KMSG_DUMP_EMERG)"), Describe(sysrq));
        Assert.False(Has(sysrq, "thirdparty: dump("), Describe(sysrq));
        Assert.Equal(Outcome.Rebooted, sysrq.Outcome);
    }

    [Fact]
    public void Linux_6_x_with_printk_always_kmsg_dump_gives_it_emerg_too()
    {
        var r = RunOn("linux-6.x", 2, ThirdPartyReturns, "panic=1 printk.always_kmsg_dump", triggers: SysrqB);
        Assert.True(Has(r, "thirdparty: dump(KMSG_DUMP_EMERG)"), Describe(r));
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }
}
