using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>Where the Kubernetes API is and how to reach it: a URL or a kubeconfig, directly or through a host's SSH connection.</summary>
public sealed class KubeApiOptions
{
    /// <summary>The API server URL. Null when a kubeconfig names it.</summary>
    public Uri? Server { get; init; }

    /// <summary>A kubeconfig file (used when <see cref="Server"/> is null).</summary>
    public string? KubeConfigPath { get; init; }

    /// <summary>The kubeconfig context (default: its current-context).</summary>
    public string? Context { get; init; }

    /// <summary>The connected host whose SSH connection carries every request (only port 22 open); null: direct.</summary>
    public SshHostConnection? Tunnel { get; init; }

    /// <summary>The CA certificate (PEM) that signed the API server's certificate.</summary>
    public string? CaPath { get; init; }

    /// <summary>The client certificate (PEM).</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The client certificate's key (PEM).</summary>
    public string? KeyPath { get; init; }

    /// <summary>A bearer token. Never logged or shown.</summary>
    public string? Token { get; init; }

    /// <summary>The namespace to use when a cmdlet is given none (default: the kubeconfig context's, else "default").</summary>
    public string? Namespace { get; init; }

    /// <summary>How long a single request may take (watches excepted).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
