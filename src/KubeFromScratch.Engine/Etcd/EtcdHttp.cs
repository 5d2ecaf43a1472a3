using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using KubeFromScratch.Engine.Ssh;
using Renci.SshNet;

namespace KubeFromScratch.Engine.Etcd;

/// <summary>What a request to one URL gave: a body, or an error that says why not.</summary>
internal sealed record EtcdResponse(HttpStatusCode? Status, string? Body, KfsException? Error, TimeSpan Took)
{
    public bool Ok => Error is null && Status is { } s && (int)s < 300;
}

/// <summary>
/// HTTP to etcd over one route. The Ssh route keeps request URLs as they are (so TLS names and Host headers stay
/// right) and only changes where the socket goes: to a local port forwarded through the host's SSH connection.
/// </summary>
internal sealed class EtcdHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly SshHostConnection? _tunnelHost;
    private readonly ConcurrentDictionary<string, Lazy<Task<ForwardedPortLocal>>> _forwards = new();
    private readonly EtcdTls? _tls;

    public EtcdHttp(EtcdRoute route, SshHostConnection? tunnelHost, EtcdTls? tls)
    {
        if (route == EtcdRoute.Ssh && tunnelHost is null)
        {
            throw new KfsException("EtcdTunnelHostMissing", KfsErrorCategory.InvalidArgument, null,
                "-Via Ssh needs a host to tunnel through: pipe a KubeHost (Get-KubeHost core-01 | Test-EtcdHealth -Via Ssh) or pass -ViaHost.");
        }

        Route = route;
        _tunnelHost = tunnelHost;
        _tls = tls;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = Timeout.InfiniteTimeSpan,
        };
        tls?.Apply(handler.SslOptions);
        if (route == EtcdRoute.Ssh)
        {
            handler.ConnectCallback = ConnectThroughTunnelAsync;
            // SSH.NET's local forward serves one client connection at a time; a second connection to the same
            // member waits until the first closes, which a pooled keep-alive connection never does. One connection
            // per member carries its requests in turn instead.
            handler.MaxConnectionsPerServer = 1;
        }

        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public EtcdRoute Route { get; }

    public string RouteName => Route == EtcdRoute.Ssh ? "Ssh" : "Direct";

    public async Task<EtcdResponse> SendAsync(Uri url, HttpMethod method, string? jsonBody, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(method, url);
            if (jsonBody is not null)
            {
                request.Content = new StringContent(jsonBody, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            using var response = await _client.SendAsync(request, linked.Token).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            return new EtcdResponse(response.StatusCode, body, null, sw.Elapsed);
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new EtcdResponse(null, null, new KfsException("EtcdMemberUnreachable", KfsErrorCategory.OperationTimeout, url.ToString(),
                $"{url.GetLeftPart(UriPartial.Authority)} did not answer within {timeout.TotalSeconds:0.#} s ({RouteName}). Check that etcd runs there and the address is reachable; -MemberTimeoutSec waits longer."), sw.Elapsed);
        }
        catch (HttpRequestException ex)
        {
            return new EtcdResponse(null, null, Classify(url, ex), sw.Elapsed);
        }
    }

    private KfsException Classify(Uri url, HttpRequestException ex)
    {
        string where = url.GetLeftPart(UriPartial.Authority);
        if (_tls is not null && _tls.ServerCertificateFailures.TryRemove(url.Host, out var certificateProblem))
        {
            return certificateProblem;
        }

        Exception? inner = ex.InnerException;
        bool handshake = inner is AuthenticationException || (inner is IOException && url.Scheme == Uri.UriSchemeHttps);
        if (handshake && _tls is not null && _tls.ServerCertificateAccepted.ContainsKey(url.Host))
        {
            return new KfsException("EtcdClientCertificateRejected", KfsErrorCategory.AuthenticationError, where,
                _tls.HasClientCertificate
                    ? $"{where} refused our client certificate ({_tls.Files.CertificatePath}). etcd requires one signed by its trusted CA: issue it with New-KubeCertificate -Profile EtcdClient from the cluster CA."
                    : $"{where} requires a client certificate. Pass -CertificatePath and -KeyPath (New-KubeCertificate -Profile EtcdClient makes one).", ex);
        }

        if (ex.HttpRequestError == HttpRequestError.InvalidResponse || inner is HttpIOException || (handshake && url.Scheme == Uri.UriSchemeHttps && _tls is null))
        {
            return new KfsException("EtcdEndpointNotEtcd", KfsErrorCategory.InvalidData, where,
                $"{where} answered, but not as etcd speaks ({ex.Message}). Check the port (etcd's client port is 2379) and the scheme (http or https).", ex);
        }

        if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return new KfsException("EtcdMemberUnreachable", KfsErrorCategory.ConnectionError, where,
                $"{where} refused the connection ({RouteName}): etcd is not listening there. Check that etcd runs (Get-KubeUnit etcd) and listens on that address.", ex);
        }

        if (inner is KfsException k)
        {
            return k;
        }

        return new KfsException("EtcdMemberUnreachable", KfsErrorCategory.ConnectionError, where,
            $"{where} cannot be reached ({RouteName}): {inner?.Message ?? ex.Message}", ex);
    }

    private async ValueTask<Stream> ConnectThroughTunnelAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        string key = $"{endpoint.Host}:{endpoint.Port}";
        var forward = await _forwards.GetOrAdd(key, _ => new Lazy<Task<ForwardedPortLocal>>(
            () => _tunnelHost!.ForwardAsync(endpoint.Host, (uint)endpoint.Port, CancellationToken.None))).Value.ConfigureAwait(false);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, (int)forward.BoundPort, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        foreach (var forward in _forwards.Values)
        {
            if (forward.IsValueCreated && forward.Value.IsCompletedSuccessfully)
            {
                try
                {
                    forward.Value.Result.Stop();
                    forward.Value.Result.Dispose();
                }
                catch (Exception)
                {
                    // The SSH connection may be gone already; the listener dies with it.
                }
            }
        }
    }
}
