using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>Small helpers over System.Text.Json.Nodes, because every object here is schemaless JSON like the real server's unstructured store.</summary>
public static class Json
{
    /// <summary>Serializer settings: compact, and no HTML escaping so output reads like Go's.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes a node as compact JSON.</summary>
    public static string Write(JsonNode? node) => node is null ? "null" : node.ToJsonString(Options);

    /// <summary>Parses an object or throws a 400 the way the real server reports undecodable bodies.</summary>
    public static JsonObject ParseObject(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json; {ex.Message}");
        }
        return node as JsonObject ?? throw ApiException.BadRequest("the body of the request must be a JSON object");
    }

    /// <summary>Walks a path of property names; null when any step is missing or not an object.</summary>
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not JsonObject o || !o.TryGetPropertyValue(key, out current))
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>String at a path, or null (numbers and booleans are rendered as text).</summary>
    public static string? Str(this JsonNode? node, params string[] path)
    {
        var value = node.At(path);
        if (value is JsonValue v)
        {
            if (v.TryGetValue<string>(out var s))
            {
                return s;
            }
            return v.ToJsonString();
        }
        return null;
    }

    /// <summary>Integer at a path, or null.</summary>
    public static long? Int(this JsonNode? node, params string[] path)
    {
        if (node.At(path) is JsonValue v)
        {
            if (v.TryGetValue<long>(out var l))
            {
                return l;
            }
            if (v.TryGetValue<int>(out var i))
            {
                return i;
            }
            if (v.TryGetValue<double>(out var d) && Math.Abs(d - Math.Round(d)) < 1e-9)
            {
                return (long)d;
            }
            if (v.TryGetValue<string>(out var s) && long.TryParse(s, out var p))
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>Boolean at a path, or null.</summary>
    public static bool? Bool(this JsonNode? node, params string[] path)
        => node.At(path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>Object at a path, or null.</summary>
    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    /// <summary>Array at a path, or null.</summary>
    public static JsonArray? Arr(this JsonNode? node, params string[] path) => node.At(path) as JsonArray;

    /// <summary>Gets or creates the object at a path, replacing non-objects on the way.</summary>
    public static JsonObject Ensure(this JsonObject node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current[key] is not JsonObject next)
            {
                next = new JsonObject();
                current[key] = next;
            }
            current = next;
        }
        return current;
    }

    /// <summary>Objects of an array (non-objects skipped); empty when absent.</summary>
    public static IEnumerable<JsonObject> Objects(this JsonArray? array)
        => array is null ? [] : array.OfType<JsonObject>();

    /// <summary>String map (labels, annotations, selectors) as a dictionary.</summary>
    public static Dictionary<string, string> StringMap(this JsonNode? node, params string[] path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.At(path) is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                result[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
            }
        }
        return result;
    }

    /// <summary>Deep copy typed as an object.</summary>
    public static JsonObject Clone(this JsonObject o) => (JsonObject)o.DeepClone();

    /// <summary>Structural equality, used to skip no-op writes (the real server does not bump resourceVersion for them).</summary>
    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>RFC 3339 at second precision in UTC, as metav1.Time serializes.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses an RFC 3339 timestamp, or null.</summary>
    public static DateTimeOffset? ParseTime(string? s)
        => DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>
    /// Drops properties whose value is null, at every depth, as the real server does when it decodes a body into its
    /// typed objects (a null field is the zero value, which it never stores or returns).
    /// </summary>
    public static JsonObject PruneNulls(this JsonObject obj)
    {
        foreach (var (key, value) in obj.ToList())
        {
            if (value is null)
            {
                obj.Remove(key);
            }
            else if (value is JsonObject child)
            {
                child.PruneNulls();
            }
            else if (value is JsonArray array)
            {
                foreach (var item in array.OfType<JsonObject>())
                {
                    item.PruneNulls();
                }
            }
        }

        return obj;
    }
}
