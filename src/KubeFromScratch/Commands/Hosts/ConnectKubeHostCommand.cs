using System.Management.Automation;
using System.Security;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Opens an SSH connection to each host and keeps it for this session.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KubeHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KubeHost))]
public sealed class ConnectKubeHostCommand : KubeCmdlet
{
    private readonly List<SshConnectionSpec> _specs = new();

    /// <summary>DNS name or address of the host.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ComputerName", "Address")]
    [ValidateNotNullOrEmpty]
    public string HostName { get; set; } = string.Empty;

    /// <summary>Name to know the host by in this session (core-01); defaults to HostName.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>SSH port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 22;

    /// <summary>Remote user; defaults to the user of -Credential, else the local user name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("User")]
    public string? UserName { get; set; }

    /// <summary>OpenSSH private key file (ed25519, RSA, ECDSA).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("KeyFile")]
    public string? IdentityFile { get; set; }

    /// <summary>Passphrase of the private key.</summary>
    [Parameter]
    public SecureString? KeyPassphrase { get; set; }

    /// <summary>User name and password for password or keyboard-interactive logon.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Use only keyboard-interactive logon with the password of -Credential.</summary>
    [Parameter]
    public SwitchParameter KeyboardInteractive { get; set; }

    /// <summary>known_hosts file to check and record host keys in (default ~/.ssh/known_hosts).</summary>
    [Parameter]
    public string? KnownHostsFile { get; set; }

    /// <summary>Record the key of a host seen for the first time without asking (OpenSSH's accept-new). A changed key is still refused.</summary>
    [Parameter]
    public SwitchParameter AcceptNewHostKey { get; set; }

    /// <summary>Cluster role of the host.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KubeHostRole Role { get; set; }

    /// <summary>Seconds to wait for the host to answer.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int ConnectTimeoutSec { get; set; } = 10;

    /// <summary>How many hosts to connect to at once.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <summary>Reconnect hosts that are already connected.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string name = string.IsNullOrEmpty(Name) ? HostName : Name!;
        if (!Force && Session.TryGet(name, out var existing) && existing.Connection.IsConnected)
        {
            WriteVerbose($"{name} is already connected; returning the existing connection (-Force reconnects).");
            WriteObject(existing.Host);
            return;
        }

        if (Credential is not null && Credential.GetNetworkCredential().Password.Length == 0)
        {
            // A credential without a password (e.g. from a Vagrant spec) adds nothing; ignore it.
            Credential = null;
        }

        string user = UserName ?? Credential?.UserName ?? Environment.UserName;
        string? identity = string.IsNullOrEmpty(IdentityFile) ? null : GetUnresolvedProviderPathFromPSPath(IdentityFile);
        string knownHosts = KnownHostsFile is null ? DefaultKnownHostsPath() : GetUnresolvedProviderPathFromPSPath(KnownHostsFile);
        if (!ShouldProcess($"{user}@{HostName}:{Port} ({name})", "Connect over SSH"))
        {
            return;
        }

        _specs.Add(new SshConnectionSpec
        {
            Name = name,
            HostName = HostName,
            Port = Port,
            UserName = user,
            IdentityFile = identity,
            KeyPassphrase = KeyPassphrase,
            Password = Credential?.Password,
            KeyboardInteractiveOnly = KeyboardInteractive,
            KnownHostsFile = knownHosts,
            UnknownHostKeyPolicy = AcceptNewHostKey ? UnknownHostKeyPolicy.AcceptNew
                : InteractiveHost.IsInteractive(this) ? UnknownHostKeyPolicy.Ask : UnknownHostKeyPolicy.Refuse,
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSec),
            Role = Role,
        });
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var session = Session;
        int done = 0;
        var progressRecord = new ProgressRecord(1, "Connect-KubeHost", "Connecting");
        RunParallel(_specs, ThrottleLimit, async (spec, queue, token) =>
        {
            var withPrompt = spec.UnknownHostKeyPolicy != UnknownHostKeyPolicy.Ask ? spec : CloneWithPrompt(spec, queue, token);
            var connection = await SshHostConnection.ConnectAsync(withPrompt, token, queue.WriteVerbose).ConfigureAwait(false);
            var entry = session.Add(connection);
            queue.WriteObject(entry.Host);
            int n = Interlocked.Increment(ref done);
            queue.WriteProgress(new ProgressRecord(1, "Connect-KubeHost", $"{n} of {_specs.Count} connected")
            {
                PercentComplete = n * 100 / _specs.Count,
            });
        });
        progressRecord.RecordType = ProgressRecordType.Completed;
        WriteProgress(progressRecord);
    }

    private static string DefaultKnownHostsPath() => Engine.Ssh.KnownHostsFile.DefaultPath;

    private static SshConnectionSpec CloneWithPrompt(SshConnectionSpec spec, PipelineQueue queue, CancellationToken token) => new()
    {
        Name = spec.Name,
        HostName = spec.HostName,
        Port = spec.Port,
        UserName = spec.UserName,
        IdentityFile = spec.IdentityFile,
        KeyPassphrase = spec.KeyPassphrase,
        Password = spec.Password,
        KeyboardInteractiveOnly = spec.KeyboardInteractiveOnly,
        KnownHostsFile = spec.KnownHostsFile,
        UnknownHostKeyPolicy = UnknownHostKeyPolicy.Ask,
        ConnectTimeout = spec.ConnectTimeout,
        Role = spec.Role,
        // The key arrives on an SSH.NET thread; the question is asked on the pipeline thread, as PowerShell requires.
        ConfirmUnknownHostKey = key => queue.Ask(cmdlet =>
        {
            string where = key.Port == 22 ? key.HostName : $"[{key.HostName}]:{key.Port}";
            return cmdlet.ShouldContinue(
                $"The authenticity of host '{where}' can't be established.{Environment.NewLine}{key.Algorithm} key fingerprint is {key.Fingerprint}.{Environment.NewLine}Trust it and add it to {key.KnownHostsFile}?",
                $"Unknown host key for {spec.Name}");
        }, token),
    };
}
