using System.Text;
using ActorCrash.Cli.Commands;

namespace ActorCrash.Cli;

/// <summary>
/// The files a user names on the command line for a view of a run or campaign (`--perfetto FILE`,
/// `--svg FILE`, `--coverage FILE`): checked before any run (a path that cannot be written is a usage
/// error, exit 2, naming the option), then written atomically (a temporary file beside it, then a
/// rename over it: a kill leaves the old file or the new one, never half of one). Unlike violation
/// files, a named file is replaced: the user asked for that path.
/// </summary>
public static class TraceFiles
{
    /// <summary>Throws a <see cref="UsageException"/> unless <paramref name="path"/> can be written.</summary>
    public static void CheckWritable(string option, string path)
    {
        if (path.Length == 0) throw new UsageException($"{option}: expected a file path, got an empty one");
        if (Directory.Exists(path)) throw new UsageException($"{option}: \"{path}\" is a directory; expected a file path");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new UsageException($"{option}: cannot write \"{path}\": the directory \"{dir}\" does not exist");
        var probe = Path.Combine(dir, $".actorcrash-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
            if (File.Exists(path)) using (new FileStream(path, FileMode.Open, FileAccess.Write)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"{option}: cannot write \"{path}\": {e.Message}");
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void Write(string option, string path, string text)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(new UTF8Encoding(false).GetBytes(text));
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"{option}: cannot write \"{path}\": {e.Message}");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

/// <summary>`--perfetto FILE` and `--svg FILE` of `run` and `replay`: check the paths first, then write the recorded run's views.</summary>
public static class RunViews
{
    public const string PerfettoOption = "--perfetto";
    public const string SvgOption = "--svg";

    public static bool Wanted(string? perfetto, string? svg) => perfetto is not null || svg is not null;

    public static void Check(string? perfetto, string? svg)
    {
        if (perfetto is not null) TraceFiles.CheckWritable(PerfettoOption, perfetto);
        if (svg is not null) TraceFiles.CheckWritable(SvgOption, svg);
    }

    /// <summary>Writes the views asked for and says so on <paramref name="say"/>.</summary>
    public static void Write(Actors.Tracing.RecordedRun run, string? perfetto, string? svg, TextWriter say)
    {
        var cut = run.Recording.Truncated ? $" (cut at {run.Recording.MaxEvents} events)" : "";
        if (perfetto is not null)
        {
            TraceFiles.Write(PerfettoOption, perfetto, Experiments.Traces.PerfettoTrace.Render(run));
            say.WriteLine($"perfetto: wrote {perfetto}{cut}: open it in https://ui.perfetto.dev or chrome://tracing");
        }
        if (svg is not null)
        {
            TraceFiles.Write(SvgOption, svg, Experiments.Traces.SequenceDiagram.Render(run));
            say.WriteLine($"svg: wrote {svg} (sequence diagram, {run.Result.Trace!.Count} deliveries)");
        }
    }
}
