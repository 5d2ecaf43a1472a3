namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// The order objects are applied in, so that what an object refers to exists before it: namespaces first, then
/// accounts, configuration and RBAC, then services, then workloads. The same order Helm installs charts in.
/// </summary>
public static class KubeApplyOrder
{
    // Helm's InstallOrder (helm.sh/helm/v3/pkg/releaseutil/kind_sorter.go).
    private static readonly string[] Order =
    [
        "PriorityClass",
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
        "PodSecurityPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Secret",
        "SecretList",
        "ConfigMap",
        "StorageClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleList",
        "ClusterRoleBinding",
        "ClusterRoleBindingList",
        "Role",
        "RoleList",
        "RoleBinding",
        "RoleBindingList",
        "Service",
        "DaemonSet",
        "Pod",
        "ReplicationController",
        "ReplicaSet",
        "Deployment",
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "Job",
        "CronJob",
        "IngressClass",
        "Ingress",
        "APIService",
    ];

    private static readonly Dictionary<string, int> Rank =
        Order.Select((kind, i) => (kind, i)).ToDictionary(p => p.kind, p => p.i, StringComparer.Ordinal);

    /// <summary>Kinds in the order they are applied; a kind not listed comes after all of them.</summary>
    public static IReadOnlyList<string> KindOrder => Order;

    /// <summary>
    /// The objects in apply order. Stable: objects of the same kind, and objects of kinds not in
    /// <see cref="KindOrder"/> (which come last), keep the order the manifest gave them.
    /// </summary>
    public static IReadOnlyList<KubeManifestObject> Sort(IEnumerable<KubeManifestObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);

        // OrderBy is a stable sort.
        return objects.OrderBy(o => Rank.TryGetValue(o.Kind, out int rank) ? rank : Order.Length).ToList();
    }

    /// <summary>The namespaces the manifest itself creates (its Namespace objects), in manifest order.</summary>
    public static IReadOnlyList<string> Namespaces(IEnumerable<KubeManifestObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return objects.Where(o => o.Kind == "Namespace" && o.Group.Length == 0 && o.Name is not null)
            .Select(o => o.Name!).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The namespaces the manifest's objects go into but does not create: these must exist in the cluster before it
    /// is applied. Sorted by name.
    /// </summary>
    public static IReadOnlyList<string> RequiredNamespaces(IEnumerable<KubeManifestObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var list = objects as IReadOnlyCollection<KubeManifestObject> ?? objects.ToList();
        var created = Namespaces(list).ToHashSet(StringComparer.Ordinal);
        return list.Where(o => o.IsNamespaced && o.Namespace is not null && !created.Contains(o.Namespace))
            .Select(o => o.Namespace!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}
