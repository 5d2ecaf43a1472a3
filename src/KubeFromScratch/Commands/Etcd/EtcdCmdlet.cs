using System.Management.Automation;
using KubeFromScratch.Engine.Etcd;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Etcd;

/// <summary>What Test-EtcdHealth and Get-EtcdMember share: where etcd is, how to get there, TLS.</summary>
public abstract class EtcdCmdlet : KubeCmdlet
{
    private readonly List<KubeHost> _hosts = new();
    private readonly List<Uri> _endpoints = new();

    /// <summary>etcd client URLs (http://172.17.8.101:2379); any one that answers is enough to find all members.</summary>
    [Parameter(Position = 0, ParameterSetName = "Endpoint")]
    [Alias("Endpoints", "Url")]
    [ValidateNotNullOrEmpty]
    public string[]? Endpoint { get; set; }

    /// <summary>Connected hosts running etcd; their client URL is derived (HostName:2379) and their SSH connection can tunnel.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public KubeHost[]? InputObject { get; set; }

    /// <summary>Direct (HTTP from here), Ssh (a tunnel through a host's SSH connection) or Auto (direct, then the tunnel).</summary>
    [Parameter]
    public EtcdRoute Via { get; set; } = EtcdRoute.Auto;

    /// <summary>A connected host to tunnel through with -Endpoint (default: the first piped host).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string? ViaHost { get; set; }

    /// <summary>Client port used for piped hosts.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int ClientPort { get; set; } = 2379;

    /// <summary>Seconds each member has to answer.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int MemberTimeoutSec { get; set; } = 3;

    /// <summary>CA certificate (PEM) that signed etcd's server certificates.</summary>
    [Parameter]
    [Alias("CaCert", "CaFile")]
    public string? CaPath { get; set; }

    /// <summary>Client certificate (PEM) for etcd's client certificate authentication.</summary>
    [Parameter]
    [Alias("Cert", "CertFile")]
    public string? CertificatePath { get; set; }

    /// <summary>The client certificate's private key (PEM).</summary>
    [Parameter]
    [Alias("Key", "KeyFile")]
    public string? KeyPath { get; set; }

    private bool UseTls => CaPath is not null || CertificatePath is not null;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            foreach (var host in InputObject)
            {
                _hosts.Add(host);
                _endpoints.Add(new Uri($"{(UseTls ? "https" : "http")}://{HostAuthority(host.HostName)}:{ClientPort}"));
            }
        }

        foreach (string text in Endpoint ?? Array.Empty<string>())
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            {
                WriteError(Error("EtcdEndpointInvalid", ErrorCategory.InvalidArgument, text,
                    $"'{text}' is not an etcd client URL. Give it as http://HOST:2379 or https://HOST:2379."));
                continue;
            }

            _endpoints.Add(uri);
        }
    }

    /// <summary>Builds the engine's options from the parameters; null when nothing valid was given.</summary>
    internal EtcdCheckOptions? BuildOptions()
    {
        if (_endpoints.Count == 0 && Endpoint is null && InputObject is null)
        {
            // Nothing named: the connected masters (etcd runs on masters), or every connected host without roles.
            var hosts = Session.Hosts.Select(h => h.Host).ToList();
            var masters = hosts.Where(h => h.Role == KubeHostRole.Master).ToList();
            foreach (var host in masters.Count > 0 ? masters : hosts)
            {
                _hosts.Add(host);
                _endpoints.Add(new Uri($"{(UseTls ? "https" : "http")}://{HostAuthority(host.HostName)}:{ClientPort}"));
            }

            if (_endpoints.Count == 0)
            {
                WriteError(Error("EtcdEndpointMissing", ErrorCategory.InvalidArgument, null,
                    "No etcd endpoint was given and no host is connected. Pass -Endpoint http://HOST:2379 or connect the masters first (Connect-KubeHost)."));
                return null;
            }
        }

        if (_endpoints.Count == 0)
        {
            return null;
        }

        Engine.Ssh.SshHostConnection? tunnel = null;
        string? tunnelName = ViaHost ?? _hosts.FirstOrDefault()?.Name;
        if (tunnelName is not null)
        {
            if (Session.TryGet(tunnelName, out var entry))
            {
                tunnel = entry.Connection;
            }
            else if (ViaHost is not null || Via == EtcdRoute.Ssh)
            {
                ThrowTerminatingError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, tunnelName,
                    $"No host named '{tunnelName}' is connected in this session, so there is nothing to tunnel through. Run Connect-KubeHost first."));
            }
        }
        else if (Via == EtcdRoute.Ssh)
        {
            ThrowTerminatingError(Error("EtcdTunnelHostMissing", ErrorCategory.InvalidArgument, null,
                "-Via Ssh needs a host to tunnel through: pipe connected hosts or pass -ViaHost core-01."));
        }

        return new EtcdCheckOptions
        {
            Endpoints = _endpoints.Distinct().ToList(),
            Route = Via,
            Host = tunnel,
            Timeout = TimeSpan.FromSeconds(MemberTimeoutSec),
            Tls = UseTls || KeyPath is not null
                ? new EtcdTlsFiles(Resolve(CaPath), Resolve(CertificatePath), Resolve(KeyPath))
                : null,
        };
    }

    private string? Resolve(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);

    private static string HostAuthority(string host) =>
        System.Net.IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
}
