namespace KubeFromScratch.Engine.Ssh;

/// <summary>What came back from one remote command.</summary>
public sealed record RemoteCommandOutcome(int? ExitCode, string? ExitSignal, string Output, string Error, TimeSpan Duration)
{
    /// <summary>True when the caller's time limit ended the command.</summary>
    public bool TimedOut { get; init; }
}
