using KubeFromScratch.Engine.Pki;
using Xunit;

namespace KubeFromScratch.Tests.Pki;

/// <summary>Pins what Test-KubeCertificate reports: chain to the CA, expiry and name.</summary>
public sealed class CertificateValidatorTests : IDisposable
{
    private readonly PkiScratch _pki = new();

    public void Dispose() => _pki.Dispose();

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public void A_fresh_certificate_from_the_CA_is_valid_for_its_names()
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, "core-01", Now);

        Assert.True(check.IsValid, string.Join(" ", check.Problems));
        Assert.True(check.ChainValid);
        Assert.Equal("Valid", check.ChainStatus);
        Assert.True(check.NameMatches);
        Assert.Equal("core-01", check.Name);
        Assert.False(check.ExpiresSoon);
        Assert.False(check.Expired);
        Assert.Equal("CN=core-01", check.Subject);
        Assert.Equal(cert.Path, check.Path);
        Assert.InRange(check.ExpiresIn, TimeSpan.FromDays(364), TimeSpan.FromDays(365.1));
    }

    [Theory]
    [InlineData("CORE-01.lab")]
    [InlineData("core-01.lab.")]
    [InlineData("10.0.0.11")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    [InlineData("0:0:0:0:0:0:0:1")]
    [InlineData("127.0.0.1")]
    public void Names_match_without_regard_to_case_and_addresses_in_any_notation(string name)
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, name, Now);

        Assert.True(check.NameMatches);
    }

    [Theory]
    [InlineData("core-02")]
    [InlineData("10.0.0.12")]
    [InlineData("lab")]
    public void A_name_or_address_not_in_the_certificate_is_a_name_mismatch(string name)
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, name, Now);

        Assert.False(check.NameMatches);
        Assert.False(check.IsValid);
        var problem = Assert.Single(check.Problems);
        Assert.Contains(name, problem);
        Assert.Contains("core-01", problem);
        Assert.True(check.ChainValid);
    }

    [Fact]
    public void Wildcards_are_not_expanded()
    {
        var cert = _pki.Issue(KubeCertificateProfile.EtcdServer, dnsNames: ["*.lab.example"]);

        Assert.False(CertificateValidator.Test(cert.Path, _pki.CaCert, "core-01.lab.example", Now).NameMatches);
        Assert.True(CertificateValidator.Test(cert.Path, _pki.CaCert, "*.lab.example", Now).NameMatches);
    }

    [Fact]
    public void The_common_name_alone_does_not_make_a_name_match()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        Assert.False(CertificateValidator.Test(cert.Path, _pki.CaCert, "kubernetes-admin", Now).NameMatches);
    }

    [Fact]
    public void Without_a_name_to_check_the_name_is_not_judged()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, null, Now);

        Assert.Null(check.NameMatches);
        Assert.Null(check.Name);
        Assert.True(check.IsValid);
    }

    [Fact]
    public void A_certificate_from_another_CA_fails_the_chain()
    {
        using var other = new PkiScratch();
        var foreign = other.Issue(KubeCertificateProfile.Admin);
        _ = _pki.Ca;

        var check = CertificateValidator.Test(foreign.Path, _pki.CaCert, null, Now);

        Assert.False(check.ChainValid);
        Assert.NotEqual("Valid", check.ChainStatus);
        Assert.False(check.IsValid);
        Assert.Contains(check.Problems, p => p.StartsWith("Chain", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_CA_the_chain_is_not_checked()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        var check = CertificateValidator.Test(cert.Path, null, null, Now);

        Assert.Null(check.ChainValid);
        Assert.Equal("NotChecked", check.ChainStatus);
        Assert.True(check.IsValid);
    }

    [Fact]
    public void The_CA_itself_verifies_against_itself()
    {
        _ = _pki.Ca;

        Assert.True(CertificateValidator.Test(_pki.CaCert, _pki.CaCert, null, Now).ChainValid);
    }

    [Fact]
    public void An_expired_certificate_is_reported_expired()
    {
        var now = Now;
        CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null, null, null, null, now.AddDays(-400),
            now.AddDays(-35), KeyAlgorithmKind.EcdsaP256, _pki.File("old.crt"), _pki.File("old.key"), false,
            CertificateIssuer.DefaultKubernetesServiceAddress, CertificateIssuer.DefaultClusterDomain, now);

        var check = CertificateValidator.Test(_pki.File("old.crt"), _pki.CaCert, null, now);

        Assert.True(check.Expired);
        Assert.True(check.ExpiresSoon);
        Assert.False(check.IsValid);
        Assert.False(check.ChainValid);
        Assert.True(check.ExpiresIn < TimeSpan.FromDays(-34));
        var problem = Assert.Single(check.Problems);
        Assert.StartsWith("Expired on", problem);
    }

    [Fact]
    public void A_certificate_judged_at_a_later_date_is_expired_then()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, null, Now.AddDays(400));

        Assert.True(check.Expired);
        Assert.False(check.IsValid);
    }

    [Fact]
    public void A_certificate_expiring_within_30_days_is_flagged_but_still_valid()
    {
        var now = Now;
        CertificateIssuer.Issue(_pki.Ca, KubeCertificateProfile.Admin, null, null, null, null, now.AddDays(-355),
            now.AddDays(10), KeyAlgorithmKind.EcdsaP256, _pki.File("soon.crt"), _pki.File("soon.key"), false,
            CertificateIssuer.DefaultKubernetesServiceAddress, CertificateIssuer.DefaultClusterDomain, now);

        var check = CertificateValidator.Test(_pki.File("soon.crt"), _pki.CaCert, null, now);

        Assert.True(check.ExpiresSoon);
        Assert.False(check.Expired);
        Assert.True(check.IsValid);
    }

    [Fact]
    public void A_certificate_not_yet_valid_is_reported_with_a_hint_about_the_clock()
    {
        var cert = _pki.Issue(KubeCertificateProfile.Admin);

        var check = CertificateValidator.Test(cert.Path, _pki.CaCert, null, Now.AddHours(-1));

        Assert.False(check.IsValid);
        Assert.Contains(check.Problems, p => p.Contains("clock", StringComparison.Ordinal));
    }
}
