namespace KubeFromScratch;

/// <summary>The health of one etcd member, as <c>etcdctl cluster-health</c> reports it.</summary>
public sealed class EtcdMemberHealth
{
    internal EtcdMemberHealth(string memberId, string name, string[] clientUrls, string[] peerUrls, bool isHealthy,
        bool isLeader, string? version, TimeSpan took, string? checkedUrl, string? error, string route)
    {
        MemberId = memberId;
        Name = name;
        ClientUrls = clientUrls;
        PeerUrls = peerUrls;
        IsHealthy = isHealthy;
        IsLeader = isLeader;
        Version = version;
        Took = took;
        CheckedUrl = checkedUrl;
        Error = error;
        Route = route;
    }

    /// <summary>Member id as 16 hex digits, as etcdctl prints it (6ae27f9fa2984b1d).</summary>
    public string MemberId { get; }

    /// <summary>Member name (core-01).</summary>
    public string Name { get; }

    /// <summary>Client URLs the member publishes.</summary>
    public string[] ClientUrls { get; }

    /// <summary>Peer URLs the member publishes.</summary>
    public string[] PeerUrls { get; }

    /// <summary>Whether the member answered /health with "true".</summary>
    public bool IsHealthy { get; }

    /// <summary>Whether the member is the raft leader.</summary>
    public bool IsLeader { get; }

    /// <summary>etcd server version, when the member answered.</summary>
    public string? Version { get; }

    /// <summary>How long the check took.</summary>
    public TimeSpan Took { get; }

    /// <summary>The client URL that gave the result (null when none answered).</summary>
    public string? CheckedUrl { get; }

    /// <summary>Why the member is not healthy, when it is not.</summary>
    public string? Error { get; }

    /// <summary>How it was reached: Direct, Ssh (tunnel through a host), or Etcdctl (run on a host).</summary>
    public string Route { get; }

    /// <summary>The line etcdctl cluster-health prints for this member.</summary>
    public string Status => IsHealthy
        ? $"member {MemberId} is healthy: got healthy result from {CheckedUrl}"
        : CheckedUrl is not null && Error is null
            ? $"member {MemberId} is unhealthy: got unhealthy result from {CheckedUrl}"
            : ClientUrls.Length == 0
                ? $"member {MemberId} is unreachable: no available published client urls"
                : $"member {MemberId} is unreachable: [{string.Join(" ", ClientUrls)}] are all unreachable";

    /// <inheritdoc/>
    public override string ToString() => Status;
}

/// <summary>The cluster verdict, in etcdctl cluster-health's words.</summary>
public enum EtcdClusterState
{
    /// <summary>Every member is healthy ("cluster is healthy").</summary>
    Healthy,

    /// <summary>Some but not all members are healthy ("cluster is degraded").</summary>
    Degraded,

    /// <summary>No member is healthy, e.g. quorum is lost ("cluster is unavailable").</summary>
    Unavailable,
}

/// <summary>The verdict on the whole cluster, after every member was checked.</summary>
public sealed class EtcdClusterHealth
{
    internal EtcdClusterHealth(EtcdClusterState state, int healthyMembers, int members, string? leaderId, TimeSpan took)
    {
        State = state;
        HealthyMembers = healthyMembers;
        Members = members;
        LeaderId = leaderId;
        Took = took;
    }

    /// <summary>Healthy, Degraded or Unavailable.</summary>
    public EtcdClusterState State { get; }

    /// <summary>True when State is Healthy.</summary>
    public bool IsHealthy => State == EtcdClusterState.Healthy;

    /// <summary>How many members answered healthy.</summary>
    public int HealthyMembers { get; }

    /// <summary>How many members the cluster lists.</summary>
    public int Members { get; }

    /// <summary>The leader's member id, when one is known.</summary>
    public string? LeaderId { get; }

    /// <summary>How long the whole check took.</summary>
    public TimeSpan Took { get; }

    /// <summary>The verdict line etcdctl cluster-health prints.</summary>
    public string Status => $"cluster is {State.ToString().ToLowerInvariant()}";

    /// <inheritdoc/>
    public override string ToString() => Status;
}

/// <summary>One member of an etcd cluster, as <c>etcdctl member list</c> shows it.</summary>
public sealed class EtcdMember
{
    internal EtcdMember(string memberId, string name, string[] peerUrls, string[] clientUrls, bool isLearner, bool isLeader)
    {
        MemberId = memberId;
        Name = name;
        PeerUrls = peerUrls;
        ClientUrls = clientUrls;
        IsLearner = isLearner;
        IsLeader = isLeader;
    }

    /// <summary>Member id as 16 hex digits.</summary>
    public string MemberId { get; }

    /// <summary>Member name.</summary>
    public string Name { get; }

    /// <summary>Peer URLs.</summary>
    public string[] PeerUrls { get; }

    /// <summary>Client URLs.</summary>
    public string[] ClientUrls { get; }

    /// <summary>Whether the member is a non-voting learner.</summary>
    public bool IsLearner { get; }

    /// <summary>Whether the member is the leader (when known).</summary>
    public bool IsLeader { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{MemberId}: name={Name} peerURLs={string.Join(",", PeerUrls)} clientURLs={string.Join(",", ClientUrls)} isLeader={IsLeader.ToString().ToLowerInvariant()}";
}
