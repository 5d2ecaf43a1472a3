using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>
/// Real TLS over loopback with the issued certificates, as etcd uses them: mutual authentication against the
/// cluster CA only, with the server's name checked.
/// </summary>
public sealed class TlsHandshakeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task An_etcd_client_certificate_completes_mutual_TLS_with_an_etcd_server_certificate()
    {
        var server = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var client = _pki.Issue(KubeCertificateProfile.EtcdClient);

        var (serverResult, clientResult) = await HandshakeAsync(server, client, _pki.CaCert, "127.0.0.1");

        Assert.Null(serverResult.Error);
        Assert.Null(clientResult.Error);
        Assert.Equal("CN=kube-etcd-healthcheck-client", serverResult.PeerSubject);
        Assert.Equal("CN=core-01", clientResult.PeerSubject);
        Assert.Equal("pong", clientResult.Received);
    }

    [Fact]
    public async Task RSA_certificates_complete_mutual_TLS_too()
    {
        var server = _pki.Issue(KubeCertificateProfile.EtcdPeer, algorithm: KeyAlgorithmKind.Rsa2048);
        var client = _pki.Issue(KubeCertificateProfile.ApiServerEtcdClient, algorithm: KeyAlgorithmKind.Rsa2048);

        var (serverResult, clientResult) = await HandshakeAsync(server, client, _pki.CaCert, "localhost");

        Assert.Null(serverResult.Error);
        Assert.Null(clientResult.Error);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_rejected_by_the_server()
    {
        using var other = new PkiScratch();
        var server = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var stranger = other.Issue(KubeCertificateProfile.EtcdClient);

        var (serverResult, clientResult) = await HandshakeAsync(server, stranger, _pki.CaCert, "127.0.0.1");

        Assert.IsAssignableFrom<AuthenticationException>(serverResult.Error);
        Assert.Contains(SslPolicyErrors.RemoteCertificateChainErrors, serverResult.PolicyErrors);
        Assert.NotNull(clientResult.Error ?? (clientResult.Received == "pong" ? null : new Exception("no data")));
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_rejected_by_the_server()
    {
        var server = _pki.Issue(KubeCertificateProfile.EtcdServer);

        var (serverResult, _) = await HandshakeAsync(server, null, _pki.CaCert, "127.0.0.1");

        Assert.IsAssignableFrom<AuthenticationException>(serverResult.Error);
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_rejected_by_the_client_and_reported_by_the_validator()
    {
        var server = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var client = _pki.Issue(KubeCertificateProfile.EtcdClient);

        var (_, clientResult) = await HandshakeAsync(server, client, _pki.CaCert, "core-02");
        var check = CertificateValidator.Test(server.Path, _pki.CaCert, "core-02", DateTimeOffset.UtcNow);

        Assert.IsAssignableFrom<AuthenticationException>(clientResult.Error);
        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, Assert.Single(clientResult.PolicyErrors));
        Assert.False(check.NameMatches);
        Assert.True(check.ChainValid);
    }

    [Fact]
    public async Task A_client_only_certificate_cannot_serve_TLS()
    {
        var wrongServer = _pki.Issue(KubeCertificateProfile.KubeProxy, dnsNames: ["localhost"]);
        var client = _pki.Issue(KubeCertificateProfile.EtcdClient);

        var (_, clientResult) = await HandshakeAsync(wrongServer, client, _pki.CaCert, "localhost");

        Assert.IsAssignableFrom<AuthenticationException>(clientResult.Error);
        Assert.Contains(SslPolicyErrors.RemoteCertificateChainErrors, clientResult.PolicyErrors);
    }

    private sealed record Side(Exception? Error, string? PeerSubject, string? Received, List<SslPolicyErrors> PolicyErrors);

    /// <summary>Runs a TLS server and client over loopback; each side validates the other against the CA only.</summary>
    private static async Task<(Side Server, Side Client)> HandshakeAsync(KubeCertificate serverCert,
        KubeCertificate? clientCert, string caPath, string targetHost)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var roots = PemFiles.LoadCertificates(caPath);
        using var serverIdentity = PemFiles.LoadCertificateWithKey(serverCert.Path, serverCert.KeyPath);
        using var clientIdentity = clientCert is null ? null : PemFiles.LoadCertificateWithKey(clientCert.Path, clientCert.KeyPath);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var serverErrors = new List<SslPolicyErrors>();
        var serverTask = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync(cts.Token);
            await using var ssl = new SslStream(tcp.GetStream());
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverIdentity,
                    ClientCertificateRequired = true,
                    CertificateChainPolicy = CertificateValidator.CreateChainPolicy(roots),
                    RemoteCertificateValidationCallback = (_, _, _, errors) =>
                    {
                        serverErrors.Add(errors);
                        return errors == SslPolicyErrors.None;
                    },
                }, cts.Token);
                var buffer = new byte[4];
                await ssl.ReadExactlyAsync(buffer, cts.Token);
                await ssl.WriteAsync("pong"u8.ToArray(), cts.Token);
                await ssl.FlushAsync(cts.Token);
                return new Side(null, ssl.RemoteCertificate?.Subject, System.Text.Encoding.ASCII.GetString(buffer), serverErrors);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                return new Side(ex, null, null, serverErrors);
            }
        });

        var clientErrors = new List<SslPolicyErrors>();
        Side clientSide;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            await using var ssl = new SslStream(tcp.GetStream());
            try
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = targetHost,
                    ClientCertificates = clientIdentity is null ? null : [clientIdentity],
                    CertificateChainPolicy = CertificateValidator.CreateChainPolicy(roots),
                    RemoteCertificateValidationCallback = (_, _, _, errors) =>
                    {
                        clientErrors.Add(errors);
                        return errors == SslPolicyErrors.None;
                    },
                }, cts.Token);
                await ssl.WriteAsync("ping"u8.ToArray(), cts.Token);
                await ssl.FlushAsync(cts.Token);
                var buffer = new byte[4];
                await ssl.ReadExactlyAsync(buffer, cts.Token);
                clientSide = new Side(null, ssl.RemoteCertificate?.Subject, System.Text.Encoding.ASCII.GetString(buffer), clientErrors);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                clientSide = new Side(ex, null, null, clientErrors);
            }
        }

        var serverSide = await serverTask;
        foreach (var root in roots)
        {
            root.Dispose();
        }

        return (serverSide, clientSide);
    }
}
