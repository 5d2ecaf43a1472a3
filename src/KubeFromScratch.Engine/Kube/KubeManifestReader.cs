using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// Reads a manifest (multi-document YAML, or JSON, which is YAML too) into Kubernetes objects as JSON, the way kubectl
/// would send them. Every refusal names the source, the document and the line and column, so the author can go
/// straight to it.
/// </summary>
/// <remarks>
/// Plain scalars resolve as Kubernetes' own YAML reader resolves them (see <see cref="KubeYamlScalars"/>); quoted and
/// block scalars are always strings; anchors, aliases and &lt;&lt; merge keys are resolved. Stricter than kubectl where
/// kubectl would silently send something else than was written: a duplicate key is refused (kubectl keeps the last),
/// and so is a key that is not a string (kubectl turns `yes:` into "true" and `0777:` into "511").
/// </remarks>
public static class KubeManifestReader
{
    /// <summary>The namespace objects of namespaced kinds go to when neither the manifest nor the caller names one.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>
    /// How many nodes aliases may add in one manifest. Far above what real manifests reuse, far below what a
    /// "billion laughs" document would make us allocate.
    /// </summary>
    public const int MaxAliasExpansion = 1_000_000;

    /// <summary>How deep collections may nest; keeps a hostile document from exhausting the stack.</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// Reads every object in <paramref name="text"/>. Empty documents are skipped; a kind: List (or a typed list such
    /// as PodList) is replaced by its items. Objects of namespaced kinds without metadata.namespace get
    /// <paramref name="defaultNamespace"/>, written into their body.
    /// </summary>
    /// <param name="text">The manifest's text.</param>
    /// <param name="source">Where it came from (a path or URL), for messages.</param>
    /// <param name="defaultNamespace">The namespace for namespaced objects that name none.</param>
    /// <exception cref="KfsException">
    /// ManifestInvalidYaml (InvalidData) when the text is not valid YAML or not a manifest; ManifestInvalidName
    /// (InvalidArgument) when <paramref name="defaultNamespace"/> is not a valid namespace name.
    /// </exception>
    public static IReadOnlyList<KubeManifestObject> Read(string text, string source, string defaultNamespace = DefaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        CheckDefaultNamespace(defaultNamespace);

        var stream = Load(text.TrimStart('\uFEFF'), source);
        var objects = new List<KubeManifestObject>();
        int document = 0;
        foreach (var yamlDocument in stream.Documents)
        {
            document++;
            var root = yamlDocument.RootNode;
            var json = new Converter(source, document).Convert(root);
            switch (json)
            {
                case null:
                    continue;
                case JsonObject obj:
                    Add(obj, root, source, document, defaultNamespace, objects, 0);
                    break;
                default:
                    throw Invalid(source, document, root.Start,
                        $"the document is {(root is YamlSequenceNode ? "a list" : "a single value")}, not a Kubernetes object",
                        "Each document must be a mapping with apiVersion, kind and metadata; separate documents with a line of ---.");
            }
        }

        return objects;
    }

    private static YamlStream Load(string text, string source)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
            return stream;
        }
        catch (NestingTooDeepException e)
        {
            throw Invalid(source, Math.Max(parser.Documents, 1), e.At, $"collections nest more than {MaxDepth} deep",
                "No Kubernetes object nests that deep; flatten the document.");
        }
        catch (AnchorNotFoundException e)
        {
            // YamlDotNet reports this at the start of the document; the parser saw where the alias really is.
            throw Invalid(source, Math.Max(parser.Documents, 1), parser.FirstUndefinedAlias?.Start ?? e.Start,
                parser.FirstUndefinedAlias is { } alias ? $"the alias *{alias.Name} names no anchor defined before it" : Sentence(e.Message),
                "Define the anchor (&name) before the alias (*name) that uses it, in the same document.");
        }
        catch (YamlException e)
        {
            var at = e.Start;
            string reason = Sentence(e.Message);
            string advice = "Fix the YAML there (yamllint shows the same spot).";
            const string duplicate = "Duplicate key ";
            if (reason.StartsWith(duplicate, StringComparison.Ordinal))
            {
                reason = $"the key '{reason[duplicate.Length..]}' is already in this mapping";
                advice = "Remove or rename one of the two; kubectl would silently keep only the last.";
            }
            else if (reason.Contains(" tab", StringComparison.OrdinalIgnoreCase) && FirstTabIndent(text) is { } tab)
            {
                at = tab;
                advice = "YAML does not allow tabs for indentation; indent with spaces.";
            }

            throw Invalid(source, Math.Max(parser.Documents, 1), at, reason, advice);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // The YAML library fails this way on some malformed input (an unclosed flow collection); the last event
            // read is the nearest position known.
            throw Invalid(source, Math.Max(parser.Documents, 1), parser.LastMark,
                "the YAML ends or breaks off here, an unclosed [ or { or quote before it", "Close it, then read again.");
        }
    }

    private static void Add(JsonObject obj, YamlNode node, string source, int document, string defaultNamespace,
        List<KubeManifestObject> objects, int depth)
    {
        string? kind = obj["kind"] is JsonValue k && k.TryGetValue(out string? s) ? s : null;
        if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items && depth < 8)
        {
            var itemNodes = (node as YamlMappingNode)?.Children
                .FirstOrDefault(p => p.Key is YamlScalarNode { Value: "items" }).Value as YamlSequenceNode;
            for (int i = 0; i < items.Count; i++)
            {
                var itemNode = itemNodes is not null && itemNodes.Children.Count == items.Count ? itemNodes.Children[i] : node;
                if (items[i] is not JsonObject item)
                {
                    throw Invalid(source, document, itemNode.Start, $"item {i + 1} of the {kind} is not an object",
                        "Every item of a list must be a Kubernetes object (a mapping with apiVersion, kind and metadata).");
                }

                var copy = (JsonObject)item.DeepClone();

                // A typed list (PodList from the API) leaves apiVersion and kind off its items; kubectl fills them in.
                if (kind != "List")
                {
                    if (copy["apiVersion"] is null && obj["apiVersion"] is { } listApiVersion)
                    {
                        copy["apiVersion"] = listApiVersion.DeepClone();
                    }

                    if (copy["kind"] is null)
                    {
                        copy["kind"] = kind[..^"List".Length];
                    }
                }

                Add(copy, itemNode, source, document, defaultNamespace, objects, depth + 1);
            }

            return;
        }

        ApplyDefaultNamespace(obj, defaultNamespace);
        objects.Add(new KubeManifestObject(obj, source, document, Line(node.Start), Column(node.Start)));
    }

    /// <summary>
    /// An object built in code rather than read (what New-KubeDeployment makes), taken like a read one: the namespace
    /// default written into its body, its identity and URLs known, ready for <see cref="KubeManifestValidator"/>. Its
    /// <see cref="KubeManifestObject.Location"/> is <paramref name="source"/> alone (document and line are 0).
    /// </summary>
    /// <param name="body">The object; it becomes the result's body, not a copy.</param>
    /// <param name="source">What made it, for messages (New-KubeDeployment).</param>
    /// <param name="defaultNamespace">The namespace for a namespaced object that names none.</param>
    public static KubeManifestObject FromJson(JsonObject body, string source, string defaultNamespace = DefaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(source);
        CheckDefaultNamespace(defaultNamespace);

        ApplyDefaultNamespace(body, defaultNamespace);
        return new KubeManifestObject(body, source, 0, 0, 0);
    }

    private static void CheckDefaultNamespace(string defaultNamespace)
    {
        if (KubeNames.ValidateDns1123Label(defaultNamespace) is { } problem)
        {
            throw new KfsException("ManifestInvalidName", KfsErrorCategory.InvalidArgument, defaultNamespace,
                $"The default namespace {problem}. Give a namespace name such as 'default' or 'kube-system'.");
        }
    }

    private static void ApplyDefaultNamespace(JsonObject obj, string defaultNamespace)
    {
        string? apiVersion = obj["apiVersion"] is JsonValue av && av.TryGetValue(out string? a) ? a : null;
        string? kind = obj["kind"] is JsonValue k && k.TryGetValue(out string? s) ? s : null;

        // Only kinds known to be namespaced: a default on a cluster-scoped kind would be refused, and for an unknown
        // kind there is no telling.
        if (KubeKinds.Find(apiVersion, kind) is { Namespaced: true } && obj["metadata"] is JsonObject metadata &&
            (metadata["namespace"] is null || (metadata["namespace"] is JsonValue ns && ns.TryGetValue(out string? given) && given.Length == 0)))
        {
            metadata["namespace"] = defaultNamespace;
        }
    }

    internal static KfsException Invalid(string source, int document, Mark at, string reason, string advice) =>
        new("ManifestInvalidYaml", KfsErrorCategory.InvalidData, $"{source}, document {document}",
            $"{source}, document {document}: invalid manifest at line {Line(at)}, column {Column(at)}: {reason}. {advice}");

    private static int Line(Mark mark) => (int)Math.Max(mark.Line, 1);

    private static int Column(Mark mark) => (int)Math.Max(mark.Column, 1);

    private static string Sentence(string message) => message.Trim().TrimEnd('.');

    private static Mark? FirstTabIndent(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int column = 0;
            while (column < lines[i].Length && lines[i][column] is ' ' or '\t')
            {
                if (lines[i][column] == '\t')
                {
                    return new Mark(0, i + 1, column + 1);
                }

                column++;
            }
        }

        return null;
    }

    /// <summary>Turns the representation model of one document into JSON, keeping the positions for messages.</summary>
    private sealed class Converter(string source, int document)
    {
        private const string Yaml = "tag:yaml.org,2002:";
        private readonly HashSet<YamlNode> _seen = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<YamlNode> _onPath = new(ReferenceEqualityComparer.Instance);
        private int _aliasBudget = MaxAliasExpansion;

        public JsonNode? Convert(YamlNode node) => Convert(node, 0);

        private JsonNode? Convert(YamlNode node, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Invalid(source, document, node.Start, $"collections nest more than {MaxDepth} deep", "Flatten the document.");
            }

            if (!_onPath.Add(node))
            {
                throw Invalid(source, document, node.Start, "an alias refers to the anchored node it is inside of, which would never end",
                    "Move the alias (*name) out of the node its anchor (&name) marks.");
            }

            // The representation model resolves an alias into the very node its anchor marks: meeting a node again
            // is an alias use, and what aliases add up to is bounded.
            if (!_seen.Add(node) && --_aliasBudget < 0)
            {
                throw Invalid(source, document, node.Start, $"aliases expand to more than {MaxAliasExpansion:N0} nodes",
                    "A manifest does not need that much repetition; write the objects out.");
            }

            try
            {
                return node switch
                {
                    YamlScalarNode scalar => Scalar(scalar).Value,
                    YamlSequenceNode sequence => Sequence(sequence, depth),
                    YamlMappingNode mapping => Mapping(mapping, depth),
                    _ => throw Invalid(source, document, node.Start, $"unexpected YAML node {node.NodeType}", "Simplify the YAML here."),
                };
            }
            finally
            {
                _onPath.Remove(node);
            }
        }

        private JsonArray Sequence(YamlSequenceNode sequence, int depth)
        {
            CheckCollectionTag(sequence, "seq");
            var array = new JsonArray();
            foreach (var child in sequence.Children)
            {
                array.Add(Convert(child, depth + 1));
            }

            return array;
        }

        private JsonObject Mapping(YamlMappingNode mapping, int depth)
        {
            CheckCollectionTag(mapping, "map");
            var obj = new JsonObject();
            var merges = new List<YamlNode>();
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode key)
                {
                    throw Invalid(source, document, keyNode.Start,
                        $"a key here is a {(keyNode is YamlSequenceNode ? "list" : "mapping")}, and JSON keys are strings",
                        "Use a plain text key.");
                }

                var (type, value) = Scalar(key);
                if (type == KubeYamlScalarType.Merge)
                {
                    merges.Add(valueNode);
                    continue;
                }

                if (type != KubeYamlScalarType.String)
                {
                    throw Invalid(source, document, key.Start,
                        $"the key {key.Value} reads as {KubeYamlScalars.Describe(type, value)}, not as text, and JSON keys are text",
                        $"Quote it ('{key.Value}') to keep it as written.");
                }

                string name = value!.GetValue<string>();
                if (obj.ContainsKey(name))
                {
                    throw Invalid(source, document, key.Start, $"the key '{name}' is already in this mapping",
                        "Remove or rename one of the two; kubectl would silently keep only the last.");
                }

                obj[name] = Convert(valueNode, depth + 1);
            }

            // YAML merge keys: keys written in the mapping win over merged ones, and earlier merged mappings over
            // later ones, as go-yaml and the merge key specification have it.
            foreach (var merge in merges)
            {
                IEnumerable<YamlNode> sources = merge switch
                {
                    YamlMappingNode m => [m],
                    YamlSequenceNode s when s.Children.All(c => c is YamlMappingNode) => s.Children,
                    _ => throw Invalid(source, document, merge.Start, "<< must be followed by a mapping or a list of mappings",
                        "Merge an anchored mapping (<<: *name) or a list of them (<<: [*a, *b])."),
                };
                foreach (var from in sources)
                {
                    var merged = (JsonObject)Convert(from, depth + 1)!;
                    foreach (var (name, value) in merged)
                    {
                        if (!obj.ContainsKey(name))
                        {
                            obj[name] = value?.DeepClone();
                        }
                    }
                }
            }

            return obj;
        }

        private (KubeYamlScalarType Type, JsonNode? Value) Scalar(YamlScalarNode scalar)
        {
            string text = scalar.Value ?? string.Empty;
            var tag = scalar.Tag;
            try
            {
                if (tag.IsEmpty)
                {
                    return scalar.Style is ScalarStyle.Plain or ScalarStyle.Any
                        ? KubeYamlScalars.ResolvePlain(text)
                        : (KubeYamlScalarType.String, JsonValue.Create(text));
                }

                // The non-specific tag '!' and !!str both say: this is text, however it looks.
                if (tag.IsNonSpecific || tag.Value == Yaml + "str")
                {
                    return (KubeYamlScalarType.String, JsonValue.Create(text));
                }

                switch (tag.Value)
                {
                    case Yaml + "null":
                        return Expect(scalar, KubeYamlScalars.ResolvePlain(text), KubeYamlScalarType.Null, "null");
                    case Yaml + "bool":
                        return Expect(scalar, KubeYamlScalars.ResolvePlain(text), KubeYamlScalarType.Bool, "a boolean");
                    case Yaml + "int":
                        return Expect(scalar, KubeYamlScalars.ResolvePlain(text), KubeYamlScalarType.Int, "an integer");
                    case Yaml + "float":
                        var resolved = KubeYamlScalars.ResolvePlain(text);
                        return resolved.Type == KubeYamlScalarType.Int
                            ? (KubeYamlScalarType.Float, JsonValue.Create(double.Parse(resolved.Value!.ToJsonString(), CultureInfo.InvariantCulture)))
                            : Expect(scalar, resolved, KubeYamlScalarType.Float, "a number");
                    case Yaml + "binary":
                        // Kubernetes carries bytes as base64 text (Secret data, ConfigMap binaryData): keep the text,
                        // without the line breaks a block scalar gives it, once it is known to be base64.
                        string base64 = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
                        _ = System.Convert.FromBase64String(base64);
                        return (KubeYamlScalarType.String, JsonValue.Create(base64));
                    case Yaml + "map" or Yaml + "seq":
                        throw Invalid(source, document, scalar.Start, $"a value tagged {tag.Value} is a single value",
                            "Remove the tag or write a mapping or list.");
                    default:
                        // Timestamps and tags of one's own are kept as the text, as go-yaml v2 keeps them.
                        return (KubeYamlScalarType.String, JsonValue.Create(text));
                }
            }
            catch (FormatException e)
            {
                throw Invalid(source, document, scalar.Start, Sentence(e.Message), $"Quote it ('{text}') to send it as text, or correct it.");
            }
        }

        private (KubeYamlScalarType, JsonNode?) Expect(YamlScalarNode scalar, (KubeYamlScalarType Type, JsonNode? Value) resolved,
            KubeYamlScalarType wanted, string what) =>
            resolved.Type == wanted
                ? resolved
                : throw Invalid(source, document, scalar.Start, $"'{scalar.Value}' is tagged {scalar.Tag.Value} but is not {what}",
                    "Correct the value or remove the tag.");

        private void CheckCollectionTag(YamlNode node, string expected)
        {
            if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && node.Tag.Value.StartsWith(Yaml, StringComparison.Ordinal) &&
                node.Tag.Value != Yaml + expected)
            {
                throw Invalid(source, document, node.Start, $"a {(expected == "map" ? "mapping" : "list")} is tagged {node.Tag.Value}",
                    "Remove the tag.");
            }
        }
    }

    /// <summary>
    /// Passes the YAML parser's events through, noting what error messages need and the YAML library does not keep:
    /// which document it is in, the last position read, and where an alias names an anchor not yet defined.
    /// </summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);
        private int _depth;

        public ParsingEvent? Current => inner.Current;

        public int Documents { get; private set; }

        public Mark LastMark { get; private set; } = Mark.Empty;

        public (Mark Start, string Name)? FirstUndefinedAlias { get; private set; }

        public bool MoveNext()
        {
            bool more = inner.MoveNext();
            switch (inner.Current)
            {
                case null:
                    break;
                case DocumentStart start:
                    Documents++;
                    _anchors.Clear();
                    LastMark = start.End;
                    break;
                case AnchorAlias alias:
                    if (FirstUndefinedAlias is null && !_anchors.Contains(alias.Value.Value))
                    {
                        FirstUndefinedAlias = (alias.Start, alias.Value.Value);
                    }

                    LastMark = alias.End;
                    break;
                case SequenceEnd or MappingEnd:
                    _depth--;
                    LastMark = inner.Current.End;
                    break;
                case NodeEvent node:
                    // The representation model is built recursively, one level of the stack per level of nesting, and
                    // a stack overflow cannot be caught: refuse a hostile depth before the model is built.
                    if (node is SequenceStart or MappingStart && ++_depth > MaxDepth)
                    {
                        throw new NestingTooDeepException(node.Start);
                    }

                    if (!node.Anchor.IsEmpty)
                    {
                        _anchors.Add(node.Anchor.Value);
                    }

                    LastMark = node.End;
                    break;
                case var other:
                    LastMark = other.End;
                    break;
            }

            return more;
        }
    }

    /// <summary>Stops reading at a nesting deeper than <see cref="MaxDepth"/>.</summary>
    private sealed class NestingTooDeepException(Mark at) : Exception("The YAML nests too deep.")
    {
        public Mark At { get; } = at;
    }
}
