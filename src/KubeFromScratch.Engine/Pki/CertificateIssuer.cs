using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// Issues the cluster's certificates from a CA, one profile at a time, with the subjects, usages and names kubeadm
/// gives them; and creates the service account signing key pair.
/// </summary>
public static class CertificateIssuer
{
    /// <summary>The kubernetes service's address in the default service CIDR 10.96.0.0/12.</summary>
    public const string DefaultKubernetesServiceAddress = CertificateProfiles.DefaultKubernetesServiceAddress;

    /// <summary>The default cluster DNS domain.</summary>
    public const string DefaultClusterDomain = CertificateProfiles.DefaultClusterDomain;

    /// <summary>
    /// Issues a certificate and key at the given paths, or returns the existing pair (Reused) when both files are
    /// there, match each other, come from this CA and already cover what is asked, and <paramref name="force"/> is
    /// not set. For <see cref="KubeCertificateProfile.ServiceAccount"/>, writes a key pair instead (certPath is
    /// the public key file) and ignores the CA and names.
    /// </summary>
    /// <param name="ca">The signing CA, from <see cref="CertificateAuthority.Load"/>.</param>
    /// <param name="profile">What the certificate is for.</param>
    /// <param name="commonName">
    /// The subject's CN: the host name for etcd, the node name for a kubelet; optional where the profile fixes it.
    /// </param>
    /// <param name="organizations">Subject O values (groups); profiles add the ones Kubernetes requires.</param>
    /// <param name="dnsNames">Host names to add to the subject alternative names (addresses are accepted too).</param>
    /// <param name="ipAddresses">IP addresses to add to the subject alternative names.</param>
    /// <param name="validity">How long the certificate is valid (kubeadm: one year); capped at the CA's own end.</param>
    /// <param name="algorithm">The key to generate.</param>
    /// <param name="certPath">Where to write the certificate (PEM).</param>
    /// <param name="keyPath">Where to write the private key (PEM, owner-only).</param>
    /// <param name="force">Replace existing files instead of reusing them.</param>
    /// <param name="kubernetesServiceAddress">For ApiServer: the kubernetes service's cluster IP.</param>
    /// <param name="clusterDomain">For ApiServer: the cluster DNS domain.</param>
    /// <exception cref="KfsException">
    /// CertificateProfileInvalid, InvalidSubjectAlternativeName, CertificateValidityInvalid, CertificateIncomplete,
    /// CertificateFileInvalid, KeyFileInvalid, CertificateKeyMismatch, CertificateIssuerMismatch,
    /// CertificateOutdated, CertificateExpired, FileWriteFailed.
    /// </exception>
    public static KubeCertificate Issue(CertificateAuthorityHandle ca, KubeCertificateProfile profile, string? commonName,
        string[]? organizations, string[]? dnsNames, string[]? ipAddresses, TimeSpan validity, KeyAlgorithmKind algorithm,
        string certPath, string keyPath, bool force, string kubernetesServiceAddress = DefaultKubernetesServiceAddress,
        string clusterDomain = DefaultClusterDomain)
    {
        var now = DateTimeOffset.UtcNow;
        return Issue(ca, profile, commonName, organizations, dnsNames, ipAddresses, now - CertificateFiles.ClockSkew,
            now + validity, algorithm, certPath, keyPath, force, kubernetesServiceAddress, clusterDomain, now);
    }

    /// <summary>Issues with an explicit validity period; tests use it to make expired certificates.</summary>
    internal static KubeCertificate Issue(CertificateAuthorityHandle ca, KubeCertificateProfile profile, string? commonName,
        string[]? organizations, string[]? dnsNames, string[]? ipAddresses, DateTimeOffset notBefore,
        DateTimeOffset notAfter, KeyAlgorithmKind algorithm, string certPath, string keyPath, bool force,
        string kubernetesServiceAddress, string clusterDomain, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (profile == KubeCertificateProfile.ServiceAccount)
        {
            return NewServiceAccountKey(algorithm, keyPath, certPath, force);
        }

        // Everything the caller got wrong is reported before any file is touched.
        var request = CertificateProfiles.Resolve(profile, commonName, organizations, dnsNames, ipAddresses,
            kubernetesServiceAddress, clusterDomain);
        CertificateAuthority.EnsureValidity(notBefore, notAfter);
        var subject = BuildSubject(request);

        if (CertificateFiles.Inspect(certPath, keyPath, force) == CertificateFiles.Existing.Reuse)
        {
            return Reuse(ca, profile, request, subject, certPath, keyPath, now);
        }

        // A certificate cannot usefully outlive its issuer: clients reject the chain once the CA expires.
        var caNotAfter = new DateTimeOffset(ca.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter;
        }

        using var key = KeyPairs.Generate(algorithm);
        var csr = new CertificateRequest(subject, KeyPairs.PublicKeyOf(key), KeyPairs.HashFor(ca.Key));
        csr.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));

        // keyEncipherment only means something for RSA key transport; kubeadm 1.31+ leaves it off EC keys too.
        var usages = X509KeyUsageFlags.DigitalSignature | (key is RSA ? X509KeyUsageFlags.KeyEncipherment : 0);
        csr.CertificateExtensions.Add(new X509KeyUsageExtension(usages, critical: true));

        var ekus = new OidCollection();
        if (request.ServerAuth)
        {
            ekus.Add(new Oid(CertificateProfiles.ServerAuthOid));
        }

        if (request.ClientAuth)
        {
            ekus.Add(new Oid(CertificateProfiles.ClientAuthOid));
        }

        csr.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, critical: false));
        if (!request.Names.IsEmpty)
        {
            csr.CertificateExtensions.Add(request.Names.ToExtension());
        }

        csr.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(csr.PublicKey, critical: false));
        csr.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ca.SubjectKeyIdentifier));

        using var certificate = csr.Create(ca.Certificate.SubjectName, KeyPairs.SignerFor(ca.Key),
            CertificateFiles.WholeSeconds(notBefore), CertificateFiles.WholeSeconds(notAfter), CertificateFiles.NewSerial());
        CertificateFiles.Write(certPath, keyPath, certificate, key);
        return CertificateFiles.Describe(certificate, profile, certPath, keyPath, reused: false);
    }

    /// <summary>
    /// Creates the key pair that signs service account tokens (kube-apiserver --service-account-signing-key-file
    /// sa.key, --service-account-key-file sa.pub), or returns the existing pair (Reused) unless
    /// <paramref name="force"/> is set. Replacing it invalidates every token already issued.
    /// </summary>
    /// <param name="algorithm">The key to generate; kubeadm uses RSA 2048.</param>
    /// <param name="keyPath">Where to write the private key (sa.key, owner-only).</param>
    /// <param name="publicKeyPath">Where to write the public key (sa.pub).</param>
    /// <param name="force">Replace existing files instead of reusing them.</param>
    /// <exception cref="KfsException">CertificateIncomplete, KeyFileInvalid, CertificateKeyMismatch, FileWriteFailed.</exception>
    public static KubeCertificate NewServiceAccountKey(KeyAlgorithmKind algorithm, string keyPath, string publicKeyPath,
        bool force)
    {
        if (CertificateFiles.Inspect(publicKeyPath, keyPath, force, "service account key pair") == CertificateFiles.Existing.Reuse)
        {
            using var existingKey = PemFiles.LoadPrivateKey(keyPath);
            using var existingPublic = PemFiles.LoadPublicKey(publicKeyPath);
            if (!KeyPairs.Matches(existingKey, existingPublic))
            {
                throw PemFiles.KeyMismatch(publicKeyPath, keyPath);
            }

            return DescribeKeyPair(existingKey, keyPath, publicKeyPath, reused: true);
        }

        using var key = KeyPairs.Generate(algorithm);
        SecureFile.WriteSecret(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        SecureFile.WritePublic(publicKeyPath, key.ExportSubjectPublicKeyInfoPem() + "\n");
        return DescribeKeyPair(key, keyPath, publicKeyPath, reused: false);
    }

    private static KubeCertificate DescribeKeyPair(AsymmetricAlgorithm key, string keyPath, string publicKeyPath, bool reused) =>
        new(string.Empty, KubeCertificateProfile.ServiceAccount, [], [], null, null, string.Empty,
            KeyPairs.PublicKeyFingerprint(key), string.Empty, string.Empty, KeyPairs.Describe(key),
            Path.GetFullPath(publicKeyPath), Path.GetFullPath(keyPath), isCertificateAuthority: false, reused);

    private static X500DistinguishedName BuildSubject(CertificateProfiles.Resolved request)
    {
        // DER order O..., CN as Go's crypto/x509 (and so kubeadm) encodes it; the builder encodes in reverse of the
        // order of the calls.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(request.CommonName);
        for (var i = request.Organizations.Length - 1; i >= 0; i--)
        {
            builder.AddOrganizationName(request.Organizations[i]);
        }

        return builder.Build();
    }

    /// <summary>The CN and the set of O values of a name, whatever their order or string encoding.</summary>
    private static (string? CommonName, SortedSet<string> Organizations) ReadSubject(X500DistinguishedName name)
    {
        string? commonName = null;
        var organizations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            // Go writes several O values as one multi-valued RDN, so read every element of each RDN.
            var set = new AsnReader(rdn.RawData, AsnEncodingRules.DER).ReadSetOf(skipSortOrderValidation: true);
            while (set.HasData)
            {
                var pair = set.ReadSequence();
                var oid = pair.ReadObjectIdentifier();
                var value = ReadString(pair);
                if (oid == "2.5.4.3")
                {
                    commonName = value;
                }
                else if (oid == "2.5.4.10" && value is not null)
                {
                    organizations.Add(value);
                }
            }
        }

        return (commonName, organizations);
    }

    private static string? ReadString(AsnReader reader)
    {
        var tag = reader.PeekTag();
        try
        {
            return tag.TagClass == TagClass.Universal
                ? reader.ReadCharacterString((UniversalTagNumber)tag.TagValue)
                : null;
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException)
        {
            return null; // An exotic string type (T61String): treat as absent, so the pair is reissued rather than misread.
        }
    }

    /// <summary>
    /// Keeps an existing pair only if it is sound and still what was asked for; otherwise says what differs, so a
    /// new master's address is never silently missing from a reused API server certificate.
    /// </summary>
    private static KubeCertificate Reuse(CertificateAuthorityHandle ca, KubeCertificateProfile profile,
        CertificateProfiles.Resolved request, X500DistinguishedName subject, string certPath, string keyPath,
        DateTimeOffset now)
    {
        using var existing = PemFiles.LoadCertificate(certPath);
        using (var key = PemFiles.LoadPrivateKey(keyPath))
        {
            if (!KeyPairs.Matches(existing, key))
            {
                throw PemFiles.KeyMismatch(certPath, keyPath);
            }
        }

        if (!CertificateValidator.IsIssuedBy(existing, ca.Certificate))
        {
            throw new KfsException("CertificateIssuerMismatch", KfsErrorCategory.InvalidOperation, certPath,
                $"{certPath} was not issued by the CA {ca.CertificatePath} ({existing.Issuer}). Use -Force to issue it " +
                "from this CA.");
        }

        CertificateFiles.EnsureNotExpired(existing, certPath, now);

        var differences = new List<string>();
        var (haveCn, haveOrgs) = ReadSubject(existing.SubjectName);
        var (wantCn, wantOrgs) = ReadSubject(subject);
        if (!string.Equals(haveCn, wantCn, StringComparison.Ordinal) || !haveOrgs.SetEquals(wantOrgs))
        {
            differences.Add($"subject '{existing.Subject}' instead of '{subject.Name}'");
        }

        var ekus = CertificateFiles.ExtendedKeyUsages(existing);
        if (request.ServerAuth && !ekus.Contains(CertificateProfiles.ServerAuthOid))
        {
            differences.Add("no server authentication usage");
        }

        if (request.ClientAuth && !ekus.Contains(CertificateProfiles.ClientAuthOid))
        {
            differences.Add("no client authentication usage");
        }

        var (dns, addresses) = SubjectAlternativeNames.Read(existing);
        var missing = request.Names.DnsNames.Where(n => !dns.Contains(n, StringComparer.OrdinalIgnoreCase))
            .Concat(request.Names.IPAddresses.Where(a => !addresses.Contains(a)).Select(a => a.ToString()))
            .ToList();
        if (missing.Count > 0)
        {
            differences.Add("no " + string.Join(", ", missing));
        }

        if (differences.Count > 0)
        {
            throw new KfsException("CertificateOutdated", KfsErrorCategory.InvalidOperation, certPath,
                $"The existing certificate {certPath} differs from what was asked: {string.Join("; ", differences)}. " +
                "Use -Force to issue it again.");
        }

        return CertificateFiles.Describe(existing, profile, certPath, keyPath, reused: true);
    }
}
