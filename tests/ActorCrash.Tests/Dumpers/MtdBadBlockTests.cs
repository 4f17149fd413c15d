using ActorCrash.Actors.Kernel;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>Bad erase blocks under mtdoops (machine.mtd.bad-blocks, and blocks marked bad after failed erases).</summary>
public class MtdBadBlockTests
{
    // 192 KiB partition of three 64 KiB erase blocks, 4 KiB records: 48 pages, 16 a block.
    private static string Scenario(string mtd, string mtdoops = "", string faults = "", string triggers = DumperRuns.PanicCpu0) =>
        DumperRuns.Scenario($"dumpers = [mtdoops]\nmtd {{ size = 192K, {mtd} }}\nmtdoops {{ {mtdoops} }}\nfaults = [ {faults} ]", "panic=1", triggers: triggers);

    [Fact]
    public void Find_next_position_skips_a_bad_block_and_earlier_records_sit_in_the_good_ones()
    {
        // Block 0 is bad: earlier boots' 16 records are in block 1 (pages 16-31); the next page is 32.
        var r = DumperRuns.Run(Scenario("bad-blocks = [0]", "prior-records = 16"));

        Assert.DoesNotContain(r.Nvram, p => p.Name is "mtdoops page 0" or "mtdoops page 15");
        var first = r.File("mtdoops page 16")!;
        Assert.Equal(RecordState.Old, first.State);
        Assert.Equal("<0>[ old] oops from an earlier boot, record 1", first.Text.TrimEnd('\n'));
        var page = r.File("mtdoops page 32")!;
        Assert.Equal(RecordState.Intact, page.State);
        Assert.Equal("seq 17, magic 0x5d005d00", page.Note);
        Assert.Contains("Kernel panic - not syncing: Fatal exception", page.Text);
        Assert.Equal("mtdoops: ready 33, 18 (no erase)", Assert.Single(r.Storage("mtdoops").NextBootLog));
    }

    [Fact]
    public void The_next_page_in_a_bad_block_is_still_chosen_as_the_kernel_does_and_programming_it_fails()
    {
        // A full partition whose block 0 is bad: records 1-32 in pages 16-47, so the next page wraps to
        // page 0. find_next_position() never marks a bad block's pages used, so mtdoops_inc_counter()
        // takes page 0 as ready without work_erase, and the panic write hits the bad block.
        var r = DumperRuns.Run(Scenario("bad-blocks = [0]", "prior-records = 32"));

        Assert.True(r.Printed("mtdoops: write failure at 0 (0 of 4096 written), error -5"));
        var page = r.File("mtdoops page 0")!;
        Assert.Equal(RecordState.Lost, page.State);
        Assert.Equal(RecordState.Old, r.File("mtdoops page 47")!.State);
        var s = r.Storage("mtdoops");
        Assert.Equal((4096L, 0L), (s.BytesIssued, s.BytesLanded));
    }

    [Fact]
    public void Work_erase_marks_blocks_whose_erases_fail_bad_skips_the_bad_ones_and_finds_all_blocks_bad()
    {
        // The partition is full, so the boot's work_erase erases block 0; a write error on the flash
        // fails every erase: three tries, mark bad, skip block 1 (bad from the factory), block 2 the same.
        var r = DumperRuns.Run(Scenario("bad-blocks = [1], erase-time = 1ms", "prior-records = 32",
            "{ at = 0ms, device = mtd, fault = write-error }", "{ at = 50ms, cpu = 0, event = panic, message = \"Fatal exception\" }"));

        var log = r.Milestones.Select(m => m.What).Where(w => w.StartsWith("mtdoops: ", StringComparison.Ordinal)
            && !w.StartsWith("mtdoops: page", StringComparison.Ordinal)).ToArray();
        string[] erase0 = [.. Enumerable.Repeat("mtdoops: erase of region [0x0, 0x10000] on \"mtd0\" failed", 3)];
        string[] erase2 = [.. Enumerable.Repeat("mtdoops: erase of region [0x20000, 0x30000] on \"mtd0\" failed", 3)];
        Assert.Equal([.. erase0, "mtdoops: bad block at 00000000", "mtdoops: bad block at 00010000",
            .. erase2, "mtdoops: bad block at 00020000", "mtdoops: all blocks bad!"], log);
        Assert.True(r.Printed("mtdoops: all blocks bad!"));   // printed by the panic's console flush
        Assert.True(r.Printed("mtdoops: write failure at 0 (0 of 4096 written), error -5"));
        Assert.Equal(RecordState.Old, r.File("mtdoops page 1")!.State);   // nothing was erased
    }
}
