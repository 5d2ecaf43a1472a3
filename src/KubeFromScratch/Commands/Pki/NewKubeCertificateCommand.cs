using System.Management.Automation;
using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Pki;

/// <summary>
/// <para type="synopsis">Issues a certificate and key for one cluster component, signed by the cluster CA.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KubeCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KubeCertificate))]
public sealed class NewKubeCertificateCommand : KubeCmdlet
{
    private readonly List<KubeHost> _hosts = new();

    /// <summary>What the certificate is for; sets its key usages, subject and names as kubeadm does.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public KubeCertificateProfile Profile { get; set; }

    /// <summary>The CA certificate (PEM); its key is the same path with .key (or -CertificateAuthorityKeyPath).</summary>
    [Parameter]
    [Alias("CaPath")]
    [ValidateNotNullOrEmpty]
    public string? CertificateAuthorityPath { get; set; }

    /// <summary>The CA's private key, if not beside its certificate.</summary>
    [Parameter]
    public string? CertificateAuthorityKeyPath { get; set; }

    /// <summary>Folder to write the certificate and key into.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Base name of the files; default from the profile (etcd-server, apiserver, kubelet-NODE, ...).</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    public string? Name { get; set; }

    /// <summary>Subject common name; defaults from the profile and the host (system:node:NAME for a kubelet).</summary>
    [Parameter]
    public string? CommonName { get; set; }

    /// <summary>Subject organizations (groups).</summary>
    [Parameter]
    public string[]? Organization { get; set; }

    /// <summary>DNS names for the subject alternative names.</summary>
    [Parameter]
    public string[]? DnsName { get; set; }

    /// <summary>IP addresses for the subject alternative names.</summary>
    [Parameter]
    [Alias("IPAddress")]
    public string[]? IPAddresses { get; set; }

    /// <summary>
    /// Hosts whose names and addresses go into the certificate. For ApiServer, EtcdServer and EtcdPeer every piped
    /// host (every master) goes into one certificate; for Kubelet each host gets its own.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    public KubeHost[]? InputObject { get; set; }

    /// <summary>Days the certificate is valid (default one year, as kubeadm).</summary>
    [Parameter]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 365;

    /// <summary>Key type: EcdsaP256 (default; Rsa2048 for ServiceAccount, as kubeadm), EcdsaP384, Rsa2048, Rsa3072, Rsa4096.</summary>
    [Parameter]
    public KeyAlgorithmKind? KeyAlgorithm { get; set; }

    /// <summary>For ApiServer: the kubernetes service's cluster IP.</summary>
    [Parameter]
    public string ServiceAddress { get; set; } = CertificateIssuer.DefaultKubernetesServiceAddress;

    /// <summary>Issue a new pair even if files exist at the paths (renewal).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _hosts.AddRange(InputObject);
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        string folder = GetUnresolvedProviderPathFromPSPath(Path);
        if (Profile == KubeCertificateProfile.CertificateAuthority)
        {
            ThrowTerminatingError(Error("CertificateProfileInvalid", ErrorCategory.InvalidArgument, Profile,
                "A certificate authority is made with New-KubeCertificateAuthority, not New-KubeCertificate."));
        }

        if (Profile == KubeCertificateProfile.ServiceAccount)
        {
            IssueServiceAccount(folder);
            return;
        }

        if (CertificateAuthorityPath is null)
        {
            ThrowTerminatingError(Error("CertificateAuthorityRequired", ErrorCategory.InvalidArgument, Profile,
                $"A {Profile} certificate is signed by the cluster CA: pass -CertificateAuthorityPath (New-KubeCertificateAuthority makes one)."));
            return;
        }

        string caCert = GetUnresolvedProviderPathFromPSPath(CertificateAuthorityPath);
        string caKey = CertificateAuthorityKeyPath is null ? System.IO.Path.ChangeExtension(caCert, ".key") : GetUnresolvedProviderPathFromPSPath(CertificateAuthorityKeyPath);
        CertificateAuthorityHandle ca;
        try
        {
            ca = CertificateAuthority.Load(caCert, caKey);
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            return;
        }

        using (ca)
        {
            // A kubelet certificate names one node, so each host gets its own; the others name a service that every
            // master serves, so one certificate carries all their names (multi-master).
            if (Profile == KubeCertificateProfile.Kubelet && _hosts.Count > 0)
            {
                foreach (var host in _hosts)
                {
                    Issue(ca, folder, Name is null ? $"kubelet-{host.Name}" : $"{Name}-{host.Name}", CommonName ?? host.Name, new[] { host });
                }
            }
            else
            {
                // Only certificates that name one machine take their common name from it; the others have fixed
                // subjects Kubernetes recognises (kube-apiserver, system:kube-proxy, kubernetes-admin, ...).
                bool namesMachine = Profile is KubeCertificateProfile.EtcdServer or KubeCertificateProfile.EtcdPeer or KubeCertificateProfile.Kubelet;
                string? defaultName = namesMachine ? (_hosts.Count > 0 ? _hosts[0].Name : DnsName?.FirstOrDefault()) : null;
                Issue(ca, folder, Name ?? DefaultName(Profile), CommonName ?? defaultName, _hosts);
            }
        }
    }

    private void Issue(CertificateAuthorityHandle ca, string folder, string baseName, string? commonName, IReadOnlyList<KubeHost> hosts)
    {
        var dns = new List<string>(DnsName ?? Array.Empty<string>());
        var ips = new List<string>(IPAddresses ?? Array.Empty<string>());
        foreach (var host in hosts)
        {
            dns.Add(host.Name);
            if (System.Net.IPAddress.TryParse(host.HostName, out _))
            {
                ips.Add(host.HostName);
            }
            else
            {
                dns.Add(host.HostName);
            }
        }

        string cert = System.IO.Path.Combine(folder, baseName + ".crt");
        string key = System.IO.Path.Combine(folder, baseName + ".key");
        string names = string.Join(", ", dns.Concat(ips).Distinct(StringComparer.OrdinalIgnoreCase));
        if (!ShouldProcess(cert, $"Issue {Profile} certificate{(commonName is null ? string.Empty : " CN=" + commonName)}{(names.Length > 0 ? " for " + names : string.Empty)}"))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder);
            var issued = CertificateIssuer.Issue(ca, Profile, commonName, Organization, dns.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                ips.Distinct().ToArray(), TimeSpan.FromDays(ValidDays), KeyAlgorithm ?? KeyAlgorithmKind.EcdsaP256, cert, key, Force, ServiceAddress);
            WriteVerbose(issued.Reused ? $"Kept the existing {cert} (-Force renews it)." : $"Wrote {cert} and {key} (owner-only).");
            WriteObject(issued);
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }

    private void IssueServiceAccount(string folder)
    {
        string baseName = Name ?? "sa";
        string key = System.IO.Path.Combine(folder, baseName + ".key");
        string pub = System.IO.Path.Combine(folder, baseName + ".pub");
        if (!ShouldProcess(key, "Create the service account signing key pair"))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder);
            WriteObject(CertificateIssuer.NewServiceAccountKey(KeyAlgorithm ?? KeyAlgorithmKind.Rsa2048, key, pub, Force));
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }

    private static string DefaultName(KubeCertificateProfile profile) => profile switch
    {
        KubeCertificateProfile.EtcdServer => "etcd-server",
        KubeCertificateProfile.EtcdPeer => "etcd-peer",
        KubeCertificateProfile.EtcdClient => "etcd-healthcheck-client",
        KubeCertificateProfile.ApiServer => "apiserver",
        KubeCertificateProfile.ApiServerEtcdClient => "apiserver-etcd-client",
        KubeCertificateProfile.Kubelet => "kubelet",
        KubeCertificateProfile.KubeProxy => "kube-proxy",
        KubeCertificateProfile.Admin => "admin",
        _ => profile.ToString().ToLowerInvariant(),
    };
}
