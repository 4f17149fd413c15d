using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorCrash.Config;

/// <summary>
/// The panic-path designs and what each one's kernel knows: its command-line parameters, parsed as
/// that kernel parses them, and the scenario's <c>kconfig</c> and <c>sysctl</c> settings (the 2011
/// thread's opt-outs). A new design adds its entry to <see cref="ByDesign"/>; setting anything a
/// design does not know is an error naming the design and the parameter.
/// </summary>
public static partial class KernelParameters
{
    /// <summary>A kernel parameter: what a valid one looks like, and its effect on the parsed command line (null: a bad value).</summary>
    private sealed record Parameter(string Expected, Func<KernelCmdline, string?, KernelCmdline?> Apply);

    /// <summary>What one design's kernel knows, by name: command-line parameters, kconfig options, sysctls.</summary>
    private sealed record Known(
        IReadOnlyDictionary<string, Parameter> Cmdline,
        IReadOnlyDictionary<string, Parameter> Kconfig,
        IReadOnlyDictionary<string, Parameter> Sysctl);

    // ---- the parameters, as the kernels parse them ----

    // core_param(panic, panic_timeout, int): 2.6.38's panic() reboots only for panic_timeout > 0, so a
    // negative value means "never" like 0; from 3.x on, < 0 means "reboot at once" and is kept.
    private static readonly Parameter PanicNeverBelowZero = new("panic=N with N an integer number of seconds",
        (c, v) => Int(v) is { } n ? c with { PanicTimeoutSeconds = Math.Max(n, 0) } : null);
    private static readonly Parameter PanicAtOnceBelowZero = new("panic=N with N an integer number of seconds (< 0: reboot at once)",
        (c, v) => Int(v) is { } n ? c with { PanicTimeoutSeconds = n } : null);

    private static readonly Parameter CrashKernel = new("crashkernel=SIZE[@OFFSET] or crashkernel=START-[END]:SIZE[,...][@OFFSET] with sizes like 128M",
        (c, v) => v is not null && CrashKernel2638().IsMatch(v) ? c with { CrashKernel = v } : null);

    // early_param("oops", oops_setup): only "panic" has an effect.
    private static readonly Parameter Oops = new("oops=panic",
        (c, v) => v == "panic" ? c with { OopsPanic = true } : null);

    private static readonly Parameter NmiWatchdog = new("nmi_watchdog=0, 1, panic or nopanic",
        (c, v) => v is "0" or "1" or "panic" or "nopanic" ? c with { NmiWatchdog = v } : null);

    // reboot_setup() switches on the first letter of each comma-separated word: reboot=force, reboot=f,b,w.
    private static readonly Parameter Reboot = new("reboot=MODE[,MODE...] with modes warm, cold, bios, smp, triple, kbd, acpi, efi, pci, force",
        (c, v) => v is { Length: > 0 } && v.Split(',').All(m => m.Length > 0 && "wcbstkaepf".Contains(m[0]))
            ? c with { RebootForce = c.RebootForce || v.Split(',').Any(m => m[0] == 'f') }
            : null);

    // __setup("nonmi_ipi", nonmi_ipi_setup): the value, if any, is ignored.
    private static readonly Parameter NoNmiIpi = new("nonmi_ipi", (c, _) => c with { NoNmiIpi = true });

    // module_param_named(always_kmsg_dump, ..., bool): "printk.always_kmsg_dump" alone means y.
    private static readonly Parameter AlwaysKmsgDump = new("printk.always_kmsg_dump[=y|n|1|0]",
        (c, v) => Bool(v) is { } b ? c with { AlwaysKmsgDump = b } : null);

    // 3.16–5.x: early_param("crash_kexec_post_notifiers", ...) sets it whatever the value says.
    private static readonly Parameter PostNotifiersEarlyParam = new("crash_kexec_post_notifiers (any value sets it)",
        (c, _) => c with { CrashKexecPostNotifiers = true });

    // later: core_param(crash_kexec_post_notifiers, ..., bool, 0644).
    private static readonly Parameter PostNotifiersBool = new("crash_kexec_post_notifiers[=y|n|1|0]",
        (c, v) => Bool(v) is { } b ? c with { CrashKexecPostNotifiers = b } : null);

    // core_param(panic_print, panic_print, ulong, 0644): decimal or 0x hex.
    private static readonly Parameter PanicPrint = new("panic_print=MASK (0x1 tasks, 0x2 mem, 0x4 timers, 0x8 locks, 0x10 ftrace, 0x20 replay the log, 0x40 all-CPU backtrace, 0x80 blocked tasks)",
        (c, v) => Mask(v) is { } m ? c with { PanicPrint = m } : null);

    // The thread's compile-time opt-out: without it kmsg_dump() is an empty stub and no dumper can register.
    private static readonly Parameter ConfigKmsgDump = new("CONFIG_KMSG_DUMP=y or CONFIG_KMSG_DUMP=n",
        (c, v) => v is "y" or "n" ? c with { KmsgDumpCompiledIn = v == "y" } : null);

    // Vivek Goyal's "/proc tunable which allows controlling this behavior" (hypothetical, 2011).
    private static readonly Parameter SysctlKdumpMsg = new("kernel.kdump_msg=0 or kernel.kdump_msg=1",
        (c, v) => v is "0" or "1" ? c with { KdumpMsg = v == "1" } : null);

    private static readonly Parameter SysctlPanicOnOops = new("kernel.panic_on_oops=0 or kernel.panic_on_oops=1",
        (c, v) => v is "0" or "1" ? c with { OopsPanic = v == "1" } : null);

    // __setup("unknown_nmi_panic", ...): no value. The sysctls kernel.unknown_nmi_panic and
    // kernel.panic_on_unrecovered_nmi are two variables; unknown_nmi_error() panics if either is set
    // ("if (unknown_nmi_panic || panic_on_unrecovered_nmi)"), so clearing one leaves the other.
    private static readonly Parameter UnknownNmiPanic = new("unknown_nmi_panic", (c, _) => c with { UnknownNmiPanic = true });
    private static readonly Parameter SysctlUnknownNmiPanic = new("kernel.unknown_nmi_panic=0 or 1",
        (c, v) => v is "0" or "1" ? c with { UnknownNmiPanic = v == "1" } : null);
    private static readonly Parameter SysctlPanicOnUnrecoveredNmi = new("kernel.panic_on_unrecovered_nmi=0 or 1",
        (c, v) => v is "0" or "1" ? c with { PanicOnUnrecoveredNmi = v == "1" } : null);
    private static readonly Parameter SysctlPanicOnIoNmi = new("kernel.panic_on_io_nmi=0 or 1",
        (c, v) => v is "0" or "1" ? c with { PanicOnIoNmi = v == "1" } : null);
    // __setup("softlockup_panic=", ...) / __setup("hung_task_panic=", ...): simple_strtoul.
    private static readonly Parameter SoftlockupPanic = new("softlockup_panic=0 or 1",
        (c, v) => v is "0" or "1" ? c with { SoftlockupPanic = v == "1" } : null);
    private static readonly Parameter HungTaskPanic = new("hung_task_panic=0 or 1",
        (c, v) => v is "0" or "1" ? c with { HungTaskPanic = v == "1" } : null);
    // early_param("panic_on_warn", ...): no value sets it.
    private static readonly Parameter PanicOnWarn = new("panic_on_warn", (c, _) => c with { PanicOnWarn = true });
    private static readonly Parameter SysctlPanicOnWarn = new("kernel.panic_on_warn=0 or 1",
        (c, v) => v is "0" or "1" ? c with { PanicOnWarn = v == "1" } : null);

    // ---- what each design knows ----

    private static readonly Dictionary<string, Parameter> Cmdline2638 = new()
    {
        ["panic"] = PanicNeverBelowZero,
        ["crashkernel"] = CrashKernel,
        ["oops"] = Oops,
        ["nmi_watchdog"] = NmiWatchdog,
        ["reboot"] = Reboot,
        ["unknown_nmi_panic"] = UnknownNmiPanic,
        ["softlockup_panic"] = SoftlockupPanic,
        ["hung_task_panic"] = HungTaskPanic,
    };

    private static readonly Dictionary<string, Parameter> Cmdline312 = new(Cmdline2638)
    {
        ["panic"] = PanicAtOnceBelowZero,
        ["nonmi_ipi"] = NoNmiIpi,                      // 3.5, with the NMI stage of smp_send_stop
        ["printk.always_kmsg_dump"] = AlwaysKmsgDump,  // 3.4
    };

    private static readonly Dictionary<string, Parameter> Cmdline410 = new(Cmdline312)
    {
        ["crash_kexec_post_notifiers"] = PostNotifiersEarlyParam,
        ["panic_on_warn"] = PanicOnWarn,   // 3.19
    };

    private static readonly Dictionary<string, Parameter> Cmdline6 = new(Cmdline312)
    {
        ["crash_kexec_post_notifiers"] = PostNotifiersBool,
        ["panic_print"] = PanicPrint,
        ["panic_on_warn"] = PanicOnWarn,
    };

    private static readonly Parameter ConfigPstoreCompress = new("CONFIG_PSTORE_COMPRESS=y or CONFIG_PSTORE_COMPRESS=n",
        (c, v) => v is "y" or "n" ? c with { PstoreCompress = v == "y" } : null);
    private static readonly Parameter ConfigPstoreConsole = new("CONFIG_PSTORE_CONSOLE=y or CONFIG_PSTORE_CONSOLE=n",
        (c, v) => v is "y" or "n" ? c with { PstoreConsole = v == "y" } : null);
    private static readonly Parameter ConfigPstorePmsg = new("CONFIG_PSTORE_PMSG=y or CONFIG_PSTORE_PMSG=n",
        (c, v) => v is "y" or "n" ? c with { PstorePmsg = v == "y" } : null);

    private static readonly Dictionary<string, Parameter> Kconfig = new() { ["CONFIG_KMSG_DUMP"] = ConfigKmsgDump };

    // pstore's console (3.6) and compression (3.11) [U versions]; pmsg came in 4.1 [U].
    private static readonly Dictionary<string, Parameter> Kconfig312 = new(Kconfig)
    {
        ["CONFIG_PSTORE_CONSOLE"] = ConfigPstoreConsole,
        ["CONFIG_PSTORE_COMPRESS"] = ConfigPstoreCompress,
    };

    private static readonly Dictionary<string, Parameter> Kconfig410 = new(Kconfig312) { ["CONFIG_PSTORE_PMSG"] = ConfigPstorePmsg };

    /// <summary>
    /// Options, parameters and drivers that came after some design's kernel, with the first kernel
    /// that had them [U versions]: naming one under an older design is an anachronism, not a typo.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FirstKernel { get; } = new Dictionary<string, string>
    {
        ["CONFIG_PSTORE_CONSOLE"] = "3.6",
        ["CONFIG_PSTORE_COMPRESS"] = "3.11",
        ["CONFIG_PSTORE_PMSG"] = "4.1",
        ["nonmi_ipi"] = "3.5",
        ["printk.always_kmsg_dump"] = "3.4",
        ["crash_kexec_post_notifiers"] = "3.16",
        ["panic_print"] = "5.0",
        ["kernel.panic_print"] = "5.0",
        ["panic_on_warn"] = "3.19",
        ["kernel.panic_on_warn"] = "3.19",
        ["efi-pstore"] = "3.3",
        ["pstore-era ramoops"] = "3.5",
        ["pmsg"] = "4.1",
        ["ramoops.max_reason"] = "5.8",
        ["pstore"] = "2.6.39",
        ["mtdoops v2 (era = current)"] = "6.2",
    };

    /// <summary>The kernel each design stands for, as its KernelEra (Actors/Kernel/KernelEra.cs) names it.</summary>
    private static readonly Dictionary<string, Version> KernelOf = new()
    {
        ["linux-2.6.38"] = new(2, 6, 38),
        ["vivek-2011"] = new(2, 6, 38),
        ["eric-2011"] = new(2, 6, 38),
        ["linux-3.12"] = new(3, 12),
        ["linux-4.5"] = new(4, 5),
        ["linux-4.10"] = new(4, 10),
        ["linux-6.x"] = new(6, 12),
    };

    /// <summary>The kernel version <paramref name="design"/> stands for ("2.6.38", "6.12").</summary>
    public static string Kernel(string design) => KernelOf[design].ToString();

    /// <summary>Whether <paramref name="design"/>'s kernel had <paramref name="feature"/> (a key of <see cref="FirstKernel"/>).</summary>
    public static bool Had(string design, string feature) => KernelOf[design] >= Version.Parse(FirstKernel[feature]);

    private static readonly Dictionary<string, Parameter> Sysctl2638 = new()
    {
        ["kernel.panic"] = PanicNeverBelowZero,
        ["kernel.panic_on_oops"] = SysctlPanicOnOops,
        ["kernel.unknown_nmi_panic"] = SysctlUnknownNmiPanic,
        ["kernel.panic_on_unrecovered_nmi"] = SysctlPanicOnUnrecoveredNmi,
        ["kernel.panic_on_io_nmi"] = SysctlPanicOnIoNmi,
        ["kernel.softlockup_panic"] = new("kernel.softlockup_panic=0 or 1", (c, v) => v is "0" or "1" ? c with { SoftlockupPanic = v == "1" } : null),
        ["kernel.hung_task_panic"] = new("kernel.hung_task_panic=0 or 1", (c, v) => v is "0" or "1" ? c with { HungTaskPanic = v == "1" } : null),
    };

    private static readonly Dictionary<string, Parameter> SysctlVivek = new(Sysctl2638) { ["kernel.kdump_msg"] = SysctlKdumpMsg };

    private static readonly Dictionary<string, Parameter> Sysctl312 = new(Sysctl2638) { ["kernel.panic"] = PanicAtOnceBelowZero };

    private static readonly Dictionary<string, Parameter> Sysctl410 = new(Sysctl312) { ["kernel.panic_on_warn"] = SysctlPanicOnWarn };

    private static readonly Dictionary<string, Parameter> Sysctl6 = new(Sysctl410) { ["kernel.panic_print"] = PanicPrint };

    private static readonly Dictionary<string, Known> ByDesign = new()
    {
        ["linux-2.6.38"] = new(Cmdline2638, Kconfig, Sysctl2638),
        ["vivek-2011"] = new(Cmdline2638, Kconfig, SysctlVivek),
        ["eric-2011"] = new(Cmdline2638, Kconfig, Sysctl2638),
        ["linux-3.12"] = new(Cmdline312, Kconfig312, Sysctl312),
        ["linux-4.5"] = new(Cmdline410, Kconfig410, Sysctl410),
        ["linux-4.10"] = new(Cmdline410, Kconfig410, Sysctl410),
        ["linux-6.x"] = new(Cmdline6, Kconfig410, Sysctl6),
    };

    /// <summary>The designs a scenario's <c>design</c> may name, oldest first.</summary>
    public static IReadOnlyList<string> Designs { get; } = [.. ByDesign.Keys];

    /// <summary>The kernel parameters, kconfig options and sysctls <paramref name="design"/> knows, for `show-design`.</summary>
    public static (IReadOnlyCollection<string> Cmdline, IReadOnlyCollection<string> Kconfig, IReadOnlyCollection<string> Sysctl) KnownBy(string design)
    {
        var known = ByDesign[design];
        return ([.. known.Cmdline.Keys], [.. known.Kconfig.Keys], [.. known.Sysctl.Keys]);
    }

    /// <summary>
    /// Parses the scenario's <c>cmdline</c>, <c>kconfig</c> and <c>sysctl</c> for a known design;
    /// <paramref name="fail"/>(key, expected, problem) builds the error.
    /// </summary>
    internal static KernelCmdline Parse(string design, string raw, string kconfig, string sysctl, Func<string, string, string, Exception> fail)
    {
        var known = ByDesign[design];
        var cmdline = new KernelCmdline(raw, PanicTimeoutSeconds: 0, OopsPanic: false, CrashKernel: null, NmiWatchdog: "1",
            Kconfig: kconfig, Sysctl: sysctl);
        // Like the kernel's parameq(), '-' and '_' in a parameter name are the same.
        var notModelled = new List<string>();
        cmdline = Apply(cmdline, raw, known.Cmdline, name => name.Replace('-', '_'), design, "kernel parameter",
            (expected, problem) => fail("cmdline", expected, problem), notModelled);
        if (notModelled.Count > 0) cmdline = cmdline with { NotModelled = notModelled };
        cmdline = Apply(cmdline, kconfig, known.Kconfig, name => name, design, "kconfig option",
            (expected, problem) => fail("kconfig", expected, problem));
        // sysctl(8) takes kernel.panic and kernel/panic alike.
        return Apply(cmdline, sysctl, known.Sysctl, name => name.Replace('/', '.'), design, "sysctl",
            (expected, problem) => fail("sysctl", expected, problem));
    }

    private static KernelCmdline Apply(KernelCmdline cmdline, string text, IReadOnlyDictionary<string, Parameter> parameters,
        Func<string, string> canonical, string design, string what, Func<string, string, Exception> fail, List<string>? notModelled = null)
    {
        notModelled ??= [];
        foreach (var arg in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            if (!parameters.TryGetValue(canonical(name), out var parameter))
            {
                if (FirstKernel.TryGetValue(canonical(name), out var first))
                    throw fail($"a {what} {design} knows: {string.Join(", ", parameters.Keys)}",
                        $"{design} does not know the {what} \"{name}\": it first appeared in Linux {first}");
                if (what == "kernel parameter" && UnmodelledParameters.Contains(canonical(name)))
                {
                    notModelled.Add(arg);
                    continue;
                }
                throw fail(parameters.Count == 0 ? $"no {what}: {design} knows none" : $"a {what} {design} knows: {string.Join(", ", parameters.Keys)}",
                    $"{design} does not know the {what} \"{name}\"{Suggestions.DidYouMean(name, what == "kernel parameter" ? [.. parameters.Keys, .. UnmodelledParameters] : parameters.Keys)}");
            }
            cmdline = parameter.Apply(cmdline, eq < 0 ? null : arg[(eq + 1)..])
                ?? throw fail(parameter.Expected, $"expected {parameter.Expected}, got \"{arg}\"");
        }
        return cmdline;
    }

    /// <summary>
    /// Real kernel parameters that a /proc/cmdline pasted into a scenario carries but the emulator does
    /// not model: accepted and listed in the result as "not modelled" (the boot loader's, the root
    /// file system's, the console's and log level's, and a few common driver switches).
    /// </summary>
    public static IReadOnlyList<string> UnmodelledParameters { get; } =
    [
        "BOOT_IMAGE", "root", "ro", "rw", "quiet", "splash", "console", "loglevel", "ignore_loglevel", "earlyprintk",
        "init", "initrd", "rootfstype", "rootwait", "resume", "noresume", "nomodeset", "net.ifnames", "biosdevname",
        "mitigations", "audit", "selinux", "apparmor", "security", "intel_iommu", "iommu", "nosmt", "nokaslr",
        "transparent_hugepage", "elevator", "systemd.unit", "systemd.show_status", "rd.lvm.lv", "rd.luks.uuid",
        "lsm", "efi", "acpi", "noapic", "nolapic", "irqpoll", "nr_cpus", "maxcpus", "reset_devices", "vga", "fsck.mode",
        "no_timer_check",
    ];

    private static int? Int(string? v) =>
        int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    // param_set_bool(): no value means true.
    private static bool? Bool(string? v) => v switch
    {
        null or "y" or "Y" or "1" => true,
        "n" or "N" or "0" => false,
        _ => null,
    };

    // kstrtoul(v, 0): decimal, or 0x hex.
    private static int? Mask(string? v)
    {
        if (v is null) return null;
        var hex = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return int.TryParse(hex ? v[2..] : v, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m >= 0
            ? m : null;
    }

    // memparse() sizes (decimal, octal or 0x hex, then K/M/G/T/P/E); 2.6.38 has no ",high"/",low" suffix.
    private const string Size = "(?:0x[0-9a-f]+|[0-9]+)[kmgtpe]?";

    [GeneratedRegex($@"^(?:{Size}|{Size}-(?:{Size})?:{Size}(?:,{Size}-(?:{Size})?:{Size})*)(?:@{Size})?\z", RegexOptions.IgnoreCase)]
    private static partial Regex CrashKernel2638();
}
