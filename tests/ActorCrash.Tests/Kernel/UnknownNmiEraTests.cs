using ActorCrash.Actors;
using Xunit;
using static ActorCrash.Tests.Designs.Kit;
using static ActorCrash.Tests.Kernel.KernelKit;

namespace ActorCrash.Tests.Kernel;

/// <summary>
/// unknown_nmi_error() as each era's arch/x86 prints it: the "strange power saving mode" hint up to 5.17
/// (removed by d4c9df20a37d, v5.18), pr_emerg_ratelimited() for "Uhhuh" and "Dazed and confused" from 6.9
/// (e2fbc857d3c6; lib/ratelimit.c: 10 per 5 s per call site, then "unknown_nmi_error: N callbacks
/// suppressed"), and a panic if unknown_nmi_panic || panic_on_unrecovered_nmi — two variables.
/// </summary>
public class UnknownNmiEraTests
{
    private const string Instant = "timing { console-ns-per-char = 0ns }";

    private static string[] Text(RunResult r) => [.. r.Console.Select(l => l.Text[15..])];

    private static RunResult UnknownNmis(string design, string cmdline, IEnumerable<long> atMs, string tail = "", string then = "") =>
        RunOn(design, 2, NoKdump, cmdline,
            triggers: string.Join(", ", atMs.Select(t => $"{{ at = {t}ms, cpu = 0, event = unknown-nmi }}")) + then, tail: Instant + "\n" + tail);

    // A panic on CPU 1 afterwards, so that every design's report ends the same way (the NMI lines reach the
    // console before it through irq_work in 4.10 and 6.x: IrqWorkTests).
    private const string ThenPanic = ", { at = 6500ms, cpu = 1, event = panic, message = \"x\" }";

    /// <summary>The lines before the panic CPU's own "Kernel panic - not syncing: x".</summary>
    private static string[] BeforeThePanic(RunResult r) => [.. Text(r).TakeWhile(l => l != "Kernel panic - not syncing: x")];

    [Theory]
    [InlineData("linux-2.6.38", true)]
    [InlineData("vivek-2011", true)]
    [InlineData("eric-2011", true)]
    [InlineData("linux-3.12", true)]
    [InlineData("linux-4.5", true)]
    [InlineData("linux-4.10", true)]
    [InlineData("linux-6.x", false)]   // 6.12: the hint went in 5.18
    public void The_power_saving_hint_is_printed_up_to_5_17_only(string design, bool hint)
    {
        var r = UnknownNmis(design, "panic=1 unknown_nmi_panic", [1]);

        string[] expected = hint
            ? ["Uhhuh. NMI received for unknown reason 3d on CPU 0.", "Do you have a strange power saving mode enabled?", "Kernel panic - not syncing: NMI: Not continuing"]
            : ["Uhhuh. NMI received for unknown reason 3d on CPU 0.", "Kernel panic - not syncing: NMI: Not continuing"];
        Assert.Equal(expected, Text(r)[..expected.Length]);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    public void Without_the_panic_switch_the_kernel_is_dazed_and_carries_on(string design)
    {
        var r = UnknownNmis(design, "panic=1", [1]);

        Assert.Equal(["Uhhuh. NMI received for unknown reason 3d on CPU 0.", "Do you have a strange power saving mode enabled?",
            "Dazed and confused, but trying to continue"], Text(r));
        Assert.Equal(Outcome.Survived, r.Outcome);
    }

    [Fact]
    public void From_6_9_ten_unknown_nmis_in_five_seconds_are_reported_and_the_next_window_counts_the_rest()
    {
        // 12 NMIs 100 ms apart, then one 6 s later (a new 5 s window).
        var r = UnknownNmis("linux-6.x", "panic=1", [.. Enumerable.Range(1, 12).Select(i => i * 100L), 6200], then: ThenPanic);

        var text = BeforeThePanic(r);
        Assert.Equal(11, text.Count(l => l.StartsWith("Uhhuh.", StringComparison.Ordinal)));
        Assert.Equal(11, text.Count(l => l == "Dazed and confused, but trying to continue"));
        // The 13th NMI: each call site reports its own 2 missed calls before its line.
        Assert.Equal(["unknown_nmi_error: 2 callbacks suppressed", "Uhhuh. NMI received for unknown reason 3d on CPU 0.",
            "unknown_nmi_error: 2 callbacks suppressed", "Dazed and confused, but trying to continue"], text[^4..]);
        Assert.Equal(13, Count(r, "NMI received for unknown reason"));
    }

    [Theory]
    [InlineData("linux-2.6.38")]
    [InlineData("linux-3.12")]
    [InlineData("linux-4.10")]
    public void Before_6_9_every_unknown_nmi_is_reported(string design)
    {
        var r = UnknownNmis(design, "panic=1", [.. Enumerable.Range(1, 12).Select(i => i * 100L), 6200], then: ThenPanic);

        var text = Text(r);
        Assert.Equal(13, text.Count(l => l.StartsWith("Uhhuh.", StringComparison.Ordinal)));
        Assert.Equal(13, text.Count(l => l == "Dazed and confused, but trying to continue"));
        Assert.Empty(Lines(r, "callbacks suppressed"));
    }

    /// <summary>unknown_nmi_panic and panic_on_unrecovered_nmi are two variables: clearing one leaves the other's panic.</summary>
    [Theory]
    [InlineData("panic=1 unknown_nmi_panic", "kernel.panic_on_unrecovered_nmi=0", true)]
    [InlineData("panic=1", "kernel.unknown_nmi_panic=1 kernel.panic_on_unrecovered_nmi=0", true)]
    [InlineData("panic=1", "kernel.panic_on_unrecovered_nmi=1 kernel.unknown_nmi_panic=0", true)]
    [InlineData("panic=1", "kernel.panic_on_unrecovered_nmi=0 kernel.unknown_nmi_panic=0", false)]
    public void Either_switch_makes_an_unknown_nmi_panic(string cmdline, string sysctl, bool panics)
    {
        var r = UnknownNmis("linux-3.12", cmdline, [1], $"sysctl = \"{sysctl}\"");

        Assert.Equal(panics, Lines(r, "Kernel panic - not syncing: NMI: Not continuing").Length == 1);
        Assert.Equal(panics ? Outcome.Rebooted : Outcome.Survived, r.Outcome);
    }
}
