using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>
/// Waits on a collection with list-then-watch, as client-go's informers do, instead of polling: list once, then watch
/// from the list's resourceVersion. A watch that ends or drops resumes from the last resourceVersion it saw; a
/// "410 Expired" (the server no longer has that history) or a server whose history restarted (its resourceVersion went
/// backwards) lists again, and so does a server that stopped answering altogether (it may come back with other
/// history: the lab's API stand-in after a restart). While the server is unreachable it retries, so a
/// restarted API server does not end the wait; only the deadline or Ctrl-C does.
/// </summary>
public sealed class KubeWatcher
{
    private readonly KubeResources _resources;

    /// <summary>A watcher on one connection.</summary>
    public KubeWatcher(KubeResources resources) => _resources = resources;

    /// <summary>Why a watch was reopened, for tests and the verbose stream.</summary>
    public int Resumes { get; private set; }

    /// <summary>How often the watcher listed again.</summary>
    public int Relists { get; private set; }

    /// <summary>
    /// Watches <paramref name="path"/> (a collection) until <paramref name="done"/> holds for the objects seen, then returns
    /// them (keyed namespace/name). <paramref name="changed"/> runs after every change; <paramref name="log"/> gets the story.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, T>> WaitAsync<T>(string path, string? query, Func<IReadOnlyDictionary<string, T>, bool> done,
        Action<IReadOnlyDictionary<string, T>>? changed, Action<string>? log, CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var state = new Dictionary<string, T>(StringComparer.Ordinal);
        string rv = "";
        bool relist = true;
        bool verify = false;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (verify && !relist)
                {
                    // After a drop, first make sure the server still has our history (it may be a fresh one).
                    if (await HistoryRestartedAsync(path, rv, cancellationToken).ConfigureAwait(false))
                    {
                        log?.Invoke($"The API server's history restarted (its resourceVersion is now below {rv}); listing again.");
                        relist = true;
                        Relists++;
                    }
                    else
                    {
                        Resumes++;
                        log?.Invoke($"Resuming the watch on {path} from resourceVersion {rv}.");
                    }
                }

                verify = false;
                if (relist)
                {
                    var (items, listRv) = await _resources.ListAsync<T>(path, query, cancellationToken).ConfigureAwait(false);
                    state.Clear();
                    foreach (var item in items)
                    {
                        state[Key(item)] = item;
                    }

                    rv = listRv;
                    relist = false;
                    changed?.Invoke(state);
                    if (done(state))
                    {
                        return state;
                    }
                }

                string watchQuery = $"watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={Uri.EscapeDataString(rv)}" + (query is null ? "" : "&" + query);
                using var response = await _resources.Api.OpenStreamAsync($"{path}?{watchQuery}", cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(200);
                using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    var evt = KubeApiClient.ParseObject(line, path);
                    string type = evt["type"]?.GetValue<string>() ?? "";
                    var obj = evt["object"] as JsonObject;
                    if (type == "ERROR")
                    {
                        int code = obj?["code"]?.GetValue<int>() ?? 0;
                        log?.Invoke($"The watch on {path} ended with an error ({code} {obj?["reason"]}); listing again.");
                        relist = true;
                        Relists++;
                        break;
                    }

                    string? objRv = obj?["metadata"]?["resourceVersion"]?.GetValue<string>();
                    if (!string.IsNullOrEmpty(objRv))
                    {
                        rv = objRv;
                    }

                    if (type == "BOOKMARK" || obj is null)
                    {
                        continue;
                    }

                    var item = KubernetesJson.Deserialize<T>(obj.ToJsonString());
                    if (type == "DELETED")
                    {
                        state.Remove(Key(item));
                    }
                    else
                    {
                        state[Key(item)] = item;
                    }

                    changed?.Invoke(state);
                    if (done(state))
                    {
                        return state;
                    }
                }

                if (!relist)
                {
                    // Ended without an error: resume from where it stopped (after checking that this is still the
                    // server whose history we hold; a restarted stand-in starts again from resourceVersion 1).
                    log?.Invoke($"The watch on {path} ended at resourceVersion {rv}.");
                    verify = true;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or KfsException { ErrorId: "KubeApiUnreachable" or "KubeApiTimeout" or "KubeApiServerError" or "KubeApiExpired" })
            {
                if (ex is KfsException { ErrorId: "KubeApiExpired" })
                {
                    relist = true;
                    Relists++;
                    continue;
                }

                log?.Invoke($"The watch on {path} dropped ({ex.Message}); trying again in {delay.TotalMilliseconds:0} ms.");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
                if (ex is KfsException { ErrorId: "KubeApiUnreachable" or "KubeApiTimeout" } && !relist)
                {
                    // The server itself was gone, not only the stream: it may come back as a new server with other
                    // history, so list again (as client-go's reflector does after errors) instead of resuming.
                    log?.Invoke($"The API server did not answer; listing {path} again once it does.");
                    relist = true;
                    Relists++;
                }

                verify = !relist;
            }
        }
    }

    /// <summary>
    /// Until every named node is Ready (with no names: until at least one node exists and all are Ready). <paramref name="progress"/>
    /// sees the nodes after every change.
    /// </summary>
    public async Task<IReadOnlyList<KubeNode>> WaitForNodesReadyAsync(IReadOnlyCollection<string> names, Action<IReadOnlyList<KubeNode>>? progress,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        IReadOnlyList<KubeNode> Pick(IReadOnlyDictionary<string, V1Node> state) =>
            state.Values.Select(KubeConvert.Node).Where(n => wanted.Count == 0 || wanted.Contains(n.Name)).OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
        bool Done(IReadOnlyDictionary<string, V1Node> state)
        {
            var nodes = Pick(state);
            return nodes.Count > 0 && nodes.All(n => n.Ready) && (wanted.Count == 0 || nodes.Count == wanted.Count);
        }

        var final = await WaitAsync<V1Node>("api/v1/nodes", null, Done, progress is null ? null : s => progress(Pick(s)), log, cancellationToken).ConfigureAwait(false);
        return Pick(final);
    }

    /// <summary>Until every named node has registered (with no names: until at least one has).</summary>
    public async Task<IReadOnlyList<KubeNode>> WaitForNodesRegisteredAsync(IReadOnlyCollection<string> names, Action<IReadOnlyList<KubeNode>>? progress,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        IReadOnlyList<KubeNode> Pick(IReadOnlyDictionary<string, V1Node> state) =>
            state.Values.Select(KubeConvert.Node).Where(n => wanted.Count == 0 || wanted.Contains(n.Name)).OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
        bool Done(IReadOnlyDictionary<string, V1Node> state)
        {
            var nodes = Pick(state);
            return nodes.Count > 0 && (wanted.Count == 0 || nodes.Count == wanted.Count);
        }

        var final = await WaitAsync<V1Node>("api/v1/nodes", null, Done, progress is null ? null : s => progress(Pick(s)), log, cancellationToken).ConfigureAwait(false);
        return Pick(final);
    }

    /// <summary>Until the DaemonSet runs ready and current on every node that should run it.</summary>
    public async Task<KubeDaemonSet> WaitForDaemonSetAsync(string ns, string name, Action<KubeDaemonSet?>? progress, Action<string>? log, CancellationToken cancellationToken)
    {
        KubeDaemonSet? Pick(IReadOnlyDictionary<string, V1DaemonSet> state) => state.TryGetValue($"{ns}/{name}", out var d) ? KubeConvert.DaemonSet(d) : null;
        var final = await WaitAsync<V1DaemonSet>($"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/daemonsets", $"fieldSelector={Uri.EscapeDataString("metadata.name=" + name)}",
            s => Pick(s) is { Complete: true }, progress is null ? null : s => progress(Pick(s)), log, cancellationToken).ConfigureAwait(false);
        return Pick(final)!;
    }

    /// <summary>Until every desired replica of the deployment is ready, updated and available.</summary>
    public async Task<KubeDeployment> WaitForDeploymentAsync(string ns, string name, Action<KubeDeployment?>? progress, Action<string>? log, CancellationToken cancellationToken)
    {
        KubeDeployment? Pick(IReadOnlyDictionary<string, V1Deployment> state) => state.TryGetValue($"{ns}/{name}", out var d) ? KubeConvert.Deployment(d) : null;
        var final = await WaitAsync<V1Deployment>($"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments", $"fieldSelector={Uri.EscapeDataString("metadata.name=" + name)}",
            s => Pick(s) is { Complete: true }, progress is null ? null : s => progress(Pick(s)), log, cancellationToken).ConfigureAwait(false);
        return Pick(final)!;
    }

    /// <summary>
    /// True when the server's current resourceVersion is below the one we hold (a fresh store). Transport failures
    /// propagate, so the caller retries the check once the server answers again.
    /// </summary>
    private async Task<bool> HistoryRestartedAsync(string path, string rv, CancellationToken cancellationToken)
    {
        if (!long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out long ours))
        {
            return false;
        }

        var list = await _resources.Api.GetJsonAsync($"{path}?limit=1", cancellationToken).ConfigureAwait(false);
        string? now = list["metadata"]?["resourceVersion"]?.GetValue<string>();
        return long.TryParse(now, NumberStyles.None, CultureInfo.InvariantCulture, out long theirs) && theirs < ours;
    }

    private static string Key<T>(T item)
        where T : IKubernetesObject<V1ObjectMeta> =>
        $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";
}
