using System.Text.Json.Nodes;
using KubeFromScratch.Engine.Kube;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>
/// Applies manifest objects with server-side apply (what `kubectl apply --server-side` sends): one PATCH per object
/// that creates it or brings it to the manifest's fields, so applying the same manifest twice changes nothing. What
/// happened is read as kubectl words it: created, configured or unchanged.
/// </summary>
public sealed class KubeApplier
{
    private readonly KubeApiClient _api;

    /// <summary>An applier on one connection.</summary>
    public KubeApplier(KubeApiClient api) => _api = api;

    /// <summary>
    /// The namespaces the objects need that neither the manifest creates nor the server has. Checked before anything
    /// is applied, so a manifest with a missing namespace applies nothing.
    /// </summary>
    public async Task<IReadOnlyList<string>> MissingNamespacesAsync(IReadOnlyList<KubeManifestObject> objects, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        var resources = new KubeResources(_api);
        foreach (string ns in KubeApplyOrder.RequiredNamespaces(objects))
        {
            if (!await resources.NamespaceExistsAsync(ns, cancellationToken).ConfigureAwait(false))
            {
                missing.Add(ns);
            }
        }

        return missing;
    }

    /// <summary>What applying the object would do (create, configure or unchanged), found with a dry-run apply; nothing is stored.</summary>
    public async Task<string> PlanAsync(KubeManifestObject obj, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(obj, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return "create";
        }

        var (_, body) = await _api.SendAsync(HttpMethod.Patch, ApplyPath(obj, dryRun: true), obj.Body.ToJsonString(), "application/apply-patch+yaml", cancellationToken).ConfigureAwait(false);
        var after = KubeApiClient.ParseObject(body, obj.ToString());
        return SameContent(existing, after) ? "unchanged" : "configure";
    }

    /// <summary>Applies one object and says what happened.</summary>
    public async Task<KubeAppliedObject> ApplyAsync(KubeManifestObject obj, CancellationToken cancellationToken)
    {
        var before = await GetAsync(obj, cancellationToken).ConfigureAwait(false);
        var (_, body) = await _api.SendAsync(HttpMethod.Patch, ApplyPath(obj, dryRun: false), obj.Body.ToJsonString(), "application/apply-patch+yaml", cancellationToken).ConfigureAwait(false);
        var after = KubeApiClient.ParseObject(body, obj.ToString());
        string? rv = after["metadata"]?["resourceVersion"]?.GetValue<string>();
        string action = before is null
            ? "created"
            : rv == before["metadata"]?["resourceVersion"]?.GetValue<string>() || SameContent(before, after) ? "unchanged" : "configured";
        return new KubeAppliedObject(obj.ApiVersion, obj.Kind, obj.Namespace, obj.Name ?? "", action, rv, after["metadata"]?["uid"]?.GetValue<string>(), obj.Source);
    }

    private async Task<JsonObject?> GetAsync(KubeManifestObject obj, CancellationToken cancellationToken)
    {
        try
        {
            return await _api.GetJsonAsync(obj.ItemPath, cancellationToken).ConfigureAwait(false);
        }
        catch (KfsException ex) when (ex.ErrorId == "KubeApiNotFound")
        {
            return null;
        }
    }

    private static string ApplyPath(KubeManifestObject obj, bool dryRun) =>
        $"{obj.ItemPath}?fieldManager={KubeResources.FieldManager}&force=true{(dryRun ? "&dryRun=All" : "")}";

    /// <summary>Equal but for what the server changes on every write (resourceVersion, managedFields, status, generation).</summary>
    internal static bool SameContent(JsonObject a, JsonObject b) => JsonNode.DeepEquals(Strip(a), Strip(b));

    private static JsonObject Strip(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject meta)
        {
            foreach (string volatileField in new[] { "resourceVersion", "managedFields", "generation", "creationTimestamp", "uid" })
            {
                meta.Remove(volatileField);
            }
        }

        return copy;
    }
}
