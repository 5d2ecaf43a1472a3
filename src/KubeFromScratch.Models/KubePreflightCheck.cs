namespace KubeFromScratch;

/// <summary>The verdict of one preflight check.</summary>
public enum KubePreflightStatus
{
    /// <summary>Nothing stands in the way.</summary>
    Pass = 0,

    /// <summary>Kubernetes can be brought up, but something deserves a look (see the hint).</summary>
    Warn,

    /// <summary>Bringing up Kubernetes on this host would fail or misbehave until this is fixed (see the hint).</summary>
    Fail,
}

/// <summary>
/// The outcome of one check on one host before Kubernetes is brought up there: what <c>Test-KubeHostPreflight</c>
/// returns, one per host and check.
/// </summary>
public sealed class KubePreflightCheck
{
    internal KubePreflightCheck(string host, string check, KubePreflightStatus status, string detail, string? hint,
        KfsException? failure = null)
    {
        Host = host;
        Check = check;
        Status = status;
        Detail = detail;
        Hint = hint;
        Failure = failure;
    }

    /// <summary>The host's name in this session (core-01).</summary>
    public string Host { get; }

    /// <summary>The check's name: OperatingSystem, Systemd, Sudo, Swap, Ports, Clock, HostName, MachineId, Memory, Sysctl.</summary>
    public string Check { get; }

    /// <summary>Pass, Warn or Fail.</summary>
    public KubePreflightStatus Status { get; }

    /// <summary>What was found, in words (also when the check passed).</summary>
    public string Detail { get; }

    /// <summary>What to do about it; null when the check passed.</summary>
    public string? Hint { get; }

    /// <summary>True when the check passed.</summary>
    public bool Passed => Status == KubePreflightStatus.Pass;

    /// <summary>
    /// For the one check a host that could not be probed at all gets (named Connection): the failure, so the cmdlet
    /// layer reports it as an error record with its own id instead of as a result.
    /// </summary>
    internal KfsException? Failure { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Host} {Check} {Status}: {Detail}";
}
