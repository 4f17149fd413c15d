namespace ActorCrash.Config;

/// <summary>Reads each dumper type's section: <c>machine.ramoops</c> (+ <c>machine.pstore</c>), <c>machine.mtdoops</c> (+ <c>machine.mtd</c>), <c>machine.thirdparty</c>.</summary>
internal static class DumperEntries
{
    private const long MtdoopsMaxMtdSize = 8 * 1024 * 1024;  // MTDOOPS_MAX_MTD_SIZE
    private const long Ramoops2638RecordSize = 4096;          // drivers/char/ramoops.c RECORD_SIZE
    public const string MtdSizeWhy = " (mtdoops takes partitions of at most 8 MiB)";

    public static DumperSpec ReadRamoops(FieldReader r, NvramSpec nvram, string design)
    {
        var recordSize = r.Size(r["machine.ramoops.record_size"], min: 4096);
        var memSize = r.Size(r["machine.ramoops.mem_size"], recordSize, nvram.SizeBytes,
            " (from machine.ramoops.record_size to machine.nvram.size)");
        var dumpOops = r.Bool(r["machine.ramoops.dump_oops"]);
        var era = r.Word(r["machine.ramoops.era"], DumperTypes.RamoopsEras);
        if (era == "pstore" && !KernelParameters.Had(design, "pstore-era ramoops"))
            throw Anachronism(r, "machine.ramoops.era", "era = 2.6.38 or auto", "pstore-era ramoops (fs/pstore/ram.c)", "pstore-era ramoops", design);
        if (era == "2.6.38" || (era == "auto" && DumperTypes.Is2011Design(design)))
        {
            // drivers/char/ramoops.c: #define RECORD_SIZE 4096; record_size is no parameter of this driver.
            if (r.InFile("machine.ramoops.record_size") && recordSize != Ramoops2638RecordSize)
                throw r.Error("machine.ramoops.record_size", "4096 (2.6.38's ramoops has a fixed RECORD_SIZE of 4096 bytes)",
                    $"the 2.6.38 ramoops driver has a fixed RECORD_SIZE of 4096 bytes, got record_size = {recordSize}");
            RefusePstoreParameters(r, design);
            return new DumperSpec(DumperTypes.Ramoops, Ramoops2638RecordSize, memSize, dumpOops);
        }

        var consoleSize = ZoneSize(r, r["machine.ramoops.console_size"], nvram);
        var pmsgSize = ZoneSize(r, r["machine.ramoops.pmsg_size"], nvram);
        var hasPmsg = KernelParameters.Had(design, "pmsg");
        if (!hasPmsg)
        {
            // No pmsg zone before 4.1: the default pmsg_size does not apply; naming one is an anachronism.
            if (r.InFile("machine.ramoops.pmsg_size") && pmsgSize > 0)
                throw Anachronism(r, "machine.ramoops.pmsg_size", "pmsg_size = 0", "the pmsg zone (/dev/pmsg0)", "pmsg", design);
            if (r.InFile("machine.ramoops.pmsg") && r.List(r["machine.ramoops.pmsg"], "a list of strings").Count > 0)
                throw Anachronism(r, "machine.ramoops.pmsg", "pmsg = []", "/dev/pmsg0", "pmsg", design);
            pmsgSize = 0;
        }
        if (r.InFile("machine.ramoops.max_reason") && r.Int(r["machine.ramoops.max_reason"], -1, 5) != -1 && !KernelParameters.Had(design, "ramoops.max_reason"))
            throw Anachronism(r, "machine.ramoops.max_reason", "max_reason = -1 (unset: dump_oops decides)", "the ramoops.max_reason parameter", "ramoops.max_reason", design);
        if (memSize < recordSize + consoleSize + pmsgSize)
            throw r.Error("machine.ramoops.mem_size", "mem_size >= record_size + console_size + pmsg_size",
                $"ramoops.mem_size ({memSize}) must hold one record_size ({recordSize}) dmesg record plus console_size ({consoleSize}) and pmsg_size ({pmsgSize})");
        var ecc = r.Int(r["machine.ramoops.ecc"], 0, 64, " (parity bytes per 128-byte block; 1 means 16)");
        if (ecc == 1) ecc = 16;
        if (ecc % 2 != 0)
            throw r.Error("machine.ramoops.ecc", "0, 1 or an even number of parity bytes", $"expected 0, 1 or an even number of parity bytes up to 64, got {ecc}");
        var pmsg = r.List(r["machine.ramoops.pmsg"], "a list of strings such as [\"Testing pstore: uuid=...\"]").Select(r.Text).ToArray();
        if (pmsg.Length > 0 && pmsgSize == 0)
            throw r.Error("machine.ramoops.pmsg", "pmsg_size > 0", "there is no /dev/pmsg0 to write to: ramoops.pmsg_size is 0");
        return new DumperSpec(DumperTypes.Ramoops, recordSize, memSize, dumpOops, new PstoreRamParams(
            consoleSize, pmsgSize,
            r.Int(r["machine.ramoops.max_reason"], -1, 5, " (-1: from dump_oops; 1 PANIC, 2 OOPS, 3 EMERG, 4 SHUTDOWN, 5 MAX)"),
            ecc,
            r.Size(r["machine.pstore.kmsg_bytes"], 1),
            pmsg));
    }

    /// <summary>A pstore zone (console_size, pmsg_size): 0 for none, else room for its 12-byte header, up to 2 × 64 ECC parity bytes and some text.</summary>
    internal static long ZoneSize(FieldReader r, Field f, NvramSpec? nvram = null)
    {
        var size = r.Size(f, 0, nvram?.SizeBytes ?? Caps.MaxDeviceBytes, nvram is null ? "" : " (at most machine.nvram.size)");
        return size is 0 or >= MinZoneSize
            ? size
            : throw r.Error(f.Key, $"0 or a size of at least {MinZoneSize} bytes",
                $"expected 0 (no zone) or a size of at least {MinZoneSize} bytes (the zone holds a 12-byte header and, with ECC, its parity), got {size}");
    }

    private const long MinZoneSize = 256;

    public static DumperSpec ReadMtdoops(FieldReader r, string design)
    {
        var size = r.Size(r["machine.mtd.size"], 1, MtdoopsMaxMtdSize, MtdSizeWhy);
        var eraseSize = r.Size(r["machine.mtd.erasesize"], 4096, size);
        if (size % eraseSize != 0)
            throw r.Error("machine.mtd.size", "a multiple of machine.mtd.erasesize", $"machine.mtd.size ({size}) is not a whole number of {eraseSize}-byte erase blocks");
        if (size / eraseSize < 2)
            throw r.Error("machine.mtd.size", "at least 2 erase blocks", $"mtdoops needs a partition of at least 2 erase blocks, got {size / eraseSize}");
        var recordSize = r.Size(r["machine.mtdoops.record_size"], 4096, eraseSize, " (at most machine.mtd.erasesize)");
        if (recordSize % 4096 != 0)
            throw r.Error("machine.mtdoops.record_size", "a multiple of 4096", $"mtdoops.record_size must be a multiple of 4096, got {recordSize}");
        var era = r.Word(r["machine.mtdoops.era"], DumperTypes.MtdoopsEras);
        var hasV2 = KernelParameters.Had(design, MtdoopsV2);
        if (era == "current" && !hasV2)
            throw Anachronism(r, "machine.mtdoops.era", "era = 2.6.38 or auto",
                "today's mtdoops (the v2 header with its time stamp, magic 0x5d005e00, and oops_buf_busy)", MtdoopsV2, design);
        var badBlocks = ReadBadBlocks(r, (int)(size / eraseSize));
        var pages = (int)((size - badBlocks.Count * eraseSize) / recordSize);
        return new DumperSpec(DumperTypes.Mtdoops, recordSize, size, r.Bool(r["machine.mtdoops.dump_oops"]), new MtdoopsParams(
            Current: era == "current" || (era == "auto" && hasV2),
            PanicWrite: r.Bool(r["machine.mtdoops.panic_write"]),
            EraseSize: eraseSize,
            WriteNsPerByte: r.Long(r["machine.mtd.write-ns-per-byte"], 0, Caps.MaxNsPerByte),
            EraseNs: r.Duration(r["machine.mtd.erase-time"]),
            PriorRecords: r.Int(r["machine.mtdoops.prior-records"], 0, pages, $" (the partition holds {pages} records in its good blocks)"),
            Chunk: r.Int(r["machine.mtd.chunk"], 1, (int)MtdoopsMaxMtdSize),
            BadBlocks: badBlocks));
    }

    /// <summary>machine.mtd.bad-blocks: erase-block indexes, each once, leaving the 2 good blocks mtdoops needs.</summary>
    private static IReadOnlyList<int> ReadBadBlocks(FieldReader r, int blocks)
    {
        var field = r["machine.mtd.bad-blocks"];
        var bad = new List<int>();
        foreach (var element in r.List(field, "a list of erase-block indexes such as [1]"))
        {
            var block = r.Int(element, 0, blocks - 1, $" (machine.mtd.size holds {blocks} erase blocks)");
            if (bad.Contains(block))
                throw r.Error(element.Key, "each block at most once", $"block {block} is listed twice");
            bad.Add(block);
        }
        if (blocks - bad.Count < 2)
            throw r.Error(field.Key, "at least 2 good erase blocks",
                $"mtdoops needs at least 2 good erase blocks; {bad.Count} of the partition's {blocks} are bad");
        return bad;
    }

    public static DumperSpec ReadEfiPstore(FieldReader r, Field entry, IReadOnlyList<DumperSpec> before, string design)
    {
        if (!KernelParameters.Had(design, "efi-pstore"))
            throw Anachronism(r, entry.Key, "a dumper other than efi-pstore", "efi-pstore", "efi-pstore", design);
        // pstore takes one backend: a second pstore_register() is refused.
        if (before.Any(d => d.Params is PstoreRamParams))
            throw r.Error(entry.Key, "one pstore backend", "ramoops (era pstore) is already the pstore backend: the kernel would ignore efi-pstore");
        var varSize = r.Size(r["machine.efi.var-size"], 64, 65536);
        return new DumperSpec(DumperTypes.EfiPstore, varSize, r.Size(r["machine.efi.store-size"], varSize), true, new EfiPstoreParams(
            r.Size(r["machine.efi.store-size"], varSize),
            r.Duration(r["machine.efi.call-time"]),
            r.Long(r["machine.efi.write-ns-per-byte"], 0, Caps.MaxNsPerByte),
            r.Size(r["machine.pstore.kmsg_bytes"], 1)));
    }

    private const string MtdoopsV2 = "mtdoops v2 (era = current)";

    /// <summary>The pstore-era parameters of ramoops (and pstore's own), with what each is and the feature it came with.</summary>
    private static readonly (string Key, string What, string Feature)[] PstoreParameters =
    [
        ("machine.ramoops.console_size", "the pstore console zone (ramoops.console_size)", "CONFIG_PSTORE_CONSOLE"),
        ("machine.ramoops.pmsg_size", "the pmsg zone (/dev/pmsg0)", "pmsg"),
        ("machine.ramoops.pmsg", "/dev/pmsg0", "pmsg"),
        ("machine.ramoops.max_reason", "the ramoops.max_reason parameter", "ramoops.max_reason"),
        ("machine.ramoops.ecc", "ramoops' ECC (ramoops.ecc)", "pstore-era ramoops"),
        ("machine.pstore.kmsg_bytes", "pstore (pstore.kmsg_bytes)", "pstore"),
    ];

    /// <summary>
    /// The 2.6.38 driver has none of the pstore-era parameters: one set in the file to anything but
    /// "none" is an anachronism under a 2011 design, and a parameter of another driver under a later
    /// design's ramoops.era = 2.6.38.
    /// </summary>
    private static void RefusePstoreParameters(FieldReader r, string design)
    {
        foreach (var (key, what, feature) in PstoreParameters)
        {
            if (!r.InFile(key)) continue;
            var f = r[key];
            var none = key switch
            {
                "machine.ramoops.console_size" or "machine.ramoops.pmsg_size" => r.Size(f, 0) == 0,
                "machine.ramoops.pmsg" => r.List(f, "a list of strings").Count == 0,
                "machine.ramoops.max_reason" => r.Long(f, -1, 5) == -1,
                "machine.ramoops.ecc" => r.Long(f, 0, 64) == 0,
                _ => KernelParameters.Had(design, feature),   // pstore.kmsg_bytes is pstore's, which efi-pstore uses too
            };
            if (none) continue;
            if (!KernelParameters.Had(design, feature))
                throw Anachronism(r, key, $"{key[(key.LastIndexOf('.') + 1)..]} unset", what, feature, design);
            throw r.NotApplicable(f, "ramoops.era = pstore", "the 2.6.38 driver (ramoops.era = 2.6.38), which has no such parameter");
        }
    }

    /// <summary>
    /// A dumper, driver era or zone that <paramref name="design"/>'s kernel did not have yet: an error
    /// naming the first kernel that had it (<see cref="KernelParameters.FirstKernel"/>), not a what-if.
    /// </summary>
    private static ScenarioException Anachronism(FieldReader r, string key, string expected, string what, string feature, string design) =>
        r.Error(key, $"{expected} under {design}",
            $"expected {expected} under {design}: {what} first appeared in Linux {KernelParameters.FirstKernel[feature]}; "
            + $"{design} (Linux {KernelParameters.Kernel(design)}) does not have it");

    public static DumperSpec ReadNvramConsole(FieldReader r, NvramSpec nvram)
    {
        // Its ring follows ramoops' region whether or not ramoops is listed, so the two never overlap.
        var offset = r.Size(r["machine.ramoops.mem_size"], 0);
        var size = r.Size(r["machine.nvram-console.size"], 4096, Math.Max(4096, nvram.SizeBytes - offset),
            $" (machine.nvram.size {nvram.SizeBytes} minus ramoops.mem_size {offset})");
        if (offset + size > nvram.SizeBytes)
            throw r.Error("machine.nvram-console.size", "room after ramoops.mem_size",
                $"machine.nvram.size ({nvram.SizeBytes}) has no room for the {size}-byte NVRAM console after ramoops.mem_size ({offset})");
        return new DumperSpec(DumperTypes.NvramConsole, 0, size, false, new NvramConsoleParams(offset, size));
    }

    public static DumperSpec ReadThirdParty(FieldReader r)
    {
        var behaviour = r.Word(r["machine.thirdparty.behaviour"], ThirdPartyBehaviours.Names);
        var lockField = r["machine.thirdparty.lock"];
        var lockName = r.Text(lockField);
        string? l = null;
        if (behaviour == "take-lock")
            l = r.Word(lockField, KernelLocks.Names);
        else if (lockName.Length > 0)
            throw r.NotApplicable(lockField, "behaviour = take-lock", $"behaviour = {behaviour}");
        return new DumperSpec(DumperTypes.ThirdParty, 0, 0, true, new ThirdPartyParams(behaviour, l, r.Duration(r["machine.thirdparty.time"])));
    }

    public static IReadOnlyList<FaultSpec> ReadFaults(FieldReader r, NvramSpec nvram)
    {
        var faults = new List<FaultSpec>();
        foreach (var entry in r.List(r["machine.faults"], "a list of faults such as [{ at = 1s, fault = bit-flip, offset = 20, bytes = 3 }]"))
        {
            var at = r.Duration(r.Child(entry, "at"));
            var kindField = r.Child(entry, "fault");
            var kind = r.Word(kindField, FaultKinds.Names);
            var device = ReadFaultDevice(r, r.Child(entry, "device"), kindField, kind);
            var offsetField = r.Child(entry, "offset");
            var bytesField = r.Child(entry, "bytes");
            var (size, chunk, where) = device == FaultKinds.Mtd
                ? (r.Size(r["machine.mtd.size"], 1), r.Int(r["machine.mtd.chunk"], 1, (int)MtdoopsMaxMtdSize), "machine.mtd")
                : (nvram.SizeBytes, nvram.ChunkBytes, "machine.nvram");
            if (kind is FaultKinds.SlowWrite or FaultKinds.PartialWrite)
            {
                if (offsetField.IsSet) throw r.NotApplicable(offsetField, "bit-flip", kind);
                faults.Add(new FaultSpec(at, kind, 0, kind == FaultKinds.SlowWrite
                    ? r.Int(bytesField, 2, 1_000_000, " (the slowdown factor)")
                    : r.Int(bytesField, 1, chunk - 1, $" (bytes of the next store that land; less than {where}.chunk)"), device));
                continue;
            }
            if (kind != FaultKinds.BitFlip)
            {
                if (offsetField.IsSet) throw r.NotApplicable(offsetField, "bit-flip", kind);
                if (bytesField.IsSet) throw r.NotApplicable(bytesField, "bit-flip, slow-write and partial-write", kind);
                faults.Add(new FaultSpec(at, kind, 0, 0, device));
                continue;
            }
            var offset = r.Int(offsetField, 0, (int)size - 1, $" ({where}.size = {size})");
            var bytes = bytesField.IsSet ? r.Int(bytesField, 1, (int)size - offset, $" (within {where}.size)") : 1;
            faults.Add(new FaultSpec(at, kind, offset, bytes, device));
        }
        return [.. faults.OrderBy(f => f.AtNs)];
    }

    /// <summary>A fault's <c>device</c> (nvram when unset): one that exists, and takes this fault.</summary>
    private static string ReadFaultDevice(FieldReader r, Field deviceField, Field kindField, string kind)
    {
        if (!deviceField.IsSet) return FaultKinds.Nvram;
        if (kind == FaultKinds.PowerLoss)
            throw r.NotApplicable(deviceField, "device faults (power-loss is the whole machine's)", kind);
        var device = r.Word(deviceField, FaultKinds.Devices);
        var allowed = FaultKinds.On(device);
        if (!allowed.Contains(kind))
            throw r.Error(kindField.Key, $"one of {string.Join(", ", allowed)} on device = {device}",
                $"device = {device} does not take fault = {kind}; expected one of {string.Join(", ", allowed)}");
        var dumper = FaultKinds.DumperOf(device);
        var listed = r.List(r["machine.dumpers"], "a list of dumper types such as [ramoops]").Select(r.Text);
        if (dumper is not null && !listed.Contains(dumper))
            throw r.Error(deviceField.Key, $"machine.dumpers listing {dumper}",
                $"there is no {device} device to damage: machine.dumpers does not list {dumper}");
        return device;
    }
}
