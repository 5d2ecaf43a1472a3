namespace KubeFromScratch.Engine.Ssh;

/// <summary>What a known_hosts file says about a host key.</summary>
public enum KnownHostStatus
{
    /// <summary>A line for this host holds exactly this key.</summary>
    Match,

    /// <summary>
    /// A line for this host holds a different key of the same type: the host identification has changed, which is
    /// either a rebuilt machine or someone in the middle.
    /// </summary>
    Mismatch,

    /// <summary>No line for this host holds a key of this type; the key may be added after the user confirms it.</summary>
    Unknown,

    /// <summary>An <c>@revoked</c> line for this host holds this key: it must never be accepted.</summary>
    Revoked,
}
