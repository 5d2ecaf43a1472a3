namespace KubeFromScratch;

/// <summary>The verdict on one certificate file: what <c>Test-KubeCertificate</c> returns.</summary>
public sealed class KubeCertificateCheck
{
    internal KubeCertificateCheck(string path, string subject, DateTimeOffset notAfter, bool? chainValid,
        string chainStatus, TimeSpan expiresIn, bool expired, bool expiresSoon, string? name, bool? nameMatches,
        string[] problems)
    {
        Path = path;
        Subject = subject;
        NotAfter = notAfter;
        ChainValid = chainValid;
        ChainStatus = chainStatus;
        ExpiresIn = expiresIn;
        Expired = expired;
        ExpiresSoon = expiresSoon;
        Name = name;
        NameMatches = nameMatches;
        Problems = problems;
    }

    /// <summary>The certificate file tested.</summary>
    public string Path { get; }

    /// <summary>The certificate's subject.</summary>
    public string Subject { get; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>Whether the chain to the given CA verified; null when no CA was given.</summary>
    public bool? ChainValid { get; }

    /// <summary>The chain verdict in words: <c>Valid</c>, <c>NotChecked</c>, or the chain status flags found.</summary>
    public string ChainStatus { get; }

    /// <summary>Time left until <see cref="NotAfter"/>; negative once expired.</summary>
    public TimeSpan ExpiresIn { get; }

    /// <summary>Whether the certificate has expired.</summary>
    public bool Expired { get; }

    /// <summary>Whether it expires within 30 days (or already has): time to renew.</summary>
    public bool ExpiresSoon { get; }

    /// <summary>The DNS name or IP address asked about, if any.</summary>
    public string? Name { get; }

    /// <summary>Whether <see cref="Name"/> is among the certificate's subject alternative names; null when not asked.</summary>
    public bool? NameMatches { get; }

    /// <summary>Everything that makes the certificate unusable, in words; empty when valid.</summary>
    public string[] Problems { get; }

    /// <summary>True when nothing is wrong: chain (if checked), validity period and name (if asked).</summary>
    public bool IsValid => Problems.Length == 0;
}
