using ActorCrash.Experiments;

namespace ActorCrash.Cluster;

/// <summary>Marks the messages that cross between nodes; <see cref="ProtocolSerializer"/> writes them.</summary>
public interface IClusterMessage;

/// <summary>
/// Worker → coordinator: this node wants work. <paramref name="Build"/> is its emulator build (<see cref="EmulatorBuild.Id"/>);
/// the reply is <see cref="Welcome"/> or <see cref="Refused"/>.
/// </summary>
public sealed record Register(string Build, string Node, int Cores) : IClusterMessage;

/// <summary>Coordinator → worker, reply to <see cref="Register"/>: the campaign it will be given work from.</summary>
public sealed record Welcome(string Experiment, string Title) : IClusterMessage;

/// <summary>Coordinator → worker, reply to <see cref="Register"/>: this node may not take part, and why.</summary>
public sealed record Refused(string Why) : IClusterMessage;

/// <summary>Worker → coordinator: up to <paramref name="Slots"/> more batches; replies are <see cref="Work"/>s or one <see cref="NoWork"/>.</summary>
public sealed record RequestWork(int Slots) : IClusterMessage;

/// <summary>
/// Coordinator → worker, reply to <see cref="RequestWork"/>: run this batch and answer
/// <see cref="WorkDone"/>. The experiment text comes with the first batch of each campaign a worker
/// gets (null afterwards: the worker keeps it by digest), so a worker needs no files.
/// </summary>
public sealed record Work(long Batch, WorkUnit Unit, string? ExperimentText) : IClusterMessage;

/// <summary>Coordinator → worker, reply to <see cref="RequestWork"/>: nothing to hand out now; <paramref name="Finished"/> when the campaign is over.</summary>
public sealed record NoWork(bool Finished) : IClusterMessage;

/// <summary>
/// Worker → coordinator: the batch's rows, encoded by the experiment's <see cref="IWorkRunner"/>
/// (<paramref name="Runs"/> of them), and how long the worker took (for progress only).
/// </summary>
public sealed record WorkDone(long Batch, WorkUnit Unit, byte[] Rows, int Runs, double Seconds) : IClusterMessage;

/// <summary>Worker → coordinator: the batch could not be run at all (the experiment text did not load); the campaign fails with this message.</summary>
public sealed record WorkFailed(long Batch, WorkUnit Unit, string Error) : IClusterMessage;

/// <summary>Coordinator → every worker: the campaign is complete; stop asking.</summary>
public sealed record CampaignOver(string Experiment) : IClusterMessage;
