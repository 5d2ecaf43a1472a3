using System.Text.Json.Nodes;

namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// Checks a manifest's objects before anything is sent, as far as that can be done without the cluster: identity
/// fields present, kinds the module applies, names the API server would accept, namespaces only where they belong, and
/// no object twice. Returns every problem, so one run shows the author all of them.
/// </summary>
public static class KubeManifestValidator
{
    /// <summary>
    /// Every problem in <paramref name="objects"/>, in manifest order; empty when they can be applied. Error ids (all
    /// category InvalidData): ManifestMissingField, ManifestUnknownKind, ManifestInvalidName,
    /// ManifestUnexpectedNamespace, ManifestDuplicateObject.
    /// </summary>
    public static IReadOnlyList<KfsException> Validate(IEnumerable<KubeManifestObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var problems = new List<KfsException>();
        var firstSeen = new Dictionary<(string Group, string Kind, string Namespace, string Name), KubeManifestObject>();
        foreach (var obj in objects)
        {
            bool identified = CheckIdentity(obj, problems);
            if (identified && obj.Name is not null)
            {
                var key = (obj.Group, obj.Kind, obj.Namespace ?? string.Empty, obj.Name);
                if (firstSeen.TryGetValue(key, out var first))
                {
                    problems.Add(Problem("ManifestDuplicateObject", obj,
                        $"{obj} is already defined in document {first.DocumentIndex} (line {first.Line})",
                        "Remove or rename one of them; applied in turn, the later one would silently replace the earlier."));
                }
                else
                {
                    firstSeen[key] = obj;
                }
            }
        }

        return problems;
    }

    /// <summary>Checks one object; true when it is identified well enough to look for duplicates.</summary>
    private static bool CheckIdentity(KubeManifestObject obj, List<KfsException> problems)
    {
        var body = obj.Body;
        bool ok = true;
        if (obj.ApiVersion.Length == 0)
        {
            problems.Add(Problem("ManifestMissingField", obj, $"the object has no apiVersion{NotText(body["apiVersion"])}",
                "Add apiVersion (v1, apps/v1, rbac.authorization.k8s.io/v1, ...)."));
            ok = false;
        }

        if (obj.Kind.Length == 0)
        {
            problems.Add(Problem("ManifestMissingField", obj, $"the object has no kind{NotText(body["kind"])}",
                "Add kind (Deployment, Service, ...)."));
            ok = false;
        }

        if (ok && obj.Definition is null)
        {
            problems.Add(Problem("ManifestUnknownKind", obj, KubeKinds.Explain(obj.ApiVersion, obj.Kind)!.TrimEnd('.'), string.Empty));
        }

        string what = obj.Kind.Length == 0 ? "the object" : obj.Kind;
        if (body["metadata"] is not JsonObject metadata)
        {
            problems.Add(Problem("ManifestMissingField", obj,
                body["metadata"] is null ? $"{what} has no metadata" : $"{what}'s metadata is not a mapping",
                "Add metadata with at least a name."));
            return false;
        }

        switch (metadata["name"])
        {
            case null:
                problems.Add(Problem("ManifestMissingField", obj, $"{what} has no metadata.name",
                    metadata["generateName"] is null
                        ? "Give it a name."
                        : "Give it a name: objects are applied by name, so generateName cannot be used."));
                ok = false;
                break;
            case JsonValue v when v.TryGetValue(out string? name):
                if (KubeNames.ValidateObjectName(obj.Kind, name) is { } nameProblem)
                {
                    problems.Add(Problem("ManifestInvalidName", obj, $"metadata.name {nameProblem}", NameAdvice(obj.Kind)));
                }
                else if (obj.Kind == "CustomResourceDefinition" && CrdName(body) is { } expected && expected != name)
                {
                    problems.Add(Problem("ManifestInvalidName", obj,
                        $"a CustomResourceDefinition must be named <spec.names.plural>.<spec.group>, here '{expected}', not '{name}'",
                        $"Rename it to {expected}."));
                }

                break;
            default:
                problems.Add(Problem("ManifestInvalidName", obj, $"metadata.name is {metadata["name"]!.ToJsonString()}, not text",
                    "Quote the name so that it stays text."));
                ok = false;
                break;
        }

        switch (metadata["namespace"])
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue(out string? ns):
                if (ns.Length == 0)
                {
                    break;
                }

                if (obj.Definition is { Namespaced: false })
                {
                    problems.Add(Problem("ManifestUnexpectedNamespace", obj,
                        $"{obj.Kind} is cluster-scoped, but metadata.namespace is '{ns}'",
                        "Remove metadata.namespace; a cluster-scoped object belongs to no namespace."));
                }
                else if (KubeNames.ValidateDns1123Label(ns) is { } nsProblem)
                {
                    problems.Add(Problem("ManifestInvalidName", obj, $"metadata.namespace {nsProblem}",
                        "Correct the namespace name."));
                }

                break;
            default:
                problems.Add(Problem("ManifestInvalidName", obj,
                    $"metadata.namespace is {metadata["namespace"]!.ToJsonString()}, not text", "Quote the namespace name."));
                break;
        }

        return ok;
    }

    private static string NotText(JsonNode? node) => node is null ? string.Empty : $" as text (it is {node.ToJsonString()})";

    private static string NameAdvice(string kind) => kind switch
    {
        "Service" => "Service names are DNS labels: lower case letters, digits and '-', starting with a letter, at most 63 characters.",
        "Namespace" => "Namespace names are DNS labels: lower case letters, digits and '-', at most 63 characters.",
        "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding" => "RBAC names may not be '.' or '..' nor hold '/' or '%'.",
        _ => "Use lower case letters, digits, '-' and '.', starting and ending with a letter or digit (my-nginx).",
    };

    private static string? CrdName(JsonObject body) =>
        body["spec"] is JsonObject spec &&
        spec["group"] is JsonValue g && g.TryGetValue(out string? group) &&
        spec["names"] is JsonObject names && names["plural"] is JsonValue p && p.TryGetValue(out string? plural)
            ? $"{plural}.{group}"
            : null;

    private static KfsException Problem(string errorId, KubeManifestObject obj, string problem, string advice) =>
        new(errorId, KfsErrorCategory.InvalidData, obj.Location,
            $"{obj.Location}: {problem}.{(advice.Length == 0 ? string.Empty : " " + advice)}");
}
