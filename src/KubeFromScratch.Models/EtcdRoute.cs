namespace KubeFromScratch;

/// <summary>How to reach etcd's client URLs.</summary>
public enum EtcdRoute
{
    /// <summary>Directly, falling back to a tunnel through a host's SSH connection when direct fails.</summary>
    Auto,

    /// <summary>HTTP(S) straight from this machine.</summary>
    Direct,

    /// <summary>Through the SSH connection of a host (for clouds where only port 22 is open).</summary>
    Ssh,
}
