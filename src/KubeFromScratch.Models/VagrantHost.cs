namespace KubeFromScratch;

/// <summary>One host from <c>vagrant ssh-config</c>: what <c>Connect-KubeHost</c> needs to reach it.</summary>
public sealed class VagrantHost
{
    /// <summary>Creates a host spec.</summary>
    public VagrantHost(string name, string hostName, int port, string userName, string? identityFile)
    {
        Name = name;
        HostName = hostName;
        Port = port;
        UserName = userName;
        IdentityFile = identityFile;
    }

    /// <summary>The Vagrant machine name (the Host line).</summary>
    public string Name { get; }

    /// <summary>Address to connect to.</summary>
    public string HostName { get; }

    /// <summary>SSH port.</summary>
    public int Port { get; }

    /// <summary>Remote user.</summary>
    public string UserName { get; }

    /// <summary>Private key file Vagrant made for the machine.</summary>
    public string? IdentityFile { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
