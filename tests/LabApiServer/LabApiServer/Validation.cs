using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeFromScratch.LabApiServer;

/// <summary>The subset of the real server's validation that a workshop can trip over, with the same messages.</summary>
public static partial class Validation
{
    private const string SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1035Msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    private const string LabelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Regex();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValueRegex();

    /// <summary>Errors for a DNS-1123 subdomain (max 253).</summary>
    public static IEnumerable<FieldError> Subdomain(string field, string value)
    {
        if (value.Length > 253)
        {
            yield return FieldError.Invalid(field, value, "must be no more than 253 characters");
        }
        if (!SubdomainRegex().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, SubdomainMsg);
        }
    }

    /// <summary>Errors for a DNS-1123 label (max 63).</summary>
    public static IEnumerable<FieldError> Label(string field, string value)
    {
        if (value.Length > 63)
        {
            yield return FieldError.Invalid(field, value, "must be no more than 63 characters");
        }
        if (!LabelRegex().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, LabelMsg);
        }
    }

    /// <summary>Errors for a DNS-1035 label (max 63).</summary>
    public static IEnumerable<FieldError> Dns1035(string field, string value)
    {
        if (value.Length > 63)
        {
            yield return FieldError.Invalid(field, value, "must be no more than 63 characters");
        }
        if (!Dns1035Regex().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, Dns1035Msg);
        }
    }

    /// <summary>Validates metadata (name by the kind's rule, namespace, label values) the way ValidateObjectMeta does.</summary>
    public static List<FieldError> Metadata(ResourceType type, JsonObject obj, bool creating)
    {
        var errors = new List<FieldError>();
        var name = obj.Str("metadata", "name") ?? "";
        var generateName = obj.Str("metadata", "generateName") ?? "";
        if (name.Length == 0)
        {
            if (creating && generateName.Length == 0)
            {
                errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            }
        }
        else
        {
            errors.AddRange(type.NameRule switch
            {
                NameRule.Label => Label("metadata.name", name),
                NameRule.Dns1035Label => Dns1035("metadata.name", name),
                NameRule.PathSegment => PathSegment("metadata.name", name),
                _ => Subdomain("metadata.name", name),
            });
        }
        foreach (var (k, v) in obj.StringMap("metadata", "labels"))
        {
            if (v.Length > 63)
            {
                errors.Add(FieldError.Invalid("metadata.labels", v, "must be no more than 63 characters"));
            }
            if (!LabelValueRegex().IsMatch(v))
            {
                errors.Add(FieldError.Invalid("metadata.labels", v, LabelValueMsg));
            }
            if (k.Length == 0)
            {
                errors.Add(FieldError.Invalid("metadata.labels", k, "name part must be non-empty"));
            }
        }
        return errors;
    }

    private static IEnumerable<FieldError> PathSegment(string field, string value)
    {
        if (value is "." or "..")
        {
            yield return FieldError.Invalid(field, value, $"may not be '{value}'");
        }
        if (value.Contains('/'))
        {
            yield return FieldError.Invalid(field, value, "may not contain '/'");
        }
        if (value.Contains('%'))
        {
            yield return FieldError.Invalid(field, value, "may not contain '%'");
        }
    }

    /// <summary>Validates a pod spec at a field path (containers present, names, images, ports).</summary>
    public static void PodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var containers = spec.Arr("containers");
        if (containers is null || containers.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.containers"));
            return;
        }
        Containers(containers, $"{path}.containers", errors);
        if (spec.Arr("initContainers") is JsonArray init)
        {
            Containers(init, $"{path}.initContainers", errors);
        }
        var restart = spec.Str("restartPolicy");
        if (restart is not null && restart is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported($"{path}.restartPolicy", restart, ["Always", "Never", "OnFailure"]));
        }
    }

    private static void Containers(JsonArray containers, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var c in containers.Objects())
        {
            var p = $"{path}[{i}]";
            var name = c.Str("name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{p}.name"));
            }
            else
            {
                errors.AddRange(Label($"{p}.name", name));
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate($"{p}.name", name));
                }
            }
            if (string.IsNullOrEmpty(c.Str("image")))
            {
                errors.Add(FieldError.Required($"{p}.image"));
            }
            var j = 0;
            foreach (var port in c.Arr("ports").Objects())
            {
                var cp = port.Int("containerPort") ?? 0;
                if (cp < 1 || cp > 65535)
                {
                    errors.Add(FieldError.Invalid($"{p}.ports[{j}].containerPort", cp, "must be between 1 and 65535, inclusive"));
                }
                j++;
            }
            i++;
        }
    }

    /// <summary>Validates a workload's selector against its template labels (Deployment, ReplicaSet, DaemonSet).</summary>
    public static void Workload(JsonObject obj, List<FieldError> errors)
    {
        var selector = obj.Obj("spec", "selector");
        if (selector is null || (selector.Obj("matchLabels") is not { Count: > 0 } && selector.Arr("matchExpressions") is not { Count: > 0 }))
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            var labels = obj.StringMap("spec", "template", "metadata", "labels");
            if (!LabelSelector.FromObject(selector).Matches(labels))
            {
                errors.Add(FieldError.Invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"));
            }
        }
        if (obj.Int("spec", "replicas") is long r && r < 0)
        {
            errors.Add(FieldError.Invalid("spec.replicas", r, "must be greater than or equal to 0"));
        }
        PodSpec(obj.Obj("spec", "template", "spec"), "spec.template.spec", errors);
    }

    /// <summary>Validates a Service's type and ports (allocation errors come from the allocator).</summary>
    public static void Service(JsonObject obj, List<FieldError> errors)
    {
        var type = obj.Str("spec", "type") ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(FieldError.NotSupported("spec.type", type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
            return;
        }
        var ports = obj.Arr("spec", "ports");
        if (type != "ExternalName" && obj.Str("spec", "clusterIP") != "None" && (ports is null || ports.Count == 0))
        {
            errors.Add(FieldError.Required("spec.ports"));
        }
        var i = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var port in ports.Objects())
        {
            var p = $"spec.ports[{i}]";
            var number = port.Int("port") ?? 0;
            if (number < 1 || number > 65535)
            {
                errors.Add(FieldError.Invalid($"{p}.port", number, "must be between 1 and 65535, inclusive"));
            }
            if (ports!.Count > 1 && string.IsNullOrEmpty(port.Str("name")))
            {
                errors.Add(FieldError.Required($"{p}.name"));
            }
            if (!seen.Add($"{number}/{port.Str("protocol") ?? "TCP"}"))
            {
                errors.Add(FieldError.Duplicate($"{p}", new Dictionary<string, string> { ["port"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture), ["protocol"] = port.Str("protocol") ?? "TCP" }));
            }
            if (port.Int("nodePort") is long np && np != 0 && type is not ("NodePort" or "LoadBalancer"))
            {
                errors.Add(FieldError.Forbidden($"{p}.nodePort", $"may not be used when `type` is '{type}'"));
            }
            i++;
        }
    }
}
