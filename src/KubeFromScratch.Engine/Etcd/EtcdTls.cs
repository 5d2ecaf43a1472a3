using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Pki;

namespace KubeFromScratch.Engine.Etcd;

/// <summary>PEM files for talking TLS to etcd: the CA that signed the servers, and the client's certificate and key.</summary>
public sealed record EtcdTlsFiles(string? CaPath, string? CertificatePath, string? KeyPath);

/// <summary>
/// Loads the TLS material once and validates etcd's server certificates against the given CA only (not the
/// machine's store), remembering why a certificate failed so the error can say which of the four things went wrong:
/// an untrusted server certificate, an expired one, a name mismatch, or our client certificate being refused.
/// </summary>
internal sealed class EtcdTls : IDisposable
{
    private readonly X509Certificate2Collection _authorities = new();
    private readonly X509Certificate2? _clientCertificate;

    public EtcdTls(EtcdTlsFiles files)
    {
        if (files.CaPath is { } ca)
        {
            _authorities = PemFiles.LoadCertificates(ca);
        }

        if (files.CertificatePath is { } cert)
        {
            if (files.KeyPath is null)
            {
                throw new KfsException("EtcdClientKeyMissing", KfsErrorCategory.InvalidArgument, cert,
                    "A client certificate was given without its key. Pass -KeyPath with the certificate's private key (PEM).");
            }

            _clientCertificate = PemFiles.LoadCertificateWithKey(cert, files.KeyPath);
            if (_clientCertificate.NotAfter.ToUniversalTime() < DateTime.UtcNow)
            {
                throw new KfsException("EtcdClientCertificateExpired", KfsErrorCategory.SecurityError, cert,
                    $"The client certificate {cert} expired on {_clientCertificate.NotAfter:u}; etcd will refuse it. Issue a new one with New-KubeCertificate -Profile EtcdClient -Force.");
            }
        }
        else if (files.KeyPath is not null)
        {
            throw new KfsException("EtcdClientCertificateMissing", KfsErrorCategory.InvalidArgument, files.KeyPath,
                "A key was given without its certificate. Pass -CertificatePath too.");
        }

        Files = files;
    }

    public EtcdTlsFiles Files { get; }

    public bool HasClientCertificate => _clientCertificate is not null;

    /// <summary>Why the last server certificate was refused (an error id), by target host.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, KfsException> ServerCertificateFailures { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Hosts whose server certificate passed, so a later handshake failure is about our client certificate.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> ServerCertificateAccepted { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Apply(SslClientAuthenticationOptions options)
    {
        options.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (_clientCertificate is not null)
        {
            options.ClientCertificates = new X509CertificateCollection { _clientCertificate };
        }

        options.RemoteCertificateValidationCallback = Validate;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string host = (sender as SslStream)?.TargetHostName ?? string.Empty;
        if (certificate is null)
        {
            ServerCertificateFailures[host] = new KfsException("EtcdServerCertificateMissing", KfsErrorCategory.SecurityError, host,
                $"{host} sent no server certificate.");
            return false;
        }

        using var server = new X509Certificate2(certificate);
        if (_authorities.Count == 0)
        {
            // Without -CaPath the machine's trust store decides, as etcdctl does without --cacert.
            if (errors == SslPolicyErrors.None)
            {
                ServerCertificateAccepted[host] = true;
                return true;
            }

            ServerCertificateFailures[host] = Untrusted(host, server, "the system's trusted roots do not include its issuer (pass the cluster CA with -CaPath)");
            return false;
        }

        using var custom = new X509Chain { ChainPolicy = CertificateValidator.CreateChainPolicy(_authorities) };
        if (!custom.Build(server))
        {
            var statuses = custom.ChainStatus.Select(s => s.Status).ToArray();
            ServerCertificateFailures[host] = statuses.Contains(X509ChainStatusFlags.NotTimeValid)
                ? new KfsException("EtcdServerCertificateExpired", KfsErrorCategory.SecurityError, host,
                    $"The server certificate of {host} ({server.Subject}) is not valid now: valid {server.NotBefore:u} to {server.NotAfter:u}. Renew it on the host (New-KubeCertificate -Profile EtcdServer -Force, then Install-KubeCertificate) and restart etcd.")
                : Untrusted(host, server, $"it does not chain to the CA given with -CaPath ({string.Join(", ", custom.ChainStatus.Select(s => s.Status))})");
            return false;
        }

        if (!CertificateValidator.MatchesName(server, host))
        {
            ServerCertificateFailures[host] = new KfsException("EtcdCertificateNameMismatch", KfsErrorCategory.SecurityError, host,
                $"The server certificate of {host} ({server.Subject}) is not issued for '{host}'. Reissue it with that name or address (New-KubeCertificate -Profile EtcdServer -IPAddress/-DnsName), or connect with a name it carries.");
            return false;
        }

        ServerCertificateAccepted[host] = true;
        return true;
    }

    private static KfsException Untrusted(string host, X509Certificate2 server, string why) =>
        new("EtcdServerCertificateUntrusted", KfsErrorCategory.SecurityError, host,
            $"The server certificate of {host} ({server.Subject}, issued by {server.Issuer}) is not trusted: {why}. Pass the CA that signed etcd's certificates with -CaPath.");

    public void Dispose() => _clientCertificate?.Dispose();
}
