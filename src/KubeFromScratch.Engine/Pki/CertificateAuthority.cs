using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// Creates and loads self-signed certificate authorities (the cluster CA, the etcd CA, the front-proxy CA) the
/// way kubeadm makes them, using only .NET cryptography so it works on Windows without openssl.
/// </summary>
public static class CertificateAuthority
{
    /// <summary>
    /// Creates a CA certificate and key at the given paths, or returns the existing pair (Reused) when both files
    /// are there and <paramref name="force"/> is not set.
    /// </summary>
    /// <param name="commonName">The CA's name, e.g. <c>kubernetes</c> or <c>etcd-ca</c>.</param>
    /// <param name="algorithm">The key to generate.</param>
    /// <param name="validity">How long the CA is valid (kubeadm: 10 years).</param>
    /// <param name="certPath">Where to write the certificate (PEM).</param>
    /// <param name="keyPath">Where to write the private key (PEM, owner-only).</param>
    /// <param name="force">Replace existing files instead of reusing them.</param>
    /// <exception cref="KfsException">
    /// CertificateProfileInvalid, CertificateValidityInvalid, CertificateIncomplete, CertificateFileInvalid,
    /// KeyFileInvalid, CertificateKeyMismatch, NotACertificateAuthority, CertificateOutdated, CertificateExpired,
    /// FileWriteFailed.
    /// </exception>
    public static KubeCertificate New(string commonName, KeyAlgorithmKind algorithm, TimeSpan validity, string certPath,
        string keyPath, bool force)
    {
        var now = DateTimeOffset.UtcNow;
        return New(commonName, algorithm, now - CertificateFiles.ClockSkew, now + validity, certPath, keyPath, force, now);
    }

    /// <summary>Creates a CA with an explicit validity period; tests use it to make expired or not-yet-valid CAs.</summary>
    internal static KubeCertificate New(string commonName, KeyAlgorithmKind algorithm, DateTimeOffset notBefore,
        DateTimeOffset notAfter, string certPath, string keyPath, bool force, DateTimeOffset now)
    {
        var cn = commonName?.Trim() ?? string.Empty;
        if (cn.Length == 0)
        {
            throw new KfsException("CertificateProfileInvalid", KfsErrorCategory.InvalidArgument,
                KubeCertificateProfile.CertificateAuthority, "A certificate authority needs a common name, e.g. kubernetes.");
        }

        EnsureValidity(notBefore, notAfter);

        if (CertificateFiles.Inspect(certPath, keyPath, force, "certificate authority") == CertificateFiles.Existing.Reuse)
        {
            using var existing = Load(certPath, keyPath);
            CertificateFiles.EnsureNotExpired(existing.Certificate, certPath, now);
            var existingName = existing.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.Equals(existingName, cn, StringComparison.Ordinal))
            {
                throw new KfsException("CertificateOutdated", KfsErrorCategory.InvalidOperation, certPath,
                    $"{certPath} is the CA '{existingName}', not '{cn}'. Choose another path, or use -Force to replace it " +
                    "(every certificate it issued must then be issued again).");
            }

            return CertificateFiles.Describe(existing.Certificate, KubeCertificateProfile.CertificateAuthority, certPath,
                keyPath, reused: true);
        }

        using var key = KeyPairs.Generate(algorithm);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(cn);
        var name = subject.Build();
        var request = new CertificateRequest(name, KeyPairs.PublicKeyOf(key), KeyPairs.HashFor(key));
        // No path length: kubeadm's CAs leave it unlimited too, and a front-proxy or intermediate may sit below.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        using var certificate = request.Create(name, KeyPairs.SignerFor(key), CertificateFiles.WholeSeconds(notBefore),
            CertificateFiles.WholeSeconds(notAfter), CertificateFiles.NewSerial());
        CertificateFiles.Write(certPath, keyPath, certificate, key);
        return CertificateFiles.Describe(certificate, KubeCertificateProfile.CertificateAuthority, certPath, keyPath,
            reused: false);
    }

    /// <summary>Loads a CA's certificate and private key for signing.</summary>
    /// <exception cref="KfsException">
    /// CertificateAuthorityNotFound, CertificateFileInvalid, KeyFileInvalid, CertificateKeyMismatch,
    /// NotACertificateAuthority.
    /// </exception>
    public static CertificateAuthorityHandle Load(string certPath, string keyPath)
    {
        foreach (var path in new[] { certPath, keyPath })
        {
            if (!File.Exists(path))
            {
                throw new KfsException("CertificateAuthorityNotFound", KfsErrorCategory.ObjectNotFound, path,
                    $"The certificate authority file {path} does not exist. Create the CA first with New-KubeCertificateAuthority.");
            }
        }

        var certificate = PemFiles.LoadCertificate(certPath);
        AsymmetricAlgorithm? key = null;
        try
        {
            key = PemFiles.LoadPrivateKey(keyPath);
            if (!KeyPairs.Matches(certificate, key))
            {
                throw PemFiles.KeyMismatch(certPath, keyPath);
            }

            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            if (!CertificateFiles.IsCertificateAuthority(certificate)
                || (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign)))
            {
                throw new KfsException("NotACertificateAuthority", KfsErrorCategory.InvalidArgument, certPath,
                    $"{certPath} is not a certificate authority (no CA basic constraint or no certificate signing usage). " +
                    "Point at the CA's ca.crt and ca.key.");
            }

            return new CertificateAuthorityHandle(certificate, key, Path.GetFullPath(certPath), Path.GetFullPath(keyPath));
        }
        catch
        {
            certificate.Dispose();
            key?.Dispose();
            throw;
        }
    }

    internal static void EnsureValidity(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (notAfter <= notBefore + CertificateFiles.ClockSkew)
        {
            throw new KfsException("CertificateValidityInvalid", KfsErrorCategory.InvalidArgument, notAfter - notBefore,
                "The validity period must be longer than a few minutes; give it in days or years.");
        }
    }
}
