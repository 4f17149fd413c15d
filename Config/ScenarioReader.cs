namespace ActorCrash.Config;

/// <summary>Builds the <see cref="ScenarioSpec"/> from the scenario's values over the defaults.</summary>
internal static class ScenarioReader
{
    private const int MaxCpus = 4096;

    public static ScenarioSpec Read(FieldReader r, string source)
    {
        KeyChecks.CheckAll(r);
        var name = r.Text(r["name"]);
        var description = r.Text(r["description"]);
        var design = r.Word(r["design"], KernelParameters.Designs);
        var seed = r.ULong(r["seed"]);
        var machine = ReadMachine(r, design);
        var cmdline = ReadCmdline(r, design, machine);
        var cpus = CpuEntries.Read(r, machine.CpuCount);
        CheckZoneLocks(r, cpus, machine);
        return new ScenarioSpec(
            name, description, source, design, seed, machine, cmdline,
            cpus,
            TriggerEntries.Read(r, machine.CpuCount),
            ReadTiming(r),
            ReadLimits(r),
            ReadProperties(r),
            new DesignOptions(
                r.Word(r["design-options.vivek-2011.shutdown-mutex-loser"], ["halt", "carry-on"]) == "halt",
                r.Bool(r["design-options.eric-2011.irqs-off-dump"])),
            NotifierEntries.Read(r));
    }

    /// <summary>A ramoops zone's buffer_lock exists only if the pstore-era ramoops has that zone.</summary>
    private static void CheckZoneLocks(FieldReader r, IReadOnlyList<CpuSpec> cpus, MachineSpec machine)
    {
        var ramoops = machine.Dumpers.FirstOrDefault(d => d.Params is PstoreRamParams)?.Params as PstoreRamParams;
        foreach (var cpu in cpus)
            for (var i = 0; i < cpu.Holding.Count; i++)
            {
                var zone = cpu.Holding[i] switch
                {
                    KernelLocks.DmesgZoneLock => ramoops is not null,
                    KernelLocks.ConsoleZoneLock => ramoops is { ConsoleSize: > 0 },
                    KernelLocks.PmsgZoneLock => ramoops is { PmsgSize: > 0 },
                    _ => true,
                };
                if (!zone)
                    throw r.Error($"cpus[{cpus.ToList().IndexOf(cpu)}].holding[{i}]", "a zone of the pstore-era ramoops (machine.ramoops.era = pstore)",
                        $"{cpu.Holding[i]} needs that ramoops zone: register ramoops in the pstore era with a non-zero size for it");
            }
    }

    private static MachineSpec ReadMachine(FieldReader r, string design)
    {
        var cpuCount = r.Int(r["machine.cpus"], 1, MaxCpus);
        var kdump = new KdumpSpec(
            r.Bool(r["machine.kdump.loaded"]),
            r.Duration(r["machine.kdump.boot-time"]),
            r.Duration(r["machine.kdump.capture-time"]),
            r.Bool(r["machine.kdump.boot-fails"]));
        var nvram = new NvramSpec(
            r.Size(r["machine.nvram.size"], min: 1),
            r.Long(r["machine.nvram.write-ns-per-byte"], 0, Caps.MaxNsPerByte),
            r.Int(r["machine.nvram.chunk"], 1, (int)Caps.MaxDeviceBytes),
            r.Bool(r["machine.nvram.battery-backed"]));
        var watchdog = new WatchdogSpec(
            r.Bool(r["machine.watchdog.enabled"]),
            r.Duration(r["machine.watchdog.timeout"], min: 1),
            r.Duration(r["machine.watchdog.last-ping"], min: -Caps.MaxDurationNs, max: 0));
        var nbcon = r.Bool(r["machine.console.nbcon"]);
        if (nbcon && design != "linux-6.x")
            throw r.Error("machine.console.nbcon", "false under " + design,
                $"nbcon consoles came with Linux 6.12 (printk_legacy_allow_panic_sync); {design} has only legacy consoles");
        return new MachineSpec(cpuCount, kdump, nvram, ReadDumpers(r, nvram, design), watchdog,
            DumperEntries.ReadFaults(r, nvram), nbcon) { ActorDumpers = ReadActorDumpers(r) };
    }

    /// <summary>machine.actor-dumpers: each an assembly-qualified name of a loadable, concrete Akka actor type, at most once.</summary>
    private static IReadOnlyList<string> ReadActorDumpers(FieldReader r)
    {
        const string expected = "an Akka actor type, assembly-qualified: \"Namespace.Type, Assembly\"";
        var types = new List<string>();
        foreach (var f in r.List(r["machine.actor-dumpers"], "a list of actor type names such as [\"Vendor.NetDumper, Vendor\"]"))
        {
            var name = r.Text(f);
            Type? type;
            try
            {
                type = Type.GetType(name, throwOnError: false);
            }
            catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException or TypeLoadException)
            {
                throw r.Error(f.Key, expected, $"cannot load \"{name}\": {e.Message}");
            }
            if (type is null)
                throw r.Error(f.Key, expected, name.Contains(',', StringComparison.Ordinal)
                    ? $"no type \"{name}\" (is its assembly beside actorcrash, and the namespace right?)"
                    : $"no type \"{name}\": name its assembly too, e.g. \"{name}, MyAssembly\"");
            if (!typeof(Akka.Actor.ActorBase).IsAssignableFrom(type) || type.IsAbstract)
                throw r.Error(f.Key, expected, $"{type.FullName} is not a concrete Akka actor (derive it from ReceiveActor or UntypedActor)");
            if (!type.GetConstructors().Any(c => c.GetParameters() is [{ ParameterType.FullName: "ActorCrash.Actors.Kernel.Dumpers.DumperPort" }]))
                throw r.Error(f.Key, expected, $"{type.FullName} has no public constructor taking a DumperPort (its one parameter: ActorCrash.Actors.Kernel.Dumpers.DumperPort)");
            if (types.Contains(name))
                throw r.Error(f.Key, "each actor dumper at most once", $"{name} is listed twice");
            types.Add(name);
        }
        return types;
    }

    private static IReadOnlyList<DumperSpec> ReadDumpers(FieldReader r, NvramSpec nvram, string design)
    {
        var dumpers = new List<DumperSpec>();
        foreach (var f in r.List(r["machine.dumpers"], "a list of dumper types such as [ramoops]"))
        {
            var type = r.Word(f, DumperTypes.Names);
            if (dumpers.Any(d => d.Type == type))
                throw r.Error(f.Key, "each dumper type at most once", $"{type} is listed twice (the kernel registers a dumper once)");
            dumpers.Add(type switch
            {
                DumperTypes.Ramoops => DumperEntries.ReadRamoops(r, nvram, design),
                DumperTypes.Mtdoops => DumperEntries.ReadMtdoops(r, design),
                DumperTypes.EfiPstore => DumperEntries.ReadEfiPstore(r, f, dumpers, design),
                DumperTypes.NvramConsole => DumperEntries.ReadNvramConsole(r, nvram),
                _ => DumperEntries.ReadThirdParty(r),
            });
        }
        return dumpers;
    }

    private static KernelCmdline ReadCmdline(FieldReader r, string design, MachineSpec machine)
    {
        var field = r["cmdline"];
        var cmdline = KernelParameters.Parse(design, r.Text(field), r.Text(r["kconfig"]), r.Text(r["sysctl"]),
            (key, expected, problem) => r.Error(key, expected, problem));
        // kexec -p fails unless the kernel reserved memory for the crash kernel at boot.
        if (machine.Kdump.Loaded && cmdline.CrashKernel is null)
            throw r.Error("machine.kdump.loaded", "crashkernel= on the cmdline",
                "a crash kernel cannot be loaded without crashkernel= on the cmdline (add e.g. crashkernel=128M, or set machine.kdump.loaded = false)",
                lineKey: "cmdline");
        return cmdline;
    }

    private static IReadOnlyList<string> ReadProperties(FieldReader r)
    {
        var properties = new List<string>();
        foreach (var f in r.List(r["properties"], "a list of properties such as [no-hang, log-saved]"))
        {
            var name = f.Value is { } v && v.IsObject() ? ReadCustomProperty(r, f, v) : r.Word(f, PropertyNames.All);
            if (properties.Contains(name))
                throw r.Error(f.Key, "each property at most once", $"{name} is listed twice");
            properties.Add(name);
        }
        return properties;
    }

    /// <summary>{ before = ["kmsg_dump(KMSG_DUMP_PANIC)", "smp_send_stop"] } or { eventually = "machine reset" }.</summary>
    private static string ReadCustomProperty(FieldReader r, Field f, Akka.Configuration.Hocon.HoconValue v)
    {
        const string expected = "{ before = [A, B] } or { eventually = A } (milestone prefixes)";
        var keys = v.GetObject().Items.Keys.ToList();
        if (keys.Count != 1 || keys[0] is not ("before" or "eventually"))
            throw r.Error(f.Key, expected, $"expected {expected}, got an object with {string.Join(", ", keys)}");
        var field = r.Child(f, keys[0]);
        if (keys[0] == "eventually") return PropertyNames.Eventually(r.Text(field));
        var pair = r.List(field, "two milestone prefixes [A, B]");
        if (pair.Count != 2) throw r.Error(field.Key, "two milestone prefixes [A, B]", $"expected two milestone prefixes, got {pair.Count}");
        return PropertyNames.Before(r.Text(pair[0]), r.Text(pair[1]));
    }

    private static LimitsSpec ReadLimits(FieldReader r) => new(
        r.Duration(r["limits.virtual-time"], 1, Caps.MaxDurationNs, Caps.Why),
        r.Long(r["limits.steps"], 1, Caps.MaxSteps, Caps.Why));

    private static TimingSpec ReadTiming(FieldReader r)
    {
        var ipi = r.DurationRange(r["timing.ipi-latency"]);
        var nmi = r.DurationRange(r["timing.nmi-latency"]);
        var device = r.DurationRange(r["timing.device-latency"]);
        return new TimingSpec(
            ipi.Min, ipi.Max, nmi.Min, nmi.Max, device.Min, device.Max,
            r.Duration(r["timing.console-ns-per-char"]),
            r.Duration(r["timing.step"], min: 1),
            r.Duration(r["timing.stop-this-cpu"]));
    }
}
