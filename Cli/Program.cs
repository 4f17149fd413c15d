using ActorCrash.Cli;
using Spectre.Console.Cli;

// Program.cs only wires the verbs; each verb is one command class.
StartupTrace.Mark("main");   // Cli/StartupTrace.cs: ACTORCRASH_STARTUP_TRACE=1 prints each phase
if (args is ["run", ..])
{
    // `run` is one emulation (start-up, Cli/README.md). Nothing in it repeats often enough to pay back
    // code emitted at run time: Akka's RegexOptions.Compiled patterns run on Regex's interpreter and
    // its expression trees are interpreted instead of being emitted and JIT-compiled first. Set before
    // anything reads it (RuntimeFeature reads the switch once); the campaign verbs keep emitted code.
    AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);
    // It builds its machine in the process's device system: create that ActorSystem on another core
    // while the command line and the scenario are parsed here.
    ActorCrash.Actors.Akka.DeviceHost.Prestart(StartupTrace.Mark);
    // That thread is the longer of the two (Cli/README.md): take OpenSSL's loading off it. Akka seeds its
    // ThreadLocalRandom from the system's cryptographic RNG while it creates the system, and the machine
    // hashes its crash-kernel image; whichever comes first loads OpenSSL (≈ 9 ms of CPU). Here it is done
    // while the other thread reads Akka's settings.
    System.Security.Cryptography.RandomNumberGenerator.Fill(stackalloc byte[8]);
    // A plain valid `run` command line runs without configuring Spectre (Cli/RunFastPath.cs); anything
    // else (help, a bad or unknown option, ...) goes to Spectre below, which prints what it always has.
    Interruption.Listen();
    if (RunFastPath.TryRun(args) is { } ran)
    {
        StartupTrace.Mark("exit");
        return ran;
    }
}

var app = new CommandApp();
Interruption.Listen();
app.Configure(c =>
{
    CliApp.Configure(c);
    Verbs.Register(c, args);   // Cli/Verbs.cs: every verb, its description and examples
});
StartupTrace.Mark("configured");
var exit = app.Run(args);
StartupTrace.Mark("exit");
return exit;
