using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Tests.Ssh;

namespace KubeFromScratch.Tests.Pki;

/// <summary>A temporary PKI directory with a CA, and shortcuts to issue certificates into it.</summary>
internal sealed class PkiScratch : IDisposable
{
    internal static readonly TimeSpan Year = TimeSpan.FromDays(365);

    private readonly TempDirectory _temp = new();
    private readonly Lazy<CertificateAuthorityHandle> _ca;

    public PkiScratch(KeyAlgorithmKind caAlgorithm = KeyAlgorithmKind.EcdsaP256, string caName = "kubernetes")
    {
        _ca = new Lazy<CertificateAuthorityHandle>(() =>
        {
            CertificateAuthority.New(caName, caAlgorithm, TimeSpan.FromDays(3650), CaCert, CaKey, force: false);
            return CertificateAuthority.Load(CaCert, CaKey);
        });
    }

    public string Dir => _temp.Path;

    public string CaCert => File("ca.crt");

    public string CaKey => File("ca.key");

    public CertificateAuthorityHandle Ca => _ca.Value;

    public string File(string name) => _temp.File(name);

    /// <summary>Issues a certificate named after the profile (etcdserver.crt/.key) with typical inputs for it.</summary>
    public KubeCertificate Issue(KubeCertificateProfile profile, string? name = null,
        KeyAlgorithmKind algorithm = KeyAlgorithmKind.EcdsaP256, bool force = false, string[]? dnsNames = null,
        string[]? ipAddresses = null, string? file = null)
    {
        var (cn, dns, ips) = Typical(profile);
        file ??= profile.ToString().ToLowerInvariant();
        return CertificateIssuer.Issue(Ca, profile, name ?? cn, null, dnsNames ?? dns, ipAddresses ?? ips, Year,
            algorithm, File(file + ".crt"), File(file + ".key"), force);
    }

    /// <summary>The inputs a user would give each profile.</summary>
    public static (string? CommonName, string[] DnsNames, string[] IPAddresses) Typical(KubeCertificateProfile profile) =>
        profile switch
        {
            KubeCertificateProfile.EtcdServer or KubeCertificateProfile.EtcdPeer => ("core-01", ["core-01.lab"], ["10.0.0.11"]),
            KubeCertificateProfile.ApiServer => (null, ["core-01", "api.lab"], ["10.0.0.11", "10.0.0.10"]),
            KubeCertificateProfile.Kubelet => ("core-01", [], ["10.0.0.11"]),
            _ => (null, [], []),
        };

    public void Dispose()
    {
        if (_ca.IsValueCreated)
        {
            _ca.Value.Dispose();
        }

        _temp.Dispose();
    }
}
