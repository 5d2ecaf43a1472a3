using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace KubeFromScratch.HelpBuilder;

/// <summary>What reading one markdown page gave.</summary>
public sealed class ReadResult
{
    /// <summary>The command, when the page could be read at all.</summary>
    public CommandHelp? Command { get; init; }

    /// <summary>Problems as "file:line: message", ready to print.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>A PlatyPS module page ("Module Guid" in front matter): not cmdlet help.</summary>
    public bool IsModulePage { get; init; }
}

/// <summary>
/// Reads one cmdlet page in the PlatyPS markdown schema (the shape New-MarkdownHelp writes), walking the
/// top-level blocks in order: the schema is a flat sequence of H2 sections with H3 entries inside.
/// </summary>
public static partial class MarkdownHelpReader
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .Build();

    private static readonly string[] KnownSections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    [GeneratedRegex(@"(?<![\w-])-(?<name>[A-Za-z][A-Za-z0-9_]*)")]
    private static partial Regex SyntaxParameterRegex();

    [GeneratedRegex(@"^(?<key>[A-Za-z][A-Za-z ]*):\s*(?<value>.*)$")]
    private static partial Regex YamlLineRegex();

    /// <summary>Reads the page at <paramref name="path"/>.</summary>
    public static ReadResult Read(string path)
    {
        var text = File.ReadAllText(path);
        var document = Markdown.Parse(text, Pipeline);
        var fileName = Path.GetFileName(path);
        var frontMatter = ReadFrontMatter(document, text);
        if (frontMatter.ContainsKey("Module Guid"))
        {
            return new ReadResult { IsModulePage = true };
        }

        var blocks = document.Where(b => b is not YamlFrontMatterBlock).ToList();
        var problemsOnly = new ReadResult();
        void Problem(Block? at, string message) =>
            problemsOnly.Problems.Add($"{fileName}:{(at?.Line ?? 0) + 1}: {message}");

        if (blocks.Count == 0 || blocks[0] is not HeadingBlock { Level: 1 } title)
        {
            Problem(blocks.FirstOrDefault(), "the page must start with '# Verb-Noun' (after the front matter).");
            return problemsOnly;
        }

        var command = new CommandHelp { Name = InlineText(title).Trim() };
        frontMatter.TryGetValue("online version", out var online);
        command.OnlineVersion = string.IsNullOrWhiteSpace(online) ? null : online.Trim();
        var result = new ReadResult { Command = command };
        result.Problems.AddRange(problemsOnly.Problems);
        void Fail(Block? at, string message) => result.Problems.Add($"{fileName}:{(at?.Line ?? 0) + 1}: {message}");

        if (!command.Name.Equals(Path.GetFileNameWithoutExtension(path), StringComparison.OrdinalIgnoreCase))
        {
            Fail(title, $"the title '{command.Name}' does not match the file name.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? section = null;
        object? entry = null; // the current H3 entry: SyntaxSet, ExampleHelp, ParameterHelp or TypeHelp
        var skipEntry = false;

        foreach (var block in blocks.Skip(1))
        {
            switch (block)
            {
                case HeadingBlock { Level: 1 } h1:
                    Fail(h1, "only one '# ' heading is allowed per page.");
                    break;

                case HeadingBlock { Level: 2 } h2:
                    section = InlineText(h2).Trim().ToUpperInvariant();
                    entry = null;
                    skipEntry = false;
                    if (!KnownSections.Contains(section))
                    {
                        Fail(h2, $"unknown section '## {section}'; expected one of {string.Join(", ", KnownSections)}.");
                    }
                    else if (!seen.Add(section))
                    {
                        Fail(h2, $"section '## {section}' appears twice.");
                    }

                    break;

                case HeadingBlock { Level: 3 } h3:
                    skipEntry = false;
                    entry = StartEntry(command, section, InlineText(h3).Trim(), h3, Fail, out skipEntry);
                    break;

                case HeadingBlock other:
                    Fail(other, $"heading level {other.Level} is not part of the schema.");
                    break;

                case ThematicBreakBlock:
                case LinkReferenceDefinitionGroup:
                    break;

                default:
                    if (skipEntry)
                    {
                        break;
                    }

                    AddContent(command, section, entry, block, Fail);
                    break;
            }
        }

        foreach (var required in new[] { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS" })
        {
            if (!seen.Contains(required))
            {
                Fail(title, $"section '## {required}' is missing.");
            }
        }

        if (command.Synopsis.Count == 0)
        {
            Fail(title, "the SYNOPSIS is empty.");
        }

        if (command.Description.Count == 0)
        {
            Fail(title, "the DESCRIPTION is empty.");
        }

        if (command.Examples.Count == 0)
        {
            Fail(title, "there is no '### Example' under EXAMPLES.");
        }

        foreach (var example in command.Examples.Where(e => e.Code.Count == 0))
        {
            Fail(title, $"'{example.Title}' has no fenced code block.");
        }

        foreach (var parameter in command.Parameters)
        {
            if (parameter.Metadata.Count == 0)
            {
                Fail(title, $"parameter -{parameter.Name} has no ```yaml block.");
            }

            if (parameter.Description.Count == 0)
            {
                Fail(title, $"parameter -{parameter.Name} has no description.");
            }
        }

        // The syntax blocks and the PARAMETERS section must name the same parameters, or help drifts.
        var documented = command.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var set in command.Syntax)
        {
            foreach (var name in set.ParameterNames.Where(n => !documented.Contains(n)))
            {
                Fail(title, $"syntax '{set.Name}' names -{name}, which has no '### -{name}' under PARAMETERS.");
            }
        }

        var inSyntax = command.Syntax.SelectMany(s => s.ParameterNames).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in command.Parameters.Where(p => !inSyntax.Contains(p.Name)))
        {
            Fail(title, $"parameter -{parameter.Name} is documented but appears in no SYNTAX block.");
        }

        return result;
    }

    private static object? StartEntry(CommandHelp command, string? section, string heading, Block at,
        Action<Block?, string> fail, out bool skip)
    {
        skip = false;
        switch (section)
        {
            case "SYNTAX":
            {
                const string defaultSuffix = "(Default)";
                var isDefault = heading.EndsWith(defaultSuffix, StringComparison.OrdinalIgnoreCase);
                var name = isDefault ? heading[..^defaultSuffix.Length].Trim() : heading;
                var set = new SyntaxSet { Name = name, IsDefault = isDefault };
                command.Syntax.Add(set);
                return set;
            }

            case "EXAMPLES":
            {
                var example = new ExampleHelp { Title = heading };
                command.Examples.Add(example);
                return example;
            }

            case "PARAMETERS":
            {
                if (heading.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase))
                {
                    // PlatyPS' fixed boilerplate; Get-Help adds the common parameters itself.
                    skip = true;
                    return null;
                }

                if (!heading.StartsWith('-') || heading.Length < 2)
                {
                    fail(at, $"parameter heading '### {heading}' must be '### -Name'.");
                    skip = true;
                    return null;
                }

                var parameter = new ParameterHelp { Name = heading[1..] };
                if (command.Parameters.Any(p => p.Name.Equals(parameter.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    fail(at, $"parameter -{parameter.Name} is documented twice.");
                }

                command.Parameters.Add(parameter);
                return parameter;
            }

            case "INPUTS":
            case "OUTPUTS":
            {
                var type = new TypeHelp { TypeName = heading };
                (section == "INPUTS" ? command.Inputs : command.Outputs).Add(type);
                return type;
            }

            default:
                fail(at, $"'### {heading}' is not expected under '## {section ?? "(no section)"}'.");
                skip = true;
                return null;
        }
    }

    private static void AddContent(CommandHelp command, string? section, object? entry, Block block,
        Action<Block?, string> fail)
    {
        switch (section)
        {
            case "SYNOPSIS":
                command.Synopsis.AddRange(Paragraphs(block));
                return;

            case "DESCRIPTION":
                command.Description.AddRange(Paragraphs(block));
                return;

            case "NOTES":
                command.Notes.AddRange(Paragraphs(block));
                return;

            case "RELATED LINKS":
                command.Links.AddRange(Links(block));
                return;

            case "SYNTAX" when block is FencedCodeBlock code && (entry is SyntaxSet || command.Syntax.Count == 0):
                // A single-set cmdlet's page has one fenced block and no '### SetName' heading.
                var set = entry as SyntaxSet ?? new SyntaxSet { Name = "__AllParameterSets", IsDefault = true };
                if (entry is null)
                {
                    command.Syntax.Add(set);
                }

                foreach (Match match in SyntaxParameterRegex().Matches(CodeText(code)))
                {
                    var name = match.Groups["name"].Value;
                    if (!set.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                    {
                        set.ParameterNames.Add(name);
                    }
                }

                return;

            case "EXAMPLES" when entry is ExampleHelp example:
                if (block is FencedCodeBlock exampleCode)
                {
                    example.Code.Add(CodeText(exampleCode));
                }
                else
                {
                    example.Remarks.AddRange(Paragraphs(block));
                }

                return;

            case "PARAMETERS" when entry is ParameterHelp parameter:
                if (block is FencedCodeBlock { Info: "yaml" } yaml)
                {
                    var metadata = ParseMetadata(CodeText(yaml), yaml, fail, parameter.Name);
                    parameter.Metadata.Add(metadata);
                }
                else
                {
                    parameter.Description.AddRange(Paragraphs(block));
                }

                return;

            case "INPUTS" or "OUTPUTS" when entry is TypeHelp type:
                type.Description.AddRange(Paragraphs(block));
                return;

            case "INPUTS" or "OUTPUTS" when entry is null && Paragraphs(block).All(string.IsNullOrWhiteSpace):
                return;
        }

        fail(block, $"unexpected content under '## {section ?? "(no section)"}'" +
            (entry is null ? " outside any '### ' entry." : "."));
    }

    private static ParameterMetadata ParseMetadata(string yaml, Block at, Action<Block?, string> fail,
        string parameterName)
    {
        var metadata = new ParameterMetadata();
        var seenType = false;
        foreach (var rawLine in yaml.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var match = YamlLineRegex().Match(line);
            if (!match.Success)
            {
                fail(at, $"-{parameterName}: cannot read yaml line '{line}'.");
                continue;
            }

            var value = match.Groups["value"].Value.Trim();
            switch (match.Groups["key"].Value.Trim().ToLowerInvariant())
            {
                case "type":
                    metadata.Type = value;
                    seenType = true;
                    break;
                case "parameter sets":
                    metadata.ParameterSets.AddRange(SplitList(value));
                    break;
                case "aliases":
                    metadata.Aliases.AddRange(SplitList(value).Where(a => !a.Equals("None", StringComparison.OrdinalIgnoreCase)));
                    break;
                case "accepted values":
                    metadata.AcceptedValues.AddRange(SplitList(value));
                    break;
                case "required":
                    metadata.Required = ParseBool(value, "Required");
                    break;
                case "position":
                    metadata.Position = value.Length == 0 ? "Named" : value;
                    break;
                case "default value":
                    metadata.DefaultValue = value.Length == 0 ? "None" : value;
                    break;
                case "accept pipeline input":
                    metadata.PipelineInput = value.Length == 0 ? "False" : value;
                    break;
                case "accept wildcard characters":
                    metadata.Globbing = ParseBool(value, "Accept wildcard characters");
                    break;
                case "applicable":
                    break; // PlatyPS module-applicability tag; not part of MAML.
                default:
                    fail(at, $"-{parameterName}: unknown yaml key '{match.Groups["key"].Value}'.");
                    break;
            }
        }

        if (!seenType)
        {
            fail(at, $"-{parameterName}: the yaml block has no 'Type:'.");
        }

        return metadata;

        bool ParseBool(string value, string key)
        {
            if (bool.TryParse(value, out var b))
            {
                return b;
            }

            fail(at, $"-{parameterName}: '{key}: {value}' must be True or False.");
            return false;
        }
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string> ReadFrontMatter(MarkdownDocument document, string text)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var block = document.Descendants<YamlFrontMatterBlock>().FirstOrDefault();
        if (block is null)
        {
            return values;
        }

        foreach (var rawLine in text.Substring(block.Span.Start, block.Span.Length).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var colon = line.IndexOf(':');
            if (line.StartsWith("---", StringComparison.Ordinal) || colon <= 0)
            {
                continue;
            }

            values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return values;
    }

    private static string CodeText(FencedCodeBlock code)
    {
        var lines = code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString());
        return string.Join("\n", lines).TrimEnd();
    }

    /// <summary>Plain-text paragraphs of a block: one per paragraph, list item or quote line.</summary>
    private static IEnumerable<string> Paragraphs(Block block)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                yield return InlineText(paragraph).Trim();
                break;
            case ListBlock list:
                var number = 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var bullet = list.IsOrdered ? $"{number++}. " : "- ";
                    var text = string.Join(" ", item.SelectMany(Paragraphs));
                    yield return bullet + text;
                }

                break;
            case QuoteBlock quote:
                foreach (var inner in quote.SelectMany(Paragraphs))
                {
                    yield return inner;
                }

                break;
            case CodeBlock code:
                yield return string.Join("\n", code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString())).TrimEnd();
                break;
            case ContainerBlock container:
                foreach (var inner in container.SelectMany(Paragraphs))
                {
                    yield return inner;
                }

                break;
        }
    }

    private static IEnumerable<LinkHelp> Links(Block block)
    {
        var links = block.Descendants<LinkInline>().ToList();
        if (links.Count > 0)
        {
            foreach (var link in links)
            {
                var text = InlineText(link).Trim();
                yield return new LinkHelp(text.Length > 0 ? text : link.Url ?? string.Empty, link.Url ?? string.Empty);
            }

            yield break;
        }

        foreach (var text in Paragraphs(block).Where(t => t.Length > 0))
        {
            yield return new LinkHelp(text.TrimStart('-', ' '), string.Empty);
        }
    }

    private static string InlineText(LeafBlock leaf)
    {
        var builder = new StringBuilder();
        if (leaf.Inline is not null)
        {
            AppendInlines(builder, leaf.Inline);
        }

        return builder.ToString();
    }

    private static string InlineText(ContainerInline container)
    {
        var builder = new StringBuilder();
        AppendInlines(builder, container);
        return builder.ToString();
    }

    private static void AppendInlines(StringBuilder builder, ContainerInline container)
    {
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    builder.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    builder.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    builder.Append(lineBreak.IsHard ? "\n" : " ");
                    break;
                case AutolinkInline autolink:
                    builder.Append(autolink.Url);
                    break;
                case HtmlEntityInline entity:
                    builder.Append(entity.Transcoded.ToString());
                    break;
                case HtmlInline html:
                    builder.Append(html.Tag);
                    break;
                case ContainerInline inner:
                    AppendInlines(builder, inner);
                    break;
            }
        }
    }
}
