using KubeFromScratch.Engine.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Ssh;

/// <summary>
/// Pins parsing of <c>vagrant ssh-config</c> output and the OpenSSH config syntax it relies on.
/// </summary>
public sealed class SshConfigParserTests
{
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    // ---- Real vagrant ssh-config output ---------------------------------------------------------------------------

    [Fact]
    public void Vagrant_output_gives_one_host_per_machine_with_its_forwarded_port()
    {
        var hosts = SshConfigParser.Parse(Fixture("vagrant-ssh-config.txt"));

        Assert.Equal(["core-01", "core-02", "core-03"], hosts.Select(h => h.Name));
        Assert.All(hosts, h => Assert.Equal("127.0.0.1", h.HostName));
        Assert.Equal([2222, 2200, 2201], hosts.Select(h => h.Port));
        Assert.All(hosts, h => Assert.Equal("core", h.User));
    }

    [Fact]
    public void Vagrant_identity_files_are_unquoted_and_keep_their_spaces()
    {
        var hosts = SshConfigParser.Parse(Fixture("vagrant-ssh-config.txt"));

        Assert.Equal("/home/jane/.vagrant.d/insecure_private_key", hosts[0].IdentityFile);
        Assert.Equal("/home/jane/Workshop Files/kubefromscratch/.vagrant/machines/core-02/virtualbox/private_key",
            hosts[1].IdentityFile);
        Assert.Equal([hosts[1].IdentityFile!], hosts[1].IdentityFiles);
    }

    [Fact]
    public void Vagrant_other_settings_are_kept_as_options_with_any_case_keys()
    {
        var options = SshConfigParser.Parse(Fixture("vagrant-ssh-config.txt"))[2].Options;

        Assert.Equal("/dev/null", options["UserKnownHostsFile"]);
        Assert.Equal("no", options["stricthostkeychecking"]);
        Assert.Equal("no", options["PASSWORDAUTHENTICATION"]);
        Assert.Equal("yes", options["IdentitiesOnly"]);
        Assert.Equal("FATAL", options["LogLevel"]);
        Assert.Equal("+ssh-rsa", options["HostKeyAlgorithms"]);
        Assert.False(options.ContainsKey("HostName"));
        Assert.False(options.ContainsKey("Port"));
        Assert.False(options.ContainsKey("User"));
        Assert.False(options.ContainsKey("IdentityFile"));
    }

    [Fact]
    public void Windows_vagrant_output_with_crlf_parses_the_same_way()
    {
        var text = Fixture("vagrant-ssh-config-windows.txt");
        Assert.True(text.Contains("\r\n", StringComparison.Ordinal),
            "The fixture lost its CRLF line endings (git normalisation?); the test would not prove anything.");

        var hosts = SshConfigParser.Parse(text);

        Assert.Equal(["core-01", "core-02", "core-03"], hosts.Select(h => h.Name));
        Assert.Equal([2222, 2200, 2201], hosts.Select(h => h.Port));
        Assert.Equal("core", hosts[0].User);
        Assert.Equal("C:/Users/Jane Doe/.vagrant.d/insecure_private_key", hosts[0].IdentityFile);
        Assert.Equal("C:/Users/Jane Doe/kubefromscratch/.vagrant/machines/core-02/virtualbox/private_key",
            hosts[1].IdentityFile);
        Assert.Equal("FATAL", hosts[2].Options["LogLevel"]);
        Assert.All(hosts, h => Assert.DoesNotContain(h.Options.Values, v => v.Contains('\r')));
    }

    // ---- Syntax -----------------------------------------------------------------------------------------------------

    [Fact]
    public void Unset_settings_take_openssh_defaults()
    {
        var host = Assert.Single(SshConfigParser.Parse("Host core-01.example.com\n"));

        Assert.Equal("core-01.example.com", host.HostName);
        Assert.Equal(22, host.Port);
        Assert.Null(host.User);
        Assert.Null(host.IdentityFile);
        Assert.Empty(host.IdentityFiles);
        Assert.Empty(host.Options);
    }

    [Fact]
    public void Keywords_ignore_case_and_accept_whitespace_or_equals()
    {
        var host = Assert.Single(SshConfigParser.Parse(
            "HOST core-01\n" +
            "\thostname=10.0.0.11\n" +
            "  PORT = 2222\n" +
            "  user\t\tcore\n" +
            "  identityfile =\"/keys/my key\"\n" +
            "  ForwardAgent=yes\n"));

        Assert.Equal("10.0.0.11", host.HostName);
        Assert.Equal(2222, host.Port);
        Assert.Equal("core", host.User);
        Assert.Equal("/keys/my key", host.IdentityFile);
        Assert.Equal("yes", host.Options["forwardagent"]);
    }

    [Fact]
    public void Host_line_with_several_patterns_is_named_by_the_first()
    {
        var host = Assert.Single(SshConfigParser.Parse("Host core-01 core-01.local 10.0.0.11\n  Port 2222\n"));

        Assert.Equal("core-01", host.Name);
        Assert.Equal("core-01", host.HostName);
    }

    [Fact]
    public void Comments_and_blank_lines_are_ignored()
    {
        var hosts = SshConfigParser.Parse(
            "# generated\n\n   \nHost core-01 # the first machine\n  # Port 9999\n\n  Port 2222 # forwarded\n\t\n");

        var host = Assert.Single(hosts);
        Assert.Equal("core-01", host.Name);
        Assert.Equal(2222, host.Port);
        Assert.Empty(host.Options);
    }

    [Fact]
    public void Tilde_at_the_start_of_an_identity_file_is_the_home_directory()
    {
        var host = Assert.Single(SshConfigParser.Parse(
            "Host a\n  IdentityFile ~/.ssh/id_ed25519\n  IdentityFile /etc/~/key\n  IdentityFile \"~/with space\"\n"));

        Assert.Equal(Path.Join(Home, ".ssh/id_ed25519"), host.IdentityFile);
        Assert.Equal([Path.Join(Home, ".ssh/id_ed25519"), "/etc/~/key", Path.Join(Home, "with space")],
            host.IdentityFiles);
    }

    [Fact]
    public void First_value_of_a_setting_wins_as_in_openssh()
    {
        var host = Assert.Single(SshConfigParser.Parse(
            "Host a\n  Port 2222\n  Port 2200\n  User core\n  User root\n  LogLevel FATAL\n  loglevel DEBUG\n"));

        Assert.Equal(2222, host.Port);
        Assert.Equal("core", host.User);
        Assert.Equal("FATAL", host.Options["LogLevel"]);
    }

    [Fact]
    public void Settings_before_the_first_host_line_apply_to_every_host()
    {
        var hosts = SshConfigParser.Parse("User admin\nLogLevel QUIET\nHost a\n  User core\nHost b\n  Port 2200\n");

        Assert.All(hosts, h => Assert.Equal("admin", h.User));
        Assert.All(hosts, h => Assert.Equal("QUIET", h.Options["LogLevel"]));
        Assert.Equal(2200, hosts[1].Port);
    }

    [Fact]
    public void Match_blocks_are_skipped()
    {
        var hosts = SshConfigParser.Parse("Host a\n  Port 2222\nMatch user root\n  Port 2200\nHost b\n  User core\n");

        Assert.Equal(["a", "b"], hosts.Select(h => h.Name));
        Assert.Equal(2222, hosts[0].Port);
        Assert.Equal(22, hosts[1].Port);
    }

    [Fact]
    public void Quoted_values_may_use_either_quote_and_backslash_escapes_only_quotes()
    {
        var host = Assert.Single(SshConfigParser.Parse(
            "Host a\n" +
            "  IdentityFile 'C:\\Users\\Jane Doe\\key'\n" +
            "  ProxyCommand ssh -W %h:%p \"jump host\"\n" +
            "  SetEnv NAME=\"a \\\"quoted\\\" word\"\n"));

        Assert.Equal(@"C:\Users\Jane Doe\key", host.IdentityFile);
        Assert.Equal("ssh -W %h:%p \"jump host\"", host.Options["ProxyCommand"]);
        Assert.Equal("NAME=a \"quoted\" word", host.Options["SetEnv"]);
    }

    [Fact]
    public void Empty_text_has_no_hosts()
    {
        Assert.Empty(SshConfigParser.Parse(""));
        Assert.Empty(SshConfigParser.Parse("# nothing\r\n\r\n"));
    }

    // ---- Errors -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-22")]
    [InlineData("22.5")]
    [InlineData("99999999999")]
    public void Malformed_port_names_the_line_and_the_fix(string port)
    {
        var text = "Host core-01\n  HostName 127.0.0.1\n\n  Port " + port + "\n";

        var ex = Assert.Throws<KfsException>(() => SshConfigParser.Parse(text));

        Assert.Equal("SshConfigInvalid", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, ex.Category);
        Assert.Equal("core-01", ex.Target);
        Assert.StartsWith("Line 4 ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{port}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 65535", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_port_in_crlf_text_names_the_right_line()
    {
        var ex = Assert.Throws<KfsException>(() =>
            SshConfigParser.Parse("Host a\r\n  Port 2222\r\nHost b\r\n  Port twenty\r\n"));

        Assert.StartsWith("Line 4 ", ex.Message, StringComparison.Ordinal);
        Assert.Equal("b", ex.Target);
    }

    [Theory]
    [InlineData("Host\n", 1)]
    [InlineData("Host a\n  HostName\n", 2)]
    [InlineData("Host a\n  User = \n", 2)]
    [InlineData("Host a\n  IdentityFile # no value\n", 2)]
    [InlineData("Host a\n  = value\n", 2)]
    [InlineData("Host a\n  IdentityFile \"C:/Users/Jane Doe/key\n", 2)]
    public void Line_without_a_usable_value_is_invalid(string text, int line)
    {
        var ex = Assert.Throws<KfsException>(() => SshConfigParser.Parse(text));

        Assert.Equal("SshConfigInvalid", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, ex.Category);
        Assert.StartsWith($"Line {line} ", ex.Message, StringComparison.Ordinal);
    }
}
