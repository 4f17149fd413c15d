using System.Runtime.InteropServices;
using ActorCrash.Actors;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli;

/// <summary>What every `actorcrash` app shares (Program.cs and the tests): strict parsing, the version, one error mapping.</summary>
public static class CliApp
{
    /// <summary>Strict parsing (an unknown option is an error), --version, help at full width when piped, errors mapped in one place.</summary>
    public static void Configure(IConfigurator c)
    {
        c.SetApplicationName("actorcrash");
        c.SetApplicationVersion($"{EmulatorVersion.Value}");
        c.UseStrictParsing();
        c.Settings.CaseSensitivity = CaseSensitivity.All;
        // Piped help is read by tools and pagers: never wrap it at the 80 columns Spectre assumes.
        if (Console.IsOutputRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            console.Profile.Width = 200;
            c.ConfigureConsole(console);
        }
        c.SetExceptionHandler((e, _) => Errors.Report(e));
    }

    /// <summary>A command the tool prints (replay, shrink hints): runs as printed once the README's setup put `actorcrash` on PATH.</summary>
    public static string Command(params string[] args) => "actorcrash " + string.Join(' ', args.Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./:=,+@".Contains(ch)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
}

/// <summary>Maps every exception to a message for the user and an exit code, in one place.</summary>
public static class Errors
{
    /// <summary>The scenario a verb is working on, for an internal error raised outside a run (building a machine).</summary>
    public static ScenarioSpec? Current { get; set; }

    public static int Report(Exception e) => Report(e, Console.Error);

    public static int Report(Exception e, TextWriter err)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        switch (e)
        {
            case ScenarioException s:
                err.WriteLine($"error: {s.Message}");
                return (int)ExitCode.BadInput;
            case UsageException u:
                err.WriteLine($"error: {u.Message}");
                return (int)ExitCode.BadInput;
            case ActorCrash.Cluster.NodeSetupException n:
                err.WriteLine($"error: {n.Message}");
                return (int)ExitCode.BadInput;
            case CommandAppException c:
                err.WriteLine($"error: {c.Message}{OptionHint(c)}");
                err.WriteLine("Try 'actorcrash --help'.");
                return (int)ExitCode.BadInput;
            case EmulatorFault f:
                err.WriteLine($"internal error: {f.Message}");
                err.WriteLine($"  scenario {f.Scenario}, design {f.Design}{(f.Seed is { } seed ? $", seed {seed}" : " (building the machine)")}");
                err.WriteLine($"  replay: {CliApp.Command(["run", f.Scenario, "--design", f.Design, "--seed", $"{f.Seed ?? 1}"])}");
                err.WriteLine("  this is a bug of the emulator: please report it with the scenario (ACTORCRASH_VERBOSE=1 prints the stack)");
                Verbose(e);
                return (int)ExitCode.Internal;
            default:
                err.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
                if (Current is { } spec)
                    err.WriteLine($"  scenario {spec.Source}, design {spec.Design}, seed {spec.Seed}; replay: {CliApp.Command(["run", spec.Source, "--design", spec.Design, "--seed", $"{spec.Seed}"])}");
                err.WriteLine("  this is a bug of the emulator: please report it (ACTORCRASH_VERBOSE=1 prints the stack)");
                Verbose(e);
                return (int)ExitCode.Internal;
        }
    }

    private static void Verbose(Exception e)
    {
        if (Environment.GetEnvironmentVariable("ACTORCRASH_VERBOSE") == "1") AnsiConsole.WriteException(e);
    }

    // Spectre says "Unknown option 'sed'."; say which option was meant.
    private static string OptionHint(CommandAppException c)
    {
        var m = System.Text.RegularExpressions.Regex.Match(c.Message, "Unknown option '([^']+)'");
        if (!m.Success) return "";
        var known = typeof(CliApp).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(CommandSettings)))
            .SelectMany(t => t.GetProperties())
            .SelectMany(p => p.GetCustomAttributes(typeof(CommandOptionAttribute), true).Cast<CommandOptionAttribute>())
            .SelectMany(a => a.LongNames)
            .Distinct()
            .Where(n => n != m.Groups[1].Value);  // an option of another verb: suggest this verb's nearest
        return Suggestions.DidYouMean(m.Groups[1].Value, known, n => $"--{n}", maxDistance: 2);
    }
}

/// <summary>
/// SIGINT and SIGTERM: the first asks the running verb to stop (it prints its summary, keeps what it
/// found and exits 130 or 143); a second one ends the process at once.
/// </summary>
public static class Interruption
{
    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signal;

    /// <summary>Cancelled at the first SIGINT or SIGTERM.</summary>
    public static CancellationToken Token => Source.Token;

    /// <summary>Listens for SIGINT and SIGTERM (once per process).</summary>
    public static void Listen()
    {
        lock (Registrations)
        {
            if (Registrations.Count > 0) return;
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                Registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
                {
                    if (Interlocked.CompareExchange(ref _signal, (int)ctx.Signal, 0) != 0) return; // the second one kills
                    ctx.Cancel = true;
                    Source.Cancel();
                }));
        }
    }

    /// <summary>The exit code for a verb stopped by a signal: 130 for SIGINT, 143 for SIGTERM; null when none came.</summary>
    public static int? ExitCode => Volatile.Read(ref _signal) switch
    {
        0 => null,
        var s when s == (int)PosixSignal.SIGTERM => (int)Cli.ExitCode.Terminated,
        _ => (int)Cli.ExitCode.Interrupted,
    };
}
