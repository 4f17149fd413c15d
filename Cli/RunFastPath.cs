using System.ComponentModel;
using System.Reflection;
using ActorCrash.Cli.Commands;
using Spectre.Console.Cli;

namespace ActorCrash.Cli;

/// <summary>
/// `run` without Spectre's <see cref="CommandApp"/> when its command line is plain and valid (Cli/README.md,
/// "Start-up of `run`"). Before it binds a command line Spectre builds its command model, a help
/// provider and its parser: about 50 ms of a 190 ms `run`. A plain command line is the verb, at most
/// one scenario, and each of <see cref="RunSettings"/>' options at most once, spelt <c>--name</c>, with
/// its value (if it takes one) in the next argument, no flag followed by true or false, no argument
/// empty or (but the options) starting with '-', and settings that validate. It is bound here from <see cref="RunSettings"/>' own
/// attributes and run. Anything else (help, --version, an unknown, repeated or misspelt option,
/// <c>--name=value</c>, a missing or bad value) returns null and goes to Spectre, so every message and
/// exit code is Spectre's; so does every command line should <see cref="RunSettings"/> ever declare
/// what this binder does not know (a short name, another type, a converter or a default).
/// FastRunTests pins the two paths to the same settings and the same output.
/// </summary>
public static class RunFastPath
{
    /// <summary>The exit code of the run <paramref name="args"/> ask for; null when they are not a plain valid `run` (Spectre's case).</summary>
    public static int? TryRun(string[] args)
    {
        if (TryParse(args) is not { } settings) return null;
        try
        {
            return RunCommand.Run(settings);
        }
        catch (Exception e)
        {
            return Errors.Report(e);   // what the exception handler CliApp.Configure gives Spectre does
        }
    }

    /// <summary>The settings Spectre would bind from <paramref name="args"/>; null when they are not a plain valid `run`.</summary>
    public static RunSettings? TryParse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "run" || Model is not { } model) return null;
        StartupTrace.Mark("configured");
        var settings = new RunSettings();
        var set = new HashSet<PropertyInfo>();
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length == 0) return null;
            if (arg[0] != '-')
            {
                if (model.Argument is not { } scenario || !set.Add(scenario)) return null;
                scenario.SetValue(settings, arg);
            }
            else if (model.Options.TryGetValue(arg, out var option) && set.Add(option.Property))
            {
                if (option.IsFlag)
                {
                    // Spectre takes a following true or false as the flag's value.
                    if (i + 1 < args.Count && bool.TryParse(args[i + 1], out _)) return null;
                    option.Property.SetValue(settings, true);
                }
                else if (i + 1 < args.Count && args[i + 1] is { Length: > 0 } value && value[0] != '-')
                    option.Property.SetValue(settings, args[++i]);
                else return null;
            }
            else return null;
        }
        return settings.Validate().Successful ? settings : null;
    }

    public sealed record Option(PropertyInfo Property, bool IsFlag);

    /// <summary>The argument and the options by their long spelling (<c>--seed</c>); null when <see cref="RunSettings"/> declares something this binder does not know.</summary>
    public sealed record Binder(PropertyInfo? Argument, IReadOnlyDictionary<string, Option> Options);

    public static readonly Binder? Model = Build();

    private static Binder? Build()
    {
        PropertyInfo? argument = null;
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var p in typeof(RunSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = p.GetCustomAttributes(inherit: true);
            if (attributes.Length == 0) continue;   // a computed property (SeedValue)
            CommandOptionAttribute? option = null;
            CommandArgumentAttribute? positional = null;
            foreach (var a in attributes)
            {
                if (a is CommandOptionAttribute o) option = o;
                else if (a is CommandArgumentAttribute c) positional = c;
                else if (a is not DescriptionAttribute) return null;   // a converter, a default, a value provider...
            }
            if (p.SetMethod is null || (option is null) == (positional is null)) return null;
            if (positional is not null)
            {
                if (argument is not null || positional.Position != 0 || positional.IsRequired || p.PropertyType != typeof(string)) return null;
                argument = p;
                continue;
            }
            var flag = p.PropertyType == typeof(bool);
            if (!flag && p.PropertyType != typeof(string)) return null;
            if (option!.ShortNames.Count > 0 || option.IsRequired || option.ValueIsOptional || flag != (option.ValueName is null)) return null;
            foreach (var name in option.LongNames)
                if (!options.TryAdd("--" + name, new Option(p, flag))) return null;
        }
        return new Binder(argument, options);
    }
}
