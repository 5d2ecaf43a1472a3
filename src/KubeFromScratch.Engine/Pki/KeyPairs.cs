using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>Generates keys and answers questions about them (name, match, signer) for the PKI engine.</summary>
internal static class KeyPairs
{
    /// <summary>Creates a fresh key of the given kind.</summary>
    internal static AsymmetricAlgorithm Generate(KeyAlgorithmKind kind) => kind switch
    {
        KeyAlgorithmKind.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithmKind.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        KeyAlgorithmKind.Rsa2048 => RSA.Create(2048),
        KeyAlgorithmKind.Rsa3072 => RSA.Create(3072),
        KeyAlgorithmKind.Rsa4096 => RSA.Create(4096),
        _ => throw new KfsException("KeyAlgorithmInvalid", KfsErrorCategory.InvalidArgument, kind,
            $"{kind} is not a key algorithm this module generates; use EcdsaP256, EcdsaP384 or Rsa2048 and up."),
    };

    /// <summary>Describes a key for people: <c>ECDSA P-256</c>, <c>RSA 2048</c>.</summary>
    internal static string Describe(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => $"RSA {rsa.KeySize}",
        ECDsa ec => $"ECDSA {CurveName(ec)}",
        _ => key.GetType().Name,
    };

    /// <summary>Describes the public key in a certificate.</summary>
    internal static string Describe(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return Describe(rsa);
        }

        using var ec = certificate.GetECDsaPublicKey();
        return ec is not null ? Describe(ec) : certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
    }

    /// <summary>
    /// Whether the private key belongs to the certificate. Compares the public numbers rather than encoded bytes,
    /// so an EC key written with explicit curve parameters still matches its named-curve certificate.
    /// </summary>
    internal static bool Matches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        switch (key)
        {
            case RSA rsa:
            {
                using var certKey = certificate.GetRSAPublicKey();
                return certKey is not null && Matches(certKey, rsa);
            }

            case ECDsa ec:
            {
                using var certKey = certificate.GetECDsaPublicKey();
                return certKey is not null && Matches(certKey, ec);
            }

            default:
                return false;
        }
    }

    /// <summary>Whether two keys share the same public key.</summary>
    internal static bool Matches(AsymmetricAlgorithm a, AsymmetricAlgorithm b)
    {
        if (a is RSA ra && b is RSA rb)
        {
            var pa = ra.ExportParameters(false);
            var pb = rb.ExportParameters(false);
            return Same(pa.Modulus, pb.Modulus) && Same(pa.Exponent, pb.Exponent);
        }

        if (a is ECDsa ea && b is ECDsa eb)
        {
            var pa = ea.ExportParameters(false);
            var pb = eb.ExportParameters(false);
            return ea.KeySize == eb.KeySize && Same(pa.Q.X, pb.Q.X) && Same(pa.Q.Y, pb.Q.Y);
        }

        return false;
    }

    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo, upper-case hex.</summary>
    internal static string PublicKeyFingerprint(AsymmetricAlgorithm key) =>
        Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    /// <summary>A signature generator for a CA key: PKCS#1 v1.5 for RSA, as Kubernetes and Go expect.</summary>
    internal static X509SignatureGenerator SignerFor(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new ArgumentException("Only RSA and ECDSA keys can sign.", nameof(key)),
    };

    /// <summary>The hash to sign with: SHA-384 for a P-384 (or larger) EC signer, as its strength calls for; else SHA-256.</summary>
    internal static HashAlgorithmName HashFor(AsymmetricAlgorithm signer) =>
        signer is ECDsa { KeySize: > 256 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    /// <summary>The public half of a key as a <see cref="PublicKey"/> for a certificate request.</summary>
    internal static PublicKey PublicKeyOf(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new PublicKey(rsa),
        ECDsa ec => new PublicKey(ec),
        _ => throw new ArgumentException("Only RSA and ECDSA keys are supported.", nameof(key)),
    };

    private static string CurveName(ECDsa ec)
    {
        var name = ec.ExportParameters(false).Curve.Oid?.FriendlyName;
        return name switch
        {
            "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1" => "P-256",
            "nistP384" or "ECDSA_P384" or "secp384r1" => "P-384",
            "nistP521" or "ECDSA_P521" or "secp521r1" => "P-521",
            _ => ec.KeySize switch
            {
                256 => "P-256",
                384 => "P-384",
                521 => "P-521",
                var bits => $"{bits}-bit",
            },
        };
    }

    private static bool Same(byte[]? a, byte[]? b) =>
        a is not null && b is not null && a.AsSpan().SequenceEqual(b);
}
