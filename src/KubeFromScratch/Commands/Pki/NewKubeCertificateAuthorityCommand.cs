using System.Management.Automation;
using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Pki;

/// <summary>
/// <para type="synopsis">Creates a certificate authority (key and self-signed certificate) for the cluster's TLS.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KubeCertificateAuthority", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KubeCertificate))]
public sealed class NewKubeCertificateAuthorityCommand : KubeCmdlet
{
    /// <summary>Folder to write NAME.crt and NAME.key into. Created if missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Base name of the files (default ca: ca.crt, ca.key).</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    public string Name { get; set; } = "ca";

    /// <summary>The CA's common name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string CommonName { get; set; } = "kubernetes-ca";

    /// <summary>Key type: EcdsaP256 (default), EcdsaP384, Rsa2048, Rsa3072, Rsa4096.</summary>
    [Parameter]
    public KeyAlgorithmKind KeyAlgorithm { get; set; } = KeyAlgorithmKind.EcdsaP256;

    /// <summary>Days the CA is valid (default ten years, as kubeadm).</summary>
    [Parameter]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 3650;

    /// <summary>Replace an existing CA. Every certificate it signed then needs to be issued again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string folder = GetUnresolvedProviderPathFromPSPath(Path);
        string cert = System.IO.Path.Combine(folder, Name + ".crt");
        string key = System.IO.Path.Combine(folder, Name + ".key");
        bool exists = File.Exists(cert) || File.Exists(key);
        string action = exists && Force ? "Replace certificate authority" : exists ? "Reuse certificate authority" : "Create certificate authority";
        if (!ShouldProcess(cert, $"{action} CN={CommonName} ({KeyAlgorithm}, {ValidDays} days)"))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(folder);
            var ca = CertificateAuthority.New(CommonName, KeyAlgorithm, TimeSpan.FromDays(ValidDays), cert, key, Force);
            WriteVerbose(ca.Reused ? $"Kept the existing CA {cert} (-Force replaces it)." : $"Wrote {cert} and {key} (owner-only).");
            WriteObject(ca);
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }
}
