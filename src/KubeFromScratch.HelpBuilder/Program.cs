namespace KubeFromScratch.HelpBuilder;

/// <summary>
/// Entry point: <c>KubeFromScratch.HelpBuilder --source en-US --output out/KubeFromScratch/en-US/KubeFromScratch.dll-Help.xml</c>.
/// Exit codes: 0 written, 1 a markdown file is malformed (every problem is listed), 2 bad arguments.
/// </summary>
public static class Program
{
    /// <summary>Runs the builder.</summary>
    public static int Main(string[] args)
    {
        string? source = null;
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--source" when i + 1 < args.Length:
                    source = args[++i];
                    break;
                case "--output" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
                    return Usage();
            }
        }

        if (source is null || output is null)
        {
            return Usage();
        }

        if (!Directory.Exists(source))
        {
            Console.Error.WriteLine($"Source folder '{source}' does not exist.");
            return 2;
        }

        var commands = new List<CommandHelp>();
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(source, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);

            // about_ topics ship as .help.txt, and a PlatyPS module page (front matter "Module Guid") is not
            // cmdlet help; neither belongs in the MAML file.
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("README", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var result = MarkdownHelpReader.Read(file);
            if (result.IsModulePage)
            {
                continue;
            }

            problems.AddRange(result.Problems);
            if (result.Command is not null)
            {
                commands.Add(result.Command);
            }
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine(problem);
            }

            Console.Error.WriteLine($"{problems.Count} problem(s) in {source}; no help written.");
            return 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        MamlWriter.Write(output, commands);
        Console.WriteLine(
            $"Wrote {output}: {commands.Count} command(s){(commands.Count > 0 ? ": " + string.Join(", ", commands.Select(c => c.Name)) : string.Empty)}.");
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("Usage: KubeFromScratch.HelpBuilder --source <folder of *.md> --output <file-Help.xml>");
        return 2;
    }
}
