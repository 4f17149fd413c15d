using System.Buffers.Binary;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Kernel.Dumpers;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// One persistent_ram_zone on its own (fs/pstore/ram_core.c), without a machine: the buffer ECC leaves
/// (persistent_ram_init_ecc), the ring of persistent_ram_write(), and what the next boot's
/// persistent_ram_post_init() makes of the header it finds: no valid data, an invalid buffer, an
/// existing one, and the Reed–Solomon verdict per 128-byte block.
/// </summary>
public class PersistentRamZoneReadBackTests
{
    private readonly ActorCrash.Hardware.Nvram _device = new(2 << 20, 0);

    private PersistentRamZone Zone(int size, int ecc = 0, int offset = 0) =>
        new("dmesg-ramoops-0", new NvramPort(default, _device, 64), offset, size, ecc);

    private static byte[] Bytes(int n, int seed = 0) => [.. Enumerable.Range(seed, n).Select(i => (byte)('a' + i % 26))];

    // struct persistent_ram_buffer { u32 sig; atomic_t start; atomic_t size; } as the next boot finds it.
    private void Header(PersistentRamZone zone, uint sig, uint start, uint size)
    {
        var h = new byte[PersistentRamZone.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, sig);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), start);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), size);
        _device.Store(zone.Offset, h);
    }

    [Theory]
    [InlineData(4096, 0, 4084)]
    // ecc_blocks = DIV_ROUND_UP(buffer_size - ecc_size, block_size + ecc_size), plus one block's parity for the header:
    // here buffer_size - ecc_size is exactly 28 blocks of 144, so DIV_ROUND_UP adds nothing.
    [InlineData(4060, 16, 4048 - 29 * 16)]
    [InlineData(4044, 32, 4032 - 26 * 32)]   // 4000 = 25 × 160
    public void Ecc_parity_takes_div_round_up_blocks_plus_the_headers_from_the_buffer(int size, int ecc, int buffer) =>
        Assert.Equal(buffer, Zone(size, ecc).BufferSize);

    [Fact]
    public void A_zone_zapped_at_boot_reads_back_on_the_next_boot_as_a_valid_empty_buffer()
    {
        var zone = Zone(4096, offset: 4096);
        zone.Format();

        var image = zone.ReadBack();
        Assert.NotNull(image.Stored);   // a valid header: nothing to reset, no "no valid data" notice
        Assert.Empty(image.Stored);
        Assert.Equal("", image.BootLog);
        Assert.Equal((RecordState.Intact, 0, 0, 0), zone.Verdict());
    }

    [Fact]
    public void A_write_longer_than_the_buffer_keeps_only_its_last_buffer_size_bytes()
    {
        // persistent_ram_write(): if (c > prz->buffer_size) { s += c - prz->buffer_size; c = prz->buffer_size; }
        var zone = Zone(PersistentRamZone.HeaderSize + 100);
        zone.Format();
        var data = Bytes(250);

        zone.WriteAtBoot(data);

        Assert.Equal(data[150..], zone.Meant);
        var image = zone.ReadBack();
        Assert.Equal(data[150..], image.Stored);
        Assert.Equal("persistent_ram: found existing buffer, size 100, start 0", image.BootLog);
        Assert.Equal(RecordState.Intact, image.State);
    }

    [Fact]
    public void A_header_claiming_more_than_the_buffer_is_an_invalid_buffer_the_next_boot_zaps()
    {
        var zone = Zone(PersistentRamZone.HeaderSize + 100);
        zone.Format();
        zone.WriteAtBoot(Bytes(40));
        Header(zone, PersistentRamZone.Sig, 0, 101);

        var image = zone.ReadBack();
        Assert.Null(image.Stored);
        Assert.Equal("persistent_ram: found existing invalid buffer, size 101, start 0", image.BootLog);
        Assert.Equal((RecordState.Lost, 0, 0, 40), zone.Verdict());
    }

    [Theory]
    [InlineData(41u, 40u, false)]   // buffer_start(prz) > buffer_size(prz): invalid, even inside the buffer
    [InlineData(100u, 40u, false)]
    [InlineData(40u, 40u, true)]    // start == size: the ring has not wrapped yet
    public void A_header_whose_start_is_past_its_size_is_an_invalid_buffer(uint start, uint size, bool valid)
    {
        var zone = Zone(PersistentRamZone.HeaderSize + 100);
        zone.Format();
        zone.WriteAtBoot(Bytes(40));
        Header(zone, PersistentRamZone.Sig, start, size);

        var image = zone.ReadBack();
        Assert.Equal(valid, image.Stored is not null);
        Assert.Equal(valid ? $"persistent_ram: found existing buffer, size {size}, start {start}" : $"persistent_ram: found existing invalid buffer, size {size}, start {start}",
            image.BootLog);
        Assert.Equal(valid ? 40 : 0, zone.Verdict().StoredBytes);
    }

    [Fact]
    public void A_zone_without_the_signature_has_no_valid_data_however_sane_its_start_and_size()
    {
        var zone = Zone(PersistentRamZone.HeaderSize + 100);
        zone.Format();
        zone.WriteAtBoot(Bytes(40));
        Header(zone, PersistentRamZone.Sig ^ 0x100, 40, 40);

        var image = zone.ReadBack();
        Assert.Null(image.Stored);
        Assert.Equal($"persistent_ram: no valid data in buffer (sig = 0x{PersistentRamZone.Sig ^ 0x100:x8})", image.BootLog);
        Assert.Equal((RecordState.Lost, 0, 0, 40), zone.Verdict());
    }

    [Fact]
    public void Without_ecc_a_flip_in_the_last_stored_byte_reads_back_corrupt()
    {
        var zone = Zone(PersistentRamZone.HeaderSize + 200);
        zone.Format();
        zone.WriteAtBoot(Bytes(100));
        _device.FlipBits(PersistentRamZone.HeaderSize + 99, 0x01);

        var image = zone.ReadBack();
        Assert.Equal(RecordState.Corrupt, image.State);
        Assert.Equal(99, image.Matching);
        Assert.Equal(RecordState.Corrupt, zone.Verdict().State);
    }

    [Fact]
    public void A_flip_past_the_stored_bytes_does_not_make_a_torn_record_corrupt()
    {
        // The header claims 100 bytes, but byte 10 never arrived (a store lost at a reset); a flip just
        // after the 100th byte damages free space, not the record.
        var zone = Zone(PersistentRamZone.HeaderSize + 200);
        zone.Format();
        zone.WriteAtBoot(Bytes(100));
        _device.Store(PersistentRamZone.HeaderSize + 10, [0]);
        _device.FlipBits(PersistentRamZone.HeaderSize + 100, 0x01);

        Assert.Equal(RecordState.Torn, zone.ReadBack().State);
        Assert.Equal(RecordState.Torn, zone.Verdict().State);
    }

    // A 4 KiB zone with 16 parity bytes a block, 300 bytes written at boot, then a bit flipped in each byte at `offsets`.
    private PersistentRamZone EccZoneWithFlips(params int[] offsets)
    {
        var zone = Zone(4096, ecc: 16);
        zone.Format();
        zone.WriteAtBoot(Bytes(300));
        foreach (var at in offsets) _device.FlipBits(at, 0x01);
        return zone;
    }

    [Fact]
    public void Ecc_counts_a_damaged_byte_once_in_its_own_block_not_in_the_header_before_it()
    {
        var zone = EccZoneWithFlips(PersistentRamZone.HeaderSize);   // the first data byte, right after the header

        var image = zone.ReadBack();
        Assert.Equal(RecordState.EccCorrected, image.State);
        Assert.Equal("ECC: 1 Corrected bytes, 0 unrecoverable blocks", image.EccNotice);
        Assert.Equal(RecordState.EccCorrected, zone.Verdict().State);
    }

    [Fact]
    public void Ecc_corrects_damage_on_both_sides_of_a_block_boundary_each_in_its_block()
    {
        var zone = EccZoneWithFlips(PersistentRamZone.HeaderSize + PersistentRamZone.EccBlockSize - 1, PersistentRamZone.HeaderSize + PersistentRamZone.EccBlockSize);

        var image = zone.ReadBack();
        Assert.Equal(Bytes(300), image.Stored);
        Assert.Equal("ECC: 2 Corrected bytes, 0 unrecoverable blocks", image.EccNotice);
    }

    [Fact]
    public void The_next_boots_verdict_allocates_nothing_once_its_buffers_have_grown_to_the_zone()
    {
        // A campaign's log-saved check reads every zone after every run. On a fresh thread, so the
        // per-thread buffers start at this zone's size.
        long allocated = -1;
        RecordState state = default;
        var thread = new Thread(() =>
        {
            var zone = Zone(1 << 20);
            zone.Format();
            zone.WriteAtBoot(Bytes(5000));
            zone.Verdict();
            var before = GC.GetAllocatedBytesForCurrentThread();
            state = zone.Verdict().State;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();

        Assert.Equal(RecordState.Intact, state);
        Assert.Equal(0, allocated);
    }
}
