using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// Checks a certificate the way a Kubernetes component would on connect: chain to the cluster CA only (never the
/// machine's trust store), validity period, and the name or address being dialled.
/// </summary>
public static class CertificateValidator
{
    /// <summary>How early <see cref="KubeCertificateCheck.ExpiresSoon"/> warns.</summary>
    public static readonly TimeSpan RenewalWindow = TimeSpan.FromDays(30);

    /// <summary>Tests a certificate file.</summary>
    /// <param name="certPath">The certificate (PEM; the first one is tested, any after it are intermediates).</param>
    /// <param name="caPath">The CA certificate(s) to trust, or null to skip the chain check.</param>
    /// <param name="nameOrAddress">A DNS name or IP address the certificate must be valid for, or null.</param>
    /// <param name="now">The time to judge validity at.</param>
    /// <exception cref="KfsException">CertificateNotFound, CertificateFileInvalid for either file.</exception>
    public static KubeCertificateCheck Test(string certPath, string? caPath, string? nameOrAddress, DateTimeOffset now)
    {
        var all = PemFiles.LoadCertificates(certPath);
        X509Certificate2Collection? roots = null;
        try
        {
            roots = caPath is null ? null : PemFiles.LoadCertificates(caPath);
            var certificate = all[0];
            var problems = new List<string>();

            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var expiresIn = notAfter - now;
            var expired = expiresIn <= TimeSpan.Zero;
            if (expired)
            {
                problems.Add($"Expired on {notAfter:u} ({-expiresIn.TotalDays:0.#} days ago).");
            }

            if (notBefore > now)
            {
                problems.Add($"Not valid before {notBefore:u}; check this machine's clock.");
            }

            bool? chainValid = null;
            var chainStatus = "NotChecked";
            if (roots is not null)
            {
                using var chain = new X509Chain { ChainPolicy = CreateChainPolicy(roots) };
                chain.ChainPolicy.VerificationTime = now.UtcDateTime;
                for (var i = 1; i < all.Count; i++)
                {
                    chain.ChainPolicy.ExtraStore.Add(all[i]);
                }

                chainValid = chain.Build(certificate);
                var flags = chain.ChainElements.SelectMany(e => e.ChainElementStatus).Select(s => s.Status)
                    .Concat(chain.ChainStatus.Select(s => s.Status))
                    .Where(s => s != X509ChainStatusFlags.NoError)
                    .Distinct()
                    .ToList();
                chainStatus = chainValid.Value ? "Valid" : string.Join(", ", flags.Select(f => f.ToString()));
                if (!chainValid.Value)
                {
                    // Expiry is already reported above in plain words; repeat only what the chain adds.
                    var rest = flags.Where(f => f != X509ChainStatusFlags.NotTimeValid).ToList();
                    if (rest.Count > 0 || !expired)
                    {
                        problems.Add($"Chain to {caPath} does not verify: {(rest.Count > 0 ? string.Join(", ", rest) : chainStatus)}.");
                    }
                }

                foreach (var element in chain.ChainElements)
                {
                    element.Certificate.Dispose();
                }
            }

            bool? nameMatches = null;
            if (!string.IsNullOrWhiteSpace(nameOrAddress))
            {
                nameMatches = MatchesName(certificate, nameOrAddress.Trim());
                if (!nameMatches.Value)
                {
                    var (dns, addresses) = SubjectAlternativeNames.Read(certificate);
                    var has = dns.Concat(addresses.Select(a => a.ToString())).ToList();
                    problems.Add($"Not valid for '{nameOrAddress}'; it is valid for: " +
                        (has.Count > 0 ? string.Join(", ", has) : "no names at all") + ".");
                }
            }

            return new KubeCertificateCheck(Path.GetFullPath(certPath), certificate.Subject, notAfter, chainValid,
                chainStatus, expiresIn, expired, expiresIn < RenewalWindow, nameOrAddress, nameMatches, [.. problems]);
        }
        finally
        {
            foreach (var certificate in all)
            {
                certificate.Dispose();
            }

            if (roots is not null)
            {
                foreach (var root in roots)
                {
                    root.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// A chain policy that trusts exactly the given CA certificates: no system store, no revocation check (cluster
    /// CAs publish no CRL), no downloads. TLS clients and servers talking to etcd or the API server use it too.
    /// </summary>
    /// <param name="certificateAuthorities">The CA certificates to trust, e.g. from <see cref="PemFiles.LoadCertificates"/>.</param>
    public static X509ChainPolicy CreateChainPolicy(X509Certificate2Collection certificateAuthorities)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(certificateAuthorities);
        return policy;
    }

    /// <summary>
    /// Whether a DNS name (exact, without regard to case; wildcards are not expanded) or an IP address (exact) is
    /// among the certificate's subject alternative names. The CN is not consulted, as Go and browsers no longer do.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="nameOrAddress">A DNS name, or an IP address (IPv6 may be bracketed).</param>
    public static bool MatchesName(X509Certificate2 certificate, string nameOrAddress)
    {
        var (dns, addresses) = SubjectAlternativeNames.Read(certificate);
        if (SubjectAlternativeNames.TryParseAddress(nameOrAddress.Trim('[', ']'), out var address))
        {
            return addresses.Any(a => a.Equals(address)
                || (a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(address))
                || (address.IsIPv4MappedToIPv6 && address.MapToIPv4().Equals(a)));
        }

        var name = nameOrAddress.TrimEnd('.');
        return dns.Any(d => string.Equals(d.TrimEnd('.'), name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the CA signed the certificate (validity periods aside).</summary>
    internal static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain { ChainPolicy = CreateChainPolicy([ca]) };
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        var ok = chain.Build(certificate);
        var issuedBy = ok && chain.ChainElements.Count == 2 && chain.ChainElements[1].Certificate.RawDataMemory.Span
            .SequenceEqual(ca.RawDataMemory.Span);
        foreach (var element in chain.ChainElements)
        {
            element.Certificate.Dispose();
        }

        return issuedBy;
    }
}
