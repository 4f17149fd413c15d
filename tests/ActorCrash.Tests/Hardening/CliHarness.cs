using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using Spectre.Console.Cli;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>Tests that capture the process's console run alone, never beside another test writing to it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

/// <summary>The `actorcrash` app as Program.cs wires it, run in-process with its output captured.</summary>
public static partial class CliHarness
{
    public sealed record Result(int Exit, string Out, string Err);

    /// <summary>Through Spectre's CommandApp, whatever the verb.</summary>
    public static Result Run(params string[] args) => Capture(() => Spectre(args));

    /// <summary>As Program.cs chooses: a plain valid `run` through <see cref="RunFastPath"/>, anything else through Spectre.</summary>
    public static Result RunAsProgram(params string[] args) => Capture(() => RunFastPath.TryRun(args) ?? Spectre(args));

    private static int Spectre(string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            CliApp.Configure(c);
            Verbs.Register(c, args);
        });
        return app.Run(args);
    }

    private static Result Capture(Func<int> run)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter { NewLine = "\n" }, new StringWriter { NewLine = "\n" });
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            var exit = run();
            return new Result(exit, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Errors.Current = null;
        }
    }

    /// <summary>A fresh directory for outputs.</summary>
    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"actorcrash-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Compares <paramref name="actual"/> with Golden/NAME, after masking wall-clock figures;
    /// ACTORCRASH_UPDATE_GOLDEN=1 rewrites the file instead (review the diff before committing).
    /// </summary>
    public static void Golden(string name, string actual, [CallerFilePath] string here = "")
    {
        var masked = Mask(actual);
        var path = Path.Combine(Path.GetDirectoryName(here)!, "Golden", name);
        if (Environment.GetEnvironmentVariable("ACTORCRASH_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, masked);
            return;
        }
        Assert.True(File.Exists(path), $"no golden file {path}: run with ACTORCRASH_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(path), masked);
    }

    public static string Mask(string text)
    {
        text = Elapsed().Replace(text, "in <elapsed> s (<rate> runs/s");
        text = ElapsedJson().Replace(text, "\"elapsed_seconds\": <elapsed>");
        return TempPath().Replace(text, "<tmp>");
    }

    [GeneratedRegex(@"in [0-9.]+ s \([0-9,]+ runs/s")]
    private static partial Regex Elapsed();

    [GeneratedRegex(@"""elapsed_seconds"": [0-9.E+-]+")]
    private static partial Regex ElapsedJson();

    [GeneratedRegex(@"/tmp/actorcrash-[A-Za-z]+-[0-9]+-[0-9a-f]{32}")]
    private static partial Regex TempPath();
}
