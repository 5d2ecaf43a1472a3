using Renci.SshNet.Common;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// Checks the key a server presents against known_hosts the way OpenSSH does: a known key passes, a changed key
/// is always refused (never overwritten), an unknown key follows the policy (refuse, accept-new, or ask).
/// </summary>
internal sealed class HostKeyVerifier
{
    private readonly SshConnectionSpec _spec;
    private readonly string? _pinnedFingerprint;

    /// <param name="spec">The connection's spec (known_hosts file, policy).</param>
    /// <param name="pinnedFingerprint">
    /// The key this connection already trusted. Set for a reconnect or a second session (SFTP) to the same host:
    /// then only that very key passes, and nobody is asked again (the prompt belongs to the Connect-KubeHost call
    /// that is long over).
    /// </param>
    public HostKeyVerifier(SshConnectionSpec spec, string? pinnedFingerprint = null)
    {
        _spec = spec;
        _pinnedFingerprint = pinnedFingerprint;
    }

    /// <summary>Why the key was refused, when it was; the connect failure is replaced by this.</summary>
    public KfsException? Failure { get; private set; }

    public string Algorithm { get; private set; } = string.Empty;

    public string Fingerprint { get; private set; } = string.Empty;

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        try
        {
            e.CanTrust = Decide(e.HostKeyName, e.HostKey);
        }
        catch (KfsException ex)
        {
            Failure = ex;
            e.CanTrust = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Failure = new KfsException("KnownHostsUnreadable", KfsErrorCategory.ReadError, _spec.Name,
                $"The known hosts file '{_spec.KnownHostsFile}' cannot be read or written: {ex.Message}. Fix its permissions or pass another with -KnownHostsFile.", ex);
            e.CanTrust = false;
        }
    }

    private bool Decide(string algorithm, byte[] blob)
    {
        var file = new KnownHostsFile(_spec.KnownHostsFile);
        Fingerprint = KnownHostsFile.Fingerprint(blob);
        Algorithm = algorithm;
        if (_pinnedFingerprint is not null)
        {
            if (Fingerprint == _pinnedFingerprint)
            {
                return true;
            }

            throw new KfsException("HostKeyMismatch", KfsErrorCategory.SecurityError, _spec.Name,
                $"REMOTE HOST IDENTIFICATION HAS CHANGED for {_spec.HostName} while connected: it now offers {algorithm} {Fingerprint}, not the key {_pinnedFingerprint} trusted when Connect-KubeHost ran. Someone could be intercepting the connection, or the host was rebuilt. Disconnect-KubeHost {_spec.Name}, check {_spec.KnownHostsFile}, and connect again.");
        }

        var check = file.Check(_spec.HostName, _spec.Port, algorithm, blob);
        switch (check.Status)
        {
            case KnownHostStatus.Match:
                return true;
            case KnownHostStatus.Revoked:
                throw new KfsException("HostKeyRevoked", KfsErrorCategory.SecurityError, _spec.Name,
                    $"The {algorithm} key of {_spec.HostName} ({Fingerprint}) is marked @revoked in {check.Path} line {check.LineNumber}. Do not connect until the host has a new key.");
            case KnownHostStatus.Mismatch:
                throw new KfsException("HostKeyMismatch", KfsErrorCategory.SecurityError, _spec.Name,
                    $"REMOTE HOST IDENTIFICATION HAS CHANGED for {_spec.HostName}: it offered {algorithm} {Fingerprint}, but {check.Path} line {check.LineNumber} holds a different key. Someone could be intercepting the connection, or the host was rebuilt. If you know the host was rebuilt, remove line {check.LineNumber} from {check.Path} (ssh-keygen -R '{check.LookupName}' -f '{check.Path}') and connect again.");
        }

        string lookup = check.LookupName;
        var unknown = new UnknownHostKey(_spec.HostName, _spec.Port, algorithm, Fingerprint, _spec.KnownHostsFile);
        bool trust = _spec.UnknownHostKeyPolicy switch
        {
            UnknownHostKeyPolicy.AcceptNew => true,
            UnknownHostKeyPolicy.Ask when _spec.ConfirmUnknownHostKey is { } ask => ask(unknown),
            _ => throw new KfsException("HostKeyUnknown", KfsErrorCategory.SecurityError, _spec.Name,
                $"The authenticity of host {lookup} can't be established: its {algorithm} key is {Fingerprint} and {_spec.KnownHostsFile} does not have it. Check the fingerprint out of band, then connect with -AcceptNewHostKey (or add the key to known_hosts)."),
        };

        if (!trust)
        {
            throw new KfsException("HostKeyNotTrusted", KfsErrorCategory.SecurityError, _spec.Name,
                $"The {algorithm} key {Fingerprint} of {lookup} was not accepted, so no connection was made.");
        }

        file.Add(_spec.HostName, _spec.Port, algorithm, blob);
        return true;
    }
}
