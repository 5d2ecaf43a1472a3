using System.Diagnostics;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>A NodePort service's URLs (one per node and node port) and what an HTTP GET on each gives.</summary>
public static class KubeServiceUrls
{
    /// <summary>The URLs of <paramref name="service"/> on every node that has an InternalIP, in node order.</summary>
    public static IReadOnlyList<KubeServiceUrl> For(KubeService service, IEnumerable<KubeNode> nodes)
    {
        var ports = service.Ports.Where(p => p.NodePort is not null).ToArray();
        if (ports.Length == 0)
        {
            throw new KfsException("KubeServiceNoNodePort", KfsErrorCategory.InvalidOperation, $"{service.Namespace}/{service.Name}",
                $"Service '{service.Name}' is of type {service.Type} and has no node port, so no node serves it. Create it with New-KubeService {service.Name} -Type NodePort.");
        }

        var urls = new List<KubeServiceUrl>();
        foreach (var node in nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(node.InternalIP))
            {
                continue;
            }

            foreach (var port in ports)
            {
                urls.Add(new KubeServiceUrl(service.Name, service.Namespace, node.Name, node.InternalIP, port.NodePort!.Value, port.Port, port.Protocol));
            }
        }

        return urls;
    }

    /// <summary>HTTP GET on the URL: reachable when any HTTP status comes back (a 404 still proves the port answers).</summary>
    public static async Task<KubeServiceUrl> TestAsync(HttpClient http, KubeServiceUrl url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (reachable, status, latency, error) = await GetAsync(http, new Uri(url.Url), timeout, cancellationToken).ConfigureAwait(false);
        return url.WithResult(reachable, status, latency, error);
    }

    /// <summary>One GET with a deadline; never throws for network failures, which are the answer here.</summary>
    public static async Task<(bool Reachable, int? Status, TimeSpan? Latency, string? Error)> GetAsync(HttpClient http, Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            watch.Stop();
            return (true, (int)response.StatusCode, watch.Elapsed, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (false, null, null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return (false, null, null, ex.InnerException?.Message ?? ex.Message);
        }
    }

    /// <summary>A client for probes: no proxy, no redirects followed, no pooled connections kept.</summary>
    public static HttpClient CreateProbeClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero,
    }) { Timeout = Timeout.InfiniteTimeSpan };
}
