namespace KubeFromScratch;

/// <summary>
/// A certificate (or, for <see cref="KubeCertificateProfile.ServiceAccount"/>, a key pair) written to disk: what
/// <c>New-KubeCertificateAuthority</c> and <c>New-KubeCertificate</c> return.
/// </summary>
public sealed class KubeCertificate
{
    internal KubeCertificate(string subject, KubeCertificateProfile profile, string[] dnsNames, string[] ipAddresses,
        DateTimeOffset? notBefore, DateTimeOffset? notAfter, string thumbprint, string sha256Fingerprint,
        string serialNumber, string issuer, string keyAlgorithm, string path, string keyPath,
        bool isCertificateAuthority, bool reused)
    {
        Subject = subject;
        Profile = profile;
        DnsNames = dnsNames;
        IPAddresses = ipAddresses;
        NotBefore = notBefore;
        NotAfter = notAfter;
        Thumbprint = thumbprint;
        Sha256Fingerprint = sha256Fingerprint;
        SerialNumber = serialNumber;
        Issuer = issuer;
        KeyAlgorithm = keyAlgorithm;
        Path = path;
        KeyPath = keyPath;
        IsCertificateAuthority = isCertificateAuthority;
        Reused = reused;
    }

    /// <summary>The subject as Windows shows it, e.g. <c>CN=system:node:core-01, O=system:nodes</c>; empty for a key pair.</summary>
    public string Subject { get; }

    /// <summary>What the certificate is for.</summary>
    public KubeCertificateProfile Profile { get; }

    /// <summary>DNS names in the subject alternative name extension.</summary>
    public string[] DnsNames { get; }

    /// <summary>IP addresses in the subject alternative name extension.</summary>
    public string[] IPAddresses { get; }

    /// <summary>Start of validity; null for a service account key pair, which has none.</summary>
    public DateTimeOffset? NotBefore { get; }

    /// <summary>End of validity; null for a service account key pair, which never expires.</summary>
    public DateTimeOffset? NotAfter { get; }

    /// <summary>SHA-1 thumbprint, upper-case hex, as Windows certificate tools show it; empty for a key pair.</summary>
    public string Thumbprint { get; }

    /// <summary>
    /// SHA-256 fingerprint, upper-case hex without colons (<c>openssl x509 -fingerprint -sha256</c> without the
    /// colons); for a key pair, the SHA-256 of the public key's SubjectPublicKeyInfo.
    /// </summary>
    public string Sha256Fingerprint { get; }

    /// <summary>Serial number, upper-case hex; empty for a key pair.</summary>
    public string SerialNumber { get; }

    /// <summary>The issuer's subject; equal to <see cref="Subject"/> for a certificate authority.</summary>
    public string Issuer { get; }

    /// <summary>The key, e.g. <c>ECDSA P-256</c> or <c>RSA 2048</c>.</summary>
    public string KeyAlgorithm { get; }

    /// <summary>The certificate file (PEM); for a service account key pair, the public key file (sa.pub).</summary>
    public string Path { get; }

    /// <summary>The private key file (PEM, PKCS#8), readable by its owner only.</summary>
    public string KeyPath { get; }

    /// <summary>Whether this is a certificate authority that can sign others.</summary>
    public bool IsCertificateAuthority { get; }

    /// <summary>True when existing files were kept rather than written (no -Force).</summary>
    public bool Reused { get; }

    /// <inheritdoc/>
    public override string ToString() => Subject.Length > 0 ? Subject : Path;
}
