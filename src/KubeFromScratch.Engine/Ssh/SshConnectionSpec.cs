using System.Security;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>What to do with a host key that is not in known_hosts (OpenSSH's StrictHostKeyChecking).</summary>
public enum UnknownHostKeyPolicy
{
    /// <summary>Refuse it (StrictHostKeyChecking yes): the non-interactive default.</summary>
    Refuse,

    /// <summary>Record it and go on (StrictHostKeyChecking accept-new).</summary>
    AcceptNew,

    /// <summary>Ask through <see cref="SshConnectionSpec.ConfirmUnknownHostKey"/> (StrictHostKeyChecking ask).</summary>
    Ask,
}

/// <summary>An unknown host key, as shown to a user asked whether to trust it.</summary>
public sealed record UnknownHostKey(string HostName, int Port, string Algorithm, string Fingerprint, string KnownHostsFile);

/// <summary>Everything needed to open (and reopen) one SSH connection.</summary>
public sealed class SshConnectionSpec
{
    /// <summary>Session name of the host (core-01).</summary>
    public required string Name { get; init; }

    /// <summary>DNS name or address.</summary>
    public required string HostName { get; init; }

    /// <summary>SSH port.</summary>
    public int Port { get; init; } = 22;

    /// <summary>Remote user.</summary>
    public required string UserName { get; init; }

    /// <summary>Private key file, if key authentication is wanted.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Passphrase of <see cref="IdentityFile"/>.</summary>
    public SecureString? KeyPassphrase { get; init; }

    /// <summary>Password for password and keyboard-interactive authentication.</summary>
    public SecureString? Password { get; init; }

    /// <summary>Offer keyboard-interactive only (not the password method) when a password is given.</summary>
    public bool KeyboardInteractiveOnly { get; init; }

    /// <summary>known_hosts file to check and record host keys in.</summary>
    public required string KnownHostsFile { get; init; }

    /// <summary>What to do with a key known_hosts does not have.</summary>
    public UnknownHostKeyPolicy UnknownHostKeyPolicy { get; init; } = UnknownHostKeyPolicy.Refuse;

    /// <summary>Asked (on any thread; the caller marshals) whether to trust an unknown key when the policy is Ask.</summary>
    public Func<UnknownHostKey, bool>? ConfirmUnknownHostKey { get; init; }

    /// <summary>How long to wait for the TCP connection and key exchange.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cluster role.</summary>
    public KubeHostRole Role { get; init; }

    /// <summary>The name used in messages: user@host:port.</summary>
    public string Display => Port == 22 ? $"{UserName}@{HostName}" : $"{UserName}@{HostName}:{Port}";
}
