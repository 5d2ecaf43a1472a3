using System.Text.Json.Nodes;

namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// One Kubernetes object read from a manifest: its identity, where it was written (source, document, line), and its
/// body as the JSON the API server is sent.
/// </summary>
public sealed class KubeManifestObject
{
    internal KubeManifestObject(JsonObject body, string source, int documentIndex, int line, int column)
    {
        Body = body;
        Source = source;
        DocumentIndex = documentIndex;
        Line = line;
        Column = column;
        ApiVersion = body["apiVersion"] is JsonValue v && v.TryGetValue(out string? apiVersion) ? apiVersion : string.Empty;
        Kind = body["kind"] is JsonValue k && k.TryGetValue(out string? kind) ? kind : string.Empty;
        var metadata = body["metadata"] as JsonObject;
        Name = metadata?["name"] is JsonValue n && n.TryGetValue(out string? name) && name.Length > 0 ? name : null;
        Namespace = metadata?["namespace"] is JsonValue ns && ns.TryGetValue(out string? nsName) && nsName.Length > 0 ? nsName : null;
        Definition = KubeKinds.Find(ApiVersion, Kind);
    }

    /// <summary>apiVersion as written (apps/v1); empty when missing or not a string.</summary>
    public string ApiVersion { get; }

    /// <summary>kind as written (DaemonSet); empty when missing or not a string.</summary>
    public string Kind { get; }

    /// <summary>metadata.name; null when missing, empty or not a string.</summary>
    public string? Name { get; }

    /// <summary>
    /// metadata.namespace after the reader's default was applied; null for cluster-scoped kinds (and for kinds the
    /// module does not know, when the manifest gave none).
    /// </summary>
    public string? Namespace { get; }

    /// <summary>Where the manifest came from (a path or URL), as the caller named it.</summary>
    public string Source { get; }

    /// <summary>
    /// The YAML document the object is in, counting from 1 and counting empty documents too; 0 for an object built in
    /// code.
    /// </summary>
    public int DocumentIndex { get; }

    /// <summary>The line the object starts on, counting from 1; 0 for an object built in code.</summary>
    public int Line { get; }

    /// <summary>The column the object starts at, counting from 1; 0 for an object built in code.</summary>
    public int Column { get; }

    /// <summary>
    /// The object as JSON, ready to send. Identity properties above are read once when the object is made; change
    /// the body after that and they no longer follow it. Bodies may nest up to <see cref="KubeManifestReader.MaxDepth"/>
    /// deep (CRD schemas nest deeply): serialize with a JsonSerializerOptions.MaxDepth at least that, not the default 64.
    /// </summary>
    public JsonObject Body { get; }

    /// <summary>The kind as the module knows it, or null when it does not apply this kind under this apiVersion.</summary>
    public KubeKind? Definition { get; }

    /// <summary>The API group: empty for the core group (v1), apps for apps/v1.</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    /// <summary>The API version within the group: v1 for both v1 and apps/v1.</summary>
    public string Version => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[(ApiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : ApiVersion;

    /// <summary>The resource name in URLs (daemonsets); null for a kind the module does not know.</summary>
    public string? Plural => Definition?.Plural;

    /// <summary>Whether objects of this kind live in a namespace; false for a kind the module does not know.</summary>
    public bool IsNamespaced => Definition?.Namespaced ?? false;

    /// <summary>
    /// Where the object was written: "weave.yaml, document 6, line 97"; only the source for an object built in code.
    /// </summary>
    public string Location => DocumentIndex == 0 ? Source : $"{Source}, document {DocumentIndex}, line {Line}";

    /// <summary>
    /// The URL path of the collection the object is created in (/api/v1/namespaces/kube-system/serviceaccounts).
    /// Throws ManifestUnknownKind for a kind the module does not know.
    /// </summary>
    public string CollectionPath => RequireDefinition().CollectionPath(Namespace);

    /// <summary>
    /// The URL path of the object itself (/apis/rbac.authorization.k8s.io/v1/clusterroles/weave-net). Throws
    /// ManifestUnknownKind for a kind the module does not know and ManifestMissingField when it has no name.
    /// </summary>
    public string ItemPath => Name is null
        ? throw new KfsException("ManifestMissingField", KfsErrorCategory.InvalidData, Location,
            $"{Location}: {Kind} has no metadata.name, so it has no URL. Give it a name.")
        : RequireDefinition().ItemPath(Namespace, Name);

    /// <summary>The object as kubectl's output names it: daemonset.apps/weave-net, serviceaccount/weave-net.</summary>
    public string ResourceName =>
        $"{Kind.ToLowerInvariant()}{(Group.Length == 0 ? string.Empty : "." + Group)}/{Name}";

    /// <summary>"DaemonSet kube-system/weave-net", or "ClusterRole weave-net" without a namespace.</summary>
    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";

    private KubeKind RequireDefinition() => Definition ?? throw new KfsException("ManifestUnknownKind",
        KfsErrorCategory.InvalidData, Location, $"{Location}: {KubeKinds.Explain(ApiVersion, Kind)}");
}
