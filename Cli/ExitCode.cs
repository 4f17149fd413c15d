namespace ActorCrash.Cli;

/// <summary>The program's exit codes, in one place.</summary>
public enum ExitCode
{
    Ok = 0,
    /// <summary>A property the scenario requires was violated.</summary>
    Violation = 1,
    /// <summary>Bad input or usage: the message says what, where and what was expected.</summary>
    BadInput = 2,
    /// <summary>A bug of the emulator (a failed self-check included).</summary>
    Internal = 3,
    /// <summary>Stopped by SIGINT (Ctrl-C): the summary was printed and everything found so far saved.</summary>
    Interrupted = 130,
    /// <summary>Stopped by SIGTERM: as for SIGINT.</summary>
    Terminated = 143,
}
