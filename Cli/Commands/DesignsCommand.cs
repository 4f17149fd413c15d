using ActorCrash.Actors.Designs;
using Spectre.Console.Cli;

namespace ActorCrash.Cli.Commands;

/// <summary>`actorcrash designs`: every design, with a one-line description and the kernel version or commit it models.</summary>
public sealed class DesignsCommand : Command<EmptyCommandSettings>
{
    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellation)
    {
        Write(Console.Out);
        return (int)ExitCode.Ok;
    }

    public static void Write(TextWriter o)
    {
        var width = Designs.All.Max(d => d.Name.Length) + 2;
        foreach (var d in Designs.All)
        {
            o.WriteLine($"{d.Name.PadRight(width)}{d.Summary}");
            o.WriteLine($"{new string(' ', width)}models: {d.Models}");
        }
    }
}
