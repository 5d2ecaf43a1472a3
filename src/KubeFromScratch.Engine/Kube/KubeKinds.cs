namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// A kind the module applies: where the API server serves it (group and version), its resource name in URLs
/// (the plural) and whether its objects live in a namespace.
/// </summary>
public sealed record KubeKind(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    /// <summary>The apiVersion a manifest writes for this kind: v1 for the core group, group/version otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The URL prefix of the kind's API group: /api/v1 for the core group, /apis/group/version otherwise.</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    /// <summary>
    /// The collection URL path objects are created in: /api/v1/namespaces/kube-system/serviceaccounts,
    /// /apis/rbac.authorization.k8s.io/v1/clusterroles. A namespaced kind needs the namespace; a cluster-scoped kind
    /// ignores it.
    /// </summary>
    public string CollectionPath(string? ns)
    {
        if (!Namespaced)
        {
            return $"{GroupVersionPath}/{Plural}";
        }

        if (string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{Kind} is namespaced; its URL needs a namespace.", nameof(ns));
        }

        return $"{GroupVersionPath}/namespaces/{PathSegment(ns)}/{Plural}";
    }

    /// <summary>The URL path of one object: /api/v1/namespaces/kube-system/serviceaccounts/weave-net.</summary>
    public string ItemPath(string? ns, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{CollectionPath(ns)}/{PathSegment(name)}";
    }

    // Names reach the URL as one path segment. Validated names need no escaping, but RBAC names may hold ':'
    // (system:node-proxier), which a path segment allows and the API server expects unescaped, as kubectl sends it.
    private static string PathSegment(string value) =>
        Uri.EscapeDataString(value).Replace("%3A", ":", StringComparison.Ordinal).Replace("%40", "@", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} ({ApiVersion}, {Plural})";
}

/// <summary>
/// The kinds the module applies, as Kubernetes 1.16 and later serve them. A manifest naming any other kind (or a
/// known kind under an apiVersion the API server no longer serves) is refused before anything is sent.
/// </summary>
public static class KubeKinds
{
    private static readonly KubeKind[] Known =
    [
        // The workshop's own kinds.
        new("", "v1", "Namespace", "namespaces", false),
        new("", "v1", "ServiceAccount", "serviceaccounts", true),
        new("", "v1", "Secret", "secrets", true),
        new("", "v1", "ConfigMap", "configmaps", true),
        new("", "v1", "Service", "services", true),
        new("", "v1", "Endpoints", "endpoints", true),
        new("", "v1", "Pod", "pods", true),
        new("", "v1", "Node", "nodes", false),
        new("apps", "v1", "Deployment", "deployments", true),
        new("apps", "v1", "ReplicaSet", "replicasets", true),
        new("apps", "v1", "DaemonSet", "daemonsets", true),
        new("apps", "v1", "StatefulSet", "statefulsets", true),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        new("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
        new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),

        // Kinds that add-on manifests commonly carry next to them.
        new("", "v1", "ResourceQuota", "resourcequotas", true),
        new("", "v1", "LimitRange", "limitranges", true),
        new("", "v1", "PersistentVolume", "persistentvolumes", false),
        new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        new("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
        new("batch", "v1", "Job", "jobs", true),
        new("batch", "v1", "CronJob", "cronjobs", true),
        new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
        new("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        new("storage.k8s.io", "v1", "StorageClass", "storageclasses", false),
        new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
    ];

    // apiVersions older manifests (the deck's among them) used and the Kubernetes release that stopped serving them,
    // so that the refusal can say what changed instead of only "unknown".
    private static readonly Dictionary<(string ApiVersion, string Kind), string> Removed = new()
    {
        [("extensions/v1beta1", "DaemonSet")] = "1.16",
        [("extensions/v1beta1", "Deployment")] = "1.16",
        [("extensions/v1beta1", "ReplicaSet")] = "1.16",
        [("extensions/v1beta1", "NetworkPolicy")] = "1.16",
        [("extensions/v1beta1", "Ingress")] = "1.22",
        [("apps/v1beta1", "Deployment")] = "1.16",
        [("apps/v1beta1", "StatefulSet")] = "1.16",
        [("apps/v1beta2", "Deployment")] = "1.16",
        [("apps/v1beta2", "StatefulSet")] = "1.16",
        [("apps/v1beta2", "DaemonSet")] = "1.16",
        [("apps/v1beta2", "ReplicaSet")] = "1.16",
        [("rbac.authorization.k8s.io/v1beta1", "ClusterRole")] = "1.22",
        [("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding")] = "1.22",
        [("rbac.authorization.k8s.io/v1beta1", "Role")] = "1.22",
        [("rbac.authorization.k8s.io/v1beta1", "RoleBinding")] = "1.22",
        [("rbac.authorization.k8s.io/v1alpha1", "ClusterRole")] = "1.22",
        [("rbac.authorization.k8s.io/v1alpha1", "ClusterRoleBinding")] = "1.22",
        [("rbac.authorization.k8s.io/v1alpha1", "Role")] = "1.22",
        [("rbac.authorization.k8s.io/v1alpha1", "RoleBinding")] = "1.22",
        [("networking.k8s.io/v1beta1", "Ingress")] = "1.22",
        [("storage.k8s.io/v1beta1", "StorageClass")] = "1.22",
        [("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition")] = "1.22",
        [("policy/v1beta1", "PodDisruptionBudget")] = "1.25",
        [("batch/v1beta1", "CronJob")] = "1.25",
        [("batch/v2alpha1", "CronJob")] = "1.21",
    };

    private static readonly HashSet<string> WorkloadKinds = ["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"];

    /// <summary>Every kind the module applies.</summary>
    public static IReadOnlyList<KubeKind> All => Known;

    /// <summary>The kind served under this apiVersion, or null when the module does not apply it.</summary>
    public static KubeKind? Find(string? apiVersion, string? kind) =>
        Known.FirstOrDefault(k => k.Kind == kind && k.ApiVersion == apiVersion);

    /// <summary>The kind by its name alone (DaemonSet), whatever apiVersion a manifest gave it, or null.</summary>
    public static KubeKind? FindKind(string? kind) => Known.FirstOrDefault(k => k.Kind == kind);

    /// <summary>
    /// Why a kind under an apiVersion is not applied and what to write instead, e.g. "DaemonSet is served as
    /// apps/v1; extensions/v1beta1 was removed in Kubernetes 1.16. Change apiVersion to apps/v1 ...". Null when the
    /// kind is known under that apiVersion.
    /// </summary>
    public static string? Explain(string? apiVersion, string? kind)
    {
        if (Find(apiVersion, kind) is not null)
        {
            return null;
        }

        if (kind == "PodSecurityPolicy")
        {
            return "PodSecurityPolicy was removed in Kubernetes 1.25. Drop it; Pod Security admission (namespace labels " +
                   "pod-security.kubernetes.io/enforce) replaces it.";
        }

        if (kind == "List" || (kind?.EndsWith("List", StringComparison.Ordinal) ?? false))
        {
            return $"{kind} is a list, not an object; give its objects under items.";
        }

        var known = FindKind(kind);
        if (known is null)
        {
            return $"{kind} ({apiVersion}) is not a kind this module applies. It applies: " +
                   string.Join(", ", Known.Select(k => k.Kind)) + ". Apply other kinds with kubectl.";
        }

        string served = $"{kind} is served as {known.ApiVersion}";
        // apps/v1 made spec.selector required where the old versions defaulted it from the template's labels.
        string change = WorkloadKinds.Contains(known.Kind)
            ? $"Change apiVersion to {known.ApiVersion} and make sure spec.selector is set (apps/v1 requires it, matching the template's labels)."
            : $"Change apiVersion to {known.ApiVersion}.";
        return apiVersion is not null && Removed.TryGetValue((apiVersion, known.Kind), out string? release)
            ? $"{served}; {apiVersion} was removed in Kubernetes {release}. {change}"
            : $"{served}, not {apiVersion}. {change}";
    }
}
