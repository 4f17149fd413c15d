using ActorCrash.Cli;
using ActorCrash.Cli.Commands;
using ActorCrash.Config;
using Spectre.Console;
using Spectre.Console.Cli;

// Program.cs only wires the verbs; each verb is one command class.
var app = new CommandApp();
app.Configure(c =>
{
    c.SetApplicationName("actorcrash");
    c.AddCommand<RunCommand>("run")
        .WithDescription("Run an emulated machine through a panic: console, milestones, outcome, NVRAM after the reset.")
        .WithExample("run")
        .WithExample("run", "scenarios/thread-2011.hocon", "--seed", "7", "--trace");
    c.AddCommand<BenchCommand>("bench")
        .WithDescription("Measure emulations and messages per second of the default scenario at several CPU counts.")
        .WithExample("bench", "--cpus", "8,64,512");
    c.SetExceptionHandler((e, _) => Errors.Report(e));
});
return app.Run(args);

namespace ActorCrash.Cli
{
    /// <summary>Maps every exception to a message for the user and an exit code, in one place.</summary>
    internal static class Errors
    {
        public static int Report(Exception e)
        {
            switch (e)
            {
                case ScenarioException s:
                    Console.Error.WriteLine($"error: {s.Message}");
                    return (int)ExitCode.BadInput;
                case CommandAppException c:
                    Console.Error.WriteLine($"error: {c.Message}");
                    Console.Error.WriteLine("Try 'actorcrash --help'.");
                    return (int)ExitCode.BadInput;
                default:
                    Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
                    if (Environment.GetEnvironmentVariable("ACTORCRASH_VERBOSE") == "1") AnsiConsole.WriteException(e);
                    return (int)ExitCode.Internal;
            }
        }
    }
}
