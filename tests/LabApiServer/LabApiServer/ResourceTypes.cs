namespace KubeFromScratch.LabApiServer;

/// <summary>Which validation the real server applies to metadata.name of a kind.</summary>
public enum NameRule
{
    /// <summary>RFC 1123 subdomain (most kinds).</summary>
    Subdomain,

    /// <summary>RFC 1123 label (namespaces).</summary>
    Label,

    /// <summary>RFC 1035 label (services).</summary>
    Dns1035Label,

    /// <summary>Any path segment (RBAC kinds allow names such as system:node).</summary>
    PathSegment,
}

/// <summary>One served resource, with what discovery, the printer and validation need to know about it.</summary>
/// <param name="Group">API group, empty for core.</param>
/// <param name="Version">API version.</param>
/// <param name="Plural">Resource name, e.g. pods.</param>
/// <param name="Singular">Singular name.</param>
/// <param name="Kind">Kind, e.g. Pod.</param>
/// <param name="Namespaced">Whether objects live in namespaces.</param>
/// <param name="ShortNames">kubectl short names.</param>
/// <param name="Categories">Discovery categories (all).</param>
/// <param name="HasStatus">Whether a /status subresource exists (and main-resource writes keep status).</param>
/// <param name="NameRule">Name validation.</param>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    bool HasStatus,
    NameRule NameRule)
{
    /// <summary>apiVersion as written in objects: v1 or apps/v1.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>pods, or deployments.apps: how the real server names resources in messages.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Pod, or Deployment.apps: how the real server names kinds in Invalid messages.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>The store key.</summary>
    public string Key => $"{Group}/{Plural}";

    /// <summary>The URL prefix of the group version: /api/v1 or /apis/apps/v1.</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
}

/// <summary>The resources this stand-in serves: the workshop's kinds and a few that kubectl describe looks up.</summary>
public static class ResourceTypes
{
    private static readonly string[] None = [];
    private static readonly string[] All = ["all"];

    /// <summary>core/v1 nodes.</summary>
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "node", "Node", false, ["no"], None, true, NameRule.Subdomain);

    /// <summary>core/v1 pods.</summary>
    public static readonly ResourceType Pods = new("", "v1", "pods", "pod", "Pod", true, ["po"], All, true, NameRule.Subdomain);

    /// <summary>core/v1 services.</summary>
    public static readonly ResourceType Services = new("", "v1", "services", "service", "Service", true, ["svc"], All, true, NameRule.Dns1035Label);

    /// <summary>core/v1 endpoints.</summary>
    public static readonly ResourceType Endpoints = new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], None, false, NameRule.Subdomain);

    /// <summary>core/v1 namespaces.</summary>
    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], None, true, NameRule.Label);

    /// <summary>core/v1 serviceaccounts.</summary>
    public static readonly ResourceType ServiceAccounts = new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], None, false, NameRule.Subdomain);

    /// <summary>core/v1 configmaps.</summary>
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], None, false, NameRule.Subdomain);

    /// <summary>core/v1 secrets (kubectl describe serviceaccount looks them up).</summary>
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "secret", "Secret", true, None, None, false, NameRule.Subdomain);

    /// <summary>core/v1 events (kubectl describe lists them; nothing writes them here).</summary>
    public static readonly ResourceType Events = new("", "v1", "events", "event", "Event", true, ["ev"], None, false, NameRule.Subdomain);

    /// <summary>apps/v1 deployments.</summary>
    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], All, true, NameRule.Subdomain);

    /// <summary>apps/v1 replicasets.</summary>
    public static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], All, true, NameRule.Subdomain);

    /// <summary>apps/v1 daemonsets.</summary>
    public static readonly ResourceType DaemonSets = new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], All, true, NameRule.Subdomain);

    /// <summary>rbac roles.</summary>
    public static readonly ResourceType Roles = new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, None, None, false, NameRule.PathSegment);

    /// <summary>rbac clusterroles.</summary>
    public static readonly ResourceType ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, None, None, false, NameRule.PathSegment);

    /// <summary>rbac rolebindings.</summary>
    public static readonly ResourceType RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, None, None, false, NameRule.PathSegment);

    /// <summary>rbac clusterrolebindings.</summary>
    public static readonly ResourceType ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, None, None, false, NameRule.PathSegment);

    /// <summary>Every served resource, in discovery order.</summary>
    public static readonly IReadOnlyList<ResourceType> AllTypes =
    [
        ConfigMaps, Endpoints, Events, Namespaces, Nodes, Pods, Secrets, ServiceAccounts, Services,
        DaemonSets, Deployments, ReplicaSets,
        ClusterRoleBindings, ClusterRoles, RoleBindings, Roles,
    ];

    /// <summary>The served group versions, core first.</summary>
    public static readonly IReadOnlyList<(string Group, string Version)> GroupVersions =
        [("", "v1"), ("apps", "v1"), ("rbac.authorization.k8s.io", "v1")];

    /// <summary>Finds a resource by group, version and plural.</summary>
    public static ResourceType? Find(string group, string version, string plural)
        => AllTypes.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    /// <summary>Finds a resource by apiVersion and kind.</summary>
    public static ResourceType? FindKind(string apiVersion, string kind)
        => AllTypes.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    /// <summary>Verbs listed in discovery: the real set, so kubectl enables the same commands.</summary>
    public static string[] Verbs(ResourceType t)
        => t == Namespaces
            ? ["create", "delete", "get", "list", "patch", "update", "watch"]
            : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
