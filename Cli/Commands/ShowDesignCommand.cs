using System.ComponentModel;
using ActorCrash.Actors.Designs;
using ActorCrash.Config;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

public sealed class ShowDesignSettings : CommandSettings
{
    [CommandArgument(0, "<design>")]
    [Description("A design name, as `actorcrash designs` lists them.")]
    public string Design { get; init; } = "";

    public override ValidationResult Validate() => Designs.Find(Design) is null
        ? ValidationResult.Error($"unknown design \"{Design}\"; known: {string.Join(", ", Designs.All.Select(d => d.Name))}")
        : ValidationResult.Success();
}

/// <summary>`actorcrash show-design NAME`: what the design models, what it knows, and its panic() step by step.</summary>
public sealed class ShowDesignCommand : Command<ShowDesignSettings>
{
    public override int Execute(CommandContext context, ShowDesignSettings settings, CancellationToken cancellation)
    {
        Write(Designs.ByName(settings.Design), Console.Out);
        return (int)ExitCode.Ok;
    }

    public static void Write(PanicDesign d, TextWriter o)
    {
        var (cmdline, kconfig, sysctl) = KernelParameters.KnownBy(d.Name);
        o.WriteLine($"{d.Name}: {d.Models}");
        o.WriteLine();
        o.WriteLine(d.Description);
        o.WriteLine();
        o.WriteLine($"cmdline: {string.Join(", ", cmdline)}");
        o.WriteLine($"kconfig: {string.Join(", ", kconfig)}");
        o.WriteLine($"sysctl:  {string.Join(", ", sysctl)}");
        o.WriteLine();
        o.WriteLine($"era mechanisms (Linux {d.Era}):");
        foreach (var (mechanism, has) in d.Era.Mechanisms())
            o.WriteLine($"  [{(has ? "x" : " ")}] {mechanism}");
        o.WriteLine();
        o.WriteLine("panic():");
        for (var i = 0; i < d.Steps.Count; i++)
            o.WriteLine($"{i + 1,4}  {d.Steps[i]}");
    }
}
