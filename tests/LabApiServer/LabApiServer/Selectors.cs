using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>A parsed label selector: all requirements must hold.</summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    /// <summary>The selector that matches everything.</summary>
    public static readonly LabelSelector Everything = new();

    /// <summary>True when no requirement was given.</summary>
    public bool IsEmpty => requirements.Count == 0;

    /// <summary>Whether a label set satisfies every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) => requirements.All(r => r(labels));

    /// <summary>Whether an object's metadata.labels satisfy the selector.</summary>
    public bool Matches(JsonNode? obj) => IsEmpty || Matches(obj.StringMap("metadata", "labels"));

    /// <summary>
    /// Parses the string form (labelSelector=): k=v, k==v, k!=v, k in (a,b), k notin (a,b), k, !k.
    /// Errors are 400s worded like apimachinery's parser.
    /// </summary>
    public static LabelSelector Parse(string? text)
    {
        var sel = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return sel;
        }
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw ApiException.BadRequest($"unable to parse requirement: found '', expected: identifier");
            }
            var inIdx = IndexOfWord(part, "notin");
            var isNotIn = inIdx >= 0;
            if (!isNotIn)
            {
                inIdx = IndexOfWord(part, "in");
            }
            if (inIdx >= 0)
            {
                var key = part[..inIdx].Trim();
                var rest = part[(inIdx + (isNotIn ? 5 : 2))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                {
                    throw ApiException.BadRequest($"unable to parse requirement: found '{rest}', expected: '('");
                }
                var values = rest[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
                CheckKey(key);
                if (isNotIn)
                {
                    sel.requirements.Add(l => !l.TryGetValue(key, out var v) || !values.Contains(v));
                }
                else
                {
                    sel.requirements.Add(l => l.TryGetValue(key, out var v) && values.Contains(v));
                }
                continue;
            }
            var ne = part.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
            {
                var key = part[..ne].Trim();
                var value = part[(ne + 2)..].Trim();
                CheckKey(key);
                sel.requirements.Add(l => !l.TryGetValue(key, out var v) || v != value);
                continue;
            }
            var eq = part.IndexOf('=');
            if (eq > 0)
            {
                var key = part[..eq].Trim();
                var value = part[(eq + 1)..];
                if (value.StartsWith('='))
                {
                    value = value[1..];
                }
                value = value.Trim();
                CheckKey(key);
                sel.requirements.Add(l => l.TryGetValue(key, out var v) && v == value);
                continue;
            }
            if (part.StartsWith('!'))
            {
                var key = part[1..].Trim();
                CheckKey(key);
                sel.requirements.Add(l => !l.ContainsKey(key));
                continue;
            }
            CheckKey(part);
            sel.requirements.Add(l => l.ContainsKey(part));
        }
        return sel;
    }

    /// <summary>Builds a selector from a metav1.LabelSelector object (matchLabels and matchExpressions).</summary>
    public static LabelSelector FromObject(JsonObject? selector)
    {
        var sel = new LabelSelector();
        if (selector is null)
        {
            return sel;
        }
        foreach (var (k, v) in selector.StringMap("matchLabels"))
        {
            sel.requirements.Add(l => l.TryGetValue(k, out var x) && x == v);
        }
        foreach (var expr in selector.Arr("matchExpressions").Objects())
        {
            var key = expr.Str("key") ?? "";
            var values = (expr.Arr("values") ?? []).Select(n => n?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal);
            switch (expr.Str("operator"))
            {
                case "In": sel.requirements.Add(l => l.TryGetValue(key, out var x) && values.Contains(x)); break;
                case "NotIn": sel.requirements.Add(l => !l.TryGetValue(key, out var x) || !values.Contains(x)); break;
                case "Exists": sel.requirements.Add(l => l.ContainsKey(key)); break;
                case "DoesNotExist": sel.requirements.Add(l => !l.ContainsKey(key)); break;
                default: sel.requirements.Add(_ => false); break;
            }
        }
        return sel;
    }

    /// <summary>Builds an equality selector from a plain map (service spec.selector).</summary>
    public static LabelSelector FromMap(IReadOnlyDictionary<string, string> map)
    {
        var sel = new LabelSelector();
        foreach (var (k, v) in map)
        {
            sel.requirements.Add(l => l.TryGetValue(k, out var x) && x == v);
        }
        return sel;
    }

    private static void CheckKey(string key)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw ApiException.BadRequest($"unable to parse requirement: invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        }
    }

    private static int IndexOfWord(string s, string word)
    {
        var idx = s.IndexOf(" " + word, StringComparison.Ordinal);
        while (idx >= 0)
        {
            var after = idx + 1 + word.Length;
            if (after <= s.Length && (after == s.Length || s[after] == ' ' || s[after] == '('))
            {
                return idx + 1;
            }
            idx = s.IndexOf(" " + word, idx + 1, StringComparison.Ordinal);
        }
        return -1;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}

/// <summary>A parsed field selector over the fields the real server indexes for each kind.</summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> terms = [];

    /// <summary>True when no term was given.</summary>
    public bool IsEmpty => terms.Count == 0;

    /// <summary>Parses fieldSelector= for a resource; unknown fields are a 400 as on the real server.</summary>
    public static FieldSelector Parse(string? text, ResourceType type)
    {
        var sel = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return sel;
        }
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }
            bool equal;
            int at;
            int skip;
            if ((at = part.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                equal = false;
                skip = 2;
            }
            else if ((at = part.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                equal = true;
                skip = 2;
            }
            else if ((at = part.IndexOf('=')) > 0)
            {
                equal = true;
                skip = 1;
            }
            else
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }
            var field = part[..at].Trim();
            if (!Supported(type, field))
            {
                throw ApiException.BadRequest($"field label not supported: {field}");
            }
            sel.terms.Add((field, equal, part[(at + skip)..].Trim()));
        }
        return sel;
    }

    private static bool Supported(ResourceType type, string field)
    {
        if (field is "metadata.name" or "metadata.namespace")
        {
            return true;
        }
        if (type == ResourceTypes.Pods)
        {
            return field is "spec.nodeName" or "status.phase" or "spec.restartPolicy" or "spec.schedulerName"
                or "spec.serviceAccountName" or "spec.hostNetwork" or "status.podIP" or "status.nominatedNodeName";
        }
        if (type == ResourceTypes.Nodes)
        {
            return field == "spec.unschedulable";
        }
        if (type == ResourceTypes.Namespaces)
        {
            return field == "status.phase";
        }
        if (type == ResourceTypes.Events)
        {
            return field.StartsWith("involvedObject.", StringComparison.Ordinal) || field is "reason" or "reportingComponent" or "source" or "type";
        }
        if (type == ResourceTypes.Secrets)
        {
            return field == "type";
        }
        if (type == ResourceTypes.ReplicaSets)
        {
            return field == "status.replicas";
        }
        return false;
    }

    /// <summary>Whether an object satisfies every term; missing fields compare as the empty string.</summary>
    public bool Matches(JsonNode? obj)
    {
        foreach (var (field, equal, value) in terms)
        {
            var actual = field == "source" ? obj.Str("source", "component") : obj.Str(field.Split('.'));
            if (field == "spec.hostNetwork" || field == "spec.unschedulable")
            {
                actual ??= "false";
            }
            actual ??= "";
            if ((actual == value) != equal)
            {
                return false;
            }
        }
        return true;
    }
}
