using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>The patch formats kubectl and client libraries send: JSON merge, strategic merge, JSON patch.</summary>
public static class Patches
{
    /// <summary>
    /// Lists merged by key under strategic merge, by field name (the real types' patchMergeKey tags).
    /// "ports" is resolved by content: container ports merge by containerPort, service ports by port.
    /// </summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["hostAliases"] = "ip",
        ["conditions"] = "type",
        ["addresses"] = "type",
        ["ownerReferences"] = "uid",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["podIPs"] = "ip",
        ["hostIPs"] = "ip",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
    };

    /// <summary>Primitive lists that strategic merge unions instead of replacing.</summary>
    private static readonly HashSet<string> MergedPrimitiveLists = new(StringComparer.Ordinal) { "finalizers" };

    /// <summary>RFC 7386 JSON merge patch.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject t ? t.Clone() : new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result.TryGetPropertyValue(key, out var existing);
                result[key] = MergePatch(existing, value);
            }
        }
        return result;
    }

    /// <summary>Strategic merge patch with the directives kubectl emits ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList).</summary>
    public static JsonObject StrategicMerge(JsonObject target, JsonObject patch) => MergeMap(target.Clone(), patch);

    private static JsonObject MergeMap(JsonObject result, JsonObject patch)
    {
        if (patch["$patch"]?.GetValue<string>() == "replace")
        {
            var replaced = patch.Clone();
            replaced.Remove("$patch");
            return replaced;
        }
        List<string>? retain = null;
        if (patch["$retainKeys"] is JsonArray rk)
        {
            retain = [.. rk.Select(n => n?.GetValue<string>() ?? "")];
        }
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys")
            {
                continue;
            }
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            result.TryGetPropertyValue(key, out var existing);
            if (value is JsonObject vo)
            {
                if (vo["$patch"]?.GetValue<string>() == "delete")
                {
                    result.Remove(key);
                    continue;
                }
                result[key] = MergeMap(existing is JsonObject eo ? eo.Clone() : new JsonObject(), vo);
            }
            else if (value is JsonArray va)
            {
                result[key] = MergeList(key, existing as JsonArray, va);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray del)
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list)
                {
                    var remove = del.Select(Json.Write).ToHashSet();
                    result[field] = new JsonArray([.. list.Where(n => !remove.Contains(Json.Write(n))).Select(n => n?.DeepClone())]);
                }
            }
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key["$setElementOrder/".Length..];
                if (result[field] is JsonArray list)
                {
                    result[field] = Reorder(field, list, order);
                }
            }
        }
        if (retain is not null)
        {
            foreach (var k in result.Select(kv => kv.Key).ToList())
            {
                if (!retain.Contains(k))
                {
                    result.Remove(k);
                }
            }
        }
        return result;
    }

    private static string? MergeKeyFor(string field, JsonArray list)
    {
        if (field == "ports")
        {
            var first = list.OfType<JsonObject>().FirstOrDefault();
            return first is not null && first.ContainsKey("containerPort") ? "containerPort" : "port";
        }
        return MergeKeys.GetValueOrDefault(field);
    }

    private static JsonArray MergeList(string field, JsonArray? existing, JsonArray patch)
    {
        existing ??= [];
        if (patch.OfType<JsonObject>().Any(o => o["$patch"]?.GetValue<string>() == "replace"))
        {
            return new JsonArray([.. patch.Where(n => !(n is JsonObject o && o["$patch"] is not null)).Select(n => n?.DeepClone())]);
        }
        if (MergedPrimitiveLists.Contains(field))
        {
            var merged = new JsonArray([.. existing.Select(n => n?.DeepClone())]);
            var seen = existing.Select(Json.Write).ToHashSet();
            foreach (var n in patch)
            {
                if (seen.Add(Json.Write(n)))
                {
                    merged.Add(n?.DeepClone());
                }
            }
            return merged;
        }
        var key = MergeKeyFor(field, patch.Count > 0 ? patch : existing);
        if (key is null || patch.Any(n => n is not JsonObject))
        {
            return (JsonArray)patch.DeepClone();
        }
        var result = existing.Select(n => n?.DeepClone()).ToList();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var id = Json.Write(item[key]);
            var idx = result.FindIndex(n => n is JsonObject o && Json.Write(o[key]) == id);
            if (item["$patch"]?.GetValue<string>() == "delete")
            {
                if (idx >= 0)
                {
                    result.RemoveAt(idx);
                }
                continue;
            }
            if (idx >= 0)
            {
                result[idx] = MergeMap((JsonObject)result[idx]!, item);
            }
            else
            {
                var added = MergeMap(new JsonObject(), item);
                result.Add(added);
            }
        }
        return new JsonArray([.. result]);
    }

    private static JsonArray Reorder(string field, JsonArray list, JsonArray order)
    {
        var key = MergeKeyFor(field, list);
        string Id(JsonNode? n) => key is not null && n is JsonObject o ? Json.Write(o[key]) : Json.Write(n);
        var wanted = order.Select(n => key is not null && n is JsonObject o ? Json.Write(o[key]) : Json.Write(n)).ToList();
        var items = list.Select(n => n?.DeepClone()).ToList();
        var sorted = items.Where(n => wanted.Contains(Id(n))).OrderBy(n => wanted.IndexOf(Id(n))).ToList();
        sorted.AddRange(items.Where(n => !wanted.Contains(Id(n))));
        return new JsonArray([.. sorted]);
    }

    /// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test), as client libraries send it.</summary>
    public static JsonNode JsonPatch(JsonNode target, JsonArray ops)
    {
        var doc = target.DeepClone();
        foreach (var op in ops.Objects())
        {
            var kind = op.Str("op") ?? "";
            var path = op.Str("path") ?? "";
            switch (kind)
            {
                case "add": doc = Set(doc, path, op["value"]?.DeepClone(), insert: true); break;
                case "replace": Get(doc, path); doc = Set(doc, path, op["value"]?.DeepClone(), insert: false); break;
                case "remove": doc = RemoveAt(doc, path); break;
                case "move":
                    {
                        var from = op.Str("from") ?? "";
                        var v = Get(doc, from)?.DeepClone();
                        doc = RemoveAt(doc, from);
                        doc = Set(doc, path, v, insert: true);
                        break;
                    }
                case "copy": doc = Set(doc, path, Get(doc, op.Str("from") ?? "")?.DeepClone(), insert: true); break;
                case "test":
                    if (!Json.Same(Get(doc, path), op["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default: throw ApiException.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return doc;
    }

    private static string[] Tokens(string path)
        => path.Length == 0 ? [] : [.. path.Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~"))];

    private static JsonNode? Get(JsonNode doc, string path)
    {
        JsonNode? cur = doc;
        foreach (var t in Tokens(path))
        {
            cur = cur switch
            {
                JsonObject o when o.TryGetPropertyValue(t, out var v) => v,
                JsonArray a when int.TryParse(t, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} not found"),
            };
        }
        return cur;
    }

    private static JsonNode Set(JsonNode doc, string path, JsonNode? value, bool insert)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0)
        {
            return value ?? new JsonObject();
        }
        var parent = Get(doc, "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0").Replace("/", "~1"))));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                if (insert)
                {
                    a.Insert(i, value);
                }
                else
                {
                    a[i] = value;
                }
                break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} not found");
        }
        return doc;
    }

    private static JsonNode RemoveAt(JsonNode doc, string path)
    {
        var tokens = Tokens(path);
        var parent = Get(doc, "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0").Replace("/", "~1"))));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last): o.Remove(last); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count: a.RemoveAt(i); break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} not found");
        }
        return doc;
    }

    /// <summary>
    /// A FieldsV1 set for managedFields: every leaf of the applied object, lists keyed by merge key (k:{...}) where the
    /// real schema has one. Good enough for display and for kubectl apply --server-side; no conflict detection.
    /// </summary>
    public static JsonObject FieldsV1(JsonObject obj, bool top = true)
    {
        var fields = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (top && key is "apiVersion" or "kind" or "status")
            {
                continue;
            }
            if (top && key == "metadata" && value is JsonObject meta)
            {
                var m = new JsonObject();
                foreach (var k in new[] { "labels", "annotations" })
                {
                    if (meta[k] is JsonObject map && map.Count > 0)
                    {
                        var sub = new JsonObject();
                        foreach (var (lk, _) in map)
                        {
                            sub["f:" + lk] = new JsonObject();
                        }
                        m["f:" + k] = sub;
                    }
                }
                if (m.Count > 0)
                {
                    fields["f:metadata"] = m;
                }
                continue;
            }
            switch (value)
            {
                case JsonObject o:
                    fields["f:" + key] = FieldsV1(o, false);
                    break;
                case JsonArray a when MergeKeyFor(key, a) is string mk && a.All(n => n is JsonObject):
                    {
                        var sub = new JsonObject();
                        foreach (var item in a.OfType<JsonObject>())
                        {
                            var id = new JsonObject { [mk] = item[mk]?.DeepClone() };
                            if (mk == "containerPort" || (mk == "port" && key == "ports"))
                            {
                                id["protocol"] = item["protocol"]?.DeepClone() ?? "TCP";
                            }
                            var entry = FieldsV1(item, false);
                            entry["."] = new JsonObject();
                            sub["k:" + Json.Write(id)] = entry;
                        }
                        fields["f:" + key] = sub;
                        break;
                    }
                default:
                    fields["f:" + key] = new JsonObject();
                    break;
            }
        }
        return fields;
    }
}
