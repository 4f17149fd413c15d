namespace ActorCrash.Config;

/// <summary>
/// Every value a scenario sets, checked on its own, whether or not the chosen design, dumpers or
/// era read it: garbage in <c>machine.mtd</c> is an error even when no mtdoops is listed. The
/// readers then apply the checks between keys (mem_size within nvram.size, ...) to what they read.
/// Every leaf of <c>actorcrash.scenario</c> in akka.hocon has a rule here (a test keeps it so);
/// <c>cpus</c>, <c>triggers</c>, <c>machine.faults</c>, <c>panic-notifiers</c> and <c>properties</c> are always read whole.
/// </summary>
public static class KeyChecks
{
    private delegate void Rule(FieldReader r, Field f);

    private static Rule Text => (r, f) => r.Text(f);
    private static Rule Bool => (r, f) => r.Bool(f);
    private static Rule Duration(long min = 0) => (r, f) => r.Duration(f, min);
    private static Rule Size(long min, long max = Caps.MaxDeviceBytes, string why = "") => (r, f) => r.Size(f, min, max, why);
    private static Rule Int(int min, int max, string why = "") => (r, f) => r.Int(f, min, max, why);
    private static Rule NsPerByte => (r, f) => r.Long(f, 0, Caps.MaxNsPerByte);
    private static Rule Word(IReadOnlyCollection<string> words) => (r, f) => r.Word(f, words);
    private static Rule Range => (r, f) => r.DurationRange(f);
    private static Rule ListOf(string expected, Rule element) => (r, f) =>
    {
        foreach (var e in r.List(f, expected)) element(r, e);
    };
    private static Rule ReadWhole => (_, _) => { };

    private const int MtdBytes = 8 << 20;

    private static readonly Dictionary<string, Rule> Rules = new(StringComparer.Ordinal)
    {
        ["name"] = Text, ["description"] = Text, ["cmdline"] = Text, ["kconfig"] = Text, ["sysctl"] = Text,
        ["design"] = Word(KernelParameters.Designs),
        ["seed"] = (r, f) => r.ULong(f),
        ["machine.cpus"] = Int(1, 4096),
        ["machine.kdump.loaded"] = Bool, ["machine.kdump.boot-fails"] = Bool,
        ["machine.kdump.boot-time"] = Duration(), ["machine.kdump.capture-time"] = Duration(),
        ["machine.nvram.size"] = Size(1),
        ["machine.nvram.write-ns-per-byte"] = NsPerByte,
        ["machine.nvram.chunk"] = Int(1, (int)Caps.MaxDeviceBytes),
        ["machine.nvram.battery-backed"] = Bool,
        ["machine.dumpers"] = ListOf("a list of dumper types such as [ramoops]", Word(DumperTypes.Names)),
        ["machine.ramoops.era"] = Word(DumperTypes.RamoopsEras),
        ["machine.ramoops.mem_size"] = Size(4096),
        ["machine.ramoops.record_size"] = Size(4096),
        ["machine.ramoops.dump_oops"] = Bool,
        ["machine.ramoops.console_size"] = (r, f) => DumperEntries.ZoneSize(r, f),
        ["machine.ramoops.pmsg_size"] = (r, f) => DumperEntries.ZoneSize(r, f),
        ["machine.ramoops.max_reason"] = Int(-1, 5, " (-1: from dump_oops; 1 PANIC, 2 OOPS, 3 EMERG, 4 SHUTDOWN, 5 MAX)"),
        ["machine.ramoops.ecc"] = Int(0, 64, " (parity bytes per 128-byte block; 1 means 16)"),
        ["machine.ramoops.pmsg"] = ListOf("a list of strings such as [\"Testing pstore: uuid=...\"]", Text),
        ["machine.pstore.kmsg_bytes"] = Size(1),
        ["machine.mtdoops.era"] = Word(DumperTypes.MtdoopsEras),
        ["machine.mtdoops.record_size"] = Size(4096, MtdBytes),
        ["machine.mtdoops.dump_oops"] = Bool, ["machine.mtdoops.panic_write"] = Bool,
        ["machine.mtdoops.prior-records"] = Int(0, MtdBytes / 4096),
        ["machine.mtd.size"] = Size(1, MtdBytes, DumperEntries.MtdSizeWhy),
        ["machine.mtd.erasesize"] = Size(4096, MtdBytes),
        ["machine.mtd.write-ns-per-byte"] = NsPerByte,
        ["machine.mtd.erase-time"] = Duration(),
        ["machine.mtd.chunk"] = Int(1, MtdBytes),
        ["machine.mtd.bad-blocks"] = ListOf("a list of erase-block indexes such as [1]", Int(0, MtdBytes / 4096)),
        ["machine.efi.var-size"] = Size(64, 65536),
        ["machine.efi.store-size"] = Size(64),
        ["machine.efi.call-time"] = Duration(),
        ["machine.efi.write-ns-per-byte"] = NsPerByte,
        ["machine.nvram-console.size"] = Size(4096),
        ["machine.thirdparty.behaviour"] = Word(ThirdPartyBehaviours.Names),
        ["machine.thirdparty.lock"] = (r, f) =>
        {
            if (r.Text(f).Length > 0) r.Word(f, KernelLocks.Names);
        },
        ["machine.thirdparty.time"] = Duration(),
        ["machine.faults"] = ReadWhole,
        ["machine.actor-dumpers"] = ListOf("a list of actor type names such as [\"Vendor.NetDumper, Vendor\"]", Text),
        ["machine.watchdog.enabled"] = Bool,
        ["machine.watchdog.timeout"] = Duration(1),
        ["machine.watchdog.last-ping"] = (r, f) => r.Duration(f, -Caps.MaxDurationNs, 0),
        ["cpus"] = ReadWhole, ["triggers"] = ReadWhole, ["properties"] = ReadWhole, ["panic-notifiers"] = ReadWhole,
        ["design-options.vivek-2011.shutdown-mutex-loser"] = Word(["halt", "carry-on"]),
        ["design-options.eric-2011.irqs-off-dump"] = Bool,
        ["machine.console.nbcon"] = Bool,
        ["timing.ipi-latency"] = Range, ["timing.nmi-latency"] = Range, ["timing.device-latency"] = Range,
        ["timing.console-ns-per-char"] = Duration(), ["timing.step"] = Duration(1), ["timing.stop-this-cpu"] = Duration(),
        ["limits.virtual-time"] = (r, f) => r.Duration(f, 1, Caps.MaxDurationNs, Caps.Why),
        ["limits.steps"] = (r, f) => r.Long(f, 1, Caps.MaxSteps, Caps.Why),
    };

    /// <summary>The keys that have a rule, for the test that every default key has one.</summary>
    public static IReadOnlyCollection<string> Keys => Rules.Keys;

    /// <summary>Checks every value the file sets (not the defaults: those are known good).</summary>
    internal static void CheckAll(FieldReader r)
    {
        foreach (var entry in r.Entries)
            if (Rules.TryGetValue(entry.Path, out var rule))
                rule(r, r[entry.Path]);
    }
}
