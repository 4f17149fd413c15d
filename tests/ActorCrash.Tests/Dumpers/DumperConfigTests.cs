using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>The dumper parameters in a scenario: defaults, eras, and the loader's errors (file, line, key).</summary>
public class DumperConfigTests
{
    private const string Source = "scenarios/x.hocon";
    private const string Panic = "triggers = [{ at = 0ms, cpu = 0, event = panic }]\n";

    private static ScenarioSpec Load(string hocon) => ScenarioLoader.LoadText(Panic + hocon, Source);

    private static void Fails(string hocon, int line, string key, string messagePart)
    {
        var e = Assert.Throws<ScenarioException>(() => Load(hocon));
        Assert.Equal((Source, line, key), (e.Source, e.Line, e.Key));
        Assert.Contains(messagePart, e.Message);
    }

    [Fact]
    public void Era_auto_follows_the_design_and_pstore_reads_the_pstore_parameters()
    {
        Assert.Null(Load("").Machine.Dumpers[0].Params);   // linux-2.6.38 → the 2.6.38 driver

        Assert.IsType<PstoreRamParams>(Load("design = \"linux-6.x\"").Machine.Dumpers[0].Params);   // later designs → pstore
        Assert.Null(Load("design = \"eric-2011\"").Machine.Dumpers[0].Params);

        var spec = Load("design = \"linux-6.x\"\nmachine.ramoops { era = pstore, console_size = 8K, pmsg_size = 2K, max_reason = 2, ecc = 1 }\nmachine.pstore.kmsg_bytes = 4K\nmachine.ramoops.pmsg = [\"hello\"]");
        var p = Assert.IsType<PstoreRamParams>(spec.Machine.Dumpers[0].Params);
        Assert.Equal((8192L, 2048L, 2, 16, 4096L), (p.ConsoleSize, p.PmsgSize, p.MaxReason, p.Ecc, p.KmsgBytes));
        Assert.Equal(["hello"], p.Pmsg);
    }

    [Fact]
    public void Mtdoops_and_thirdparty_read_their_sections()
    {
        var spec = Load("design = \"linux-6.x\"\nmachine { dumpers = [mtdoops, thirdparty]\n mtdoops { era = current, panic_write = off, prior-records = 3 }\n thirdparty { behaviour = take-lock, lock = logbuf_lock, time = 5ms } }");

        var mtd = spec.Machine.Dumpers[0];
        Assert.Equal(("mtdoops", 4096L, 131072L), (mtd.Type, mtd.RecordSize, mtd.MemSize));
        var m = Assert.IsType<MtdoopsParams>(mtd.Params);
        Assert.Equal((true, false, 3, 65536L), (m.Current, m.PanicWrite, m.PriorRecords, m.EraseSize));
        Assert.Equal(new ThirdPartyParams("take-lock", "logbuf_lock", 5_000_000), spec.Machine.Dumpers[1].Params);
    }

    // Each row: the scenario's lines after the trigger (line 1), then the line, key and part of the message the loader must give.
    [Theory]
    [InlineData("machine.ramoops.era = pstor", 2, "machine.ramoops.era", "did you mean")]
    [InlineData("design = \"linux-6.x\"\nmachine.ramoops { era = pstore\n max_reason = 7 }", 4, "machine.ramoops.max_reason", "from -1 to 5")]
    [InlineData("design = \"linux-6.x\"\nmachine.ramoops { era = pstore\n ecc = 3 }", 4, "machine.ramoops.ecc", "even number")]
    [InlineData("design = \"linux-6.x\"\nmachine.ramoops { era = pstore\n mem_size = 8K\n console_size = 8K }", 4, "machine.ramoops.mem_size", "must hold one record_size")]
    [InlineData("design = \"linux-6.x\"\nmachine.ramoops { era = pstore\n pmsg_size = 0\n pmsg = [\"x\"] }", 5, "machine.ramoops.pmsg", "no /dev/pmsg0")]
    [InlineData("machine { dumpers = [mtdoops]\n mtdoops.record_size = 6000 }", 3, "machine.mtdoops.record_size", "multiple of 4096")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd { size = 64K, erasesize = 64K } }", 3, "machine.mtd.size", "at least 2 erase blocks")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd.size = 16M }", 3, "machine.mtd.size", "at most 8 MiB")]
    [InlineData("machine { dumpers = [mtdoops]\n mtdoops.record_size = 128K }", 3, "machine.mtdoops.record_size", "at most machine.mtd.erasesize")]
    [InlineData("machine { dumpers = [mtdoops]\n mtdoops.prior-records = 33 }", 3, "machine.mtdoops.prior-records", "holds 32 records")]
    [InlineData("machine { dumpers = [thirdparty]\n thirdparty.behaviour = explode }", 3, "machine.thirdparty.behaviour", "one of hang")]
    [InlineData("machine { dumpers = [thirdparty]\n thirdparty { behaviour = hang, lock = logbuf_lock } }", 3, "machine.thirdparty.lock", "applies only to behaviour = take-lock")]
    [InlineData("machine { dumpers = [thirdparty]\n thirdparty { behaviour = take-lock, lock = no_such_lock } }", 3, "machine.thirdparty.lock", "one of")]
    [InlineData("machine.faults = [{ at = 1s, fault = bit-flip, offset = 70000 }]", 2, "machine.faults[0].offset", "machine.nvram.size")]
    [InlineData("machine.faults = [{ at = 1s, fault = write-error, bytes = 2 }]", 2, "machine.faults[0].bytes", "applies only to bit-flip, slow-write and partial-write")]
    [InlineData("machine.faults = [{ at = 1s, fault = melt }]", 2, "machine.faults[0].fault", "one of bit-flip, write-error, slow-write")]
    [InlineData("design = \"linux-4.10\"\nmachine { dumpers = [ramoops, efi-pstore]\n ramoops.era = pstore }", 3, "machine.dumpers[1]", "already the pstore backend")]
    [InlineData("design = \"linux-4.10\"\nmachine { dumpers = [efi-pstore]\n faults = [{ at = 1s, device = efi, fault = bit-flip, offset = 1 }] }", 4, "machine.faults[0].fault", "device = efi does not take fault = bit-flip; expected one of write-error, slow-write, full")]
    [InlineData("design = \"linux-4.10\"\nmachine { dumpers = [efi-pstore]\n faults = [{ at = 1s, device = efi, fault = partial-write, bytes = 1 }] }", 4, "machine.faults[0].fault", "expected one of write-error, slow-write, full")]
    [InlineData("machine { dumpers = [efi-pstore] }", 2, "machine.dumpers[0]", "expected a dumper other than efi-pstore under linux-2.6.38: efi-pstore first appeared in Linux 3.3; linux-2.6.38 (Linux 2.6.38) does not have it")]
    [InlineData("machine.faults = [{ at = 1s, device = mtd, fault = write-error }]", 2, "machine.faults[0].device", "machine.dumpers does not list mtdoops")]
    [InlineData("machine.faults = [{ at = 1s, device = disk, fault = write-error }]", 2, "machine.faults[0].device", "one of nvram, mtd, efi")]
    [InlineData("machine.faults = [{ at = 1s, device = nvram, fault = power-loss }]", 2, "machine.faults[0].device", "device applies only to device faults")]
    [InlineData("machine { dumpers = [mtdoops]\n faults = [{ at = 1s, device = mtd, fault = bit-flip, offset = 200000 }] }", 3, "machine.faults[0].offset", "machine.mtd.size = 131072")]
    [InlineData("machine { dumpers = [mtdoops]\n faults = [{ at = 1s, device = mtd, fault = partial-write, bytes = 512 }] }", 3, "machine.faults[0].bytes", "less than machine.mtd.chunk")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd.bad-blocks = [2] }", 3, "machine.mtd.bad-blocks[0]", "holds 2 erase blocks")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd.bad-blocks = [0] }", 3, "machine.mtd.bad-blocks", "at least 2 good erase blocks; 1 of the partition's 2 are bad")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd { size = 192K, bad-blocks = [1, 1] } }", 3, "machine.mtd.bad-blocks[1]", "listed twice")]
    [InlineData("machine { dumpers = [mtdoops]\n mtd { size = 192K, bad-blocks = [1] }\n mtdoops.prior-records = 33 }", 4, "machine.mtdoops.prior-records", "holds 32 records in its good blocks")]
    public void Bad_dumper_values_name_their_key_and_line(string hocon, int line, string key, string messagePart) =>
        Fails(hocon, line, key, messagePart);

    // An era-inappropriate dumper, driver or zone names the first kernel that had it (issue 11 B7); each row's design lacks it.
    [Theory]
    [InlineData("machine.ramoops.era = pstore", 2, "machine.ramoops.era",
        "expected era = 2.6.38 or auto under linux-2.6.38: pstore-era ramoops (fs/pstore/ram.c) first appeared in Linux 3.5; linux-2.6.38 (Linux 2.6.38) does not have it")]
    [InlineData("design = vivek-2011\nmachine.ramoops { era = pstore }", 3, "machine.ramoops.era", "first appeared in Linux 3.5; vivek-2011 (Linux 2.6.38)")]
    [InlineData("design = eric-2011\nmachine.ramoops.era = pstore", 3, "machine.ramoops.era", "first appeared in Linux 3.5; eric-2011 (Linux 2.6.38)")]
    [InlineData("design = eric-2011\nmachine.dumpers = [efi-pstore]", 3, "machine.dumpers[0]", "efi-pstore first appeared in Linux 3.3; eric-2011 (Linux 2.6.38)")]
    [InlineData("design = linux-3.12\nmachine.ramoops.pmsg_size = 4K", 3, "machine.ramoops.pmsg_size",
        "expected pmsg_size = 0 under linux-3.12: the pmsg zone (/dev/pmsg0) first appeared in Linux 4.1; linux-3.12 (Linux 3.12) does not have it")]
    [InlineData("design = linux-3.12\nmachine.ramoops.pmsg = [\"uuid\"]", 3, "machine.ramoops.pmsg", "/dev/pmsg0 first appeared in Linux 4.1; linux-3.12 (Linux 3.12)")]
    [InlineData("design = linux-4.10\nmachine.ramoops.max_reason = 3", 3, "machine.ramoops.max_reason",
        "expected max_reason = -1 (unset: dump_oops decides) under linux-4.10: the ramoops.max_reason parameter first appeared in Linux 5.8")]
    [InlineData("machine.ramoops.pmsg = [\"uuid\"]", 2, "machine.ramoops.pmsg", "/dev/pmsg0 first appeared in Linux 4.1; linux-2.6.38 (Linux 2.6.38)")]
    [InlineData("machine.ramoops.pmsg_size = 4K", 2, "machine.ramoops.pmsg_size", "first appeared in Linux 4.1; linux-2.6.38")]
    [InlineData("machine.ramoops.console_size = 4K", 2, "machine.ramoops.console_size",
        "expected console_size unset under linux-2.6.38: the pstore console zone (ramoops.console_size) first appeared in Linux 3.6")]
    [InlineData("machine.ramoops.max_reason = 2", 2, "machine.ramoops.max_reason", "first appeared in Linux 5.8; linux-2.6.38")]
    [InlineData("machine.ramoops.ecc = 16", 2, "machine.ramoops.ecc", "ramoops' ECC (ramoops.ecc) first appeared in Linux 3.5")]
    [InlineData("design = vivek-2011\nmachine.pstore.kmsg_bytes = 4K", 3, "machine.pstore.kmsg_bytes", "pstore (pstore.kmsg_bytes) first appeared in Linux 2.6.39")]
    [InlineData("design = linux-6.x\nmachine.ramoops { era = \"2.6.38\", console_size = 4K }", 3, "machine.ramoops.console_size",
        "console_size applies only to ramoops.era = pstore, not to the 2.6.38 driver")]
    [InlineData("machine { dumpers = [mtdoops]\n mtdoops.era = current }", 3, "machine.mtdoops.era",
        "expected era = 2.6.38 or auto under linux-2.6.38: today's mtdoops (the v2 header with its time stamp, magic 0x5d005e00, and oops_buf_busy) first appeared in Linux 6.2")]
    [InlineData("design = linux-4.10\nmachine { dumpers = [mtdoops]\n mtdoops.era = current }", 4, "machine.mtdoops.era", "first appeared in Linux 6.2; linux-4.10 (Linux 4.10)")]
    public void A_dumper_or_zone_the_designs_kernel_did_not_have_names_the_first_kernel_that_had_it(string hocon, int line, string key, string messagePart) =>
        Fails(hocon, line, key, messagePart);

    [Fact]
    public void The_2_6_38_driver_takes_the_pstore_parameters_set_to_none()
    {
        var spec = Load("machine.ramoops { console_size = 0, pmsg_size = 0, pmsg = [], max_reason = -1, ecc = 0 }");
        Assert.Null(spec.Machine.Dumpers[0].Params);
        Assert.Null(Load("design = linux-6.x\nmachine { dumpers = [ramoops, efi-pstore], ramoops.era = \"2.6.38\", pstore.kmsg_bytes = 4K }").Machine.Dumpers[0].Params);
    }

    [Fact]
    public void The_loaders_kernel_of_each_design_is_the_designs_era()
    {
        foreach (var d in ActorCrash.Actors.Designs.Designs.All)
        {
            Assert.Equal(d.Era.ToString(), KernelParameters.Kernel(d.Name));
            Assert.Equal(d.Era.HasPstore, KernelParameters.Had(d.Name, "pstore-era ramoops"));
            Assert.Equal(d.Era.MtdoopsPanicErase, KernelParameters.Had(d.Name, "mtdoops v2 (era = current)"));   // the same series (≈6.2)
        }
    }

    [Theory]
    [InlineData("linux-3.12", 0L, false)]   // no pmsg zone before 4.1; the v1 mtdoops before 6.2
    [InlineData("linux-4.5", 4096L, false)]
    [InlineData("linux-4.10", 4096L, false)]
    [InlineData("linux-6.x", 4096L, true)]
    public void Era_auto_gives_each_design_the_zones_and_driver_its_kernel_had(string design, long pmsgSize, bool mtdoopsCurrent)
    {
        var spec = Load($"design = \"{design}\"\nmachine.dumpers = [ramoops, mtdoops]");
        Assert.Equal(pmsgSize, Assert.IsType<PstoreRamParams>(spec.Machine.Dumpers[0].Params).PmsgSize);
        Assert.Equal(mtdoopsCurrent, Assert.IsType<MtdoopsParams>(spec.Machine.Dumpers[1].Params).Current);
        Assert.Equal(0L, Assert.IsType<PstoreRamParams>(Load($"design = \"{design}\"\nmachine.ramoops.pmsg_size = 0").Machine.Dumpers[0].Params).PmsgSize);
    }
}
