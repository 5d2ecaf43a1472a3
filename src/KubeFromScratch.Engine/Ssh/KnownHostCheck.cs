namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// The outcome of looking a host key up in a known_hosts file, with what an error message needs: where the deciding
/// line is, and for a changed key, which key was expected.
/// </summary>
public sealed class KnownHostCheck
{
    internal KnownHostCheck(KnownHostStatus status, string path, string lookupName, string keyAlgorithm,
        string keyFingerprint, int? lineNumber, string? knownKeyAlgorithm, string? knownKeyFingerprint)
    {
        Status = status;
        Path = path;
        LookupName = lookupName;
        KeyAlgorithm = keyAlgorithm;
        KeyFingerprint = keyFingerprint;
        LineNumber = lineNumber;
        KnownKeyAlgorithm = knownKeyAlgorithm;
        KnownKeyFingerprint = knownKeyFingerprint;
    }

    /// <summary>The verdict.</summary>
    public KnownHostStatus Status { get; }

    /// <summary>
    /// The 1-based number of the deciding line: the matching line for <see cref="KnownHostStatus.Match"/>, the
    /// <c>@revoked</c> line for <see cref="KnownHostStatus.Revoked"/>, the first line with the other key for
    /// <see cref="KnownHostStatus.Mismatch"/>; null for <see cref="KnownHostStatus.Unknown"/>.
    /// </summary>
    public int? LineNumber { get; }

    /// <summary>The full path of the known_hosts file that was read.</summary>
    public string Path { get; }

    /// <summary>
    /// The name the host was looked up under: the host itself on port 22, otherwise <c>[host]:port</c>, which is
    /// also the name to give <c>ssh-keygen -R</c> to remove a stale entry.
    /// </summary>
    public string LookupName { get; }

    /// <summary>The key type of the presented key, as known_hosts spells it (for example <c>ssh-ed25519</c>).</summary>
    public string KeyAlgorithm { get; }

    /// <summary>The SHA256 fingerprint of the presented key, as <c>ssh-keygen -lf</c> prints it.</summary>
    public string KeyFingerprint { get; }

    /// <summary>For <see cref="KnownHostStatus.Mismatch"/>, the key type of the key on record; otherwise null.</summary>
    public string? KnownKeyAlgorithm { get; }

    /// <summary>For <see cref="KnownHostStatus.Mismatch"/>, the SHA256 fingerprint of the key on record; otherwise null.</summary>
    public string? KnownKeyFingerprint { get; }
}
