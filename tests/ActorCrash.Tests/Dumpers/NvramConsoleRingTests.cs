using System.Text.RegularExpressions;
using ActorCrash.Actors;
using ActorCrash.Actors.Kernel;
using ActorCrash.Config;
using Xunit;

namespace ActorCrash.Tests.Dumpers;

/// <summary>
/// Eric's NVRAM console as the next boot reads it: CON_PRINTBUFFER's replay of the boot log when it
/// registers, and the port lock of a write outside an oops.
/// </summary>
public class NvramConsoleRingTests
{
    private static string Scenario(string triggers = DumperRuns.PanicCpu0, string cpus = "") =>
        DumperRuns.Scenario("nvram.size = 128K\ndumpers = [ramoops, nvram-console]", "panic=1", cpus, triggers);

    private const string WarnThenPanic =
        "{ at = 1ms, cpu = 1, event = warn, message = \"drivers/foo.c:42 foo_probe\" }, " +
        "{ at = 30ms, cpu = 0, event = panic, message = \"Fatal exception\" }";

    [Fact]
    public void The_ring_starts_with_the_boot_log_replayed_at_registration_then_every_printed_line_in_order()
    {
        var r = DumperRuns.Run(Scenario());

        var con = r.File("console-nvcon-0")!;
        string[] boot = [KernelEra.V2638.Banner, "Command line: panic=1", "Brought up 2 CPUs", "console [nvcon0] enabled"];
        var replay = con.Text[..con.Text.IndexOf("Kernel panic", StringComparison.Ordinal)];
        // Printed at boot, with the boot's time stamp; in the order printed, at the start of the ring.
        Assert.StartsWith(string.Concat(boot[..3].Select(l => $"[    0.000000] {l}\n")), con.Text, StringComparison.Ordinal);
        foreach (var line in boot) Assert.Contains($"[    0.000000] {line}\n", replay);
        // The boot log, then exactly the lines the run printed: nothing lost, nothing twice.
        var printed = string.Concat(r.Console.Select(l => l.Text + "\n"));
        Assert.EndsWith(printed, con.Text, StringComparison.Ordinal);
        Assert.Equal(con.IntendedBytes, con.Text.Length);
        Assert.Equal(RecordState.Intact, con.State);
        // A console ring is not one dump written at one time: no write time (log-saved does not count it).
        Assert.Equal(-1, con.WrittenAtNs);
    }

    [Fact]
    public void A_warn_printed_outside_an_oops_takes_and_releases_the_port_lock_so_the_panic_countdown_line_is_written()
    {
        // CPU 1's WARN lines are written with oops_in_progress 0: spin_lock, write, unlock. If the lock
        // stayed held, 2.6.38's "Rebooting in" (after bust_spinlocks(0)) would spin on it for good.
        var r = DumperRuns.Run(Scenario(WarnThenPanic));

        var con = r.File("console-nvcon-0")!;
        Assert.Matches(@"\] ------------\[ cut here \]------------\n\[[ .0-9]+\] WARNING: at drivers/foo.c:42 foo_probe\n", con.Text);
        Assert.Contains("Rebooting in 1 seconds..", con.Text);
        Assert.Equal(Outcome.Rebooted, r.Outcome);
        Assert.DoesNotContain(r.LocksHeld, l => l.Lock == "nvcon_port_lock");
    }
}

/// <summary>
/// memset_io / memcpy_toio into persistent RAM as the CPU issues them: record_size bytes of memset in
/// chunk-sized pieces (the last one short), each landing after its bytes × write time, then the record.
/// </summary>
public class NvramPortChunkTests
{
    // 2.6.38 ramoops: memset(buf, 0, record_size = 4096) then memcpy of the record; 100-byte chunks, 1 us a byte.
    private static RunResult Run(string machine = "nvram { chunk = 100, write-ns-per-byte = 1000 }")
    {
        var spec = ScenarioLoader.LoadText(DumperRuns.Scenario("ramoops.era = auto\n" + machine, "panic=2"), DumperRuns.Source);
        var run = Task.Run(() =>
        {
            using var m = new Machine(spec);
            return m.RunAndReport(1, trace: true);
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(20)), "the run did not finish within 20 s of wall time");
        return run.Result;
    }

    private static readonly Regex Fill = new(@"^nvram_fill offset=(\d+) length=(\d+) value=0$");
    private static readonly Regex Store = new(@"^nvram_store offset=(\d+) data_bytes=(\d+)$");

    [Fact]
    public void Ramoops_memset_covers_the_record_in_chunks_each_landing_after_its_store_time()
    {
        var r = Run();

        var nvram = r.Trace!.Where(t => t.To == "nvram" && t.From == "cpu0").ToArray();
        var fills = nvram.Where(t => Fill.IsMatch(t.Message)).ToArray();
        var pieces = fills.Select(t => Fill.Match(t.Message)).Select(m => (Offset: int.Parse(m.Groups[1].Value), Length: int.Parse(m.Groups[2].Value))).ToArray();
        // 40 pieces of 100 bytes, then the last 96: exactly record_size, no empty piece.
        Assert.Equal(41, pieces.Length);
        Assert.Equal([.. Enumerable.Range(0, 41).Select(i => (i * 100, i < 40 ? 100 : 96))], pieces);
        // Each piece lands its bytes × 1 us after the one before (the CPU waits for its own store).
        for (var i = 1; i < fills.Length; i++) Assert.Equal(pieces[i].Length * 1000L, fills[i].TimeNs - fills[i - 1].TimeNs);
        // Then the record itself, in 100-byte stores after the memset; the count of bytes issued is both.
        var stores = nvram.SkipWhile(t => !Store.IsMatch(t.Message)).Select(t => Store.Match(t.Message)).ToArray();
        Assert.All(stores, m => Assert.True(m.Success));
        var storeLengths = stores.Select(m => int.Parse(m.Groups[2].Value)).ToArray();
        Assert.All(storeLengths[..^1], n => Assert.Equal(100, n));
        Assert.InRange(storeLengths[^1], 1, 100);
        Assert.Equal(4096 + storeLengths.Sum(), r.Storage("ramoops").BytesIssued);
        Assert.Equal(r.Storage("ramoops").BytesIssued, r.Storage("ramoops").BytesLanded);
    }

    [Fact]
    public void A_record_whose_length_is_a_multiple_of_the_chunk_is_stored_without_an_empty_store()
    {
        // chunk = 1: every byte its own store; the record's length is a multiple, so the loop's bound shows.
        var r = Run("nvram { chunk = 1 }");

        var stores = r.Trace!.Where(t => t.To == "nvram" && Store.IsMatch(t.Message)).ToArray();
        Assert.All(stores, t => Assert.EndsWith("data_bytes=1", t.Message, StringComparison.Ordinal));
        var record = r.File("ramoops record 0")!;
        Assert.Equal(record.IntendedBytes, stores.Length);
    }

    [Fact]
    public void A_write_error_names_the_refused_bytes_first_in_the_next_boot_log_and_a_clean_run_names_none()
    {
        var clean = Run("nvram.chunk = 64");
        Assert.Empty(clean.Storage("ramoops").NextBootLog);

        var refused = Run("nvram.chunk = 64\nfaults = [ { at = 0ms, fault = write-error } ]");
        var s = refused.Storage("ramoops");
        Assert.Equal($"nvram: {s.BytesIssued} bytes rejected by a write error", s.NextBootLog[0]);
    }
}

/// <summary>What the pstore view shows of damaged or unwritten bytes: '.' for what is not printable ASCII, nothing for the zero tail.</summary>
public class RecordTextTests
{
    private static string Scenario(string machine = "", string cmdline = "panic=2") =>
        DumperRuns.Scenario("ramoops { era = pstore, console_size = 0, pmsg_size = 0 }\n" + machine, cmdline, design: "linux-6.x");

    [Fact]
    public void Flipped_bytes_show_as_themselves_when_printable_and_as_dots_otherwise()
    {
        var clean = DumperRuns.Run(Scenario()).File("dmesg-ramoops-0")!;
        // Zone 0: 12-byte header, then "====<stamp>-D\n", then the text. Flip bits 0..7 of the eight bytes
        // that put bit 4 on the 'o' of "not syncing" (0x6f → 0x7f, DEL) and bit 7 on a letter (→ ≥ 0x80).
        var o = clean.Text.IndexOf("not syncing", StringComparison.Ordinal) + 1;
        var headerLine = 4 + clean.Timestamp.Length + 3;
        var first = o - 4;
        var r = DumperRuns.Run(Scenario($"faults = [ {{ at = 1s, fault = bit-flip, offset = {12 + headerLine + first}, bytes = 8 }} ]"));

        var damaged = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Corrupt, damaged.State);
        var expected = clean.Text.ToCharArray();
        for (var i = 0; i < 8; i++)
        {
            var b = (byte)(expected[first + i] ^ (1 << i));
            expected[first + i] = b == '\n' || (b >= 0x20 && b < 0x7f) ? (char)b : '.';
        }
        Assert.Equal('.', expected[o]);   // DEL
        Assert.Equal(new string(expected), damaged.Text);
    }

    [Fact]
    public void A_torn_record_shows_what_landed_without_the_zero_tail_the_header_claims()
    {
        // The zone header claims the whole record before the memcpy; the reset leaves the rest zero.
        var r = DumperRuns.Run(Scenario("""
            nvram { write-ns-per-byte = 100000, chunk = 64 }
            watchdog { enabled = true, timeout = 80ms }
            """, cmdline: "panic=10"));

        var dmesg = r.File("dmesg-ramoops-0")!;
        Assert.Equal(RecordState.Torn, dmesg.State);
        var headerLine = 4 + dmesg.Timestamp.Length + 3;
        Assert.Equal(dmesg.StoredBytes - headerLine, dmesg.Text.Length);
        Assert.DoesNotContain('.', dmesg.Text[^1..]);
    }
}
