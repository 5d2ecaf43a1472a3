using System.Management.Automation;
using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Pki;

/// <summary>
/// <para type="synopsis">Checks a certificate: chain to the CA, expiry (warns within 30 days), and its names against a host.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KubeCertificate")]
[OutputType(typeof(KubeCertificateCheck))]
public sealed class TestKubeCertificateCommand : KubeCmdlet
{
    /// <summary>The certificate file (PEM); KubeCertificate objects bind by their Path.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The CA certificate to check the chain against.</summary>
    [Parameter]
    [Alias("CaPath")]
    public string? CertificateAuthorityPath { get; set; }

    /// <summary>A host name or address the certificate must be valid for.</summary>
    [Parameter]
    [Alias("HostName")]
    public string? ServerName { get; set; }

    /// <summary>Return only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        if (path.EndsWith(".pub", StringComparison.Ordinal))
        {
            // A service account key pair has no certificate to check.
            return;
        }

        try
        {
            var check = CertificateValidator.Test(path, CertificateAuthorityPath is null ? null : GetUnresolvedProviderPathFromPSPath(CertificateAuthorityPath),
                ServerName, DateTimeOffset.UtcNow);
            if (check.ExpiresSoon && !check.Expired)
            {
                WriteWarning($"{path} expires in {check.ExpiresIn.Days} days ({check.NotAfter:u}). Renew it with New-KubeCertificate -Force.");
            }

            WriteObject(Quiet ? check.IsValid : check);
        }
        catch (KfsException ex)
        {
            if (Quiet)
            {
                WriteObject(false);
            }

            WriteError(ToErrorRecord(ex));
        }
    }
}
