using System.Diagnostics;
using ActorCrash.Actors;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ActorCrash.Experiments;

/// <summary>A store that belongs to another experiment (or another store format): resuming into it would mix answers.</summary>
public sealed class StoreMismatchException(string message) : Exception(message);

/// <summary>
/// The durable results of an experiment: an SQLite file with one row per (experiment digest, design,
/// cell, seed), written in batched transactions with INSERT OR IGNORE, so a unit written twice (a
/// resumed run, a batch a lost worker had already sent) counts once. A committed transaction survives
/// kill -9 (WAL journal); what a killed process had not committed is simply run again.
/// One connection serves every caller, so each public member holds <c>_gate</c>: a reader on another
/// thread (a progress poll, a test) waits for the writer's transaction to commit instead of running a
/// command on a connection that is inside it.
/// </summary>
public sealed class ResultStore : IDisposable
{
    /// <summary>The store's format; a store of another version is refused.</summary>
    public const int SchemaVersion = 2;  // 2: runs keyed by (cell_id, seed), the view `runs` over them

    private readonly SqliteConnection _db;
    private readonly Stopwatch _writing = new();
    private readonly Lock _gate = new();

    private ResultStore(SqliteConnection db, string path)
    {
        _db = db;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Wall time spent inside <see cref="Write"/> so far (the benchmark's SQLite share of the wall time).</summary>
    public TimeSpan WriteTime => _writing.Elapsed;

    /// <summary>CPU time the writing threads spent inside <see cref="Write"/> so far (Linux; zero elsewhere).</summary>
    public TimeSpan WriteCpuTime { get; private set; }

    /// <summary>Rows passed to <see cref="Write"/> so far.</summary>
    public long RowsWritten { get; private set; }

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static ResultStore Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        Exec(db, "PRAGMA journal_mode = WAL");
        Exec(db, "PRAGMA synchronous = NORMAL");
        Exec(db, "PRAGMA busy_timeout = 5000");
        // One row per run keyed by a small integer (cell_id, seed): the (digest, design, cell) text is
        // stored once per cell, which keeps the key short and the insert cheap. The view `runs` reads
        // as one table keyed by (digest, design, cell, seed).
        Exec(db, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS cells (
              id INTEGER PRIMARY KEY, digest TEXT NOT NULL, design TEXT NOT NULL, cell TEXT NOT NULL,
              UNIQUE (digest, design, cell));
            CREATE TABLE IF NOT EXISTS results (
              cell_id INTEGER NOT NULL REFERENCES cells (id), seed INTEGER NOT NULL,
              outcome TEXT NOT NULL, end_ns INTEGER NOT NULL, steps INTEGER NOT NULL,
              log_saved INTEGER NOT NULL, rebooted_in_time INTEGER NOT NULL,
              probes TEXT NOT NULL, reason TEXT NOT NULL,
              PRIMARY KEY (cell_id, seed)) WITHOUT ROWID;
            CREATE VIEW IF NOT EXISTS runs AS
              SELECT c.digest, c.design, c.cell, r.seed, r.outcome, r.end_ns, r.steps, r.log_saved,
                     r.rebooted_in_time, r.probes, r.reason
              FROM results r JOIN cells c ON c.id = r.cell_id;
            """);
        var store = new ResultStore(db, path);
        var version = store.Meta("schema_version");
        if (version is null) store.SetMeta("schema_version", $"{SchemaVersion}");
        else if (version != $"{SchemaVersion}")
        {
            store.Dispose();
            throw new StoreMismatchException($"{path} is a results store of format {version}; this build writes format {SchemaVersion}: use another --out");
        }
        return store;
    }

    /// <summary>The experiment digest the store holds results of; null when it is new.</summary>
    public string? Digest => Meta("digest");

    /// <summary>Ties a new store to an experiment, or checks that an existing one holds that experiment's results.</summary>
    /// <exception cref="StoreMismatchException">The store holds another experiment (a changed file).</exception>
    public void Bind(string digest, string title, string emulatorBuild)
    {
        lock (_gate) BindLocked(digest, title, emulatorBuild);
    }

    private void BindLocked(string digest, string title, string emulatorBuild)
    {
        var held = Digest;
        if (held is null)
        {
            SetMeta("digest", digest);
            SetMeta("title", title);
            SetMeta("emulator_build", emulatorBuild);
            return;
        }
        if (held != digest)
            throw new StoreMismatchException(
                $"{Path} holds the results of another experiment (digest {held[..12]}…, \"{Meta("title")}\"); this one's digest is {digest[..12]}…: " +
                "the experiment changed since, so its rows would mix two answers. Run without --resume to start afresh, or use another --out");
        var build = Meta("emulator_build");
        if (build is not null && build != emulatorBuild)
            throw new StoreMismatchException(
                $"{Path} was written by another build of the emulator ({build[..Math.Min(12, build.Length)]}…, now {emulatorBuild[..Math.Min(12, emulatorBuild.Length)]}…): " +
                "its rows may not be what this build computes. Run without --resume to start afresh, or use another --out");
    }

    /// <summary>Writes rows in one transaction; a row already there is kept as it is. Returns how many were new.</summary>
    /// <remarks>
    /// The insert is prepared once per store and its values bound by position through SQLite's own API
    /// (the SQLitePCLRaw layer Microsoft.Data.Sqlite runs on): a row costs a few bind calls and one step,
    /// with no parameter lookup by name and no allocation; the few distinct texts (outcomes, probes,
    /// reasons) are encoded to UTF-8 once.
    /// </remarks>
    public int Write(IReadOnlyList<ResultRow> rows)
    {
        if (rows.Count == 0) return 0;
        lock (_gate) return WriteLocked(rows);
    }

    private int WriteLocked(IReadOnlyList<ResultRow> rows)
    {
        _writing.Start();
        var cpu = ThreadCpu.Now();
        try
        {
            using var tx = _db.BeginTransaction();
            var insert = _insert ??= Prepare(InsertSql);
            var db = _db.Handle!;
            var added = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                Check(raw.sqlite3_bind_int64(insert, 1, CellId(tx, r.Digest, r.Design, r.Cell)));
                Check(raw.sqlite3_bind_int64(insert, 2, unchecked((long)r.Seed)));
                Check(raw.sqlite3_bind_text(insert, 3, Utf8(OutcomeNames.Of(r.Outcome))));
                Check(raw.sqlite3_bind_int64(insert, 4, r.EndNs));
                Check(raw.sqlite3_bind_int64(insert, 5, r.Steps));
                Check(raw.sqlite3_bind_int(insert, 6, r.LogSaved ? 1 : 0));
                Check(raw.sqlite3_bind_int(insert, 7, r.RebootedInTime ? 1 : 0));
                Check(raw.sqlite3_bind_text(insert, 8, Utf8(r.Probes)));
                Check(raw.sqlite3_bind_text(insert, 9, Utf8(r.Reason)));
                var rc = raw.sqlite3_step(insert);
                raw.sqlite3_reset(insert);
                if (rc != raw.SQLITE_DONE) Check(rc);
                added += raw.sqlite3_changes(db);
            }
            tx.Commit();
            RowsWritten += rows.Count;
            return added;
        }
        catch
        {
            _cellIds.Clear();  // ids made in the rolled-back transaction do not exist
            throw;
        }
        finally
        {
            _writing.Stop();
            WriteCpuTime += ThreadCpu.Now() - cpu;
        }
    }

    private const string InsertSql = """
        INSERT OR IGNORE INTO results (cell_id, seed, outcome, end_ns, steps, log_saved, rebooted_in_time, probes, reason)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """;

    private sqlite3_stmt? _insert;
    private readonly Dictionary<string, byte[]> _utf8 = new(StringComparer.Ordinal);

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db.Handle!, sql, out var stmt));
        return stmt;
    }

    /// <summary>A text's UTF-8 bytes, encoded once: a store sees a handful of distinct outcomes, probe strings and reasons.</summary>
    private byte[] Utf8(string s)
    {
        if (!_utf8.TryGetValue(s, out var bytes))
        {
            if (_utf8.Count > 100_000) _utf8.Clear();  // bounded, whatever the reasons look like
            _utf8[s] = bytes = System.Text.Encoding.UTF8.GetBytes(s);
        }
        return bytes;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db.Handle!).utf8_to_string()}'.", rc);
    }

    private readonly Dictionary<(string Digest, string Design, string Cell), long> _cellIds = [];

    /// <summary>The id of a (digest, design, cell), made on first use inside the writing transaction.</summary>
    private long CellId(SqliteTransaction tx, string digest, string design, string cell)
    {
        if (_cellIds.TryGetValue((digest, design, cell), out var id)) return id;
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT OR IGNORE INTO cells (digest, design, cell) VALUES ($d, $g, $c);
            SELECT id FROM cells WHERE digest = $d AND design = $g AND cell = $c;
            """;
        cmd.Parameters.AddWithValue("$d", digest);
        cmd.Parameters.AddWithValue("$g", design);
        cmd.Parameters.AddWithValue("$c", cell);
        id = (long)cmd.ExecuteScalar()!;
        _cellIds[(digest, design, cell)] = id;
        return id;
    }

    /// <summary>How many rows the experiment has.</summary>
    public long Count(string digest)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM runs WHERE digest = $d";
            cmd.Parameters.AddWithValue("$d", digest);
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>The (design, cell, seed) keys the experiment already has.</summary>
    public HashSet<(string Design, string Cell, ulong Seed)> Done(string digest)
    {
        lock (_gate)
        {
            var done = new HashSet<(string, string, ulong)>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT design, cell, seed FROM runs WHERE digest = $d";
            cmd.Parameters.AddWithValue("$d", digest);
            using var r = cmd.ExecuteReader();
            while (r.Read()) done.Add((r.GetString(0), r.GetString(1), unchecked((ulong)r.GetInt64(2))));
            return done;
        }
    }

    /// <summary>Every row of the experiment, in key order (design, cell, seed as stored).</summary>
    public IReadOnlyList<ResultRow> Rows(string digest)
    {
        lock (_gate)
        {
            var rows = new List<ResultRow>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT design, cell, seed, outcome, end_ns, steps, log_saved, rebooted_in_time, probes, reason
                FROM runs WHERE digest = $d ORDER BY design, cell, seed
                """;
            cmd.Parameters.AddWithValue("$d", digest);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                rows.Add(new ResultRow(digest, r.GetString(0), r.GetString(1), unchecked((ulong)r.GetInt64(2)), OutcomeNames.Parse(r.GetString(3)),
                    r.GetInt64(4), r.GetInt64(5), r.GetInt64(6) != 0, r.GetInt64(7) != 0, r.GetString(8), r.GetString(9)));
            return rows;
        }
    }

    public string? Meta(string key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
            cmd.Parameters.AddWithValue("$k", key);
            return cmd.ExecuteScalar() as string;
        }
    }

    public void SetMeta(string key, string value)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
            cmd.Parameters.AddWithValue("$k", key);
            cmd.Parameters.AddWithValue("$v", value);
            cmd.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _insert?.Dispose();  // finalized before the connection closes
            _db.Dispose();
        }
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>How outcomes are written in the store, the journal and the report.</summary>
public static class OutcomeNames
{
    public static string Of(Outcome o) => o switch
    {
        Outcome.VmcoreCaptured => "vmcore",
        Outcome.Rebooted => "rebooted",
        Outcome.Halted => "halted",
        Outcome.Hung => "hung",
        _ => "survived",
    };

    public static Outcome Parse(string s) => s switch
    {
        "vmcore" => Outcome.VmcoreCaptured,
        "rebooted" => Outcome.Rebooted,
        "halted" => Outcome.Halted,
        "hung" => Outcome.Hung,
        "survived" => Outcome.Survived,
        _ => throw new FormatException($"unknown outcome \"{s}\" in the store"),
    };
}
