using KubeFromScratch.Engine.Pki;
using KubeFromScratch.Tests.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>
/// Real openssl as the referee: what the engine writes must be what openssl (and so Go, etcd and kubectl, which
/// agree with it on X.509) accepts, and what openssl writes must load. Skipped where openssl is not installed.
/// </summary>
public sealed class OpensslInteropTests : IDisposable
{
    private const string Openssl = "/usr/bin/openssl";

    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    public static TheoryData<KubeCertificateProfile, KeyAlgorithmKind> AllProfiles()
    {
        var data = new TheoryData<KubeCertificateProfile, KeyAlgorithmKind>();
        foreach (var profile in Enum.GetValues<KubeCertificateProfile>())
        {
            if (profile is KubeCertificateProfile.CertificateAuthority or KubeCertificateProfile.ServiceAccount)
            {
                continue;
            }

            data.Add(profile, KeyAlgorithmKind.EcdsaP256);
            data.Add(profile, KeyAlgorithmKind.Rsa2048);
        }

        return data;
    }

    private static string Run(params string[] args) => LocalProcess.RunChecked(Openssl, args);

    [RequiresProgramTheory(Openssl)]
    [MemberData(nameof(AllProfiles))]
    public void Openssl_verifies_every_profile_against_the_CA_and_reads_its_key(KubeCertificateProfile profile,
        KeyAlgorithmKind algorithm)
    {
        var cert = _pki.Issue(profile, algorithm: algorithm);

        Assert.Equal($"{cert.Path}: OK", Run("verify", "-x509_strict", "-CAfile", _pki.CaCert, cert.Path).Trim());
        LocalProcess.RunChecked(Openssl, "pkey", "-in", cert.KeyPath, "-noout");
        Assert.Equal(Run("x509", "-in", cert.Path, "-noout", "-pubkey"), Run("pkey", "-in", cert.KeyPath, "-pubout"));
    }

    [RequiresProgramTheory(Openssl)]
    [InlineData(KubeCertificateProfile.EtcdServer, true, true)]
    [InlineData(KubeCertificateProfile.EtcdPeer, true, true)]
    [InlineData(KubeCertificateProfile.ApiServer, true, false)]
    [InlineData(KubeCertificateProfile.Kubelet, true, true)]
    [InlineData(KubeCertificateProfile.EtcdClient, false, true)]
    [InlineData(KubeCertificateProfile.ApiServerEtcdClient, false, true)]
    [InlineData(KubeCertificateProfile.KubeProxy, false, true)]
    [InlineData(KubeCertificateProfile.Admin, false, true)]
    public void Openssl_accepts_each_profile_for_exactly_its_TLS_purposes(KubeCertificateProfile profile, bool server,
        bool client)
    {
        var cert = _pki.Issue(profile);

        Assert.Equal(server, Verify("-purpose", "sslserver", cert.Path));
        Assert.Equal(client, Verify("-purpose", "sslclient", cert.Path));
    }

    [RequiresProgramFact(Openssl)]
    public void Openssl_shows_the_CA_constraints_and_usages_promised()
    {
        _ = _pki.Ca;

        var text = Run("x509", "-in", _pki.CaCert, "-noout", "-ext", "basicConstraints,keyUsage,subjectKeyIdentifier");

        Assert.Contains("X509v3 Basic Constraints: critical\n    CA:TRUE\n", text);
        Assert.Contains("X509v3 Key Usage: critical\n    Digital Signature, Certificate Sign, CRL Sign\n", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
        Assert.Equal($"{_pki.CaCert}: OK", Run("verify", "-x509_strict", "-CAfile", _pki.CaCert, _pki.CaCert).Trim());
    }

    [RequiresProgramFact(Openssl)]
    public void Openssl_shows_the_etcd_server_usages_and_names_promised()
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer);

        var text = Run("x509", "-in", cert.Path, "-noout", "-ext",
            "extendedKeyUsage,keyUsage,subjectAltName,basicConstraints");

        Assert.Contains("X509v3 Basic Constraints: critical\n    CA:FALSE\n", text);
        Assert.Contains("X509v3 Key Usage: critical\n    Digital Signature\n", text);
        Assert.Contains("X509v3 Extended Key Usage: \n    TLS Web Server Authentication, TLS Web Client Authentication\n", text);
        Assert.Contains("DNS:core-01, DNS:core-01.lab, DNS:localhost, IP Address:10.0.0.11, IP Address:127.0.0.1, " +
            "IP Address:0:0:0:0:0:0:0:1", text);
    }

    [RequiresProgramFact(Openssl)]
    public void Openssl_shows_the_API_server_names_and_RSA_key_usages_promised()
    {
        var cert = _pki.Issue(KubeCertificateProfile.ApiServer, algorithm: KeyAlgorithmKind.Rsa2048);

        var text = Run("x509", "-in", cert.Path, "-noout", "-subject", "-ext", "extendedKeyUsage,keyUsage,subjectAltName");

        Assert.Contains("subject=CN = kube-apiserver", text);
        Assert.Contains("X509v3 Key Usage: critical\n    Digital Signature, Key Encipherment\n", text);
        Assert.Contains("X509v3 Extended Key Usage: \n    TLS Web Server Authentication\n", text);
        Assert.Contains("DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, " +
            "DNS:kubernetes.default.svc.cluster.local, IP Address:10.0.0.11, IP Address:10.0.0.10, IP Address:10.96.0.1", text);
        Assert.True(Verify("-verify_ip", "10.96.0.1", cert.Path));
        Assert.True(Verify("-verify_hostname", "kubernetes.default.svc", cert.Path));
        Assert.False(Verify("-verify_hostname", "core-02", cert.Path));
    }

    [RequiresProgramFact(Openssl)]
    public void Openssl_shows_the_kubelet_and_admin_subjects_Kubernetes_authorizes()
    {
        var kubelet = _pki.Issue(KubeCertificateProfile.Kubelet);
        var admin = _pki.Issue(KubeCertificateProfile.Admin);

        Assert.Equal("subject=O = system:nodes, CN = system:node:core-01",
            Run("x509", "-in", kubelet.Path, "-noout", "-subject").Trim());
        Assert.Equal("subject=O = system:masters, CN = kubernetes-admin",
            Run("x509", "-in", admin.Path, "-noout", "-subject").Trim());
    }

    [RequiresProgramFact(Openssl)]
    public void Openssl_reads_the_authority_key_id_as_the_CA_subject_key_id_and_a_16_byte_serial()
    {
        var cert = _pki.Issue(KubeCertificateProfile.KubeProxy);

        var ski = Run("x509", "-in", _pki.CaCert, "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim();
        var aki = Run("x509", "-in", cert.Path, "-noout", "-ext", "authorityKeyIdentifier");
        var serial = Run("x509", "-in", cert.Path, "-noout", "-serial").Trim();

        Assert.Contains(ski, aki);
        Assert.Matches("^serial=[0-9A-F]{32}$", serial);
        Assert.Equal("serial=" + cert.SerialNumber, serial);
    }

    [RequiresProgramTheory(Openssl)]
    [InlineData(KeyAlgorithmKind.Rsa2048)]
    [InlineData(KeyAlgorithmKind.EcdsaP256)]
    public void Openssl_reads_the_service_account_key_pair_and_derives_the_same_public_key(KeyAlgorithmKind algorithm)
    {
        var sa = CertificateIssuer.NewServiceAccountKey(algorithm, _pki.File("sa.key"), _pki.File("sa.pub"), false);

        LocalProcess.RunChecked(Openssl, "pkey", "-pubin", "-in", sa.Path, "-noout");
        LocalProcess.RunChecked(Openssl, "pkey", "-in", sa.KeyPath, "-noout");
        Assert.Equal(File.ReadAllText(sa.Path), Run("pkey", "-in", sa.KeyPath, "-pubout"));
    }

    [RequiresProgramTheory(Openssl)]
    [InlineData("ec")]
    [InlineData("rsa-traditional")]
    public void A_CA_made_by_openssl_loads_and_issues_certificates_openssl_verifies(string kind)
    {
        var key = _pki.File("osl-ca.key");
        var crt = _pki.File("osl-ca.crt");
        if (kind == "ec")
        {
            // openssl ecparam -genkey writes SEC1 "EC PRIVATE KEY" after an "EC PARAMETERS" block.
            Run("ecparam", "-name", "prime256v1", "-genkey", "-out", key);
        }
        else
        {
            // PKCS#1 "RSA PRIVATE KEY", as older kubeadm and most how-tos wrote it.
            Run("genrsa", "-traditional", "-out", key, "2048");
        }

        Run("req", "-x509", "-new", "-key", key, "-subj", "/CN=openssl-ca", "-days", "30", "-out", crt);
        using var ca = CertificateAuthority.Load(crt, key);

        var cert = CertificateIssuer.Issue(ca, KubeCertificateProfile.EtcdServer, "core-01", null, null, ["10.0.0.11"],
            PkiScratch.Year, KeyAlgorithmKind.EcdsaP256, _pki.File("s.crt"), _pki.File("s.key"), false);

        Assert.Equal($"{cert.Path}: OK", Run("verify", "-CAfile", crt, cert.Path).Trim());
        Assert.True(cert.NotAfter <= DateTimeOffset.UtcNow.AddDays(31), "capped at the CA's 30 days");
    }

    [RequiresProgramFact(Openssl)]
    public void A_certificate_and_key_made_by_openssl_are_reused_not_replaced()
    {
        var key = _pki.File("admin.key");
        var csr = _pki.File("admin.csr");
        var crt = _pki.File("admin.crt");
        _ = _pki.Ca;
        Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
        Run("req", "-new", "-key", key, "-subj", "/O=system:masters/CN=kubernetes-admin", "-out", csr);
        var ext = _pki.File("ext.cnf");
        File.WriteAllText(ext, "extendedKeyUsage=clientAuth\n");
        Run("x509", "-req", "-in", csr, "-CA", _pki.CaCert, "-CAkey", _pki.CaKey, "-CAcreateserial", "-days", "30",
            "-extfile", ext, "-out", crt);
        var before = File.ReadAllText(crt);

        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        Assert.True(cert.Reused);
        Assert.Equal(before, File.ReadAllText(crt));
    }

    [RequiresProgramFact(Openssl)]
    public void An_Ed25519_key_from_openssl_is_refused_as_unusable_not_misread()
    {
        var key = _pki.File("ed.key");
        Run("genpkey", "-algorithm", "ed25519", "-out", key);

        var ex = Assert.Throws<KfsException>(() => PemFiles.LoadPrivateKey(key));

        Assert.Equal("KeyFileInvalid", ex.ErrorId);
        Assert.Contains("Ed25519", ex.Message);
    }

    private bool Verify(string option, string value, string certPath) =>
        LocalProcess.Run(Openssl, ["verify", option, value, "-CAfile", _pki.CaCert, certPath]).ExitCode == 0;
}
