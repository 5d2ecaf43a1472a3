namespace KubeFromScratch;

/// <summary>Which way a file went.</summary>
public enum CopyDirection
{
    /// <summary>From this machine to the host.</summary>
    Upload,

    /// <summary>From the host to this machine.</summary>
    Download,
}

/// <summary>One file copied to or from a host, verified by SHA-256 on both ends.</summary>
public sealed class KubeHostFileCopy
{
    internal KubeHostFileCopy(string host, CopyDirection direction, string source, string destination, long length,
        string sha256, string mode, TimeSpan duration)
    {
        Host = host;
        Direction = direction;
        Source = source;
        Destination = destination;
        Length = length;
        Sha256 = sha256;
        Mode = mode;
        Duration = duration;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>Upload or Download.</summary>
    public CopyDirection Direction { get; }

    /// <summary>Where the file came from.</summary>
    public string Source { get; }

    /// <summary>Where it is now.</summary>
    public string Destination { get; }

    /// <summary>Size in bytes.</summary>
    public long Length { get; }

    /// <summary>SHA-256 of the content, lower-case hex, the same on both ends.</summary>
    public string Sha256 { get; }

    /// <summary>Permission bits of the copy, octal (0755).</summary>
    public string Mode { get; }

    /// <summary>How long the copy took.</summary>
    public TimeSpan Duration { get; }
}
