using System.Net;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>Pins what each profile's certificate contains, and how issuing treats files already on disk.</summary>
public sealed class CertificateIssuerTests : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    private X509Certificate2 Load(string name) => PemFiles.LoadCertificate(_pki.File(name + ".crt"));

    // ---- What each profile contains ------------------------------------------------------------------------------

    [Theory]
    [InlineData(KubeCertificateProfile.EtcdServer, true, true)]
    [InlineData(KubeCertificateProfile.EtcdPeer, true, true)]
    [InlineData(KubeCertificateProfile.EtcdClient, false, true)]
    [InlineData(KubeCertificateProfile.ApiServer, true, false)]
    [InlineData(KubeCertificateProfile.ApiServerEtcdClient, false, true)]
    [InlineData(KubeCertificateProfile.Kubelet, true, true)]
    [InlineData(KubeCertificateProfile.KubeProxy, false, true)]
    [InlineData(KubeCertificateProfile.Admin, false, true)]
    public void Each_profile_has_exactly_its_server_and_client_usages(KubeCertificateProfile profile, bool server, bool client)
    {
        _pki.Issue(profile);

        using var cert = Load(profile.ToString().ToLowerInvariant());
        var eku = Assert.Single(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        var oids = eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToList();
        Assert.Equal(server, oids.Contains(ServerAuth));
        Assert.Equal(client, oids.Contains(ClientAuth));
        Assert.Equal((server ? 1 : 0) + (client ? 1 : 0), oids.Count);
    }

    [Theory]
    [InlineData(KeyAlgorithmKind.EcdsaP256, X509KeyUsageFlags.DigitalSignature)]
    [InlineData(KeyAlgorithmKind.EcdsaP384, X509KeyUsageFlags.DigitalSignature)]
    [InlineData(KeyAlgorithmKind.Rsa2048, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment)]
    public void Leaf_key_usage_is_critical_and_has_key_encipherment_only_for_RSA(KeyAlgorithmKind algorithm,
        X509KeyUsageFlags expected)
    {
        _pki.Issue(KubeCertificateProfile.EtcdServer, algorithm: algorithm);

        using var cert = Load("etcdserver");
        var usage = Assert.Single(cert.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(usage.Critical);
        Assert.Equal(expected, usage.KeyUsages);
        var constraints = Assert.Single(cert.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(constraints.CertificateAuthority);
    }

    [Theory]
    [InlineData(KubeCertificateProfile.EtcdServer)]
    [InlineData(KubeCertificateProfile.EtcdPeer)]
    public void Etcd_member_certificates_name_the_host_localhost_and_both_loopbacks(KubeCertificateProfile profile)
    {
        var cert = _pki.Issue(profile);

        Assert.Equal("CN=core-01", cert.Subject);
        Assert.Equal(["core-01", "core-01.lab", "localhost"], cert.DnsNames);
        Assert.Equal(["10.0.0.11", "127.0.0.1", "::1"], cert.IPAddresses);
    }

    [Fact]
    public void The_API_server_certificate_names_the_kubernetes_service_in_every_form_and_its_address()
    {
        var cert = _pki.Issue(KubeCertificateProfile.ApiServer);

        Assert.Equal("CN=kube-apiserver", cert.Subject);
        Assert.Equal(["core-01", "api.lab", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local"], cert.DnsNames);
        Assert.Equal(["10.0.0.11", "10.0.0.10", "10.96.0.1"], cert.IPAddresses);
    }

    [Fact]
    public void The_API_server_certificate_follows_a_custom_service_address_and_cluster_domain()
    {
        var cert = CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.ApiServer, null, null, ["core-01"], [],
            PkiScratch.Year, KeyAlgorithmKind.EcdsaP256, _pki.File("a.crt"), _pki.File("a.key"), false,
            kubernetesServiceAddress: "fd00:10:96::1", clusterDomain: "lab.example");

        Assert.Contains("kubernetes.default.svc.lab.example", cert.DnsNames);
        Assert.DoesNotContain("kubernetes.default.svc.cluster.local", cert.DnsNames);
        Assert.Contains("fd00:10:96::1", cert.IPAddresses);
    }

    [Fact]
    public void A_kubelet_certificate_is_the_node_user_in_the_nodes_group_and_names_the_node()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Kubelet);

        Assert.Equal("CN=system:node:core-01, O=system:nodes", cert.Subject);
        Assert.Equal(["core-01"], cert.DnsNames);
        Assert.Equal(["10.0.0.11"], cert.IPAddresses);
    }

    [Fact]
    public void A_kubelet_node_name_may_be_given_with_its_system_node_prefix()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Kubelet, name: "system:node:core-02");

        Assert.Equal("CN=system:node:core-02, O=system:nodes", cert.Subject);
        Assert.Equal(["core-02"], cert.DnsNames);
    }

    [Theory]
    [InlineData(KubeCertificateProfile.Admin, "CN=kubernetes-admin, O=system:masters")]
    [InlineData(KubeCertificateProfile.KubeProxy, "CN=system:kube-proxy")]
    [InlineData(KubeCertificateProfile.ApiServerEtcdClient, "CN=kube-apiserver-etcd-client")]
    [InlineData(KubeCertificateProfile.EtcdClient, "CN=kube-etcd-healthcheck-client")]
    public void Client_profiles_get_the_subject_Kubernetes_expects_by_default(KubeCertificateProfile profile, string subject)
    {
        var cert = _pki.Issue(profile);

        Assert.Equal(subject, cert.Subject);
        Assert.Empty(cert.DnsNames);
        Assert.Empty(cert.IPAddresses);
    }

    [Fact]
    public void An_admin_certificate_may_name_another_user_and_groups()
    {
        var cert = CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, "alice", ["ops", "devs"], null, null,
            PkiScratch.Year, KeyAlgorithmKind.EcdsaP256, _pki.File("alice.crt"), _pki.File("alice.key"), false);

        Assert.Equal("CN=alice, O=devs, O=ops", cert.Subject);
    }

    [Fact]
    public void Issued_certificates_name_the_CA_key_as_authority_key_and_carry_a_random_positive_16_byte_serial()
    {
        var a = _pki.Issue(KubeCertificateProfile.Admin, file: "a");
        var b = _pki.Issue(KubeCertificateProfile.Admin, file: "b");

        using var cert = Load("a");
        var aki = Assert.Single(cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        var caSki = Assert.Single(_pki.Ca.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Equal(caSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.Equal(_pki.Ca.Certificate.Subject, a.Issuer);
        Assert.Equal(16, cert.SerialNumberBytes.Length);
        Assert.True(new BigInteger(cert.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true) > 0);
        Assert.NotEqual(a.SerialNumber, b.SerialNumber);
    }

    [Fact]
    public void Issued_certificates_start_five_minutes_early_for_clock_skew_and_last_as_long_as_asked()
    {
        var before = DateTimeOffset.UtcNow;
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        Assert.InRange(cert.NotBefore!.Value, before.AddMinutes(-5).AddSeconds(-2), before.AddMinutes(-4));
        Assert.InRange(cert.NotAfter!.Value, before.AddDays(365).AddSeconds(-2), before.AddDays(365).AddMinutes(1));
    }

    [Fact]
    public void A_certificate_never_outlives_its_CA()
    {
        var cert = CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null, null, null, null,
            TimeSpan.FromDays(20000), KeyAlgorithmKind.EcdsaP256, _pki.File("a.crt"), _pki.File("a.key"), false);

        Assert.Equal(_pki.Ca.Certificate.NotAfter.ToUniversalTime(), cert.NotAfter!.Value.UtcDateTime);
    }

    [Fact]
    public void An_RSA_CA_issues_ECDSA_certificates_and_the_reverse()
    {
        using var rsaPki = new PkiScratch(KeyAlgorithmKind.Rsa2048);

        var ec = rsaPki.Issue(KubeCertificateProfile.Admin, file: "ec");
        var rsa = _pki.Issue(KubeCertificateProfile.Admin, algorithm: KeyAlgorithmKind.Rsa2048, file: "rsa");

        Assert.Equal("ECDSA P-256", ec.KeyAlgorithm);
        Assert.Equal("RSA 2048", rsa.KeyAlgorithm);
        Assert.True(CertificateValidator.Test(ec.Path, rsaPki.CaCert, null, DateTimeOffset.UtcNow).IsValid);
        Assert.True(CertificateValidator.Test(rsa.Path, _pki.CaCert, null, DateTimeOffset.UtcNow).IsValid);
    }

    [Fact]
    public void An_address_listed_among_DNS_names_becomes_an_IP_address_name()
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer, dnsNames: ["10.0.0.12", "Core-01.LAB"], ipAddresses: []);

        Assert.Contains("10.0.0.12", cert.IPAddresses);
        Assert.DoesNotContain("10.0.0.12", cert.DnsNames);
        Assert.Equal(["core-01", "localhost"], cert.DnsNames.Where(n => n != "Core-01.LAB"));
    }

    // ---- Refusals ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("core 01")]
    [InlineData("core_01")]
    [InlineData("-core")]
    [InlineData("https://core-01")]
    public void A_DNS_name_that_is_neither_a_name_nor_an_address_is_refused_before_anything_is_written(string bad)
    {
        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.EtcdServer, dnsNames: [bad]));

        Assert.Equal("InvalidSubjectAlternativeName", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(bad, ex.Target);
        Assert.False(File.Exists(_pki.File("etcdserver.key")));
    }

    [Theory]
    [InlineData("10.0.0")]
    [InlineData("300.1.1.1")]
    [InlineData("core-01")]
    public void An_IP_address_that_is_not_one_is_refused(string bad)
    {
        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.EtcdServer, ipAddresses: [bad]));

        Assert.Equal("InvalidSubjectAlternativeName", ex.ErrorId);
    }

    [Theory]
    [InlineData(KubeCertificateProfile.Kubelet, null)]
    [InlineData(KubeCertificateProfile.Kubelet, "system:node:")]
    [InlineData(KubeCertificateProfile.EtcdServer, "")]
    [InlineData(KubeCertificateProfile.EtcdPeer, null)]
    [InlineData(KubeCertificateProfile.KubeProxy, "kube-proxy")]
    [InlineData(KubeCertificateProfile.ApiServer, "apiserver")]
    [InlineData(KubeCertificateProfile.CertificateAuthority, "ca")]
    public void A_profile_missing_its_input_or_given_a_name_Kubernetes_would_not_recognise_is_refused(
        KubeCertificateProfile profile, string? commonName)
    {
        var ex = Assert.Throws<KfsException>(() => CertificateIssuer.Issue(_pki.Ca, profile, commonName, null,
            ["core-01"], null, PkiScratch.Year, KeyAlgorithmKind.EcdsaP256, _pki.File("x.crt"), _pki.File("x.key"), false));

        Assert.Equal("CertificateProfileInvalid", ex.ErrorId);
        Assert.False(File.Exists(_pki.File("x.key")));
    }

    [Fact]
    public void An_API_server_certificate_without_any_master_name_or_address_is_refused()
    {
        var ex = Assert.Throws<KfsException>(() =>
            _pki.Issue(KubeCertificateProfile.ApiServer, dnsNames: [], ipAddresses: []));

        Assert.Equal("CertificateProfileInvalid", ex.ErrorId);
    }

    [Fact]
    public void A_validity_of_zero_is_refused()
    {
        var ex = Assert.Throws<KfsException>(() => CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null,
            null, null, null, TimeSpan.Zero, KeyAlgorithmKind.EcdsaP256, _pki.File("x.crt"), _pki.File("x.key"), false));

        Assert.Equal("CertificateValidityInvalid", ex.ErrorId);
    }

    // ---- Files on disk -------------------------------------------------------------------------------------------

    [Fact]
    public void Certificate_and_key_are_PEM_with_the_key_in_PKCS8()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(cert.Path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(cert.KeyPath));
        Assert.Equal(_pki.File("admin.crt"), cert.Path);
        Assert.Equal(_pki.File("admin.key"), cert.KeyPath);
    }

    [Fact]
    public void Issuing_leaves_no_temporary_files_behind()
    {
        _pki.Issue(KubeCertificateProfile.Admin);
        _pki.Issue(KubeCertificateProfile.Admin, force: true);

        Assert.Equal(["admin.crt", "admin.key", "ca.crt", "ca.key"],
            Directory.GetFiles(_pki.Dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_directories_are_created()
    {
        var cert = CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null, null, null, null, PkiScratch.Year,
            KeyAlgorithmKind.EcdsaP256, _pki.File("pki/etcd/a.crt"), _pki.File("pki/etcd/a.key"), false);

        Assert.True(File.Exists(cert.Path));
        Assert.True(File.Exists(cert.KeyPath));
    }

    [Fact]
    public void Without_force_an_existing_certificate_is_reused_with_the_same_thumbprint()
    {
        var first = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var key = File.ReadAllText(first.KeyPath);

        var second = _pki.Issue(KubeCertificateProfile.EtcdServer);

        Assert.True(second.Reused);
        Assert.False(first.Reused);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.Equal(first.Sha256Fingerprint, second.Sha256Fingerprint);
        Assert.Equal(key, File.ReadAllText(second.KeyPath));
    }

    [Fact]
    public void Force_renews_the_certificate_and_its_key()
    {
        var first = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var key = File.ReadAllText(first.KeyPath);

        var second = _pki.Issue(KubeCertificateProfile.EtcdServer, force: true);

        Assert.False(second.Reused);
        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.NotEqual(key, File.ReadAllText(second.KeyPath));
    }

    [Fact]
    public void Reuse_is_refused_when_the_key_does_not_belong_to_the_certificate()
    {
        var server = _pki.Issue(KubeCertificateProfile.EtcdServer);
        var other = _pki.Issue(KubeCertificateProfile.Admin);
        File.Copy(other.KeyPath, server.KeyPath, overwrite: true);
        var keyText = File.ReadAllText(server.KeyPath);

        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.EtcdServer));

        Assert.Equal("CertificateKeyMismatch", ex.ErrorId);
        Assert.Equal(server.Path, ex.Target);
        Assert.Contains("-Force", ex.Message);
        AssertNoKeyMaterial(ex, keyText);
    }

    [Fact]
    public void Reuse_is_refused_when_the_existing_certificate_lacks_a_name_now_asked_for()
    {
        _pki.Issue(KubeCertificateProfile.ApiServer);

        var ex = Assert.Throws<KfsException>(() =>
            _pki.Issue(KubeCertificateProfile.ApiServer, ipAddresses: ["10.0.0.11", "10.0.0.12"]));

        Assert.Equal("CertificateOutdated", ex.ErrorId);
        Assert.Contains("10.0.0.12", ex.Message);
    }

    [Fact]
    public void Reuse_is_refused_when_the_existing_certificate_came_from_another_CA()
    {
        using var other = new PkiScratch();
        var foreign = other.Issue(KubeCertificateProfile.Admin);
        File.Copy(foreign.Path, _pki.File("admin.crt"));
        File.Copy(foreign.KeyPath, _pki.File("admin.key"));

        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.Admin));

        Assert.Equal("CertificateIssuerMismatch", ex.ErrorId);
    }

    [Fact]
    public void Reuse_of_an_expired_certificate_is_refused_and_force_renews_it()
    {
        var now = DateTimeOffset.UtcNow;
        CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null, null, null, null, now.AddDays(-30),
            now.AddDays(-1), KeyAlgorithmKind.EcdsaP256, _pki.File("admin.crt"), _pki.File("admin.key"), false,
            CertificateIssuer.DefaultKubernetesServiceAddress, CertificateIssuer.DefaultClusterDomain, now);

        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.Admin));
        var renewed = _pki.Issue(KubeCertificateProfile.Admin, force: true);

        Assert.Equal("CertificateExpired", ex.ErrorId);
        Assert.True(renewed.NotAfter > now);
    }

    [Fact]
    public void A_key_file_that_is_not_PEM_is_reported_as_invalid_without_quoting_it()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);
        const string garbage = "c2VjcmV0LXN0dWZmLXRoYXQtbXVzdC1ub3QtbGVhaw==";
        File.WriteAllText(cert.KeyPath, garbage);

        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.Admin));

        Assert.Equal("KeyFileInvalid", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, ex.Category);
        Assert.Equal(cert.KeyPath, ex.Target);
        AssertNoKeyMaterial(ex, garbage);
    }

    [Fact]
    public void A_certificate_file_that_is_not_PEM_is_reported_as_invalid()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);
        File.WriteAllText(cert.Path, "not a certificate");

        var ex = Assert.Throws<KfsException>(() => _pki.Issue(KubeCertificateProfile.Admin));

        Assert.Equal("CertificateFileInvalid", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, ex.Category);
    }

    // ---- Private key protection ----------------------------------------------------------------------------------

    [Fact]
    public void Private_keys_are_readable_by_their_owner_only_and_certificates_by_all()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows has no mode bits; the ACL path is covered by the code's own guard.
        }

        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cert.KeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_pki.CaKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(cert.Path));
    }

    [Fact]
    public void A_secret_file_is_owner_only_from_the_moment_it_is_created_before_any_byte_is_written()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = _pki.File("probe.key");
        using (var stream = SecureFile.OpenNew(path, secret: true))
        {
            Assert.Equal(0, stream.Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Forced_renewal_replaces_a_world_readable_key_with_an_owner_only_one()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var cert = _pki.Issue(KubeCertificateProfile.Admin);
        File.SetUnixFileMode(cert.KeyPath, (UnixFileMode)0x1FF);

        _pki.Issue(KubeCertificateProfile.Admin, force: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cert.KeyPath));
    }

    // ---- Service account key pair --------------------------------------------------------------------------------

    [Fact]
    public void The_service_account_profile_writes_an_RSA_key_pair_and_no_certificate()
    {
        var sa = CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.ServiceAccount, null, null, null, null,
            PkiScratch.Year, KeyAlgorithmKind.Rsa2048, _pki.File("sa.pub"), _pki.File("sa.key"), false);

        Assert.Equal(KubeCertificateProfile.ServiceAccount, sa.Profile);
        Assert.Equal("RSA 2048", sa.KeyAlgorithm);
        Assert.Null(sa.NotAfter);
        Assert.Equal(string.Empty, sa.Thumbprint);
        Assert.Equal(64, sa.Sha256Fingerprint.Length);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(sa.Path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(sa.KeyPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sa.KeyPath));
        }
    }

    [Fact]
    public void The_service_account_key_pair_is_reused_unless_forced()
    {
        var first = CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("sa.key"), _pki.File("sa.pub"), false);
        var again = CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("sa.key"), _pki.File("sa.pub"), false);
        var forced = CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("sa.key"), _pki.File("sa.pub"), true);

        Assert.True(again.Reused);
        Assert.Equal(first.Sha256Fingerprint, again.Sha256Fingerprint);
        Assert.False(forced.Reused);
        Assert.NotEqual(first.Sha256Fingerprint, forced.Sha256Fingerprint);
    }

    [Fact]
    public void A_service_account_public_key_from_another_pair_is_a_key_mismatch()
    {
        CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("sa.key"), _pki.File("sa.pub"), false);
        CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("b.key"), _pki.File("b.pub"), false);
        File.Copy(_pki.File("b.pub"), _pki.File("sa.pub"), overwrite: true);

        var ex = Assert.Throws<KfsException>(() =>
            CertificateIssuer.NewServiceAccountKey(KeyAlgorithmKind.EcdsaP256, _pki.File("sa.key"), _pki.File("sa.pub"), false));

        Assert.Equal("CertificateKeyMismatch", ex.ErrorId);
    }

    private static void AssertNoKeyMaterial(KfsException ex, string keyText)
    {
        var body = string.Concat(keyText.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))).Trim();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain("PRIVATE KEY", e.Message);
            foreach (var chunk in Enumerable.Range(0, Math.Max(1, body.Length / 16)).Select(i => body.Substring(i * 16, Math.Min(16, body.Length - i * 16))))
            {
                Assert.DoesNotContain(chunk, e.Message);
            }
        }
    }
}
