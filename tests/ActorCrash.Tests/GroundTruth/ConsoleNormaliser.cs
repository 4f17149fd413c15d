using System.Text.RegularExpressions;

namespace ActorCrash.Tests.GroundTruth;

/// <summary>
/// The normalisation both consoles go through before they are compared (tests/groundtruth/README.md,
/// "Normalisation"): the printk time stamp is removed, then each line is matched against the
/// panic-path vocabulary below, in order; a line that matches becomes the rule's canonical form, a
/// line that matches none is dropped (stack frames, register dumps, module and rig lines, KASLR
/// offsets: what the emulator does not model).
/// </summary>
public static partial class ConsoleNormaliser
{
    private sealed record Rule(Regex Pattern, string Canonical);

    // Canonical forms use $1, $2 for the captured groups.
    private static readonly Rule[] Vocabulary =
    [
        new(new(@"^Kernel panic - not syncing: (.*?)\s*$"), "Kernel panic - not syncing: $1"),
        new(new(@"^---\[ end Kernel panic - not syncing: (.*?)\s*\]---$"), "---[ end Kernel panic - not syncing: $1 ]---"),
        new(new(@"^Rebooting in (-?\d+) seconds\.\.$"), "Rebooting in $1 seconds.."),
        new(new(@"^Shutting down cpus with NMI$"), "Shutting down cpus with NMI"),
        new(new(@"^(CPU: \d+ PID: \d+ Comm: |Pid: \d+, comm: )"), "<dump_stack header>"),
        new(new(@"^Call Trace:$"), "Call Trace:"),
        new(new(@"^Oops: [0-9a-f]+ \[#(\d+)\]"), "Oops: [#$1]"),
        new(new(@"^---\[ end trace [0-9a-f]+ \]---$"), "---[ end trace ]---"),
        new(new(@"^sysrq: (.*?)\s*$"), "sysrq: $1"),
        new(new(@"^SysRq : (.*?)\s*$"), "SysRq : $1"),
        new(new(@"^watchdog: BUG: soft lockup - CPU#(\d+) stuck"), "watchdog: BUG: soft lockup - CPU#$1 stuck"),
        new(new(@"^(reboot: )?Restarting system\.?$"), "reboot: Restarting system"),
        new(new(@"^NMI backtrace for cpu (\d+)"), "NMI backtrace for cpu $1"),
        new(new(@"^rcu: INFO: \S+ (self-detected stall on CPU|detected stalls on CPUs/tasks)"), "rcu: INFO: $1"),
        new(new(@"^Fixing recursive fault but reboot is needed!$"), "Fixing recursive fault but reboot is needed!"),
    ];

    [GeneratedRegex(@"^\[\s*\d+\.\d+\]\s?")]
    private static partial Regex Stamp();

    /// <summary>A console line without its printk time stamp, as the kernel's format string made it.</summary>
    public static string Unstamped(string line) => Stamp().Replace(line, "", 1);

    /// <summary>The line's canonical form, or null when the vocabulary drops it.</summary>
    public static string? Normalise(string line)
    {
        var text = Unstamped(line).TrimEnd();
        foreach (var rule in Vocabulary)
        {
            var m = rule.Pattern.Match(text);
            if (m.Success) return m.Result(rule.Canonical);
        }
        return null;
    }

    public static IReadOnlyList<string> Normalise(IEnumerable<string> lines) =>
        lines.Select(Normalise).Where(l => l is not null).Select(l => l!).ToList();
}
