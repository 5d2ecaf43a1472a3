using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// A loaded certificate authority, ready to sign: from <see cref="CertificateAuthority.Load"/>. Holds the CA's
/// private key in memory, so dispose it as soon as the certificates are issued.
/// </summary>
public sealed class CertificateAuthorityHandle : IDisposable
{
    private readonly AsymmetricAlgorithm _key;
    private bool _disposed;

    internal CertificateAuthorityHandle(X509Certificate2 certificate, AsymmetricAlgorithm key, string certificatePath,
        string keyPath)
    {
        Certificate = certificate;
        _key = key;
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        SubjectKeyIdentifier = ReadOrComputeSubjectKeyIdentifier(certificate);
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate file.</summary>
    public string CertificatePath { get; }

    /// <summary>The CA private key file.</summary>
    public string KeyPath { get; }

    /// <summary>The CA's subject key identifier, which every issued certificate names as its authority key id.</summary>
    internal byte[] SubjectKeyIdentifier { get; }

    /// <summary>The CA's private key, for signing.</summary>
    internal AsymmetricAlgorithm Key
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _key.Dispose();
        Certificate.Dispose();
    }

    private static byte[] ReadOrComputeSubjectKeyIdentifier(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectKeyIdentifierExtension ski)
            {
                return ski.SubjectKeyIdentifierBytes.ToArray();
            }
        }

        // A CA from elsewhere without the extension: use the RFC 5280 method 1 value tools would compute.
        return new X509SubjectKeyIdentifierExtension(certificate.PublicKey, false).SubjectKeyIdentifierBytes.ToArray();
    }
}
