namespace KubeFromScratch.HelpBuilder;

/// <summary>One cmdlet's help as read from its PlatyPS markdown page.</summary>
public sealed class CommandHelp
{
    /// <summary>Verb-Noun.</summary>
    public required string Name { get; init; }

    /// <summary>The "online version:" front matter value, if any.</summary>
    public string? OnlineVersion { get; set; }

    /// <summary>SYNOPSIS paragraphs.</summary>
    public List<string> Synopsis { get; } = [];

    /// <summary>DESCRIPTION paragraphs.</summary>
    public List<string> Description { get; } = [];

    /// <summary>SYNTAX: one entry per parameter set, in page order.</summary>
    public List<SyntaxSet> Syntax { get; } = [];

    /// <summary>PARAMETERS, in page order, without CommonParameters.</summary>
    public List<ParameterHelp> Parameters { get; } = [];

    /// <summary>INPUTS.</summary>
    public List<TypeHelp> Inputs { get; } = [];

    /// <summary>OUTPUTS.</summary>
    public List<TypeHelp> Outputs { get; } = [];

    /// <summary>NOTES paragraphs.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>EXAMPLES.</summary>
    public List<ExampleHelp> Examples { get; } = [];

    /// <summary>RELATED LINKS.</summary>
    public List<LinkHelp> Links { get; } = [];
}

/// <summary>One parameter set from SYNTAX: its name and the parameters its syntax block names, in order.</summary>
public sealed class SyntaxSet
{
    /// <summary>The set name without " (Default)"; __AllParameterSets for a single-set cmdlet.</summary>
    public required string Name { get; init; }

    /// <summary>Whether the heading said (Default).</summary>
    public bool IsDefault { get; init; }

    /// <summary>Parameter names (no dash) as written in the syntax block, CommonParameters left out.</summary>
    public List<string> ParameterNames { get; } = [];
}

/// <summary>One parameter from PARAMETERS.</summary>
public sealed class ParameterHelp
{
    /// <summary>Name without the dash.</summary>
    public required string Name { get; init; }

    /// <summary>Description paragraphs.</summary>
    public List<string> Description { get; } = [];

    /// <summary>
    /// One metadata block per yaml fence; PlatyPS writes several when Required or Position differ between sets.
    /// </summary>
    public List<ParameterMetadata> Metadata { get; } = [];

    /// <summary>The metadata that applies to a set: the block naming it, else the (All) block, else the first.</summary>
    public ParameterMetadata For(string setName) =>
        Metadata.FirstOrDefault(m => m.ParameterSets.Contains(setName, StringComparer.OrdinalIgnoreCase))
        ?? Metadata.FirstOrDefault(m => m.AppliesToAllSets)
        ?? Metadata[0];
}

/// <summary>The yaml block under a parameter.</summary>
public sealed class ParameterMetadata
{
    /// <summary>Type, e.g. String[] or SwitchParameter.</summary>
    public string Type { get; set; } = "Object";

    /// <summary>"(All)" or set names.</summary>
    public List<string> ParameterSets { get; } = [];

    /// <summary>Whether the block says "Parameter Sets: (All)".</summary>
    public bool AppliesToAllSets => ParameterSets.Count == 0 ||
        ParameterSets.Any(s => s.Equals("(All)", StringComparison.OrdinalIgnoreCase));

    /// <summary>Aliases; empty for "None".</summary>
    public List<string> Aliases { get; } = [];

    /// <summary>Accepted values (ValidateSet / enum), if given.</summary>
    public List<string> AcceptedValues { get; } = [];

    /// <summary>Required: True/False.</summary>
    public bool Required { get; set; }

    /// <summary>"Named" or a number.</summary>
    public string Position { get; set; } = "Named";

    /// <summary>Default value text; "None" when not given.</summary>
    public string DefaultValue { get; set; } = "None";

    /// <summary>E.g. "True (ByPropertyName, ByValue)" or "False".</summary>
    public string PipelineInput { get; set; } = "False";

    /// <summary>Accept wildcard characters.</summary>
    public bool Globbing { get; set; }

    /// <summary>Whether this is a switch (no value in the syntax).</summary>
    public bool IsSwitch => Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase) ||
        Type.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An INPUTS or OUTPUTS entry.</summary>
public sealed class TypeHelp
{
    /// <summary>Type name as the heading gives it.</summary>
    public required string TypeName { get; init; }

    /// <summary>Description paragraphs.</summary>
    public List<string> Description { get; } = [];
}

/// <summary>One example.</summary>
public sealed class ExampleHelp
{
    /// <summary>"Example 1: ...".</summary>
    public required string Title { get; init; }

    /// <summary>Fenced code blocks, in order.</summary>
    public List<string> Code { get; } = [];

    /// <summary>Text paragraphs around the code.</summary>
    public List<string> Remarks { get; } = [];
}

/// <summary>A RELATED LINKS entry.</summary>
public sealed record LinkHelp(string Text, string Uri);
