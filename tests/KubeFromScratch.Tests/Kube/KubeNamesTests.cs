using KubeFromScratch.Engine.Kube;
using Xunit;

namespace KubeFromScratch.Tests.Kube;

/// <summary>Pins the name rules cmdlets check before sending (New-KubeDeployment my-nginx), as the API server has them.</summary>
public sealed class KubeNamesTests
{
    [Theory]
    [InlineData("my-nginx")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("123-abc")]
    [InlineData("kube-system")]
    public void Valid_labels_pass(string name)
    {
        Assert.Null(KubeNames.ValidateDns1123Label(name));
    }

    [Theory]
    [InlineData("My_Nginx")]
    [InlineData("-nginx")]
    [InlineData("nginx-")]
    [InlineData("my.nginx")]
    [InlineData("nginx\n")]
    [InlineData("ngïnx")]
    public void Invalid_labels_are_refused_with_the_rule(string name)
    {
        string? problem = KubeNames.ValidateDns1123Label(name);

        Assert.NotNull(problem);
        Assert.Contains("lower case alphanumeric characters or '-'", problem);
    }

    [Fact]
    public void A_label_may_have_63_characters_but_not_64()
    {
        Assert.Null(KubeNames.ValidateDns1123Label(new string('a', 63)));
        Assert.Equal($"'{new string('a', 64)}' is not a lowercase RFC 1123 label: it is 64 characters and must be no more than 63",
            KubeNames.ValidateDns1123Label(new string('a', 64)));
        Assert.NotNull(KubeNames.ValidateDns1035Label(new string('a', 64)));
    }

    [Fact]
    public void A_subdomain_may_have_dots_and_253_characters()
    {
        string longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];

        Assert.Null(KubeNames.ValidateDns1123Subdomain("example.com"));
        Assert.Null(KubeNames.ValidateDns1123Subdomain(longest));
        Assert.NotNull(KubeNames.ValidateDns1123Subdomain(longest + "a"));
        Assert.NotNull(KubeNames.ValidateDns1123Subdomain("a..b"));
        Assert.NotNull(KubeNames.ValidateDns1123Subdomain(".a"));
    }

    [Fact]
    public void My_Nginx_breaks_both_the_charset_and_nothing_else()
    {
        Assert.Equal("'My_Nginx' is not a lowercase RFC 1123 subdomain: it must consist of lower case alphanumeric characters, " +
                     "'-' or '.', and start and end with an alphanumeric character (e.g. 'my-name' or 'example.com')",
            KubeNames.ValidateDns1123Subdomain("My_Nginx"));
    }

    [Theory]
    [InlineData("my-service", true)]
    [InlineData("a1", true)]
    [InlineData("1a", false)]
    [InlineData("a-", false)]
    public void A_DNS_1035_label_starts_with_a_letter(string name, bool valid)
    {
        Assert.Equal(valid, KubeNames.ValidateDns1035Label(name) is null);
    }

    [Theory]
    [InlineData("system:node-proxier", true)]
    [InlineData("Weave Net", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("100%", false)]
    public void A_path_segment_name_is_anything_but_dots_slashes_and_percents(string name, bool valid)
    {
        Assert.Equal(valid, KubeNames.ValidatePathSegmentName(name) is null);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_empty_name_is_refused_by_every_rule(string? name)
    {
        Assert.Equal("the name is empty", KubeNames.ValidateDns1123Label(name));
        Assert.Equal("the name is empty", KubeNames.ValidateDns1123Subdomain(name));
        Assert.Equal("the name is empty", KubeNames.ValidateDns1035Label(name));
        Assert.Equal("the name is empty", KubeNames.ValidatePathSegmentName(name));
    }

    [Theory]
    [InlineData("Namespace", "team.a", false)]
    [InlineData("Service", "web1", true)]
    [InlineData("Service", "1web", false)]
    [InlineData("Deployment", "1web", true)]
    [InlineData("ClusterRole", "system:aggregate-to-view", true)]
    [InlineData("ConfigMap", "system:x", false)]
    public void The_object_name_rule_follows_the_kind(string kind, string name, bool valid)
    {
        Assert.Equal(valid, KubeNames.ValidateObjectName(kind, name) is null);
    }
}
