using ActorCrash.Actors.Kernel;

namespace ActorCrash.Actors.Tracing;

/// <summary>
/// A passive observer of one machine's runs (<see cref="Runtime.MachineRuntime.Observer"/>): the
/// runtime reports each message posted and each delivery, the CPUs each kernel-function frame they
/// enter and leave. It never changes the run; with none attached (the default) the hooks cost a null
/// check. Used by the trace exporters (<see cref="RunRecording"/>) and coverage.
/// </summary>
public interface IRunObserver
{
    /// <summary>The runtime starts a run: forget the last one.</summary>
    void Started();

    /// <summary>A message with send sequence <paramref name="seq"/> was posted at <paramref name="now"/>.</summary>
    void Sent(long seq, int from, int to, long now);

    /// <summary>The message with send sequence <paramref name="seq"/> is delivered now (it is the runtime's next trace entry).</summary>
    void Delivering(long seq, long now);

    /// <summary>
    /// CPU <paramref name="cpu"/> pushed a frame running <paramref name="code"/> (a kernel routine);
    /// <paramref name="context"/> 0 task, 1 interrupt handler, 2 NMI handler.
    /// </summary>
    void Entered(int cpu, long now, IEnumerator<Op> code, int context);

    /// <summary>CPU <paramref name="cpu"/>'s top frame returned (or was discarded by an oops).</summary>
    void Left(int cpu, long now);
}
