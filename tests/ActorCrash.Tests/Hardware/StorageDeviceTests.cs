using ActorCrash.Hardware;
using Xunit;

namespace ActorCrash.Tests.Hardware;

/// <summary>
/// The persistent stores on their own: MTD flash (erased = 0xFF, programming only clears bits, a
/// bad block fails every program and erase), persistent RAM (stores land whole, counted; a bit flip
/// is remembered until the byte is stored again) and the EFI variable store (limited space counted
/// once per variable, exact-fit boundaries).
/// </summary>
public class MtdFlashTests
{
    private static MtdFlash Flash(params int[] bad) => new(size: 4 * 4096, eraseSize: 4096, programNsPerByte: 10, eraseNs: 1000, bad);

    [Fact]
    public void A_new_part_is_erased_everywhere()
    {
        var f = Flash();
        Assert.True(f.IsErased(0, f.Size));
        Assert.Equal(4, f.EraseBlocks);
    }

    [Fact]
    public void Programming_stores_bytes_and_counts_them()
    {
        var f = Flash();
        Assert.Equal(3, f.Program(100, [1, 2, 3], out var errno));
        Assert.Equal(0, errno);
        Assert.Equal(new byte[] { 1, 2, 3 }, f.Read(100, 3).ToArray());
        Assert.Equal(3, f.BytesProgrammed);
        Assert.Equal(0, f.BytesRejected);
    }

    [Fact]
    public void Programming_a_used_range_stores_the_and_of_old_and_new_and_reports_eio()
    {
        var f = Flash();
        f.Program(0, [0b1100_1100], out _);
        f.Program(0, [0b1010_1010], out var errno);
        Assert.Equal(MtdFlash.EIO, errno);
        Assert.Equal(0b1000_1000, f.Read(0, 1)[0]);
    }

    [Fact]
    public void Erase_sets_exactly_the_block_holding_the_offset_back_to_ff()
    {
        var f = Flash();
        f.Program(4096 - 1, [0, 0], out _);        // last byte of block 0, first of block 1
        Assert.Equal(0, f.EraseBlockAt(4096 + 17)); // block 1
        Assert.Equal(0xFF, f.Read(4096, 1)[0]);
        Assert.Equal(0x00, f.Read(4095, 1)[0]);      // block 0 untouched
        Assert.Equal(1, f.Erases);
    }

    [Fact]
    public void Erase_forgets_bit_flips_in_that_block_only()
    {
        var f = Flash();
        f.FlipBits(10, 0x01);
        f.FlipBits(4096 + 10, 0x01);
        Assert.Equal(1, f.FlippedBytes(0, 4096));
        f.EraseBlockAt(0);
        Assert.Equal(0, f.FlippedBytes(0, 4096));
        Assert.Equal(1, f.FlippedBytes(4096, 4096));
        Assert.True(f.IsErased(0, 4096));
    }

    [Fact]
    public void Mark_bad_marks_the_block_holding_the_offset_and_no_other()
    {
        var f = Flash();
        f.MarkBad(2 * 4096 + 5);
        Assert.True(f.IsBad(2 * 4096));
        Assert.True(f.IsBad(3 * 4096 - 1));
        Assert.False(f.IsBad(4096));
        Assert.False(f.IsBad(3 * 4096));
        Assert.Equal(0, f.Program(2 * 4096, [0], out var errno));
        Assert.Equal(MtdFlash.EIO, errno);
        Assert.Equal(1, f.BytesRejected);
        Assert.Equal(MtdFlash.EIO, f.EraseBlockAt(2 * 4096));
        Assert.Equal(0, f.Erases);
    }

    [Fact]
    public void Factory_bad_blocks_survive_blank_but_driver_marked_ones_do_not()
    {
        var f = Flash(1);
        f.MarkBad(3 * 4096);
        f.Program(0, [0], out _);
        f.Blank();
        Assert.True(f.IsBad(4096));
        Assert.False(f.IsBad(3 * 4096));
        Assert.True(f.IsErased(0, f.Size));
        Assert.Equal(0, f.BytesProgrammed);
        Assert.Equal(0, f.Erases);
    }

    [Fact]
    public void Blank_clears_faults_and_counters_of_the_previous_run()
    {
        var f = Flash();
        f.Refusing = StoreRefusal.Full;
        f.Slowdown = 5;
        f.PartialNextStore = 2;
        f.Program(0, [1, 2, 3], out _);
        f.FlipBits(9, 0x80);
        f.Blank();
        Assert.Equal(StoreRefusal.None, f.Refusing);
        Assert.Equal(1, f.Slowdown);
        Assert.Equal(0, f.PartialNextStore);
        Assert.Equal(0, f.BytesRejected);
        Assert.Equal(0, f.FlippedBytes(0, f.Size));
        Assert.Equal(3, f.Program(0, [1, 2, 3], out _));
    }

    [Fact]
    public void A_refusing_part_stores_nothing_and_reports_the_refusals_errno()
    {
        var f = Flash();
        f.Refusing = StoreRefusal.Full;
        Assert.Equal(0, f.Program(0, [1, 2], out var errno));
        Assert.Equal(28, errno);  // ENOSPC
        Assert.True(f.IsErased(0, 2));
        Assert.Equal(2, f.BytesRejected);
        f.Refusing = StoreRefusal.WriteError;
        Assert.Equal(MtdFlash.EIO, f.EraseBlockAt(0));
    }

    [Fact]
    public void A_full_part_still_erases()
    {
        var f = Flash();
        f.Program(0, [0], out _);
        f.Refusing = StoreRefusal.Full;
        Assert.Equal(0, f.EraseBlockAt(0));
        Assert.True(f.IsErased(0, 1));
    }

    [Fact]
    public void A_partial_program_stores_the_first_bytes_reports_eio_and_applies_once()
    {
        var f = Flash();
        f.PartialNextStore = 2;
        Assert.Equal(2, f.Program(0, [1, 2, 3, 4], out var errno));
        Assert.Equal(MtdFlash.EIO, errno);
        Assert.Equal(new byte[] { 1, 2, 0xFF, 0xFF }, f.Read(0, 4).ToArray());
        Assert.Equal(2, f.BytesRejected);
        Assert.Equal(4, f.Program(8, [1, 2, 3, 4], out errno));
        Assert.Equal(0, errno);
    }

    [Fact]
    public void A_partial_program_as_long_as_the_store_is_a_whole_store()
    {
        var f = Flash();
        f.PartialNextStore = 3;
        Assert.Equal(3, f.Program(0, [1, 2, 3], out var errno));
        Assert.Equal(0, errno);
        Assert.Equal(0, f.BytesRejected);
    }

    [Fact]
    public void Erase_forgets_flips_from_the_first_byte_of_the_block_to_its_last_and_no_further()
    {
        var f = Flash();
        f.FlipBits(4096, 0x01);          // first byte of block 1
        f.FlipBits(2 * 4096 - 1, 0x01);  // last byte of block 1
        f.FlipBits(2 * 4096, 0x01);      // first byte of block 2
        f.EraseBlockAt(4096);
        Assert.Equal(0, f.FlippedBytes(4096, 4096));
        Assert.Equal(1, f.FlippedBytes(2 * 4096, 1));
    }

    [Fact]
    public void A_bit_flip_toggles_exactly_the_masked_bits_and_is_counted_in_its_range_only()
    {
        var f = Flash();
        f.Program(0, [0x0F, 0x0F, 0x0F], out _);
        f.FlipBits(1, 0x81);
        Assert.Equal(0x8E, f.Read(1, 1)[0]);
        Assert.Equal(1, f.FlippedBytes(1, 1));
        Assert.Equal(0, f.FlippedBytes(0, 1));
        Assert.Equal(0, f.FlippedBytes(2, 1));
    }

    [Fact]
    public void A_part_without_bad_blocks_can_be_built_and_blanked()
    {
        var f = new MtdFlash(8192, 4096, 1, 1);
        f.Blank();
        Assert.False(f.IsBad(0));
        Assert.False(f.IsBad(4096));
    }

    [Fact]
    public void Slowdown_multiplies_the_cost_of_a_byte()
    {
        var f = Flash();
        Assert.Equal(10, f.ProgramNsPerByteNow);
        f.Slowdown = 7;
        Assert.Equal(70, f.ProgramNsPerByteNow);
    }

    [Fact]
    public void Sizes_that_do_not_divide_into_erase_blocks_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MtdFlash(4096 + 1, 4096, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MtdFlash(0, 4096, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MtdFlash(4096, 0, 1, 1));
    }
}

public class NvramTests
{
    [Fact]
    public void A_store_lands_whole_and_is_counted()
    {
        var n = new Nvram(64, 3);
        n.Store(4, [9, 8, 7]);
        Assert.Equal(new byte[] { 9, 8, 7 }, n.Read(4, 3).ToArray());
        Assert.Equal(1, n.Stores);
        Assert.Equal(3, n.BytesStored);
        Assert.Equal(3, n.StoreNsPerByte);
    }

    [Fact]
    public void Slowdown_multiplies_the_cost_of_a_store()
    {
        var n = new Nvram(8, 3) { Slowdown = 4 };
        Assert.Equal(12, n.StoreNsPerByte);
    }

    [Fact]
    public void An_empty_or_negative_part_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Nvram(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Nvram(-1, 1));
    }

    [Fact]
    public void Fill_is_ramoops_memset_it_overwrites_what_was_there()
    {
        var n = new Nvram(64, 1);
        n.Store(0, [1, 2, 3, 4]);
        n.Fill(1, 2, 0);
        Assert.Equal(new byte[] { 1, 0, 0, 4 }, n.Read(0, 4).ToArray());
        Assert.Equal(2, n.Stores);
        Assert.Equal(6, n.BytesStored);
    }

    [Fact]
    public void A_refusing_part_stores_and_fills_nothing_and_counts_the_rejected_bytes()
    {
        var n = new Nvram(64, 1) { Refusing = StoreRefusal.WriteError };
        n.Store(0, [1, 2, 3]);
        n.Fill(0, 5, 0xAA);
        Assert.Equal(new byte[5], n.Read(0, 5).ToArray());
        Assert.Equal(8, n.BytesRejected);
        Assert.Equal(0, n.Stores);
    }

    [Fact]
    public void A_partial_store_lands_its_first_bytes_once()
    {
        var n = new Nvram(64, 1) { PartialNextStore = 1 };
        n.Store(0, [5, 6, 7]);
        Assert.Equal(new byte[] { 5, 0, 0 }, n.Read(0, 3).ToArray());
        Assert.Equal(2, n.BytesRejected);
        n.Store(0, [5, 6, 7]);
        Assert.Equal(new byte[] { 5, 6, 7 }, n.Read(0, 3).ToArray());
    }

    [Fact]
    public void A_bit_flip_is_remembered_until_the_byte_is_stored_again()
    {
        var n = new Nvram(64, 1);
        n.Store(0, [0x0F, 0x0F]);
        n.FlipBits(1, 0x01);
        Assert.Equal(0x0E, n.Read(1, 1)[0]);
        Assert.True(n.Damaged(1, out var stored));
        Assert.Equal(0x0F, stored);
        Assert.False(n.Damaged(0, out _));
        n.Store(1, [0x33]);
        Assert.False(n.Damaged(1, out _));
    }

    [Fact]
    public void A_fill_over_a_flipped_byte_repairs_it()
    {
        var n = new Nvram(16, 1);
        n.Store(0, [0x11, 0x22]);
        n.FlipBits(1, 0x01);
        n.Fill(0, 2, 0);
        Assert.False(n.Damaged(1, out _));
    }

    [Fact]
    public void A_store_repairs_only_the_bytes_it_covers()
    {
        var n = new Nvram(16, 1);
        n.Store(0, [1, 1, 1, 1, 1, 1, 1, 1]);
        n.FlipBits(0, 0x10);   // before the store
        n.FlipBits(6, 0x10);   // just past it
        n.Store(3, [9, 9, 9]); // bytes 3..5
        Assert.True(n.Damaged(0, out _));
        Assert.True(n.Damaged(6, out _));
    }

    [Fact]
    public void Power_loss_of_plain_dram_forgets_the_bit_flips_too()
    {
        var n = new Nvram(8, 1);
        n.Store(0, [5]);
        n.FlipBits(0, 0x01);
        n.PowerLoss(batteryBacked: false);
        Assert.False(n.Damaged(0, out _));
    }

    [Fact]
    public void Power_on_clears_bytes_written_only_by_a_fill_or_a_bit_flip()
    {
        var filled = new Nvram(32, 1);
        filled.Fill(8, 8, 0xAA);
        filled.PowerOn();
        Assert.Equal(new byte[32], filled.Read(0, 32).ToArray());

        var flipped = new Nvram(32, 1);
        flipped.FlipBits(10, 0x80);
        flipped.PowerOn();
        Assert.Equal(0, flipped.Read(10, 1)[0]);
    }

    [Fact]
    public void Power_on_forgets_the_bit_flips_of_the_previous_run()
    {
        var n = new Nvram(32, 1);
        n.Store(20, [0x40]);
        n.FlipBits(20, 0x80);
        n.PowerOn();
        Assert.False(n.Damaged(20, out _));
    }

    [Fact]
    public void Flipping_the_same_bit_twice_restores_the_byte_and_it_is_not_damaged()
    {
        var n = new Nvram(8, 1);
        n.Store(0, [0x55]);
        n.FlipBits(0, 0x10);
        n.FlipBits(0, 0x10);
        Assert.False(n.Damaged(0, out _));
    }

    [Fact]
    public void Power_loss_forgets_plain_dram_but_battery_backed_memory_keeps_it()
    {
        var plain = new Nvram(16, 1);
        plain.Store(2, [1, 2]);
        plain.PowerLoss(batteryBacked: false);
        Assert.Equal(new byte[16], plain.Read(0, 16).ToArray());

        var backed = new Nvram(16, 1);
        backed.Store(2, [1, 2]);
        backed.PowerLoss(batteryBacked: true);
        Assert.Equal(new byte[] { 1, 2 }, backed.Read(2, 2).ToArray());
    }

    [Fact]
    public void Power_on_zeroes_every_byte_written_by_any_means_and_clears_faults_and_counters()
    {
        var n = new Nvram(32, 1);
        n.Store(30, [1, 1]);
        n.Fill(0, 4, 0xEE);
        n.FlipBits(20, 0x80);
        n.Slowdown = 4;
        n.PartialNextStore = 3;
        n.Refusing = StoreRefusal.Full;
        n.Store(0, [1]);
        n.PowerOn();
        Assert.Equal(new byte[32], n.Read(0, 32).ToArray());
        Assert.Equal(0, n.Stores);
        Assert.Equal(0, n.BytesStored);
        Assert.Equal(0, n.BytesRejected);
        Assert.Equal(StoreRefusal.None, n.Refusing);
        Assert.Equal(1, n.Slowdown);
        Assert.Equal(0, n.PartialNextStore);
        Assert.False(n.Damaged(20, out _));
    }
}

public class EfiVariableStoreTests
{
    [Fact]
    public void A_variable_that_fits_exactly_is_stored_and_one_byte_more_is_out_of_resources()
    {
        var s = new EfiVariableStore(capacity: 100, maxVariableSize: 60);
        Assert.Equal(EfiStatus.Success, s.SetVariable("a", new byte[60]));
        Assert.Equal(EfiStatus.Success, s.SetVariable("b", new byte[40]));   // 100 of 100
        Assert.Equal(EfiStatus.OutOfResources, s.SetVariable("c", new byte[1]));
        Assert.Equal(1, s.BytesRejected);
    }

    [Fact]
    public void A_variable_larger_than_the_firmware_allows_is_an_invalid_parameter()
    {
        var s = new EfiVariableStore(capacity: 1000, maxVariableSize: 60);
        Assert.Equal(EfiStatus.Success, s.SetVariable("a", new byte[60]));
        Assert.Equal(EfiStatus.InvalidParameter, s.SetVariable("b", new byte[61]));
        Assert.False(s.Variables.ContainsKey("b"));
    }

    [Fact]
    public void Rewriting_a_variable_counts_its_space_once()
    {
        var s = new EfiVariableStore(capacity: 100, maxVariableSize: 100);
        Assert.Equal(EfiStatus.Success, s.SetVariable("dump", new byte[80]));
        Assert.Equal(EfiStatus.Success, s.SetVariable("dump", new byte[90]));  // replaces, 90 used
        Assert.Equal(EfiStatus.Success, s.SetVariable("x", new byte[10]));     // exactly full
        Assert.Equal(EfiStatus.OutOfResources, s.SetVariable("y", new byte[1]));
        Assert.Equal(90, s.Variables["dump"].Length);
    }

    [Fact]
    public void Shrinking_a_variable_frees_its_space()
    {
        var s = new EfiVariableStore(capacity: 100, maxVariableSize: 100);
        s.SetVariable("dump", new byte[100]);
        s.SetVariable("dump", new byte[30]);
        Assert.Equal(EfiStatus.Success, s.SetVariable("x", new byte[70]));
    }

    [Fact]
    public void Faults_give_the_firmware_status_and_store_nothing()
    {
        var s = new EfiVariableStore(100, 100) { Refusing = StoreRefusal.WriteError };
        Assert.Equal(EfiStatus.DeviceError, s.SetVariable("a", new byte[5]));
        s.Refusing = StoreRefusal.Full;
        Assert.Equal(EfiStatus.OutOfResources, s.SetVariable("a", new byte[5]));
        Assert.Empty(s.Variables);
        Assert.Equal(10, s.BytesRejected);
    }

    [Fact]
    public void Clear_empties_the_store_and_its_faults_and_gives_back_all_space()
    {
        var s = new EfiVariableStore(100, 100);
        s.SetVariable("a", new byte[100]);
        s.Refusing = StoreRefusal.Full;
        s.Slowdown = 3;
        s.Clear();
        Assert.Empty(s.Variables);
        Assert.Equal(StoreRefusal.None, s.Refusing);
        Assert.Equal(1, s.Slowdown);
        Assert.Equal(0, s.BytesRejected);
        Assert.Equal(EfiStatus.Success, s.SetVariable("b", new byte[100]));
    }

    [Fact]
    public void The_fault_tolerant_write_has_no_partial_stores_or_bit_flips()
    {
        IFaultableStore s = new EfiVariableStore(100, 100);
        Assert.Equal(0, s.PartialNextStore);
        Assert.Throws<NotSupportedException>(() => s.PartialNextStore = 1);
        Assert.Throws<NotSupportedException>(() => s.FlipBits(0, 1));
    }
}

public class CrashKernelRegionTests
{
    [Fact]
    public void A_loaded_region_matches_its_digest()
    {
        var r = new CrashKernelRegion();
        Assert.False(r.Corrupted);
        Assert.True(r.DigestMatches());
    }

    [Fact]
    public void Any_stray_write_breaks_the_digest_even_one_writing_the_byte_already_there()
    {
        var r = new CrashKernelRegion();
        r.Scribble(0, 7);  // byte 0 of the image is 7: the write still changes it
        Assert.True(r.Corrupted);
        Assert.False(r.DigestMatches());
    }

    [Fact]
    public void Purgatory_checks_the_bytes_not_a_flag_a_write_that_puts_the_old_byte_back_passes()
    {
        var r = new CrashKernelRegion();
        r.Scribble(0, 0);   // byte 0 was 7
        r.Scribble(0, 7);   // and is 7 again
        Assert.True(r.Corrupted);
        Assert.True(r.DigestMatches());
    }

    [Fact]
    public void A_stray_write_of_ff_over_an_ff_byte_still_damages_the_image()
    {
        var r = new CrashKernelRegion();
        r.Scribble(8, 0xFF);   // byte 8 of the stand-in is 0xFF (8 * 31 + 7 = 255)
        Assert.False(r.DigestMatches());
    }

    [Fact]
    public void Reload_restores_every_byte_so_a_later_write_that_is_undone_still_matches()
    {
        var r = new CrashKernelRegion();
        r.Scribble(500, 0);
        r.Reload();
        r.Scribble(0, 0);
        r.Scribble(0, 7);
        Assert.True(r.DigestMatches());
    }

    [Fact]
    public void Writes_past_the_stand_in_wrap_into_it()
    {
        var r = new CrashKernelRegion();
        r.Scribble(1024 * 5 + 3, 0x42);
        Assert.False(r.DigestMatches());
    }

    [Fact]
    public void Reload_restores_the_image_as_loaded()
    {
        var r = new CrashKernelRegion();
        r.Scribble(100, 0);
        r.Scribble(200, 0);
        r.Reload();
        Assert.False(r.Corrupted);
        Assert.True(r.DigestMatches());
        r.Scribble(300, 1);
        Assert.False(r.DigestMatches());  // a reloaded region is checked as strictly as a new one
    }
}
