using System.Buffers.Binary;
using System.Text;
using ActorCrash.Actors.Runtime;
using ActorCrash.Hardware;

namespace ActorCrash.Actors.Kernel.Dumpers;

/// <summary>
/// mtdoops (drivers/mtd/mtdoops.c): records of record_size in pages of an MTD partition, each behind
/// a header { u32 seq; u32 magic; } (today: + ktime_t, magic 0x5d005e00). A panic-time dump is
/// written at once through the MTD driver's panic_write, which polls the chip and can only program
/// an erased page; an OOPS dump is left to work_write, and a used next page to work_erase: no
/// kworker runs after a panic. On attach, find_next_position() reads every page header to pick the
/// next page. Pages in bad erase blocks are skipped there and by work_erase, which also marks a
/// block bad when three erases of it fail. Domain reference §1.2 step 6c, §2.10, §4.4.
/// </summary>
public sealed class Mtdoops : KmsgDumper
{
    public const uint MagicV1 = 0x5d005d00;   // MTDOOPS_KERNMSG_MAGIC_v1
    public const uint MagicV2 = 0x5d005e00;   // MTDOOPS_KERNMSG_MAGIC_v2
    private const uint Free = 0xffffffff;

    private readonly ActorId _mtd;
    private readonly MtdActor _chip;
    private readonly MtdFlash _flash;
    private readonly int _recordSize;
    private readonly int _pages;
    private readonly bool _current;
    private readonly bool _panicWrite;
    private readonly bool _dumpOops;
    private readonly int _priorRecords;
    private readonly int _chunk;
    private readonly bool[] _used;
    private readonly Written?[] _meant;
    private readonly int _pagesPerBlock;
    private int _nextPage;
    private int _eraseTries, _blocksSkipped;
    private uint _nextCount;
    private bool _oopsBufBusy;
    private bool _panicErasing;   // a panic-time mtdoops_erase() the panic CPU waits for
    private int _panicEraseAt = -1;   // the block that erase is at (it moves on past failed and bad blocks)
    private long _issued;

    private sealed record Written(KmsgDumpReason Reason, long AtNs, byte[] Bytes, bool OverUsedPage, bool Old, bool ErasedAfter = false, int Errno = 0);

    public Mtdoops(ActorId mtd, MtdActor chip, int recordSize, bool dumpOops, bool current, bool panicWrite, int priorRecords, int chunk)
        : base("mtdoops")
    {
        _mtd = mtd;
        _chip = chip;
        _flash = chip.Flash;
        _recordSize = recordSize;
        _pages = _flash.Size / recordSize;
        _current = current;
        _panicWrite = panicWrite;
        _dumpOops = dumpOops;
        _priorRecords = priorRecords;
        _chunk = chunk;
        _used = new bool[_pages];
        _meant = new Written?[_pages];
        _pagesPerBlock = _flash.EraseSize / recordSize;
        chip.Erased = OnErased;
    }

    public MtdFlash Flash => _flash;

    private int HeaderSize => _current ? 16 : 8;

    public override IReadOnlyList<string> BootMessages =>
        [$"mtdoops: Attached to MTD device 0", .. _panicWrite ? Array.Empty<string>() : ["mtdoops: Panic write not supported by mtd0"]];

    /// <summary>Boot: the partition as earlier boots left it, then mtdoops_notify_add() → find_next_position().</summary>
    public override void Reset()
    {
        _flash.Blank();
        Array.Clear(_meant);
        // Earlier boots' records, in the good pages from page 0 on.
        var goodPages = Enumerable.Range(0, _pages).Where(p => !_flash.IsBad(p * _recordSize)).Take(_priorRecords).ToArray();
        for (var n = 0; n < goodPages.Length; n++)
        {
            var page = goodPages[n];
            var record = Record((uint)(n + 1), -VirtualTime.Second * (goodPages.Length - n), $"<0>[ old] oops from an earlier boot, record {n + 1}\n");
            _flash.Program(page * _recordSize, record, out _);
            _meant[page] = new Written(KmsgDumpReason.Oops, -1, record, false, Old: true);
        }
        _oopsBufBusy = false;
        // Stryker disable once Boolean : a panic-time erase sets it before the panic CPU's wait, its only reader
        _panicErasing = false;
        // Stryker disable once Unary : any value no erase starts at (offsets are whole erase blocks)
        _panicEraseAt = -1;
        _issued = 0;
        var (next, count, erase) = FindNextPosition();
        (_nextPage, _nextCount) = (next, count);
        // work_erase at boot: a kworker runs it, and the block is erased after the erase time.
        if (erase) WorkErase();
    }

    /// <summary>
    /// mtdoops_workfunc_erase(): from the start of the next page's block, skip bad blocks ("bad block
    /// at"), then erase (up to three tries); a block whose erases fail is marked bad and skipped.
    /// </summary>
    private void WorkErase(bool panic = false)
    {
        _blocksSkipped = 0;
        var mod = _nextPage * _recordSize % _flash.EraseSize;
        if (mod != 0) _nextPage = NextPage(_nextPage + (_flash.EraseSize - mod) / _recordSize);
        if (SkipBadBlocks(panic: panic)) EraseNextBlock(tries: 0, panic);
    }

    /// <summary>The while (mtd_block_isbad()) loop: false if every block is bad.</summary>
    private bool SkipBadBlocks(bool markedBad = false, bool panic = false)
    {
        while (markedBad || _flash.IsBad(_nextPage * _recordSize))
        {
            markedBad = false;
            KworkerPrintk($"mtdoops: bad block at {_nextPage * _recordSize:x8}");
            _blocksSkipped++;
            _nextPage = NextPage(_nextPage + _pagesPerBlock);
            if (_blocksSkipped == _pages / _pagesPerBlock)
            {
                KworkerPrintk("mtdoops: all blocks bad!");
                if (panic) _panicErasing = false;
                return false;
            }
        }
        return true;
    }

    // panic: an erase of the panic's mtdoops_erase(), which the panic CPU waits for.
    private void EraseNextBlock(int tries, bool panic = false)
    {
        _eraseTries = tries;
        if (panic) _panicEraseAt = _nextPage * _recordSize;
        _chip.Runtime.Send(_mtd, _mtd, new MtdErase(_nextPage * _recordSize), _flash.EraseNs);
    }

    private int NextPage(int page) => page >= _pages ? 0 : page;

    // printk from the kworker: into the log buffer (a later console flush prints it).
    private void KworkerPrintk(string line)
    {
        _chip.Machine.Kernel.Log.Append(_chip.Runtime.Now, line);
        _chip.Machine.Note(-1, line);
    }

    public override IEnumerable<Op> Dump(CpuActor cpu, KmsgDumpReason reason, int logEnd)
    {
        if (reason is not (KmsgDumpReason.Oops or KmsgDumpReason.Panic or KmsgDumpReason.Kexec)) yield break;
        if (reason == KmsgDumpReason.Oops && !_dumpOops) yield break;
        var k = cpu.Machine.Kernel;
        if (_current)
        {
            // test_and_set_bit(0, &oops_buf_busy): one oops_buf; a concurrent (or still unwritten) dump is dropped.
            if (_oopsBufBusy)
            {
                k.Milestone(cpu, $"mtdoops: oops_buf busy, {Kmsg.Name(reason)} dump dropped");
                yield break;
            }
            _oopsBufBusy = true;
        }
        yield return Op.Delay(cpu.Machine.Timing.StepNs);   // memset(oops_buf, 0xff); kmsg_dump_get_buffer() after the header
        var text = k.Log.Tail(logEnd, _recordSize - HeaderSize);
        if (reason != KmsgDumpReason.Oops)
        {
            // Panics must be written immediately.
            yield return Op.Call(MtdoopsWrite(cpu, reason, text, panic: true));
            // 3.x–5.x: "For other cases, schedule work to write it nicely" runs for panics too (no else).
            if (cpu.Machine.Design.Era.MtdoopsScheduleWorkAfterPanicWrite)
                yield return Op.Call(Workqueue.ScheduleWork(cpu, "mtdoops work_write"));
            yield break;
        }
        // For other cases, schedule work to write it "nicely": no kworker runs once the machine panics.
        k.Milestone(cpu, "mtdoops: OOPS dump left to work_write (never runs after a panic)");
    }

    /// <summary>mtdoops_write(cxt, panic).</summary>
    private IEnumerable<Op> MtdoopsWrite(CpuActor cpu, KmsgDumpReason reason, string text, bool panic)
    {
        var k = cpu.Machine.Kernel;
        var page = _nextPage;
        var record = Record(_nextCount, cpu.Runtime.Now, text);
        if (panic && !_panicWrite)
        {
            yield return Op.Call(Printk.Vprintk(cpu, "mtdoops: Cannot write from panic without panic_write"));
            // Stryker disable once Boolean : no later dump reaches mtdoops in a boot of the current era (panic_cpu lets one panic through, crash_kexec dumps nothing, an oops's dump keeps oops_buf busy)
            _oopsBufBusy = false;
            yield break;
        }
        _chip.Error = 0;
        var target = _chip.BytesDone + record.Length;
        var landedBefore = _chip.BytesLanded;
        var offset = page * _recordSize;
        _meant[page] = new Written(reason, cpu.Runtime.Now, record, OverUsedPage: !_flash.IsErased(offset, _recordSize), Old: false);
        yield return Op.Call(NvramPort.Chunked(cpu, _mtd, offset, record, _chunk, _flash.ProgramNsPerByteNow,
            (at, piece) => new MtdProgram(at, piece), n => _issued += n));
        // mtd_panic_write() polls the chip until the program completes.
        yield return Op.WaitFor(_chip.Status, () => _chip.BytesDone >= target, VirtualTime.Second);
        var errno = cpu.LastWaitTimedOut ? Pstore.EIO : _chip.Error;
        if (errno != 0)
        {
            _meant[page] = _meant[page]! with { Errno = errno };
            var written = cpu.LastWaitTimedOut ? 0 : _chip.BytesLanded - landedBefore;
            yield return Op.Call(Printk.Vprintk(cpu, $"mtdoops: write failure at {offset} ({written} of {_recordSize} written), error -{errno}"));
        }
        k.Milestone(cpu, $"mtdoops: page {page} written (seq {_nextCount}, {Kmsg.Name(reason)}{(_meant[page]!.OverUsedPage ? ", over a used page" : "")})");
        _used[page] = true;
        yield return Op.Call(MtdoopsIncCounter(cpu, panic));
        // Stryker disable once Boolean : as above: nothing dumps after a panic-time write in the current era
        _oopsBufBusy = false;
    }

    /// <summary>
    /// mtdoops_inc_counter(cxt, panic): the next page; if it is used, ≈6.2 on a panic erases its block
    /// at once on this CPU ("In case of panic, erase immediately": the erase time passes here, a bad
    /// block met is skipped or marked, and the next boot finds the block erased); otherwise
    /// schedule_work(&amp;work_erase), which no kworker runs after a panic.
    /// </summary>
    private IEnumerable<Op> MtdoopsIncCounter(CpuActor cpu, bool panic)
    {
        IncCounter();
        if (!_used[_nextPage]) yield break;
        if (panic && cpu.Machine.Design.Era.MtdoopsPanicErase)
        {
            cpu.Machine.Kernel.Milestone(cpu, $"mtdoops: page {_nextPage} used, erasing its block in the panic");
            _panicErasing = true;
            WorkErase(panic: true);   // mtdoops_erase(cxt)
            while (_panicErasing)   // mtd_erase() completes before it returns
                // Stryker disable once Arithmetic : the loop waits again until the erase is done: the timeout only bounds one wait
                yield return Op.WaitFor(_chip.Status, () => !_panicErasing, VirtualTime.Second * 3600);
            cpu.Machine.Kernel.Milestone(cpu, "mtdoops: erase done in the panic");
            yield break;
        }
        yield return Op.Call(Workqueue.ScheduleWork(cpu, "mtdoops work_erase"));
    }

    /// <summary>
    /// mtdoops_inc_counter(): the next page. If it is used, work_erase is scheduled, but no kworker
    /// runs after a panic: a second panic-time write lands on the used page.
    /// </summary>
    private void IncCounter()
    {
        _nextPage = NextPage(_nextPage + 1);
        _nextCount = _nextCount + 1 == Free ? 0 : _nextCount + 1;
    }

    // mtdoops_erase_block() done: every page of the block is free again. A failed erase is retried
    // (three tries), then the block is marked bad and work_erase goes on to the next good block.
    // The panic's own erase is told from an erase the boot's work_erase started earlier, which can
    // end first: mtd_erase() returns when the block it asked for is erased.
    private void OnErased(int offset, int errno)
    {
        var panic = _panicErasing && offset == _panicEraseAt;
        if (errno != 0)
        {
            KworkerPrintk($"mtdoops: erase of region [0x{offset:x}, 0x{offset + _flash.EraseSize:x}] on \"mtd0\" failed");
            if (_eraseTries + 1 < 3)
            {
                EraseNextBlock(_eraseTries + 1, panic);
                return;
            }
            _flash.MarkBad(offset);   // ret == -EIO: mtd_block_markbad(), then goto badblock
            // Stryker disable once Boolean : the block was marked bad on the line above, so mtd_block_isbad() is true anyway
            if (SkipBadBlocks(markedBad: true, panic)) EraseNextBlock(tries: 0, panic);
            return;
        }
        if (panic) _panicErasing = false;
        var first = offset / _flash.EraseSize * _flash.EraseSize / _recordSize;
        // Stryker disable once Equality : the partition is a whole number of erase blocks (Config/DumperEntries), so the block's own bound ends the loop first
        for (var p = first; p < first + _flash.EraseSize / _recordSize && p < _pages; p++)
        {
            _used[p] = false;
            if (_meant[p] is { Old: true }) _meant[p] = null;   // an earlier boot's record, erased as the driver meant
            else if (_meant[p] is { } lost) _meant[p] = lost with { ErasedAfter = true };
        }
    }

    private byte[] Record(uint seq, long atNs, string text)
    {
        var record = new byte[_recordSize];
        Array.Fill(record, MtdFlash.Erased);
        BinaryPrimitives.WriteUInt32LittleEndian(record, seq);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), _current ? MagicV2 : MagicV1);
        if (_current) BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), (Printk.EpochAtStart * VirtualTime.Second) + atNs);
        var body = Encoding.ASCII.GetBytes(text);
        // Stryker disable once Arithmetic : the text is at most record_size - header bytes already (the log's tail taken in Dump)
        body.AsSpan(0, Math.Min(body.Length, _recordSize - HeaderSize)).CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    /// <summary>find_next_position() + mtdoops_inc_counter() on the flash as it is: (next page, next seq, needs an erase).</summary>
    private (int Page, uint Count, bool Erase) FindNextPosition()
    {
        var maxPos = 0;
        var maxCount = Free;
        for (var page = 0; page < _pages; page++)
        {
            _used[page] = false;
            if (_flash.IsBad(page * _recordSize)) continue;   // mtd_block_isbad(): not read, not used
            var (seq, magic) = Header(page);
            _used[page] = !(seq == Free && magic == Free);
            if (seq == Free || (magic != MagicV1 && magic != MagicV2)) continue;
            if (maxCount == Free
                || (seq < 0x40000000 && maxCount > 0xc0000000)
                || (seq > maxCount && seq < 0xc0000000)
                || (seq > maxCount && seq > 0xc0000000 && maxCount > 0x80000000))
            {
                maxCount = seq;
                maxPos = page;
            }
        }
        // Stryker disable once Arithmetic : NextPage() below maps every page past the end to page 0
        var (next, count) = maxCount == Free ? (_pages - 1, 0u) : (maxPos, maxCount);
        next = NextPage(next + 1);
        count = count + 1 == Free ? 0 : count + 1;
        return (next, count, _used[next]);
    }

    private (uint Seq, uint Magic) Header(int page)
    {
        var h = _flash.Read(page * _recordSize, 8);
        return (BinaryPrimitives.ReadUInt32LittleEndian(h), BinaryPrimitives.ReadUInt32LittleEndian(h[4..]));
    }

    /// <summary>The next boot: every page with a valid header, compared with what was meant to be there.</summary>
    public override IReadOnlyList<NvramRecord> ReadBack()
    {
        var records = new List<NvramRecord>();
        for (var page = 0; page < _pages; page++)
        {
            var bytes = _flash.Read(page * _recordSize, _recordSize);
            var (seq, magic) = Header(page);
            var meant = _meant[page];
            var valid = seq != Free && magic is MagicV1 or MagicV2;
            if (!valid && meant is null) continue;
            var matching = meant is null ? 0 : bytes.CommonPrefixLength(meant.Bytes);
            var exact = meant is not null && matching == _recordSize;
            var flipped = _flash.FlippedBytes(page * _recordSize, _recordSize);
            var state = meant is null ? RecordState.Corrupt
                : exact ? (meant.Old ? RecordState.Old : RecordState.Intact)
                : meant.OverUsedPage || flipped > 0 ? RecordState.Corrupt
                : matching == 0 && meant.Errno != 0 ? RecordState.Lost
                : RecordState.Torn;
            var body = bytes[Math.Min(HeaderSize, bytes.Length)..];
            var end = body.IndexOf(MtdFlash.Erased);
            var stamp = magic == MagicV2 ? Pstore.Timestamp(BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]) - Printk.EpochAtStart * VirtualTime.Second) : "";
            records.Add(new NvramRecord(
                Name: $"mtdoops page {page}",
                Dumper: Name,
                Reason: meant?.Reason ?? KmsgDumpReason.Oops,
                WrittenAtNs: meant?.AtNs ?? -1,
                IntendedBytes: meant?.Bytes.Length ?? 0,
                StoredBytes: matching,
                Intact: state is RecordState.Intact or RecordState.Old,
                Text: RecordText.Printable(end < 0 ? body : body[..end]),
                State: state,
                Timestamp: stamp,
                Note: Describe(valid, seq, magic, meant, flipped)));
        }
        return records;
    }

    private static string Describe(bool valid, uint seq, uint magic, Written? meant, int flipped)
    {
        if (meant?.ErasedAfter == true) return "erased by the boot's work_erase after the panic write: the record is gone";
        // A failed program (not one over a used page, which the note's end explains).
        var failure = meant is { Errno: not 0 and var e, OverUsedPage: false } ? $"write failure, error -{e}: " : "";
        if (seq == Free && magic == Free) return $"{failure}the page reads erased (0xFF): nothing landed";
        var how = (meant?.OverUsedPage == true ? ", programmed over a used page (old AND new)" : "")
            + (flipped > 0 ? $", {flipped} byte(s) read back with flipped bits" : "");
        return failure + (valid ? $"seq {seq}, magic 0x{magic:x8}{how}" : $"bad header (seq 0x{seq:x8}, magic 0x{magic:x8}){how}: find_next_position() skips it");
    }

    public override StorageReport? Storage()
    {
        var (next, count, erase) = FindNextPosition();
        // A partial program or a bad block counts as a write error.
        string[] rejected = _flash.BytesRejected > 0 ? [$"mtd0: {_flash.BytesRejected} bytes rejected by {_flash.Refusing.Describe()}"] : [];
        return new StorageReport(Name, "mtd0", _issued, _chip.BytesLanded,
            [.. rejected, erase ? $"mtdoops: page {next} is used: work_erase erases block {next * _recordSize / _flash.EraseSize} first"
                   : $"mtdoops: ready {next}, {count} (no erase)"]);
    }
}
