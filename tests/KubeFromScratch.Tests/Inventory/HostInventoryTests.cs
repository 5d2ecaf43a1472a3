using KubeFromScratch.Engine.Inventory;
using Xunit;

namespace KubeFromScratch.Tests.Inventory;

/// <summary>Pins how a host inventory file (Connect-KubeHost -Inventory) is read, and how its mistakes are reported.</summary>
public sealed class HostInventoryTests
{
    private const string Source = "/home/jane/lab/inventory.yaml";
    private const string BaseDirectory = "/home/jane/lab";
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static IReadOnlyList<KubeHostSpec> Parse(string yaml) => HostInventory.Parse(yaml, Source, BaseDirectory);

    private static KfsException Invalid(string yaml)
    {
        var error = Assert.Throws<KfsException>(() => Parse(yaml));
        Assert.Equal("InventoryInvalid", error.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, error.Category);
        Assert.Equal(Source, error.Target);
        Assert.StartsWith($"The inventory '{Source}'", error.Message);
        return error;
    }

    // ---- Valid inventories ------------------------------------------------------------------------------------------

    [Fact]
    public void Hosts_take_their_own_settings_and_the_defaults_for_the_rest()
    {
        var hosts = Parse("""
            defaults:
              user: core
              port: 2222
              identityFile: keys/id_ed25519
              role: Worker
            hosts:
              - name: core-01
                hostName: 172.17.8.101
                role: Master
                port: 22
              - name: core-02
                hostName: 172.17.8.102
              - { name: core-03, hostName: 172.17.8.103, user: admin, identityFile: /etc/kfs/id_rsa }
            """);

        Assert.Equal(["core-01", "core-02", "core-03"], hosts.Select(h => h.Name));
        Assert.Equal(["172.17.8.101", "172.17.8.102", "172.17.8.103"], hosts.Select(h => h.HostName));
        Assert.Equal([22, 2222, 2222], hosts.Select(h => h.Port));
        Assert.Equal(["core", "core", "admin"], hosts.Select(h => h.UserName));
        Assert.Equal([KubeHostRole.Master, KubeHostRole.Worker, KubeHostRole.Worker], hosts.Select(h => h.Role));
        Assert.Equal(["/home/jane/lab/keys/id_ed25519", "/home/jane/lab/keys/id_ed25519", "/etc/kfs/id_rsa"], hosts.Select(h => h.IdentityFile));
        Assert.All(hosts, h => Assert.Equal(Source, h.Source));
    }

    [Fact]
    public void The_deck_example_from_the_documentation_reads_as_written()
    {
        var hosts = Parse("""
            defaults: { user: core, identityFile: ~/.ssh/id_ed25519 }
            hosts:
              - { name: core-01, hostName: 172.17.8.101, role: Master }
              - { name: core-02, hostName: 172.17.8.102, role: Worker }
            """);

        Assert.Equal(2, hosts.Count);
        Assert.All(hosts, h => Assert.Equal(Path.Combine(Home, ".ssh/id_ed25519"), h.IdentityFile));
        Assert.All(hosts, h => Assert.Equal(22, h.Port));
        Assert.Equal([KubeHostRole.Master, KubeHostRole.Worker], hosts.Select(h => h.Role));
    }

    [Fact]
    public void A_relative_identity_file_is_taken_from_the_inventorys_directory_not_the_current_one()
    {
        var host = Assert.Single(Parse("hosts: [ { hostName: 10.0.0.5, identityFile: ../keys/./lab.key } ]"));

        Assert.Equal("/home/jane/keys/lab.key", host.IdentityFile);
    }

    [Fact]
    public void A_host_needs_only_its_address_and_is_then_named_by_it()
    {
        var host = Assert.Single(Parse("hosts:\n  - hostName: 10.0.0.5\n"));

        Assert.Equal(("10.0.0.5", "10.0.0.5", 22), (host.Name, host.HostName, host.Port));
        Assert.Equal(Environment.UserName, host.UserName);
        Assert.Null(host.IdentityFile);
        Assert.Equal(KubeHostRole.None, host.Role);
    }

    [Fact]
    public void A_name_alone_is_also_the_address()
    {
        var host = Assert.Single(Parse("hosts:\n  - name: core-01.lab\n"));

        Assert.Equal(("core-01.lab", "core-01.lab"), (host.Name, host.HostName));
    }

    [Fact]
    public void Keys_and_roles_are_read_without_regard_to_case()
    {
        var host = Assert.Single(Parse("Hosts:\n  - HOSTNAME: 10.0.0.5\n    Role: master\n    PORT: 2200\n"));

        Assert.Equal((KubeHostRole.Master, 2200), (host.Role, host.Port));
    }

    // ---- Mistakes ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Broken_YAML_is_reported_with_its_line_and_column()
    {
        // role is indented one space less than the host's other settings.
        var error = Invalid("hosts:\n  - name: core-01\n    hostName: 172.17.8.101\n   role: Master\n");

        Assert.Matches(@"\(line 4, column \d+\)", error.Message);
        Assert.Contains("not valid YAML", error.Message);
        Assert.Equal("YamlDotNet.Core.SemanticErrorException", error.InnerException?.GetType().FullName);
    }

    [Fact]
    public void An_unclosed_bracket_is_invalid_YAML_too()
    {
        // YamlDotNet's scanner gives up on this one with an InvalidOperationException rather than a YamlException.
        var error = Invalid("hosts:\n  - name: core-01\n    hostName: [172.17.8.101\n  - name: core-02\n");

        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void An_unknown_host_setting_is_named_with_where_it_is()
    {
        var error = Invalid("hosts:\n  - name: core-01\n    address: 172.17.8.101\n");

        Assert.Contains("(line 3, column 5)", error.Message);
        Assert.Contains("'address' is not a host setting. Use name, hostName, port, user, identityFile, role.", error.Message);
    }

    [Fact]
    public void An_unknown_default_setting_is_named_too_instead_of_being_ignored()
    {
        var error = Invalid("defaults:\n  identity: ~/.ssh/id_rsa\nhosts:\n  - name: core-01\n");

        Assert.Contains("(line 2, column 3)", error.Message);
        Assert.Contains("'identity' is not a default setting", error.Message);
    }

    [Theory]
    [InlineData("hosts:\n  - name: core-01\n  - name: core-01\n")]
    [InlineData("hosts:\n  - name: core-01\n  - name: CORE-01\n")]
    [InlineData("hosts:\n  - hostName: core-01\n  - name: core-01\n    hostName: 172.17.8.101\n")]
    public void The_same_name_twice_is_refused_at_the_second_host(string yaml)
    {
        var error = Invalid(yaml);

        Assert.Contains("(line 3, column 5)", error.Message);
        Assert.Contains("is used twice", error.Message);
    }

    [Fact]
    public void The_same_setting_twice_in_one_host_is_refused()
    {
        Invalid("hosts:\n  - name: core-01\n    name: core-02\n");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("70000")]
    [InlineData("ssh")]
    [InlineData("-22")]
    [InlineData("22.5")]
    public void A_port_outside_1_to_65535_is_refused(string port)
    {
        var error = Invalid($"hosts:\n  - name: core-01\n    port: {port}\n");

        Assert.Contains($"the port '{port}' of core-01 is not a port number (1-65535)", error.Message);
    }

    [Fact]
    public void A_bad_default_port_is_refused_at_the_first_host_that_uses_it()
    {
        var error = Invalid("defaults: { port: 0 }\nhosts:\n  - { name: a, port: 22 }\n  - { name: b }\n");

        Assert.Contains("(line 4, column 5)", error.Message);
        Assert.Contains("the port '0' of b", error.Message);
    }

    [Theory]
    [InlineData("Etcd")]
    [InlineData("Masters")]
    [InlineData("7")]
    public void A_role_other_than_Master_or_Worker_is_refused(string role)
    {
        var error = Invalid($"hosts:\n  - name: core-01\n    role: {role}\n");

        Assert.Contains($"the role '{role}' of core-01 is not Master or Worker", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing yet\n")]
    [InlineData("- core-01\n- core-02\n")]
    [InlineData("hosts: core-01\n")]
    [InlineData("hosts: []\n")]
    [InlineData("host:\n  - name: core-01\n")]
    [InlineData("hosts:\n  - core-01\n")]
    [InlineData("hosts:\n  - port: 22\n")]
    public void An_inventory_without_a_usable_hosts_list_is_refused(string yaml)
    {
        Invalid(yaml);
    }
}
