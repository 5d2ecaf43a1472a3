using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>Pins which PEM key and certificate files load, so files from kubeadm, cfssl or openssl work as well as ours.</summary>
public sealed class PemFilesTests : IDisposable
{
    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    [InlineData("pkcs8")]
    [InlineData("sec1")]
    [InlineData("sec1-with-parameters")]
    public void An_EC_key_in_any_common_PEM_form_loads_with_its_certificate(string form)
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdClient);
        using (var ec = (ECDsa)PemFiles.LoadPrivateKey(cert.KeyPath))
        {
            File.WriteAllText(cert.KeyPath, form switch
            {
                "sec1" => ec.ExportECPrivateKeyPem(),
                // What "openssl ecparam -genkey" writes: the curve first, then the key.
                "sec1-with-parameters" => "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
                    ec.ExportECPrivateKeyPem(),
                _ => ec.ExportPkcs8PrivateKeyPem(),
            });
        }

        using var loaded = PemFiles.LoadCertificateWithKey(cert.Path, cert.KeyPath);

        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(cert.Thumbprint, loaded.Thumbprint);
        using var key = loaded.GetECDsaPrivateKey();
        Assert.NotNull(key);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_RSA_key_in_PKCS1_or_PKCS8_loads_with_its_certificate(bool pkcs1)
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdClient, algorithm: KeyAlgorithmKind.Rsa2048);
        using (var rsa = (RSA)PemFiles.LoadPrivateKey(cert.KeyPath))
        {
            File.WriteAllText(cert.KeyPath, pkcs1 ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem());
        }

        using var loaded = PemFiles.LoadCertificateWithKey(cert.Path, cert.KeyPath);

        using var key = loaded.GetRSAPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(2048, key.KeySize);
    }

    [Fact]
    public void A_bundle_loads_every_certificate_in_file_order()
    {
        var a = _pki.Issue(KubeCertificateProfile.Admin, file: "a");
        var b = _pki.Issue(KubeCertificateProfile.KubeProxy, file: "b");
        var bundle = _pki.File("bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(a.Path) + File.ReadAllText(b.Path) + File.ReadAllText(_pki.CaCert));

        var all = PemFiles.LoadCertificates(bundle);

        Assert.Equal([a.Thumbprint, b.Thumbprint, _pki.Ca.Certificate.Thumbprint], all.Select(c => c.Thumbprint));
    }

    [Fact]
    public void A_key_and_certificate_that_do_not_belong_together_are_a_key_mismatch()
    {
        var a = _pki.Issue(KubeCertificateProfile.Admin, file: "a");
        var b = _pki.Issue(KubeCertificateProfile.Admin, file: "b");

        var ex = Assert.Throws<KfsException>(() => PemFiles.LoadCertificateWithKey(a.Path, b.KeyPath));

        Assert.Equal("CertificateKeyMismatch", ex.ErrorId);
    }

    [Theory]
    [InlineData("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "public key")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "neither RSA nor ECDSA")]
    [InlineData("-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n", "malformed")]
    [InlineData("just some text", "no PEM private key")]
    [InlineData("", "no PEM private key")]
    public void A_file_that_is_not_an_unencrypted_private_key_says_what_it_is_instead(string content, string says)
    {
        var path = _pki.File("x.key");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<KfsException>(() => PemFiles.LoadPrivateKey(path));

        Assert.Equal("KeyFileInvalid", ex.ErrorId);
        Assert.Contains(says, ex.Message);
    }

    [Fact]
    public void A_certificate_given_as_a_key_is_reported_as_such()
    {
        var ex = Assert.Throws<KfsException>(() => PemFiles.LoadPrivateKey(_pki.Issue(KubeCertificateProfile.Admin).Path));

        Assert.Equal("KeyFileInvalid", ex.ErrorId);
        Assert.Contains("certificate, not a private key", ex.Message);
    }

    [Fact]
    public void Missing_files_are_reported_as_not_found()
    {
        var cert = Assert.Throws<KfsException>(() => PemFiles.LoadCertificates(_pki.File("none.crt")));
        var key = Assert.Throws<KfsException>(() => PemFiles.LoadPrivateKey(_pki.File("none.key")));

        Assert.Equal(("CertificateNotFound", KfsErrorCategory.ObjectNotFound), (cert.ErrorId, cert.Category));
        Assert.Equal(("KeyNotFound", KfsErrorCategory.ObjectNotFound), (key.ErrorId, key.Category));
    }

    [Fact]
    public void A_certificate_file_without_a_certificate_is_invalid()
    {
        var path = _pki.File("x.crt");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var ex = Assert.Throws<KfsException>(() => PemFiles.LoadCertificates(path));

        Assert.Equal("CertificateFileInvalid", ex.ErrorId);
    }
}
