using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>A value already rendered in Go syntax, e.g. []string{"10.0.0.1"}.</summary>
/// <param name="Text">The rendered value.</param>
public sealed record GoRaw(string Text);

/// <summary>One field error of a 422 Invalid, shaped like apimachinery's field.Error.</summary>
/// <param name="Reason">FieldValueInvalid, FieldValueRequired, FieldValueForbidden, FieldValueNotSupported, FieldValueDuplicate.</param>
/// <param name="Field">The field path, e.g. spec.ports[0].nodePort.</param>
/// <param name="Message">The full message after the field, e.g. Invalid value: 80: provided port is ...</param>
public sealed record FieldError(string Reason, string Field, string Message)
{
    /// <summary>An Invalid value error; the value is rendered as Go's %#v would for strings and numbers.</summary>
    public static FieldError Invalid(string field, object? value, string detail)
        => new("FieldValueInvalid", field, $"Invalid value: {GoValue(value)}: {detail}");

    /// <summary>A Required value error.</summary>
    public static FieldError Required(string field, string detail = "")
        => new("FieldValueRequired", field, detail.Length == 0 ? "Required value" : $"Required value: {detail}");

    /// <summary>A Forbidden error.</summary>
    public static FieldError Forbidden(string field, string detail)
        => new("FieldValueForbidden", field, $"Forbidden: {detail}");

    /// <summary>An Unsupported value error.</summary>
    public static FieldError NotSupported(string field, string value, IEnumerable<string> supported)
        => new("FieldValueNotSupported", field, $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");

    /// <summary>A Duplicate value error.</summary>
    public static FieldError Duplicate(string field, object? value)
        => new("FieldValueDuplicate", field, $"Duplicate value: {GoValue(value)}");

    /// <summary>Renders a value as Go's field errors do: strings quoted, numbers bare, maps as map[string]string{...}.</summary>
    public static string GoValue(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        IDictionary<string, string> m => "map[string]string{" + string.Join(", ", m.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"\"{kv.Key}\":\"{kv.Value}\"")) + "}",
        bool b => b ? "true" : "false",
        GoRaw r => r.Text,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The text used inside aggregated messages: "field: message".</summary>
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>An error that is returned to the client as a metav1.Status with the real server's code, reason and message shapes.</summary>
public sealed class ApiException : Exception
{
    /// <summary>HTTP status code.</summary>
    public int Code { get; }

    /// <summary>StatusReason, e.g. NotFound.</summary>
    public string Reason { get; }

    /// <summary>Status details (name, group, kind, causes), or null.</summary>
    public JsonObject? Details { get; }

    /// <summary>Creates an API error.</summary>
    public ApiException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>The metav1.Status body.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }
        status["code"] = Code;
        return status;
    }

    private static JsonObject ResourceDetails(ResourceType type, string name)
    {
        var d = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            d["group"] = type.Group;
        }
        d["kind"] = type.Plural;
        return d;
    }

    /// <summary>404: pods "x" not found.</summary>
    public static ApiException NotFound(ResourceType type, string name)
        => new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", ResourceDetails(type, name));

    /// <summary>404 for a path the server does not serve.</summary>
    public static ApiException NoRoute()
        => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    /// <summary>409: deployments.apps "x" already exists.</summary>
    public static ApiException AlreadyExists(ResourceType type, string name)
        => new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", ResourceDetails(type, name));

    /// <summary>409 optimistic-concurrency conflict, worded as the real registry words it.</summary>
    public static ApiException Conflict(ResourceType type, string name)
        => new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", ResourceDetails(type, name));

    /// <summary>422 with field causes: Kind.group "name" is invalid: ...</summary>
    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        }
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }
        details["kind"] = type.Kind;
        details["causes"] = causes;
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        return new ApiException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {list}", details);
    }

    /// <summary>400 BadRequest.</summary>
    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>405 MethodNotAllowed.</summary>
    public static ApiException MethodNotAllowed()
        => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject());

    /// <summary>410 Expired, for a watch from a resourceVersion that has left the event window.</summary>
    public static ApiException Expired(long requested, long oldest)
        => new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>403 Forbidden, used for the namespaces the real server refuses to delete.</summary>
    public static ApiException Forbidden(ResourceType type, string name, string why)
        => new(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: {why}", ResourceDetails(type, name));

    /// <summary>415 for a patch type the server does not know.</summary>
    public static ApiException UnsupportedMediaType(string contentType)
        => new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got {contentType}");
}
