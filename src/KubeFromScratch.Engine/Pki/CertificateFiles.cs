using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>What the authority and the issuer share: serials, reuse decisions, output objects, PEM writing.</summary>
internal static class CertificateFiles
{
    /// <summary>Backdating of NotBefore, so a host whose clock runs a little behind accepts a new certificate at once.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>What is on disk at a certificate's paths.</summary>
    internal enum Existing
    {
        /// <summary>Neither file: write both.</summary>
        None,

        /// <summary>Both files and no -Force: reuse them.</summary>
        Reuse,

        /// <summary>Files exist but -Force was given: replace them.</summary>
        Replace,
    }

    /// <summary>Decides whether to write or reuse; a lone certificate or lone key is an error without -Force.</summary>
    internal static Existing Inspect(string certPath, string keyPath, bool force, string certWord = "certificate")
    {
        var hasCert = File.Exists(certPath);
        var hasKey = File.Exists(keyPath);
        if (!hasCert && !hasKey)
        {
            return Existing.None;
        }

        if (force)
        {
            return Existing.Replace;
        }

        if (hasCert && hasKey)
        {
            return Existing.Reuse;
        }

        // Writing a new pair would silently replace the half that exists, which may be in use (a CA key!).
        var (present, missing) = hasCert ? (certPath, keyPath) : (keyPath, certPath);
        throw new KfsException("CertificateIncomplete", KfsErrorCategory.InvalidOperation, present,
            $"{present} exists but {missing} does not, so the {certWord} cannot be reused. Restore the missing file, " +
            "or use -Force to replace both.");
    }

    /// <summary>A random, positive, 16-byte serial number (RFC 5280 allows up to 20; kubeadm uses a random 128-bit one).</summary>
    internal static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Clear the sign bit (positive) and set the next so the DER INTEGER is exactly 16 bytes, no padding byte.
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    /// <summary>Truncates to whole seconds: X.509 times have no fraction, and the output should equal the file.</summary>
    internal static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>Writes the key (owner-only) and then the certificate, both atomically.</summary>
    internal static void Write(string certPath, string keyPath, X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        // PKCS#8 ("PRIVATE KEY"): the one form every consumer reads (Go, etcd, openssl, .NET), RSA and EC alike.
        SecureFile.WriteSecret(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        SecureFile.WritePublic(certPath, certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>Whether the certificate is a CA (basic constraints cA true).</summary>
    internal static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    /// <summary>The output object for a certificate on disk.</summary>
    internal static KubeCertificate Describe(X509Certificate2 certificate, KubeCertificateProfile profile, string certPath,
        string keyPath, bool reused)
    {
        var (dns, addresses) = SubjectAlternativeNames.Read(certificate);
        return new KubeCertificate(
            certificate.Subject,
            profile,
            dns,
            [.. addresses.Select(a => a.ToString())],
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            certificate.Thumbprint,
            certificate.GetCertHashString(HashAlgorithmName.SHA256),
            certificate.SerialNumber,
            certificate.Issuer,
            KeyPairs.Describe(certificate),
            Path.GetFullPath(certPath),
            Path.GetFullPath(keyPath),
            IsCertificateAuthority(certificate),
            reused);
    }

    /// <summary>Refuses to reuse an expired certificate: a cluster started on it would fail with puzzling TLS errors.</summary>
    internal static void EnsureNotExpired(X509Certificate2 certificate, string certPath, DateTimeOffset now)
    {
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter <= now)
        {
            throw new KfsException("CertificateExpired", KfsErrorCategory.InvalidOperation, certPath,
                $"The existing certificate {certPath} expired on {notAfter:u}. Use -Force to issue a new one.");
        }
    }

    /// <summary>The extended key usage OIDs of a certificate.</summary>
    internal static HashSet<string> ExtendedKeyUsages(X509Certificate2 certificate)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var eku in certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>())
        {
            foreach (var oid in eku.EnhancedKeyUsages)
            {
                if (oid.Value is not null)
                {
                    set.Add(oid.Value);
                }
            }
        }

        return set;
    }
}
