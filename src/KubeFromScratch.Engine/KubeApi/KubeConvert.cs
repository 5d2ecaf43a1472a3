using k8s.Models;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>KubernetesClient's models to the module's output types, reading them as kubectl's printers do.</summary>
public static class KubeConvert
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private static DateTimeOffset? Time(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static IReadOnlyDictionary<string, string> Labels(IDictionary<string, string>? labels) =>
        labels is null ? NoLabels : new SortedDictionary<string, string>(labels, StringComparer.Ordinal);

    /// <summary>A node: STATUS from its Ready condition (kubectl prints NotReady for False and Unknown), ROLES from its labels.</summary>
    public static KubeNode Node(V1Node node)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        string status = ready is null ? "Unknown" : ready.Status == "True" ? "Ready" : "NotReady";
        bool unschedulable = node.Spec?.Unschedulable == true;
        if (unschedulable)
        {
            status += ",SchedulingDisabled";
        }

        var labels = node.Metadata?.Labels ?? new Dictionary<string, string>();
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
            {
                roles.Add(key["node-role.kubernetes.io/".Length..]);
            }
            else if (key == "kubernetes.io/role" && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        var info = node.Status?.NodeInfo;
        return new KubeNode(node.Metadata?.Name ?? "", status, ready?.Status == "True", roles.ToArray(), Time(node.Metadata?.CreationTimestamp),
            info?.KubeletVersion ?? "", node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address,
            info?.OsImage, info?.KernelVersion, info?.ContainerRuntimeVersion, unschedulable, Time(ready?.LastHeartbeatTime),
            Labels(node.Metadata?.Labels), node.Metadata?.ResourceVersion ?? "");
    }

    /// <summary>A pod, with kubectl's STATUS: the phase, overridden by the pod's reason, then a waiting or terminated container's reason.</summary>
    public static KubePod Pod(V1Pod pod)
    {
        var status = pod.Status;
        string phase = status?.Phase ?? "Unknown";
        string reason = string.IsNullOrEmpty(status?.Reason) ? phase : status!.Reason;
        int restarts = 0;
        int ready = 0;
        var statuses = status?.ContainerStatuses ?? new List<V1ContainerStatus>();
        bool initializing = false;
        var initStatuses = status?.InitContainerStatuses ?? new List<V1ContainerStatus>();
        for (int i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            restarts += c.RestartCount;
            if (c.State?.Terminated is { ExitCode: 0 })
            {
                continue;
            }

            initializing = true;
            reason = c.State?.Terminated is { } t
                ? string.IsNullOrEmpty(t.Reason) ? $"Init:ExitCode:{t.ExitCode}" : $"Init:{t.Reason}"
                : c.State?.Waiting is { Reason: { Length: > 0 } w } && w != "PodInitializing"
                    ? $"Init:{w}"
                    : $"Init:{i}/{pod.Spec?.InitContainers?.Count ?? initStatuses.Count}";
            break;
        }

        if (!initializing)
        {
            restarts = 0;
            bool hasRunning = false;
            for (int i = statuses.Count - 1; i >= 0; i--)
            {
                var c = statuses[i];
                restarts += c.RestartCount;
                if (c.State?.Waiting is { Reason: { Length: > 0 } waiting })
                {
                    reason = waiting;
                }
                else if (c.State?.Terminated is { } t)
                {
                    reason = !string.IsNullOrEmpty(t.Reason) ? t.Reason : t.Signal is { } sig && sig != 0 ? $"Signal:{sig}" : $"ExitCode:{t.ExitCode}";
                }
                else if (c.Ready && c.State?.Running is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = "Running";
            }
        }

        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            reason = status?.Reason == "NodeLost" ? "Unknown" : "Terminating";
        }

        var owner = pod.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? pod.Metadata?.OwnerReferences?.FirstOrDefault();
        return new KubePod(pod.Metadata?.Name ?? "", pod.Metadata?.NamespaceProperty ?? "", reason, phase, ready, pod.Spec?.Containers?.Count ?? statuses.Count,
            restarts, Time(pod.Metadata?.CreationTimestamp), pod.Spec?.NodeName, status?.PodIP, status?.HostIP, Labels(pod.Metadata?.Labels),
            owner?.Kind, owner?.Name);
    }

    /// <summary>A deployment and its rollout counters.</summary>
    public static KubeDeployment Deployment(V1Deployment d) =>
        new(d.Metadata?.Name ?? "", d.Metadata?.NamespaceProperty ?? "", d.Spec?.Replicas ?? 1, d.Status?.ReadyReplicas ?? 0, d.Status?.UpdatedReplicas ?? 0,
            d.Status?.AvailableReplicas ?? 0, Time(d.Metadata?.CreationTimestamp),
            d.Spec?.Template?.Spec?.Containers?.Select(c => c.Image ?? "").ToArray() ?? Array.Empty<string>(),
            Labels(d.Spec?.Selector?.MatchLabels), d.Metadata?.Generation ?? 0, d.Status?.ObservedGeneration ?? 0);

    /// <summary>A DaemonSet and its per-node counters.</summary>
    public static KubeDaemonSet DaemonSet(V1DaemonSet d) =>
        new(d.Metadata?.Name ?? "", d.Metadata?.NamespaceProperty ?? "", d.Status?.DesiredNumberScheduled ?? 0, d.Status?.CurrentNumberScheduled ?? 0,
            d.Status?.NumberReady ?? 0, d.Status?.UpdatedNumberScheduled ?? 0, d.Status?.NumberAvailable ?? 0, Time(d.Metadata?.CreationTimestamp),
            d.Spec?.Template?.Spec?.Containers?.Select(c => c.Image ?? "").ToArray() ?? Array.Empty<string>(),
            d.Metadata?.Generation ?? 0, d.Status?.ObservedGeneration ?? 0);

    /// <summary>A service and its ports.</summary>
    public static KubeService Service(V1Service s)
    {
        var ports = (s.Spec?.Ports ?? new List<V1ServicePort>())
            .Select(p => new KubeServicePort(p.Name, p.Protocol ?? "TCP", p.Port, p.TargetPort?.Value ?? p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), p.NodePort))
            .ToArray();
        return new KubeService(s.Metadata?.Name ?? "", s.Metadata?.NamespaceProperty ?? "", s.Spec?.Type ?? "ClusterIP", s.Spec?.ClusterIP,
            s.Spec?.ExternalIPs?.ToArray() ?? Array.Empty<string>(), ports, Labels(s.Spec?.Selector), Time(s.Metadata?.CreationTimestamp));
    }
}
