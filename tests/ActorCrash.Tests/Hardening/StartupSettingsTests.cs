using System.Xml.Linq;
using ActorCrash.Actors.Akka;
using ActorCrash.Config;
using Akka.Event;
using Xunit;

namespace ActorCrash.Tests.Hardening;

/// <summary>
/// The settings `run`'s start-up depends on (Cli/README.md, "Start-up of `run`"): the device system's
/// logger, and the README's publish precompiling the program with its runtime in one image.
/// </summary>
public class StartupSettingsTests
{
    private const string StdoutLogger = "Akka.Event.StandardOutLogger, Akka";

    [Fact]
    public void The_device_system_logs_through_the_minimal_stdout_logger_so_no_logger_actor_starts()
    {
        var loggers = DeviceHost.SharedConfig().GetStringList("akka.loggers");
        Assert.Equal([StdoutLogger], loggers);
        // Akka starts an actor (and waits for its answer) for every logger but a MinimalLogger.
        Assert.True(typeof(MinimalLogger).IsAssignableFrom(Type.GetType(loggers[0], throwOnError: true)));
        Assert.Equal([StdoutLogger], DeviceHost.Shared.Settings.Loggers);
    }

    [Fact]
    public void The_device_system_keeps_every_other_setting_of_akka_hocon()
    {
        var shared = DeviceHost.SharedConfig();
        var hocon = AkkaSettings.Load();
        Assert.Equal(hocon.GetString("akka.loglevel"), shared.GetString("akka.loglevel"));
        Assert.Equal(hocon.GetString("actorcrash.device-dispatcher.type"), shared.GetString("actorcrash.device-dispatcher.type"));
        Assert.Equal("WARNING", DeviceHost.Shared.Settings.LogLevel);
        // Only the device system: the settings every other system is created with name no logger.
        Assert.False(hocon.HasPath("akka.loggers"));
    }

    [Fact]
    public void The_readme_publish_is_self_contained_and_one_composite_ready_to_run_image()
    {
        var project = XDocument.Load(Path.Combine(CliHardeningTests.RepoRoot(), "Cli", "Cli.csproj"));
        string? Property(string name) => project.Descendants(name).SingleOrDefault()?.Value;
        Assert.Equal("true", Property("PublishReadyToRun"));
        Assert.Equal("true", Property("PublishReadyToRunComposite"));
        Assert.Equal("true", Property("SelfContained"));
        // Publishing only: builds and tests stay framework-dependent.
        // x86-64-v3: the framework's AVX2 and BMI2 paths precompiled, not JIT-compiled at start-up.
        Assert.Equal("--instruction-set:x86-64-v3", Property("PublishReadyToRunCrossgen2ExtraArgs"));
        foreach (var name in new[] { "PublishReadyToRunComposite", "SelfContained", "PublishReadyToRunCrossgen2ExtraArgs" })
            Assert.Contains("_IsPublishing", project.Descendants(name).Single().Attribute("Condition")!.Value);
        Assert.Contains("dotnet publish Cli -c Release -o .bin", File.ReadAllText(Path.Combine(CliHardeningTests.RepoRoot(), "README.md")));
    }
}
