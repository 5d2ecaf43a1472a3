using System.Text;
using System.Xml;

namespace KubeFromScratch.HelpBuilder;

/// <summary>
/// Writes MAML in the shape PlatyPS' New-ExternalHelp produces, element for element, because that is the
/// shape PowerShell's help system (Get-Help -Full, -Parameter, -Examples) is known to read correctly.
/// </summary>
public static class MamlWriter
{
    private const string MshNs = "http://msh";
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelpNs = "http://msdn.microsoft.com/mshelp";

    /// <summary>Writes all commands to one help file.</summary>
    public static void Write(string path, IEnumerable<CommandHelp> commands)
    {
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            NewLineChars = "\n",
        };

        using var writer = XmlWriter.Create(path, settings);
        writer.WriteStartDocument();
        writer.WriteStartElement("helpItems", MshNs);
        writer.WriteAttributeString("schema", "maml");
        foreach (var command in commands)
        {
            WriteCommand(writer, command);
        }

        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter w, CommandHelp command)
    {
        w.WriteStartElement("command", "command", CommandNs);
        w.WriteAttributeString("xmlns", "maml", null, MamlNs);
        w.WriteAttributeString("xmlns", "command", null, CommandNs);
        w.WriteAttributeString("xmlns", "dev", null, DevNs);
        w.WriteAttributeString("xmlns", "MSHelp", null, MsHelpNs);

        var dash = command.Name.IndexOf('-');
        w.WriteStartElement("command", "details", CommandNs);
        w.WriteElementString("command", "name", CommandNs, command.Name);
        w.WriteElementString("command", "verb", CommandNs, dash > 0 ? command.Name[..dash] : command.Name);
        w.WriteElementString("command", "noun", CommandNs, dash > 0 ? command.Name[(dash + 1)..] : string.Empty);
        WriteDescription(w, command.Synopsis);
        w.WriteEndElement(); // details

        WriteDescription(w, command.Description);

        var parameters = command.Parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        w.WriteStartElement("command", "syntax", CommandNs);
        foreach (var set in command.Syntax)
        {
            w.WriteStartElement("command", "syntaxItem", CommandNs);
            w.WriteElementString("maml", "name", MamlNs, command.Name);
            foreach (var name in set.ParameterNames)
            {
                if (parameters.TryGetValue(name, out var parameter) && parameter.Metadata.Count > 0)
                {
                    WriteParameter(w, parameter, parameter.For(set.Name), inSyntax: true);
                }
            }

            w.WriteEndElement(); // syntaxItem
        }

        w.WriteEndElement(); // syntax

        w.WriteStartElement("command", "parameters", CommandNs);
        foreach (var parameter in command.Parameters.Where(p => p.Metadata.Count > 0))
        {
            WriteParameter(w, parameter, parameter.Metadata[0], inSyntax: false);
        }

        w.WriteEndElement(); // parameters

        WriteTypes(w, "inputTypes", "inputType", command.Inputs);
        WriteTypes(w, "returnValues", "returnValue", command.Outputs);

        w.WriteStartElement("maml", "alertSet", MamlNs);
        w.WriteStartElement("maml", "alert", MamlNs);
        WriteParas(w, command.Notes);
        w.WriteEndElement(); // alert
        w.WriteEndElement(); // alertSet

        w.WriteStartElement("command", "examples", CommandNs);
        foreach (var example in command.Examples)
        {
            w.WriteStartElement("command", "example", CommandNs);
            w.WriteElementString("maml", "title", MamlNs, $"-------------------------- {example.Title} --------------------------");
            w.WriteElementString("dev", "code", DevNs, string.Join("\n\n", example.Code));
            w.WriteStartElement("dev", "remarks", DevNs);
            WriteParas(w, example.Remarks);
            w.WriteEndElement(); // remarks
            w.WriteEndElement(); // example
        }

        w.WriteEndElement(); // examples

        w.WriteStartElement("command", "relatedLinks", CommandNs);
        if (command.OnlineVersion is not null)
        {
            WriteLink(w, new LinkHelp("Online Version:", command.OnlineVersion));
        }

        foreach (var link in command.Links)
        {
            WriteLink(w, link);
        }

        w.WriteEndElement(); // relatedLinks
        w.WriteEndElement(); // command
    }

    private static void WriteParameter(XmlWriter w, ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
    {
        w.WriteStartElement("command", "parameter", CommandNs);
        w.WriteAttributeString("required", Lower(metadata.Required));
        w.WriteAttributeString("variableLength", "true");
        w.WriteAttributeString("globbing", Lower(metadata.Globbing));
        w.WriteAttributeString("pipelineInput", metadata.PipelineInput);
        w.WriteAttributeString("position", metadata.Position.ToLowerInvariant());
        w.WriteAttributeString("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none");
        w.WriteElementString("maml", "name", MamlNs, parameter.Name);
        WriteDescription(w, parameter.Description);

        if (inSyntax && metadata.AcceptedValues.Count > 0)
        {
            w.WriteStartElement("command", "parameterValueGroup", CommandNs);
            foreach (var value in metadata.AcceptedValues)
            {
                w.WriteStartElement("command", "parameterValue", CommandNs);
                w.WriteAttributeString("required", "false");
                w.WriteAttributeString("command", "variableLength", CommandNs, "false");
                w.WriteString(value);
                w.WriteEndElement();
            }

            w.WriteEndElement(); // parameterValueGroup
        }

        // A switch takes no value, so its syntax line shows no <Type> (PlatyPS leaves the element out).
        if (!inSyntax || !metadata.IsSwitch)
        {
            w.WriteStartElement("command", "parameterValue", CommandNs);
            w.WriteAttributeString("required", Lower(!metadata.IsSwitch));
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(metadata.Type);
            w.WriteEndElement();
        }

        w.WriteStartElement("dev", "type", DevNs);
        w.WriteElementString("maml", "name", MamlNs, metadata.Type);
        w.WriteStartElement("maml", "uri", MamlNs);
        w.WriteEndElement();
        w.WriteEndElement(); // type
        w.WriteElementString("dev", "defaultValue", DevNs, metadata.IsSwitch && metadata.DefaultValue == "None" ? "False" : metadata.DefaultValue);
        w.WriteEndElement(); // parameter
    }

    private static void WriteTypes(XmlWriter w, string listName, string itemName, List<TypeHelp> types)
    {
        w.WriteStartElement("command", listName, CommandNs);
        foreach (var type in types)
        {
            w.WriteStartElement("command", itemName, CommandNs);
            w.WriteStartElement("dev", "type", DevNs);
            w.WriteElementString("maml", "name", MamlNs, type.TypeName);
            w.WriteEndElement(); // type
            WriteDescription(w, type.Description);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void WriteLink(XmlWriter w, LinkHelp link)
    {
        w.WriteStartElement("maml", "navigationLink", MamlNs);
        w.WriteElementString("maml", "linkText", MamlNs, link.Text);
        w.WriteElementString("maml", "uri", MamlNs, link.Uri);
        w.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter w, List<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", MamlNs);
        WriteParas(w, paragraphs);
        w.WriteEndElement();
    }

    private static void WriteParas(XmlWriter w, List<string> paragraphs)
    {
        if (paragraphs.Count == 0)
        {
            // PlatyPS writes one empty para rather than an empty element.
            w.WriteElementString("maml", "para", MamlNs, string.Empty);
            return;
        }

        foreach (var paragraph in paragraphs)
        {
            w.WriteElementString("maml", "para", MamlNs, paragraph);
        }
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
