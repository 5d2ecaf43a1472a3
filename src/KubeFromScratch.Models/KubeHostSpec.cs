namespace KubeFromScratch;

/// <summary>
/// How to reach one host, before connecting: what <c>Get-VagrantHost</c> and <c>Import-KubeHostInventory</c>
/// return and <c>Connect-KubeHost</c> takes from the pipeline by property name.
/// </summary>
public sealed class KubeHostSpec
{
    /// <summary>Creates a host spec.</summary>
    public KubeHostSpec(string name, string hostName, int port, string userName, string? identityFile, KubeHostRole role, string source)
    {
        Name = name;
        HostName = hostName;
        Port = port;
        UserName = userName;
        IdentityFile = identityFile;
        Role = role;
        Source = source;
    }

    /// <summary>The host's name (the Vagrant machine name, or the inventory's).</summary>
    public string Name { get; }

    /// <summary>Address to connect to.</summary>
    public string HostName { get; }

    /// <summary>SSH port.</summary>
    public int Port { get; }

    /// <summary>Remote user.</summary>
    public string UserName { get; }

    /// <summary>Private key file to log on with.</summary>
    public string? IdentityFile { get; }

    /// <summary>Cluster role, when the source says it (an inventory does; Vagrant does not).</summary>
    public KubeHostRole Role { get; }

    /// <summary>Where the spec came from: "vagrant ssh-config" or the inventory file's path.</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
