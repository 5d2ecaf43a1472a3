using System.Management.Automation;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Pki;

/// <summary>
/// <para type="synopsis">Copies certificates and their keys to hosts, through sudo, with owner and mode (keys 0600).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "KubeCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KubeHostFileCopy))]
public sealed class InstallKubeCertificateCommand : KubeCmdlet
{
    private readonly List<KubeCertificate> _certificates = new();

    /// <summary>Certificates from New-KubeCertificate or New-KubeCertificateAuthority.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
    public KubeCertificate[] Certificate { get; set; } = Array.Empty<KubeCertificate>();

    /// <summary>Connected hosts to install on (wildcards allowed).</summary>
    [Parameter(Mandatory = true)]
    [Alias("Host", "ComputerName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Remote folder (e.g. /etc/etcd/pki); created if missing.</summary>
    [Parameter(Mandatory = true)]
    [ValidatePattern("^/")]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Owner of the files (user or user:group), e.g. etcd:etcd. Default root:root.</summary>
    [Parameter]
    public string Owner { get; set; } = "root:root";

    /// <summary>Also install the certificate's key (default true for certificates that have one; a CA's key never leaves unless -IncludeCertificateAuthorityKey).</summary>
    [Parameter]
    public SwitchParameter IncludeCertificateAuthorityKey { get; set; }

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord() => _certificates.AddRange(Certificate);

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var hosts = new List<HostEntry>();
        foreach (string name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = Session.Hosts.Where(h => pattern.IsMatch(h.Host.Name)).ToList();
            if (matches.Count == 0)
            {
                WriteError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, name,
                    $"No host named '{name}' is connected in this session. Run Connect-KubeHost for it first."));
            }

            hosts.AddRange(matches.Where(m => !hosts.Contains(m)));
        }

        // What goes where: certificates world-readable (0644), keys owner-only (0600); a CA key stays home.
        var files = new List<(string Local, string Mode)>();
        foreach (var cert in _certificates)
        {
            files.Add((cert.Path, "0644"));
            bool sendKey = !cert.IsCertificateAuthority || IncludeCertificateAuthorityKey;
            if (sendKey && !string.IsNullOrEmpty(cert.KeyPath))
            {
                files.Add((cert.KeyPath, "0600"));
            }
        }

        var work = hosts.Where(h => ShouldProcess(h.Host.Name,
            $"Install {string.Join(", ", files.Select(f => System.IO.Path.GetFileName(f.Local)))} into {Destination} (owner {Owner})")).ToList();
        string dir = Destination.TrimEnd('/');
        RunParallel(work, 32, async (entry, queue, token) =>
        {
            var mkdir = RemoteCommand.Prepare($"install -d -m 0755 -- {ShellQuote.Quote(dir)}", true, SudoCredential?.Password);
            var made = await entry.Connection.RunAsync(mkdir.CommandLine, mkdir.Stdin, TimeSpan.FromSeconds(30), token).ConfigureAwait(false);
            if (RemoteCommand.SudoRefusal(made, entry.Host.Name, entry.Host.UserName) is { } refusal)
            {
                throw refusal;
            }

            foreach (var (local, mode) in files)
            {
                var outcome = await SshFileTransfer.UploadAsync(entry.Connection, local, $"{dir}/{System.IO.Path.GetFileName(local)}",
                    Convert.ToInt32(mode, 8), sudo: true, SudoCredential?.Password, Owner, null, token).ConfigureAwait(false);
                queue.WriteObject(new KubeHostFileCopy(entry.Host.Name, CopyDirection.Upload, outcome.Source, outcome.Destination,
                    outcome.Length, outcome.Sha256, mode, outcome.Duration));
            }
        });
    }
}
