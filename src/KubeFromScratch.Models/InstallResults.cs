namespace KubeFromScratch;

/// <summary>One Kubernetes binary on one host, after Install-KubeBinary.</summary>
public sealed class KubeBinaryInstall
{
    internal KubeBinaryInstall(string host, string component, string version, string path, string sha256, bool changed)
    {
        Host = host;
        Component = component;
        Version = version;
        Path = path;
        Sha256 = sha256;
        Changed = changed;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>kubelet, kube-proxy, kubectl, ...</summary>
    public string Component { get; }

    /// <summary>Release version (1.33.1).</summary>
    public string Version { get; }

    /// <summary>Where it is on the host.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the installed file (the published one).</summary>
    public string Sha256 { get; }

    /// <summary>False when the host already had this exact file.</summary>
    public bool Changed { get; }
}

/// <summary>One CNI plugin on one host, after Install-CniPlugin.</summary>
public sealed class CniPluginInstall
{
    internal CniPluginInstall(string host, string plugin, string version, string path, string sha256, bool changed)
    {
        Host = host;
        Plugin = plugin;
        Version = version;
        Path = path;
        Sha256 = sha256;
        Changed = changed;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>Plugin name (loopback).</summary>
    public string Plugin { get; }

    /// <summary>Release of the plugins tarball it came from.</summary>
    public string Version { get; }

    /// <summary>Where it is on the host (/opt/cni/bin/loopback).</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the plugin binary.</summary>
    public string Sha256 { get; }

    /// <summary>False when the host already had this exact file.</summary>
    public bool Changed { get; }
}

/// <summary>One unit, configuration or static pod file on one host, after Install-KubeUnit.</summary>
public sealed class KubeNodeFile
{
    internal KubeNodeFile(string host, string path, string kind, string sha256, bool changed)
    {
        Host = host;
        Path = path;
        Kind = kind;
        Sha256 = sha256;
        Changed = changed;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>Where the file is.</summary>
    public string Path { get; }

    /// <summary>Unit, Config or StaticPod.</summary>
    public string Kind { get; }

    /// <summary>SHA-256 of the content.</summary>
    public string Sha256 { get; }

    /// <summary>False when the host already had exactly this content.</summary>
    public bool Changed { get; }
}
