namespace KubeFromScratch;

/// <summary>
/// The kind of failure, named exactly as PowerShell's ErrorCategory values so the cmdlet layer maps one to the
/// other by name while the engine stays free of PowerShell.
/// </summary>
public enum KfsErrorCategory
{
    /// <summary>Anything not named below.</summary>
    NotSpecified,
    /// <summary>A connection could not be made or was lost.</summary>
    ConnectionError,
    /// <summary>Logon failed.</summary>
    AuthenticationError,
    /// <summary>A security check failed (host key).</summary>
    SecurityError,
    /// <summary>Something named does not exist.</summary>
    ObjectNotFound,
    /// <summary>A value given is wrong.</summary>
    InvalidArgument,
    /// <summary>Data read is malformed.</summary>
    InvalidData,
    /// <summary>A time limit ran out.</summary>
    OperationTimeout,
    /// <summary>The user stopped it.</summary>
    OperationStopped,
    /// <summary>Access was refused.</summary>
    PermissionDenied,
    /// <summary>The operation does not fit the current state.</summary>
    InvalidOperation,
    /// <summary>A resource is not available.</summary>
    ResourceUnavailable,
    /// <summary>Reading failed.</summary>
    ReadError,
    /// <summary>Writing failed.</summary>
    WriteError,
    /// <summary>A remote command failed.</summary>
    FromStdErr,
    /// <summary>Something needed is not installed.</summary>
    NotInstalled,
    /// <summary>An operation ran but did not give the result it should (a unit that does not stay up).</summary>
    InvalidResult,
    /// <summary>Something was refused because it would exceed a limit or conflict (a port in use).</summary>
    ResourceExists,
}

/// <summary>
/// A failure the engine knows how to describe: a stable error id, a category, the target, and a message that says
/// what to do. The cmdlet layer turns it into an ErrorRecord.
/// </summary>
public sealed class KfsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KfsException(string errorId, KfsErrorCategory category, object? target, string message,
        Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    /// <summary>Stable id, e.g. HostKeyMismatch.</summary>
    public string ErrorId { get; }

    /// <summary>The kind of failure.</summary>
    public KfsErrorCategory Category { get; }

    /// <summary>What it happened to (a host name, a file).</summary>
    public object? Target { get; }
}
