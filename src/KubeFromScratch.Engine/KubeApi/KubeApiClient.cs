using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using KubeFromScratch.Engine.Ssh;
using Renci.SshNet;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>
/// One connection to a Kubernetes API server, on KubernetesClient. Requests go straight to the server or, with a
/// tunnel host, through that host's SSH connection: request URLs stay as they are (so TLS names and Host headers
/// are right) and only the socket goes elsewhere, to a local port forwarded through SSH, one forward per HTTP
/// connection (an SSH.NET forward serves one connection at a time, and a watch holds its connection open).
/// </summary>
public sealed class KubeApiClient : IDisposable
{
    private static readonly AsyncLocal<Action<string>?> LogSink = new();
    private readonly Kubernetes _client;
    private readonly HttpClient _raw;
    private readonly SshHostConnection? _tunnel;
    private readonly TimeSpan _requestTimeout;

    private KubeApiClient(KubernetesClientConfiguration config, SshHostConnection? tunnel, string? viaHost, TimeSpan requestTimeout)
    {
        _tunnel = tunnel;
        _requestTimeout = requestTimeout;
        Server = new Uri(config.Host.TrimEnd('/') + "/");
        ViaHost = viaHost;
        Context = config.CurrentContext;
        Namespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan; // each call has its own deadline; watches have none
        config.FirstMessageHandlerSetup = handler =>
        {
            handler.UseProxy = false;
            handler.ConnectTimeout = TimeSpan.FromSeconds(10);
            handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
            if (tunnel is not null)
            {
                handler.ConnectCallback = ConnectThroughTunnelAsync;
            }
        };
        _client = new Kubernetes(config, new RequestLogHandler());
        _raw = _client.HttpClient; // the same handler pipeline: TLS, client certificate, tunnel, request log
    }

    /// <summary>The API server's URL.</summary>
    public Uri Server { get; }

    /// <summary>The host whose SSH connection carries requests, or null.</summary>
    public string? ViaHost { get; }

    /// <summary>The kubeconfig context, when any.</summary>
    public string? Context { get; }

    /// <summary>The default namespace.</summary>
    public string Namespace { get; }

    /// <summary>What <see cref="ConnectAsync"/> learnt about the server.</summary>
    public KubeApiConnection Info { get; private set; } = null!;

    /// <summary>KubernetesClient's typed client, for the engine's services.</summary>
    internal Kubernetes Client => _client;

    /// <summary>
    /// Routes this async flow's request lines ("GET URL") to <paramref name="sink"/> (a cmdlet's verbose stream).
    /// Dispose the result to stop.
    /// </summary>
    public static IDisposable LogTo(Action<string>? sink)
    {
        var previous = LogSink.Value;
        LogSink.Value = sink;
        return new Restore(() => LogSink.Value = previous);
    }

    internal static void Log(string text) => LogSink.Value?.Invoke(text);

    /// <summary>Builds a client from the options and checks that the server answers (GET /version).</summary>
    public static async Task<KubeApiClient> ConnectAsync(KubeApiOptions options, string? tunnelName, CancellationToken cancellationToken)
    {
        var config = BuildConfig(options);
        var client = new KubeApiClient(config, options.Tunnel, tunnelName, options.RequestTimeout);
        try
        {
            var version = await client.GetJsonAsync("version", cancellationToken).ConfigureAwait(false);
            client.Info = new KubeApiConnection(client.Server.ToString().TrimEnd('/'), options.Tunnel is null ? "Direct" : "Ssh", tunnelName, config.CurrentContext,
                options.KubeConfigPath is null ? null : CurrentUser(options), client.Namespace,
                version["gitVersion"]?.GetValue<string>() ?? "unknown", version["platform"]?.GetValue<string>() ?? "",
                client.Server.Scheme == Uri.UriSchemeHttps, DateTimeOffset.Now);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static string? CurrentUser(KubeApiOptions options)
    {
        try
        {
            var kubeConfig = KubernetesClientConfiguration.LoadKubeConfig(options.KubeConfigPath!, false);
            string? contextName = options.Context ?? kubeConfig.CurrentContext;
            return kubeConfig.Contexts?.FirstOrDefault(c => c.Name == contextName)?.ContextDetails?.User;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static KubernetesClientConfiguration BuildConfig(KubeApiOptions options)
    {
        KubernetesClientConfiguration config;
        if (options.Server is { } server)
        {
            if (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps)
            {
                throw new KfsException("KubeApiServerInvalid", KfsErrorCategory.InvalidArgument, server.ToString(),
                    $"'{server}' is not an API server URL. Give it as https://HOST:6443, or http://HOST:8080 for an insecure port.");
            }

            config = new KubernetesClientConfiguration { Host = server.ToString() };
        }
        else
        {
            string path = options.KubeConfigPath ?? DefaultKubeConfigPath();
            if (!File.Exists(path))
            {
                throw new KfsException("KubeConfigNotFound", KfsErrorCategory.ObjectNotFound, path,
                    $"The kubeconfig file '{path}' does not exist. Pass -Server http://HOST:8080 (or https://HOST:6443), or -KubeConfig PATH.");
            }

            try
            {
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, options.Context);
            }
            catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or InvalidOperationException or FormatException or YamlDotNet.Core.YamlException)
            {
                throw new KfsException("KubeConfigInvalid", KfsErrorCategory.InvalidData, path,
                    $"The kubeconfig '{path}' cannot be used{(options.Context is null ? "" : $" with context '{options.Context}'")}: {ex.Message}", ex);
            }
        }

        if (options.CaPath is not null)
        {
            config.SslCaCerts = LoadCertificates(options.CaPath);
        }

        if (options.CertificatePath is not null || options.KeyPath is not null)
        {
            if (options.CertificatePath is null || options.KeyPath is null)
            {
                throw new KfsException("KubeApiClientCertificateIncomplete", KfsErrorCategory.InvalidArgument, options.CertificatePath ?? options.KeyPath,
                    "A client certificate needs both -CertificatePath and -KeyPath.");
            }

            config.ClientCertificateFilePath = options.CertificatePath;
            config.ClientKeyFilePath = options.KeyPath;
        }

        if (options.Token is not null)
        {
            config.AccessToken = options.Token;
        }

        if (options.Namespace is not null)
        {
            config.Namespace = options.Namespace;
        }

        return config;
    }

    private static X509Certificate2Collection LoadCertificates(string path)
    {
        if (!File.Exists(path))
        {
            throw new KfsException("KubeApiCaNotFound", KfsErrorCategory.ObjectNotFound, path, $"The CA certificate '{path}' does not exist.");
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        if (collection.Count == 0)
        {
            throw new KfsException("KubeApiCaInvalid", KfsErrorCategory.InvalidData, path, $"'{path}' holds no PEM certificate.");
        }

        return collection;
    }

    /// <summary>$KUBECONFIG's first file, else ~/.kube/config, as kubectl looks for it.</summary>
    public static string DefaultKubeConfigPath()
    {
        string? env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env))
        {
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }

    /// <summary>GET a path relative to the server and parse the JSON body.</summary>
    public async Task<JsonObject> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        var (_, body) = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        return ParseObject(body, path);
    }

    /// <summary>Sends one request; a non-success status becomes a KfsException from the server's Status object.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(Server, path.TrimStart('/')));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            await AuthorizeAsync(request, linked.Token).ConfigureAwait(false);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
            }

            using var response = await _raw.SendAsync(request, linked.Token).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw KubeApiErrors.FromStatus(response.StatusCode, text, $"{method} {path}", Server);
            }

            return (response.StatusCode, text);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw KubeApiErrors.Timeout(Server, _requestTimeout, ViaHost);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.Unreachable(Server, ex, ViaHost);
        }
    }

    /// <summary>Opens a watch stream (the response is returned unread; the caller reads it line by line).</summary>
    internal async Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Server, path.TrimStart('/')));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response;
        try
        {
            response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.Unreachable(Server, ex, ViaHost);
        }

        if (!response.IsSuccessStatusCode)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            response.Dispose();
            throw KubeApiErrors.FromStatus(response.StatusCode, text, $"GET {path}", Server);
        }

        return response;
    }

    /// <summary>Bearer tokens and basic credentials are added per request by KubernetesClient; raw requests get them the same way.</summary>
    private Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _client.Credentials is { } credentials ? credentials.ProcessHttpRequestAsync(request, cancellationToken) : Task.CompletedTask;

    /// <summary>Runs a typed KubernetesClient call with the same deadline and error mapping as raw requests.</summary>
    internal async Task<T> CallAsync<T>(string what, Func<Kubernetes, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(_client, linked.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw KubeApiErrors.FromStatus(ex.Response.StatusCode, ex.Response.Content, what, Server);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw KubeApiErrors.Timeout(Server, _requestTimeout, ViaHost);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.Unreachable(Server, ex, ViaHost);
        }
    }

    internal static JsonObject ParseObject(string body, string what)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject
                ?? throw new KfsException("KubeApiResponseInvalid", KfsErrorCategory.InvalidResult, what, $"The API server's answer to {what} is not a JSON object.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new KfsException("KubeApiResponseInvalid", KfsErrorCategory.InvalidResult, what,
                $"The API server's answer to {what} is not JSON ({ex.Message}). Is this a Kubernetes API server URL?", ex);
        }
    }

    private async ValueTask<Stream> ConnectThroughTunnelAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var forward = await _tunnel!.ForwardAsync(endpoint.Host, (uint)endpoint.Port, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, (int)forward.BoundPort, cancellationToken).ConfigureAwait(false);
            return new TunnelStream(socket, forward);
        }
        catch
        {
            socket.Dispose();
            StopForward(forward);
            throw;
        }
    }

    private static void StopForward(ForwardedPortLocal forward)
    {
        try
        {
            forward.Stop();
            forward.Dispose();
        }
        catch (Exception)
        {
            // The SSH connection may be gone already; its listener went with it.
        }
    }

    /// <summary>Closes the client; tunnelled connections and their forwards close with it.</summary>
    public void Dispose() => _client.Dispose();

    /// <summary>A tunnelled HTTP connection: closing it also closes its SSH forward.</summary>
    private sealed class TunnelStream : NetworkStream
    {
        private readonly ForwardedPortLocal _forward;
        private int _disposed;

        public TunnelStream(Socket socket, ForwardedPortLocal forward)
            : base(socket, ownsSocket: true) => _forward = forward;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                StopForward(_forward);
            }
        }
    }

    /// <summary>Tells the cmdlet's verbose stream what is sent where: method and URL, never headers or bodies.</summary>
    private sealed class RequestLogHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Log($"{request.Method} {request.RequestUri}");
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
