using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Connects this session to a Kubernetes API server, directly or through a host's SSH connection.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KubeApi", DefaultParameterSetName = "KubeConfig")]
[OutputType(typeof(KubeApiConnection))]
public sealed class ConnectKubeApiCommand : KubeCmdlet
{
    /// <summary>The API server URL: https://HOST:6443, or http://HOST:8080 for the workshop's insecure port.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Server", ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = string.Empty;

    /// <summary>A kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).</summary>
    [Parameter(ParameterSetName = "KubeConfig")]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    /// <summary>The kubeconfig context (default: its current-context).</summary>
    [Parameter(ParameterSetName = "KubeConfig")]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>A connected host whose SSH connection carries every request, for clusters where only port 22 is open.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ViaHost { get; set; }

    /// <summary>The CA certificate (PEM) that signed the API server's certificate.</summary>
    [Parameter]
    [Alias("CaCert", "CertificateAuthority")]
    public string? CaPath { get; set; }

    /// <summary>The client certificate (PEM), e.g. from New-KubeCertificate -Profile Admin.</summary>
    [Parameter]
    [Alias("ClientCertificate")]
    public string? CertificatePath { get; set; }

    /// <summary>The client certificate's private key (PEM).</summary>
    [Parameter]
    [Alias("ClientKey")]
    public string? KeyPath { get; set; }

    /// <summary>A bearer token (never shown or logged).</summary>
    [Parameter]
    public SecureString? Token { get; set; }

    /// <summary>The namespace cmdlets use when given none (default: the context's, else default).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Seconds a request may take.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 30;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        Uri? server = null;
        if (ParameterSetName == "Server")
        {
            if (!Uri.TryCreate(Server, UriKind.Absolute, out server) || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps) || server.Host.Length == 0)
            {
                ThrowTerminatingError(Error("KubeApiServerInvalid", ErrorCategory.InvalidArgument, Server,
                    $"'{Server}' is not an API server URL. Give it as https://HOST:6443, or http://HOST:8080 for an insecure port (plain HTTP only when the URL says so)."));
            }
        }

        Engine.Ssh.SshHostConnection? tunnel = null;
        if (ViaHost is not null)
        {
            if (!Session.TryGet(ViaHost, out var entry))
            {
                ThrowTerminatingError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, ViaHost,
                    $"No host named '{ViaHost}' is connected in this session, so there is nothing to reach the API through. Run Connect-KubeHost first."));
            }

            tunnel = entry.Connection;
        }

        var options = new KubeApiOptions
        {
            Server = server,
            KubeConfigPath = KubeConfig is null ? null : GetUnresolvedProviderPathFromPSPath(KubeConfig),
            Context = Context,
            Tunnel = tunnel,
            CaPath = Resolve(CaPath),
            CertificatePath = Resolve(CertificatePath),
            KeyPath = Resolve(KeyPath),
            Token = Token is null ? null : Plain(Token),
            Namespace = Namespace,
            RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
        };
        WriteVerbose($"Connecting to {server?.ToString() ?? options.KubeConfigPath ?? KubeApiClient.DefaultKubeConfigPath()}{(ViaHost is null ? "" : $" through {ViaHost}")}.");
        try
        {
            var client = Run(async (queue, token) =>
            {
                using (KubeApiClient.LogTo(queue.WriteVerbose))
                {
                    return await KubeApiClient.ConnectAsync(options, ViaHost, token).ConfigureAwait(false);
                }
            });
            Session.SetApi(client);
            WriteObject(client.Info);
        }
        catch (KfsException ex) when (ex.ErrorId is "KubeApiNotFound" or "KubeApiResponseInvalid")
        {
            // Something answers there, but /version is not a Kubernetes API's.
            ThrowTerminatingError(ToErrorRecord(new KfsException("KubeApiServerInvalid", KfsErrorCategory.InvalidResult, server?.ToString() ?? options.KubeConfigPath,
                $"{server?.ToString() ?? "The kubeconfig's server"} answered, but not as a Kubernetes API server ({ex.Message}). Check the address and port (the workshop's API: http://172.17.8.101:8080).", ex)));
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
    }

    private string? Resolve(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);

    private static string Plain(SecureString secure)
    {
        IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}

/// <summary>
/// <para type="synopsis">Closes this session's Kubernetes API connection.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "KubeApi")]
[OutputType(typeof(void))]
public sealed class DisconnectKubeApiCommand : KubeCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (Session.Api is { } api)
        {
            WriteVerbose($"Disconnecting from {api.Server}.");
        }

        Session.SetApi(null);
    }
}
