using System.Security.Cryptography.X509Certificates;
using KubeFromScratch.Engine.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>Pins how certificate authorities are made, reused and loaded.</summary>
public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    private KubeCertificate NewCa(bool force = false, KeyAlgorithmKind algorithm = KeyAlgorithmKind.EcdsaP256,
        string name = "kubernetes") =>
        CertificateAuthority.New(name, algorithm, TimeSpan.FromDays(3650), _pki.CaCert, _pki.CaKey, force);

    [Fact]
    public void A_new_CA_is_self_signed_and_marked_as_a_CA_in_a_critical_basic_constraint_without_path_length()
    {
        var ca = NewCa();

        using var cert = PemFiles.LoadCertificate(_pki.CaCert);
        Assert.True(ca.IsCertificateAuthority);
        Assert.False(ca.Reused);
        Assert.Equal("CN=kubernetes", ca.Subject);
        Assert.Equal(ca.Subject, ca.Issuer);
        Assert.Equal(KubeCertificateProfile.CertificateAuthority, ca.Profile);
        var constraints = Assert.Single(cert.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.Critical);
        Assert.True(constraints.CertificateAuthority);
        Assert.False(constraints.HasPathLengthConstraint);
    }

    [Fact]
    public void A_new_CA_may_sign_certificates_and_revocation_lists_in_a_critical_key_usage()
    {
        NewCa();

        using var cert = PemFiles.LoadCertificate(_pki.CaCert);
        var usage = Assert.Single(cert.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature,
            usage.KeyUsages);
        Assert.Single(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
    }

    [Fact]
    public void A_new_CA_reports_its_key_fingerprints_serial_and_validity_as_the_file_holds_them()
    {
        var before = DateTimeOffset.UtcNow;
        var ca = NewCa();

        using var cert = PemFiles.LoadCertificate(_pki.CaCert);
        Assert.Equal(cert.Thumbprint, ca.Thumbprint);
        Assert.Equal(64, ca.Sha256Fingerprint.Length);
        Assert.Equal(32, ca.SerialNumber.Length);
        Assert.Equal("ECDSA P-256", ca.KeyAlgorithm);
        Assert.Equal(_pki.CaCert, ca.Path);
        Assert.Equal(_pki.CaKey, ca.KeyPath);
        Assert.InRange(ca.NotBefore!.Value, before.AddMinutes(-5).AddSeconds(-2), before.AddMinutes(-4));
        Assert.InRange(ca.NotAfter!.Value, before.AddDays(3650).AddSeconds(-2), before.AddDays(3650).AddMinutes(1));
    }

    [Fact]
    public void An_RSA_CA_has_the_requested_key_size()
    {
        var ca = NewCa(algorithm: KeyAlgorithmKind.Rsa3072);

        Assert.Equal("RSA 3072", ca.KeyAlgorithm);
    }

    [Fact]
    public void An_existing_CA_is_reused_without_force_and_keeps_its_thumbprint()
    {
        var first = NewCa();
        var keyBefore = File.ReadAllText(_pki.CaKey);

        var second = NewCa();

        Assert.True(second.Reused);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.Equal(keyBefore, File.ReadAllText(_pki.CaKey));
    }

    [Fact]
    public void Force_replaces_an_existing_CA_with_a_new_key_and_certificate()
    {
        var first = NewCa();
        var keyBefore = File.ReadAllText(_pki.CaKey);

        var second = NewCa(force: true);

        Assert.False(second.Reused);
        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.NotEqual(keyBefore, File.ReadAllText(_pki.CaKey));
    }

    [Fact]
    public void Reusing_a_CA_under_another_name_is_refused_as_outdated()
    {
        NewCa();

        var ex = Assert.Throws<KfsException>(() => NewCa(name: "etcd-ca"));

        Assert.Equal("CertificateOutdated", ex.ErrorId);
    }

    [Fact]
    public void A_CA_certificate_without_its_key_is_not_silently_replaced()
    {
        NewCa();
        File.Delete(_pki.CaKey);

        var ex = Assert.Throws<KfsException>(() => NewCa());

        Assert.Equal("CertificateIncomplete", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidOperation, ex.Category);
    }

    [Fact]
    public void A_CA_needs_a_common_name()
    {
        var ex = Assert.Throws<KfsException>(() => NewCa(name: " "));

        Assert.Equal("CertificateProfileInvalid", ex.ErrorId);
        Assert.False(File.Exists(_pki.CaKey));
    }

    [Fact]
    public void Loading_a_CA_whose_files_are_missing_says_the_CA_was_not_found()
    {
        var ex = Assert.Throws<KfsException>(() => CertificateAuthority.Load(_pki.CaCert, _pki.CaKey));

        Assert.Equal("CertificateAuthorityNotFound", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.ObjectNotFound, ex.Category);
        Assert.Equal(_pki.CaCert, ex.Target);
    }

    [Fact]
    public void Loading_a_leaf_certificate_as_a_CA_is_refused()
    {
        _pki.Issue(KubeCertificateProfile.Admin);

        var ex = Assert.Throws<KfsException>(() => CertificateAuthority.Load(_pki.File("admin.crt"), _pki.File("admin.key")));

        Assert.Equal("NotACertificateAuthority", ex.ErrorId);
    }

    [Fact]
    public void Loading_a_CA_with_a_key_from_elsewhere_reports_a_key_mismatch()
    {
        _pki.Issue(KubeCertificateProfile.Admin);

        var ex = Assert.Throws<KfsException>(() => CertificateAuthority.Load(_pki.CaCert, _pki.File("admin.key")));

        Assert.Equal("CertificateKeyMismatch", ex.ErrorId);
    }
}
