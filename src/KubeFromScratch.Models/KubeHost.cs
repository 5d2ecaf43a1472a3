namespace KubeFromScratch;

/// <summary>The part a host plays in the cluster.</summary>
public enum KubeHostRole
{
    /// <summary>No role given yet.</summary>
    None = 0,

    /// <summary>Runs etcd, the API server, controller manager and scheduler (and a kubelet).</summary>
    Master,

    /// <summary>Runs the kubelet and kube-proxy only.</summary>
    Worker,
}

/// <summary>
/// A host reached over SSH: what <c>Connect-KubeHost</c> returns and every host cmdlet takes from the pipeline.
/// </summary>
public sealed class KubeHost
{
    private readonly Func<bool> _isConnected;

    internal KubeHost(string name, string hostName, int port, string userName, KubeHostRole role,
        string? identityFile, string hostKeyAlgorithm, string hostKeyFingerprint, DateTimeOffset connectedAt,
        Func<bool> isConnected)
    {
        Name = name;
        HostName = hostName;
        Port = port;
        UserName = userName;
        Role = role;
        IdentityFile = identityFile;
        HostKeyAlgorithm = hostKeyAlgorithm;
        HostKeyFingerprint = hostKeyFingerprint;
        ConnectedAt = connectedAt;
        _isConnected = isConnected;
    }

    /// <summary>The name the host is known by in this session (core-01), unique per session.</summary>
    public string Name { get; }

    /// <summary>The DNS name or address connected to.</summary>
    public string HostName { get; }

    /// <summary>The SSH port.</summary>
    public int Port { get; }

    /// <summary>The remote user.</summary>
    public string UserName { get; }

    /// <summary>Master or Worker.</summary>
    public KubeHostRole Role { get; }

    /// <summary>The private key file used to log on, if any.</summary>
    public string? IdentityFile { get; }

    /// <summary>Whether the SSH connection is open right now.</summary>
    public bool Connected => _isConnected();

    /// <summary>The host key algorithm, e.g. ssh-ed25519.</summary>
    public string HostKeyAlgorithm { get; }

    /// <summary>The host key fingerprint as OpenSSH prints it: SHA256:base64.</summary>
    public string HostKeyFingerprint { get; }

    /// <summary>When the connection was made.</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
