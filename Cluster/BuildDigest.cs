using System.Reflection;
using System.Security.Cryptography;

namespace ActorCrash.Cluster;

/// <summary>
/// A digest of the emulator's assemblies (the ones a run's result depends on), compared when a worker
/// registers: two builds may emulate differently, and mixing them would break "same experiment, same
/// table". The build is deterministic (Directory.Build.props), so the same sources give the same digest
/// on every machine.
/// </summary>
public static class BuildDigest
{
    private static readonly Lazy<string> Value = new(() => Of(EmulatorAssemblies()));

    /// <summary>This process's digest: 16 hex digits of SHA-256 over the emulator assemblies' bytes, in name order.</summary>
    public static string Current => Value.Value;

    /// <summary>The assemblies whose code decides a run: Hardware, Config, Actors, and the experiments, if loaded.</summary>
    public static IReadOnlyList<Assembly> EmulatorAssemblies()
    {
        var names = new[] { "ActorCrash.Hardware", "ActorCrash.Config", "ActorCrash.Actors", "ActorCrash.Experiments" };
        var found = new List<Assembly>();
        foreach (var name in names)
        {
            try
            {
                found.Add(Assembly.Load(name));
            }
            catch (FileNotFoundException) when (name == "ActorCrash.Experiments")
            {
                // not part of this build
            }
        }
        return found;
    }

    public static string Of(IEnumerable<Assembly> assemblies)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var a in assemblies.OrderBy(a => a.GetName().Name, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(a.GetName().Name + "\n"));
            sha.AppendData(File.ReadAllBytes(a.Location));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
