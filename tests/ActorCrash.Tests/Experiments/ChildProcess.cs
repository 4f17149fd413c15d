using System.Diagnostics;
using System.Text;

namespace ActorCrash.Tests.Experiments;

/// <summary>The built actorcrash.dll run as a real child process (`dotnet actorcrash.dll ...`), for kill and signal tests.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    private ChildProcess(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "actorcrash.dll");

    public static ChildProcess Start(params string[] args) => Start(null, args);

    /// <summary>Starts with extra environment variables.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var p = new Process { StartInfo = info };
        var child = new ChildProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._out) child._out.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._err) child._err.Append(e.Data).Append('\n'); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs to the end: (exit code, stdout, stderr).</summary>
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var c = Start(args);
        return (c.Wait(TimeSpan.FromMinutes(5)), c.Out, c.Err);
    }

    public int Id => _process.Id;
    public bool Exited => _process.HasExited;

    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    public int Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            throw new TimeoutException($"actorcrash did not finish within {timeout}: {Err}");
        }
        _process.WaitForExit(); // drains the output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public void KillHard() => _process.Kill();

    /// <summary>SIGTERM, as `kill PID` sends it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
