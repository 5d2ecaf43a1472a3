using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Commands.Lab;

/// <summary>One scripted lab step: a Pester file in the module's Labs folder, named for its slide (07-kube-proxy.Tests.ps1).</summary>
/// <param name="Number">The slide number in the workshop deck (WORKSHOP.md's numbering).</param>
/// <param name="Name">The step's name (kube-proxy).</param>
/// <param name="Title">The title of its first Describe block ("Slide 7: kube-proxy runs on every host"), for completion tooltips.</param>
/// <param name="Path">The check file.</param>
internal sealed record KubeLabStep(int Number, string Name, string Title, string Path)
{
    /// <summary>How the step is shown: "7 kube-proxy".</summary>
    public string Label => $"{Number.ToString(CultureInfo.InvariantCulture)} {Name}";
}

/// <summary>
/// The lab material shipped in the module: the check files (Labs/NN-name.Tests.ps1) and the Should operators
/// (Labs/Assertions.ps1). The files are the only list of steps, so a step exists exactly when its file ships.
/// </summary>
internal static class KubeLabFiles
{
    private static readonly Regex StepFile = new(@"^(?<number>\d{1,3})-(?<name>[a-z0-9][a-z0-9-]*)\.Tests\.ps1$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    private static readonly Regex DescribeTitle = new(@"^\s*Describe\s+'(?<title>(?:[^']|'')+)'", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    private static readonly Lazy<IReadOnlyList<KubeLabStep>> Cached = new(() => Discover(LabsDirectory));

    /// <summary>The folder the module's assemblies are in (the module base).</summary>
    public static string ModuleDirectory { get; } = System.IO.Path.GetDirectoryName(typeof(KubeLabFiles).Assembly.Location)!;

    /// <summary>The module's Labs folder.</summary>
    public static string LabsDirectory => System.IO.Path.Combine(ModuleDirectory, "Labs");

    /// <summary>The script that registers Should -BeHealthy, -BeReady and -BeActive with Pester.</summary>
    public static string AssertionsPath => System.IO.Path.Combine(LabsDirectory, "Assertions.ps1");

    /// <summary>The shipped steps in slide order (read once per process: the module's files do not change under it).</summary>
    public static IReadOnlyList<KubeLabStep> Steps => Cached.Value;

    /// <summary>The steps found in <paramref name="directory"/>, in slide order; none when it does not exist.</summary>
    internal static IReadOnlyList<KubeLabStep> Discover(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return Array.Empty<KubeLabStep>();
        }

        var steps = new List<KubeLabStep>();
        foreach (string path in Directory.EnumerateFiles(directory, "*.Tests.ps1"))
        {
            var match = StepFile.Match(System.IO.Path.GetFileName(path));
            if (!match.Success)
            {
                continue;
            }

            string name = match.Groups["name"].Value.ToLowerInvariant();
            int number = int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
            string title = $"Slide {number.ToString(CultureInfo.InvariantCulture)}: {name}";
            try
            {
                var described = DescribeTitle.Match(File.ReadAllText(path));
                if (described.Success)
                {
                    title = described.Groups["title"].Value.Replace("''", "'", StringComparison.Ordinal);
                }
            }
            catch (IOException)
            {
                // The title is only for tooltips; the step still runs (and Pester reports the unreadable file).
            }

            steps.Add(new KubeLabStep(number, name, title, path));
        }

        return steps.OrderBy(s => s.Number).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The steps <paramref name="selectors"/> name (slide numbers, names, or name wildcards), in slide order, each
    /// once; every step when there are none. Selectors that match nothing are returned in <paramref name="unknown"/>.
    /// </summary>
    public static IReadOnlyList<KubeLabStep> Select(IReadOnlyList<KubeLabStep> steps, IReadOnlyList<string> selectors, out IReadOnlyList<string> unknown)
    {
        var missing = new List<string>();
        unknown = missing;
        if (selectors.Count == 0)
        {
            return steps;
        }

        var picked = new HashSet<KubeLabStep>();
        foreach (string raw in selectors)
        {
            string selector = raw.Trim();
            IEnumerable<KubeLabStep> matches;
            if (int.TryParse(selector, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
            {
                matches = steps.Where(s => s.Number == number);
            }
            else
            {
                // "kube-proxy", "kubelet-*", and the file's own base name ("07-kube-proxy") all name a step.
                var pattern = new WildcardPattern(selector, WildcardOptions.IgnoreCase);
                matches = steps.Where(s => pattern.IsMatch(s.Name) || pattern.IsMatch($"{s.Number:00}-{s.Name}"));
            }

            bool any = false;
            foreach (var step in matches)
            {
                any = true;
                picked.Add(step);
            }

            if (!any)
            {
                missing.Add(raw);
            }
        }

        return steps.Where(picked.Contains).ToArray();
    }
}

/// <summary>Completes -Step of Test-KubeLab: slide numbers when digits were typed, step names otherwise.</summary>
public sealed class KubeLabStepCompleter : IArgumentCompleter
{
    /// <summary>Returns the matching steps, in slide order.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        bool digits = prefix.Length > 0 && prefix.All(char.IsAsciiDigit);
        foreach (var step in KubeLabFiles.Steps)
        {
            string tooltip = step.Title;
            if (digits)
            {
                string number = step.Number.ToString(CultureInfo.InvariantCulture);
                if (number.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return new CompletionResult(number, step.Label, CompletionResultType.ParameterValue, tooltip);
                }
            }
            else if (step.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(step.Name, step.Label, CompletionResultType.ParameterValue, tooltip);
            }
        }
    }
}
