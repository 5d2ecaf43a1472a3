using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// Reads PEM certificates and private keys as Kubernetes, etcd and openssl write them, so a cluster's existing
/// files (from kubeadm, cfssl or openssl) load as readily as our own. Shared by the PKI engine and TLS clients.
/// </summary>
public static class PemFiles
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>
    /// Loads a certificate and its private key into one <see cref="X509Certificate2"/> usable for TLS client or
    /// server authentication. The key may be PKCS#8 (<c>PRIVATE KEY</c>), SEC1 (<c>EC PRIVATE KEY</c>) or PKCS#1
    /// (<c>RSA PRIVATE KEY</c>).
    /// </summary>
    /// <param name="certPath">The certificate file (PEM); the first certificate in it is used.</param>
    /// <param name="keyPath">The private key file (PEM, unencrypted).</param>
    /// <exception cref="KfsException">CertificateFileInvalid, KeyFileInvalid, CertificateKeyMismatch, or *NotFound.</exception>
    public static X509Certificate2 LoadCertificateWithKey(string certPath, string keyPath)
    {
        using var certificate = LoadCertificate(certPath);
        using var key = LoadPrivateKey(keyPath);
        if (!KeyPairs.Matches(certificate, key))
        {
            throw KeyMismatch(certPath, keyPath);
        }

        var withKey = key switch
        {
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
            _ => throw new KfsException("KeyFileInvalid", KfsErrorCategory.InvalidData, keyPath,
                $"{keyPath} holds a key type that cannot be used here; use an RSA or ECDSA key."),
        };

        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use an ephemeral (never persisted) key for TLS; a PKCS#12 round trip gives it one.
            using (withKey)
            {
                var pfx = withKey.Export(X509ContentType.Pkcs12);
#if NET9_0_OR_GREATER
                return X509CertificateLoader.LoadPkcs12(pfx, null);
#else
                return new X509Certificate2(pfx);
#endif
            }
        }

        return withKey;
    }

    /// <summary>Loads every certificate in a PEM file (a CA bundle or a chain), in file order.</summary>
    /// <param name="path">The PEM file.</param>
    /// <exception cref="KfsException">CertificateNotFound or CertificateFileInvalid.</exception>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var text = ReadText(path, "CertificateNotFound", "certificate");
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(text);
        }
        catch (CryptographicException ex)
        {
            throw CertificateInvalid(path, ex);
        }

        if (collection.Count == 0)
        {
            throw CertificateInvalid(path, null);
        }

        return collection;
    }

    /// <summary>Loads the first certificate of a PEM file.</summary>
    /// <param name="path">The PEM file.</param>
    /// <exception cref="KfsException">CertificateNotFound or CertificateFileInvalid.</exception>
    public static X509Certificate2 LoadCertificate(string path)
    {
        var all = LoadCertificates(path);
        for (var i = 1; i < all.Count; i++)
        {
            all[i].Dispose();
        }

        return all[0];
    }

    /// <summary>
    /// Loads an unencrypted private key (PKCS#8, SEC1 or PKCS#1 PEM) as <see cref="RSA"/> or <see cref="ECDsa"/>.
    /// </summary>
    /// <param name="path">The PEM key file.</param>
    /// <exception cref="KfsException">KeyNotFound or KeyFileInvalid; the message never quotes the file's content.</exception>
    public static AsymmetricAlgorithm LoadPrivateKey(string path)
    {
        var text = ReadText(path, "KeyNotFound", "private key");
        var span = text.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            var label = span[fields.Label].ToString();
            var der = TryDecode(span[fields.Base64Data]);
            span = span[fields.Location.End..];
            switch (label)
            {
                case "PRIVATE KEY":
                    return der is null ? throw KeyInvalid(path, "its PEM body is not valid base64") : ImportPkcs8(path, der);
                case "RSA PRIVATE KEY":
                    return der is null ? throw KeyInvalid(path, "its PEM body is not valid base64") : Import(path, der, static (d) =>
                    {
                        var rsa = RSA.Create();
                        rsa.ImportRSAPrivateKey(d, out _);
                        return rsa;
                    });
                case "EC PRIVATE KEY":
                    return der is null ? throw KeyInvalid(path, "its PEM body is not valid base64") : Import(path, der, static (d) =>
                    {
                        var ec = ECDsa.Create();
                        ec.ImportECPrivateKey(d, out _);
                        return ec;
                    });
                case "ENCRYPTED PRIVATE KEY":
                    throw KeyInvalid(path, "it is encrypted; Kubernetes components need unencrypted keys (openssl pkey -in KEY -out PLAIN)");
                case "EC PARAMETERS":
                    // openssl ecparam -genkey writes the curve before the key; the key block follows.
                    continue;
                case "CERTIFICATE":
                    throw KeyInvalid(path, "it holds a certificate, not a private key");
                case "PUBLIC KEY":
                case "RSA PUBLIC KEY":
                    throw KeyInvalid(path, "it holds a public key, not a private key");
                default:
                    continue;
            }
        }

        throw KeyInvalid(path, "it holds no PEM private key block");
    }

    /// <summary>Loads a PEM public key (<c>PUBLIC KEY</c>, as sa.pub) as <see cref="RSA"/> or <see cref="ECDsa"/>.</summary>
    /// <param name="path">The PEM public key file.</param>
    /// <exception cref="KfsException">KeyNotFound or KeyFileInvalid.</exception>
    public static AsymmetricAlgorithm LoadPublicKey(string path)
    {
        var text = ReadText(path, "KeyNotFound", "public key");
        var span = text.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            var label = span[fields.Label].ToString();
            var der = TryDecode(span[fields.Base64Data]);
            span = span[fields.Location.End..];
            if (label != "PUBLIC KEY")
            {
                continue;
            }

            if (der is null)
            {
                throw KeyInvalid(path, "its PEM body is not valid base64", what: "public key");
            }

            return ReadAlgorithmOid(der, spki: true) switch
            {
                RsaOid => Import(path, der, static (d) =>
                {
                    var rsa = RSA.Create();
                    rsa.ImportSubjectPublicKeyInfo(d, out _);
                    return rsa;
                }),
                EcOid => Import(path, der, static (d) =>
                {
                    var ec = ECDsa.Create();
                    ec.ImportSubjectPublicKeyInfo(d, out _);
                    return ec;
                }),
                var other => throw KeyInvalid(path, $"its algorithm ({other ?? "unreadable"}) is neither RSA nor ECDSA", what: "public key"),
            };
        }

        throw KeyInvalid(path, "it holds no PEM PUBLIC KEY block", what: "public key");
    }

    internal static KfsException KeyMismatch(string certPath, string keyPath) =>
        new("CertificateKeyMismatch", KfsErrorCategory.InvalidData, certPath,
            $"The private key in {keyPath} does not belong to the certificate {certPath}. Restore the matching key, " +
            "or issue both again with -Force.");

    internal static KfsException CertificateInvalid(string path, Exception? inner) =>
        new("CertificateFileInvalid", KfsErrorCategory.InvalidData, path,
            $"{path} is not a PEM certificate (-----BEGIN CERTIFICATE-----) that can be read. Replace it, or " +
            "write a new one with -Force.", inner);

    private static AsymmetricAlgorithm ImportPkcs8(string path, byte[] der) =>
        // The algorithm OID decides the type, so an RSA key is never half-imported as EC or the reverse.
        ReadAlgorithmOid(der, spki: false) switch
        {
            RsaOid => Import(path, der, static (d) =>
            {
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(d, out _);
                return rsa;
            }),
            EcOid => Import(path, der, static (d) =>
            {
                var ec = ECDsa.Create();
                ec.ImportPkcs8PrivateKey(d, out _);
                return ec;
            }),
            "1.3.101.112" or "1.3.101.113" => throw KeyInvalid(path,
                "it is an Ed25519/Ed448 key, which .NET cannot use for certificates; use RSA or ECDSA"),
            var other => throw KeyInvalid(path, $"its algorithm ({other ?? "unreadable"}) is neither RSA nor ECDSA"),
        };

    private static AsymmetricAlgorithm Import(string path, byte[] der, Func<byte[], AsymmetricAlgorithm> import)
    {
        try
        {
            return import(der);
        }
        catch (CryptographicException ex)
        {
            // The inner exception carries only the library's message, never key bytes.
            throw KeyInvalid(path, "its key data is malformed", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Reads the AlgorithmIdentifier OID of a PKCS#8 PrivateKeyInfo or a SubjectPublicKeyInfo.</summary>
    private static string? ReadAlgorithmOid(byte[] der, bool spki)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            if (!spki)
            {
                _ = info.ReadInteger(); // PrivateKeyInfo version
            }

            return info.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static byte[]? TryDecode(ReadOnlySpan<char> base64)
    {
        var buffer = new byte[base64.Length * 3 / 4 + 3];
        try
        {
            return Convert.TryFromBase64Chars(base64, buffer, out var written) ? buffer[..written] : null;
        }
        finally
        {
            // The buffer may hold private key bytes; do not leave a second copy for the GC to keep around.
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static string ReadText(string path, string notFoundId, string what)
    {
        if (!File.Exists(path))
        {
            throw new KfsException(notFoundId, KfsErrorCategory.ObjectNotFound, path, $"The {what} file {path} does not exist.");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KfsException(ex is UnauthorizedAccessException ? "FileAccessDenied" : "FileReadFailed",
                ex is UnauthorizedAccessException ? KfsErrorCategory.PermissionDenied : KfsErrorCategory.ReadError, path,
                $"Could not read the {what} file {path}: {ex.Message}", ex);
        }
    }

    private static KfsException KeyInvalid(string path, string why, Exception? inner = null, string what = "private key") =>
        new("KeyFileInvalid", KfsErrorCategory.InvalidData, path, $"{path} is not a usable {what}: {why}.", inner);
}
