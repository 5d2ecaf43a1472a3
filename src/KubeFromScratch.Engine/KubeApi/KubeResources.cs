using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>Reads and writes of nodes, pods, deployments, daemonsets and services, as the workshop's kubectl commands did them.</summary>
public sealed class KubeResources
{
    private readonly KubeApiClient _api;

    /// <summary>Operations on one connection.</summary>
    public KubeResources(KubeApiClient api) => _api = api;

    /// <summary>The connection.</summary>
    public KubeApiClient Api => _api;

    /// <summary>Every node (kubectl get nodes).</summary>
    public async Task<IReadOnlyList<KubeNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        var (items, _) = await ListAsync<V1Node>("api/v1/nodes", null, cancellationToken).ConfigureAwait(false);
        return items.Select(KubeConvert.Node).OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Pods in a namespace, or in all namespaces when <paramref name="ns"/> is null.</summary>
    public async Task<IReadOnlyList<KubePod>> ListPodsAsync(string? ns, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken)
    {
        string path = ns is null ? "api/v1/pods" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods";
        var (items, _) = await ListAsync<V1Pod>(path, Query(labelSelector, fieldSelector), cancellationToken).ConfigureAwait(false);
        return items.Select(KubeConvert.Pod).OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Deployments in a namespace (all when null).</summary>
    public async Task<IReadOnlyList<KubeDeployment>> ListDeploymentsAsync(string? ns, CancellationToken cancellationToken)
    {
        string path = ns is null ? "apis/apps/v1/deployments" : $"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments";
        var (items, _) = await ListAsync<V1Deployment>(path, null, cancellationToken).ConfigureAwait(false);
        return items.Select(KubeConvert.Deployment).OrderBy(d => d.Namespace, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Services in a namespace (all when null).</summary>
    public async Task<IReadOnlyList<KubeService>> ListServicesAsync(string? ns, CancellationToken cancellationToken)
    {
        string path = ns is null ? "api/v1/services" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/services";
        var (items, _) = await ListAsync<V1Service>(path, null, cancellationToken).ConfigureAwait(false);
        return items.Select(KubeConvert.Service).OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>One service.</summary>
    public async Task<KubeService> GetServiceAsync(string ns, string name, CancellationToken cancellationToken) =>
        KubeConvert.Service(await GetAsync<V1Service>($"api/v1/namespaces/{Uri.EscapeDataString(ns)}/services/{Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false));

    /// <summary>One deployment.</summary>
    public async Task<KubeDeployment> GetDeploymentAsync(string ns, string name, CancellationToken cancellationToken) =>
        KubeConvert.Deployment(await GetAsync<V1Deployment>(DeploymentPath(ns, name), cancellationToken).ConfigureAwait(false));

    /// <summary>One DaemonSet.</summary>
    public async Task<KubeDaemonSet> GetDaemonSetAsync(string ns, string name, CancellationToken cancellationToken) =>
        KubeConvert.DaemonSet(await GetAsync<V1DaemonSet>($"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/daemonsets/{Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The names in a collection, for tab completion: "nodes", "namespaces", or a namespaced plural
    /// ("pods", "services", "deployments") in <paramref name="ns"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(string resource, string? ns, CancellationToken cancellationToken)
    {
        string path = resource switch
        {
            "nodes" or "namespaces" => $"api/v1/{resource}",
            "deployments" or "daemonsets" => $"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns ?? _api.Namespace)}/{resource}",
            _ => $"api/v1/namespaces/{Uri.EscapeDataString(ns ?? _api.Namespace)}/{resource}",
        };
        var list = await _api.GetJsonAsync(path, cancellationToken).ConfigureAwait(false);
        return (list["items"] as JsonArray ?? new JsonArray())
            .Select(i => i?["metadata"]?["name"]?.GetValue<string>())
            .OfType<string>()
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Whether a namespace exists.</summary>
    public async Task<bool> NamespaceExistsAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            await _api.GetJsonAsync($"api/v1/namespaces/{Uri.EscapeDataString(ns)}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KfsException ex) when (ex.ErrorId == "KubeApiNotFound")
        {
            return false;
        }
    }

    /// <summary>
    /// Creates a deployment as `kubectl create deployment NAME --image IMAGE --replicas N --port P` does (the deck's
    /// `kubectl run` made the same object): label app=NAME on the pods, selector on it, one container named like the
    /// image's last path segment.
    /// </summary>
    public async Task<KubeDeployment> CreateDeploymentAsync(string ns, string name, string image, int replicas, int[] ports,
        IReadOnlyDictionary<string, string>? labels, bool dryRun, CancellationToken cancellationToken)
    {
        var podLabels = labels is { Count: > 0 } ? new Dictionary<string, string>(labels) : new Dictionary<string, string> { ["app"] = name };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string>(podLabels) },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(podLabels) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(podLabels) },
                    Spec = new V1PodSpec
                    {
                        Containers = new List<V1Container>
                        {
                            new()
                            {
                                Name = ContainerName(image),
                                Image = image,
                                Ports = ports.Length == 0 ? null : ports.Select(p => new V1ContainerPort { ContainerPort = p }).ToList(),
                            },
                        },
                    },
                },
            },
        };
        var created = await _api.CallAsync($"create deployment {ns}/{name}",
            (k, token) => k.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns, dryRun: dryRun ? "All" : null, fieldManager: FieldManager, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return KubeConvert.Deployment(created);
    }

    /// <summary>
    /// Creates a service as `kubectl expose deployment NAME --port P --target-port T --type TYPE` does: the selector is
    /// the deployment's, unless one is given.
    /// </summary>
    public async Task<KubeService> CreateServiceAsync(string ns, string name, string type, int port, string? targetPort, int? nodePort, string protocol,
        IReadOnlyDictionary<string, string>? selector, string? selectorFrom, bool dryRun, CancellationToken cancellationToken)
    {
        IDictionary<string, string> podSelector;
        if (selector is { Count: > 0 })
        {
            podSelector = new Dictionary<string, string>(selector);
        }
        else
        {
            string source = selectorFrom ?? name;
            V1Deployment deployment;
            try
            {
                deployment = await GetAsync<V1Deployment>(DeploymentPath(ns, source), cancellationToken).ConfigureAwait(false);
            }
            catch (KfsException ex) when (ex.ErrorId == "KubeApiNotFound")
            {
                throw new KfsException("KubeServiceSelectorMissing", KfsErrorCategory.ObjectNotFound, $"{ns}/{source}",
                    $"There is no deployment '{source}' in namespace '{ns}' to take the service's selector from. Create it first (New-KubeDeployment {source} ...) or pass -Selector @{{ app = '{source}' }}.", ex);
            }

            podSelector = deployment.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>();
            if (podSelector.Count == 0)
            {
                throw new KfsException("KubeServiceSelectorMissing", KfsErrorCategory.InvalidData, $"{ns}/{source}",
                    $"Deployment '{source}' selects its pods by expressions only, which a service cannot use. Pass -Selector.");
            }
        }

        var servicePort = new V1ServicePort
        {
            Port = port,
            Protocol = protocol,
            TargetPort = targetPort is null ? (IntOrString)port : int.TryParse(targetPort, NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? (IntOrString)number : (IntOrString)targetPort,
            NodePort = nodePort,
        };
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string>(podSelector) },
            Spec = new V1ServiceSpec { Type = type, Selector = podSelector, Ports = new List<V1ServicePort> { servicePort } },
        };
        var created = await _api.CallAsync($"create service {ns}/{name}",
            (k, token) => k.CoreV1.CreateNamespacedServiceAsync(service, ns, dryRun: dryRun ? "All" : null, fieldManager: FieldManager, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return KubeConvert.Service(created);
    }

    /// <summary>Deletes a deployment; its replica sets and pods follow (background propagation, as kubectl does).</summary>
    public Task DeleteDeploymentAsync(string ns, string name, CancellationToken cancellationToken) =>
        DeleteAsync(DeploymentPath(ns, name), cancellationToken);

    /// <summary>Deletes a service (its node port is freed).</summary>
    public Task DeleteServiceAsync(string ns, string name, CancellationToken cancellationToken) =>
        DeleteAsync($"api/v1/namespaces/{Uri.EscapeDataString(ns)}/services/{Uri.EscapeDataString(name)}", cancellationToken);

    /// <summary>
    /// DELETE with background propagation. Raw, because servers answer with either the deleted object or a Status
    /// (it varies by kind and version), and only the status code matters here.
    /// </summary>
    private Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        _api.SendAsync(HttpMethod.Delete, path, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"Background\"}", "application/json", cancellationToken);

    /// <summary>The field manager the module's writes are recorded under.</summary>
    public const string FieldManager = "kubefromscratch";

    private static string DeploymentPath(string ns, string name) => $"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments/{Uri.EscapeDataString(name)}";

    /// <summary>kubectl's container name for an image: its last path segment without tag or digest.</summary>
    internal static string ContainerName(string image)
    {
        string last = image;
        int at = last.IndexOf('@');
        if (at >= 0)
        {
            last = last[..at];
        }

        int slash = last.LastIndexOf('/');
        if (slash >= 0)
        {
            last = last[(slash + 1)..];
        }

        int colon = last.IndexOf(':');
        if (colon >= 0)
        {
            last = last[..colon];
        }

        var chars = last.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        string name = new string(chars).Trim('-');
        return name.Length == 0 ? "app" : name.Length > 63 ? name[..63].TrimEnd('-') : name;
    }

    internal static string? Query(string? labelSelector, string? fieldSelector)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(labelSelector))
        {
            parts.Add("labelSelector=" + Uri.EscapeDataString(labelSelector));
        }

        if (!string.IsNullOrEmpty(fieldSelector))
        {
            parts.Add("fieldSelector=" + Uri.EscapeDataString(fieldSelector));
        }

        return parts.Count == 0 ? null : string.Join('&', parts);
    }

    internal async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        var (_, body) = await _api.SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        return KubernetesJson.Deserialize<T>(body);
    }

    /// <summary>A list: its items and the list's resourceVersion (where a watch starts).</summary>
    internal async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync<T>(string path, string? query, CancellationToken cancellationToken)
    {
        var (_, body) = await _api.SendAsync(HttpMethod.Get, query is null ? path : $"{path}?{query}", null, null, cancellationToken).ConfigureAwait(false);
        var list = KubeApiClient.ParseObject(body, path);
        var items = new List<T>();
        if (list["items"] is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is not null)
                {
                    items.Add(KubernetesJson.Deserialize<T>(item.ToJsonString()));
                }
            }
        }

        return (items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }
}
