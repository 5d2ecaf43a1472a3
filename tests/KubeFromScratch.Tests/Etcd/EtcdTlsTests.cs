using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Etcd;
using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Tests.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>
/// Test-EtcdHealth over https against fake members that do mutual TLS as etcd does (--client-cert-auth with
/// --trusted-ca-file): which of the certificate problems is reported, by its error id, and that the answer never
/// carries key material. Certificates come from the module's own PKI engine.
/// </summary>
public sealed class EtcdTlsTests : IDisposable
{
    private readonly PkiScratch _pki = new();
    private readonly PkiScratch _stranger = new(caName: "stranger");
    private readonly List<X509Certificate2> _loaded = new();

    public EtcdTlsTests()
    {
        _ = _pki.Ca; // the cluster CA exists from the start, also in tests that only issue from the stranger
    }

    public void Dispose()
    {
        foreach (var certificate in _loaded)
        {
            certificate.Dispose();
        }

        _pki.Dispose();
        _stranger.Dispose();
    }

    /// <summary>What etcd does with --cert-file, --key-file, --client-cert-auth and --trusted-ca-file.</summary>
    private SslServerAuthenticationOptions EtcdServer(KubeCertificate serverCertificate)
    {
        var identity = PemFiles.LoadCertificateWithKey(serverCertificate.Path, serverCertificate.KeyPath);
        var roots = PemFiles.LoadCertificates(_pki.CaCert);
        _loaded.Add(identity);
        _loaded.AddRange(roots);
        return new SslServerAuthenticationOptions
        {
            ServerCertificate = identity,
            ClientCertificateRequired = true,
            CertificateChainPolicy = CertificateValidator.CreateChainPolicy(roots),
            RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
        };
    }

    private static Task<EtcdHealthReport> CheckAsync(FakeEtcdCluster cluster, EtcdTlsFiles tls) =>
        EtcdHealthChecker.CheckAsync(new EtcdCheckOptions
        {
            Endpoints = [cluster.Endpoint],
            Route = EtcdRoute.Direct,
            Timeout = TimeSpan.FromSeconds(5),
            Tls = tls,
        }, null, CancellationToken.None);

    private EtcdTlsFiles ClientFiles(KubeCertificate? client) => new(_pki.CaCert, client?.Path, client?.KeyPath);

    private KubeCertificate Expired(PkiScratch pki, KubeCertificateProfile profile, string file)
    {
        var now = DateTimeOffset.UtcNow;
        var (cn, dns, ips) = PkiScratch.Typical(profile);
        return CertificateIssuer.Issue(pki.Ca, profile, cn, null, dns, ips, now.AddDays(-30), now.AddDays(-1), KeyAlgorithmKind.EcdsaP256,
            pki.File(file + ".crt"), pki.File(file + ".key"), force: false, CertificateIssuer.DefaultKubernetesServiceAddress,
            CertificateIssuer.DefaultClusterDomain, now);
    }

    /// <summary>Neither the PEM armour nor any line of any private key of this test may show in the error.</summary>
    private void AssertNoKeyMaterial(Exception error)
    {
        string everything = error.ToString();
        Assert.DoesNotContain("PRIVATE KEY", everything);
        var keyLines = new[] { _pki.Dir, _stranger.Dir }
            .SelectMany(d => Directory.EnumerateFiles(d, "*.key"))
            .SelectMany(File.ReadAllLines)
            .Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(keyLines);
        Assert.All(keyLines, line => Assert.DoesNotContain(line, everything));
    }

    private async Task<KfsException> FailsAsync(FakeEtcdCluster cluster, EtcdTlsFiles tls)
    {
        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync(cluster, tls));
        AssertNoKeyMaterial(error);
        return error;
    }

    [Fact]
    public async Task The_right_CA_and_an_etcd_client_certificate_give_a_healthy_cluster()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(_pki.Issue(KubeCertificateProfile.EtcdServer)));

        var report = await CheckAsync(cluster, ClientFiles(_pki.Issue(KubeCertificateProfile.EtcdClient)));

        Assert.Equal(EtcdClusterState.Healthy, report.Cluster.State);
        Assert.All(report.Members, m => Assert.StartsWith("https://127.0.0.1:", m.CheckedUrl));
        Assert.Equal(EtcdFixtures.Core01, report.Cluster.LeaderId);
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_untrusted()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(_stranger.Issue(KubeCertificateProfile.EtcdServer)));

        var error = await FailsAsync(cluster, ClientFiles(_pki.Issue(KubeCertificateProfile.EtcdClient)));

        Assert.Equal("EtcdServerCertificateUntrusted", error.ErrorId);
        Assert.Equal(KfsErrorCategory.SecurityError, error.Category);
        Assert.Contains("CN=stranger", error.Message);
    }

    [Fact]
    public async Task A_server_certificate_not_issued_for_the_address_connected_to_is_a_name_mismatch()
    {
        // A kubelet serving certificate for 10.0.0.11 only (the etcd profiles always add the loopback addresses).
        var elsewhere = _pki.Issue(KubeCertificateProfile.Kubelet, ipAddresses: ["10.0.0.11"]);
        Assert.DoesNotContain("127.0.0.1", elsewhere.IPAddresses);
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(elsewhere));

        var error = await FailsAsync(cluster, ClientFiles(_pki.Issue(KubeCertificateProfile.EtcdClient)));

        Assert.Equal("EtcdCertificateNameMismatch", error.ErrorId);
        Assert.Contains("'127.0.0.1'", error.Message);
    }

    [Fact]
    public async Task An_expired_server_certificate_is_reported_as_expired_not_untrusted()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(Expired(_pki, KubeCertificateProfile.EtcdServer, "expired-server")));

        var error = await FailsAsync(cluster, ClientFiles(_pki.Issue(KubeCertificateProfile.EtcdClient)));

        Assert.Equal("EtcdServerCertificateExpired", error.ErrorId);
    }

    [Fact]
    public async Task Presenting_no_client_certificate_is_rejected_by_the_server()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(_pki.Issue(KubeCertificateProfile.EtcdServer)));

        var error = await FailsAsync(cluster, ClientFiles(null));

        Assert.Equal("EtcdClientCertificateRejected", error.ErrorId);
        Assert.Contains("requires a client certificate", error.Message);
        Assert.NotEmpty(cluster.Discovery.HandshakeFailures);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_rejected_by_the_server()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(_pki.Issue(KubeCertificateProfile.EtcdServer)));
        var stranger = _stranger.Issue(KubeCertificateProfile.EtcdClient);

        var error = await FailsAsync(cluster, ClientFiles(stranger));

        Assert.Equal("EtcdClientCertificateRejected", error.ErrorId);
        Assert.Contains(stranger.Path, error.Message);
        Assert.NotEmpty(cluster.Discovery.HandshakeFailures);
    }

    [Fact]
    public async Task An_expired_client_certificate_is_refused_before_any_connection()
    {
        using var cluster = new FakeEtcdCluster("all-up", tls: EtcdServer(_pki.Issue(KubeCertificateProfile.EtcdServer)));
        var expired = Expired(_pki, KubeCertificateProfile.EtcdClient, "expired-client");

        var error = await FailsAsync(cluster, ClientFiles(expired));

        Assert.Equal("EtcdClientCertificateExpired", error.ErrorId);
        Assert.Equal(expired.Path, error.Target);
        Assert.Equal(0, cluster.Discovery.Accepted);
    }
}
