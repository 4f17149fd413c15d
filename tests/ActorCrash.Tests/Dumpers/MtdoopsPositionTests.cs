using System.Buffers.Binary;
using System.Text;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using ActorCrash.Config;
using ActorCrash.Hardware;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// mtdoops' find_next_position() on a partition whose page headers a test lays out (seq and magic as
/// earlier boots, or a wrapped counter, would leave them): the page and seq the next record takes, and
/// whether that page must be erased first. 128 KiB, two 64 KiB erase blocks, 4 KiB records: 32 pages.
/// </summary>
public class MtdoopsPositionTests
{
    private const uint V1 = Mtdoops.MagicV1, V2 = Mtdoops.MagicV2, Free = 0xffffffff;

    private static string Next(params (int Page, uint Seq, uint Magic)[] headers)
    {
        var spec = ScenarioLoader.LoadText(DumperRuns.Scenario("dumpers = [mtdoops]\nmtdoops { }", "panic=1"), DumperRuns.Source);
        using var machine = new Machine(spec);
        var mtdoops = Assert.IsType<Mtdoops>(Assert.Single(machine.Kernel.DumpList));
        mtdoops.Flash.Blank();
        foreach (var (page, seq, magic) in headers)
        {
            var h = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(h, seq);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), magic);
            mtdoops.Flash.Program(page * 4096, h, out var errno);
            Assert.Equal(0, errno);
        }
        return Assert.Single(mtdoops.Storage()!.NextBootLog);
    }

    private static string Ready(int page, uint count) => $"mtdoops: ready {page}, {count} (no erase)";

    private static string Erase(int page) => $"mtdoops: page {page} is used: work_erase erases block {page / 16} first";

    [Fact]
    public void An_empty_partition_starts_at_page_0_with_seq_1() => Assert.Equal(Ready(0, 1), Next());

    [Fact]
    public void The_page_after_the_highest_seq_comes_next() =>
        Assert.Equal(Ready(3, 4), Next((0, 1, V1), (1, 2, V1), (2, 3, V1)));

    [Fact]
    public void Both_magics_count_and_a_page_with_another_magic_or_no_seq_is_used_but_never_the_newest()
    {
        Assert.Equal(Ready(1, 6), Next((0, 5, V2)));
        // Page 1: seq 7 under a foreign magic, page 2: no seq but not erased. Neither is a record, both are used.
        Assert.Equal(Erase(1), Next((0, 1, V1), (1, 7, 0xdeadbeef)));
        Assert.Equal(Erase(1), Next((0, 1, V1), (1, Free, V1)));
        Assert.Equal(Ready(1, 2), Next((0, 1, V1), (2, 9, 0x12345678)));   // page 1 is free: no erase
    }

    [Fact]
    public void A_counter_that_wrapped_past_0xffffffff_makes_the_small_seq_after_the_large_ones_the_newest()
    {
        Assert.Equal(Ready(3, 2), Next((0, 0xfffffffd, V1), (1, 0xfffffffe, V1), (2, 1, V1)));
        // The small seq first in the partition: it still wins over the large one behind it, so the next page is that one (used).
        Assert.Equal(Erase(1), Next((0, 1, V1), (1, 0xfffffffe, V1)));
    }

    [Fact]
    public void The_quarter_boundaries_of_the_wrap_rule_are_exclusive()
    {
        // count < 0x40000000 && maxcount > 0xc0000000: the small one wins only strictly inside both.
        Assert.Equal(Erase(1), Next((0, 0xc0000001, V1), (1, 0x40000000, V1)));
        Assert.Equal(Ready(2, 0x40000000), Next((0, 0xc0000001, V1), (1, 0x3fffffff, V1)));
        Assert.Equal(Erase(1), Next((0, 0xc0000000, V1), (1, 1, V1)));
        // count > maxcount && count < 0xc0000000: 0xc0000000 itself is not "below".
        Assert.Equal(Erase(1), Next((0, 0x80000001, V1), (1, 0xc0000000, V1)));
        Assert.Equal(Ready(2, 0xc0000000), Next((0, 0x80000001, V1), (1, 0xbfffffff, V1)));
        // count > maxcount && count > 0xc0000000 && maxcount > 0x80000000: both strict too.
        Assert.Equal(Ready(2, 0xc0000002), Next((0, 0x80000001, V1), (1, 0xc0000001, V1)));
        Assert.Equal(Erase(1), Next((0, 0x80000000, V1), (1, 0xc0000001, V1)));
    }

    [Fact]
    public void The_seq_after_0xfffffffe_is_0_because_0xffffffff_means_an_erased_header() =>
        Assert.Equal(Ready(1, 0), Next((0, 0xfffffffe, V1)));

    [Fact]
    public void After_the_last_page_the_next_record_wraps_to_page_0() =>
        Assert.Equal(Ready(0, 32), Next([.. Enumerable.Range(1, 31).Select(p => (p, (uint)p, V1))]));   // page p holds seq p

    [Fact]
    public void A_newest_record_in_the_last_page_of_a_block_leads_to_the_first_page_of_the_next_block() =>
        Assert.Equal(Erase(16), Next((15, 9, V1), (16, 1, V1)));
}

/// <summary>What mtdoops puts on flash and which dumps it takes (drivers/mtd/mtdoops.c), read back from the MTD itself.</summary>
public class MtdoopsRecordTests
{
    private static (RunResult Result, byte[] Page0) RunAndRead(string mtdoops = "", string design = "linux-2.6.38", string machine = "",
        string cmdline = "panic=1", string kdump = "false")
    {
        var hocon = DumperRuns.Scenario($"dumpers = [mtdoops]\nmtdoops {{ {mtdoops} }}\n{machine}", cmdline, design: design)
            .Replace("kdump.loaded = false", $"kdump.loaded = {kdump}", StringComparison.Ordinal);
        var spec = ScenarioLoader.LoadText(hocon, DumperRuns.Source);
        var run = Task.Run(() =>
        {
            using var m = new Machine(spec);
            var r = m.RunAndReport(1);
            var mtd = m.Kernel.DumpList.OfType<Mtdoops>().Single();
            return (r, mtd.Flash.Read(0, 4096).ToArray());
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(20)), "the run did not finish within 20 s of wall time");
        return run.Result;
    }

    [Fact]
    public void A_2_6_38_record_is_seq_and_magic_little_endian_then_the_log_tail_padded_with_0xff()
    {
        var (r, page) = RunAndRead();

        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page));
        Assert.Equal(0x5d005d00u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4)));
        var text = r.File("mtdoops page 0")!.Text;
        var end = Array.IndexOf(page, MtdFlash.Erased, 8);
        Assert.Equal(text, Encoding.ASCII.GetString(page, 8, end - 8));
        Assert.All(page[end..], b => Assert.Equal(MtdFlash.Erased, b));
        Assert.EndsWith("do_invalid_op+0x95/0xb0\n", text, StringComparison.Ordinal);   // the youngest line before kmsg_dump(PANIC)
    }

    [Fact]
    public void Todays_record_adds_the_dump_time_in_ns_since_the_epoch_after_the_v2_magic()
    {
        var (r, page) = RunAndRead("era = current", "linux-6.x");

        var record = r.File("mtdoops page 0")!;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page));
        Assert.Equal(0x5d005e00u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4)));
        var ns = BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(8));
        Assert.Equal(Printk.EpochAtStart * 1_000_000_000 + record.WrittenAtNs, ns);
        Assert.Equal(Pstore.Timestamp(record.WrittenAtNs), record.Timestamp);
        var end = Array.IndexOf(page, MtdFlash.Erased, 16);
        Assert.Equal(record.Text, Encoding.ASCII.GetString(page, 16, end - 16));
    }

    [Fact]
    public void A_kdump_kexec_dump_is_written_like_a_panic()
    {
        // 2.6.38's crash_kexec() calls kmsg_dump(KMSG_DUMP_KEXEC) before machine_kexec(): written at once.
        var (r, _) = RunAndRead(kdump: "true", cmdline: "panic=1 crashkernel=128M");

        Assert.Contains(r.Milestones, m => m.What == "kmsg_dump(KMSG_DUMP_KEXEC)");
        var page = Assert.Single(r.Nvram);
        Assert.Equal(("mtdoops page 0", KmsgDumpReason.Kexec, RecordState.Intact), (page.Name, page.Reason, page.State));
    }

    [Fact]
    public void Today_a_used_next_page_is_erased_inside_the_panic_and_4_10_leaves_it_to_work_erase()
    {
        // Two 4 KiB blocks of one page each; an earlier boot's record in page 0. The panic writes page 1,
        // then mtdoops_inc_counter() finds page 0 used.
        const string Small = "mtd { size = 8K, erasesize = 4K }";
        var (today, page0) = RunAndRead("era = current, prior-records = 1", "linux-6.x", Small);
        Assert.Contains(today.Milestones, m => m.What == "mtdoops: page 0 used, erasing its block in the panic");
        Assert.Contains(today.Milestones, m => m.What == "mtdoops: erase done in the panic");
        Assert.All(page0, b => Assert.Equal(MtdFlash.Erased, b));
        Assert.Null(today.File("mtdoops page 0"));   // the old record is gone, as the driver meant
        Assert.Equal(RecordState.Intact, today.File("mtdoops page 1")!.State);
        Assert.Equal("mtdoops: ready 0, 3 (no erase)", Assert.Single(today.Storage("mtdoops").NextBootLog));

        var (old, oldPage0) = RunAndRead("prior-records = 1", "linux-4.10", Small);
        Assert.DoesNotContain(old.Milestones, m => m.What.Contains("erasing its block", StringComparison.Ordinal));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(oldPage0));
        Assert.Equal(RecordState.Old, old.File("mtdoops page 0")!.State);
        Assert.Equal("mtdoops: page 0 is used: work_erase erases block 0 first", Assert.Single(old.Storage("mtdoops").NextBootLog));
    }
}
