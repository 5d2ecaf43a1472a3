using System.Globalization;

namespace KubeFromScratch.Engine.Preflight;

/// <summary>One part of the probe's output: what one command printed (standard error included) and its exit status.</summary>
/// <param name="Text">The output, without the blank lines the probe adds around it.</param>
/// <param name="ExitCode">The command's exit status; null when the probe printed none (it was cut short).</param>
public sealed record PreflightSection(string Text, int? ExitCode)
{
    /// <summary>The output's lines.</summary>
    public IReadOnlyList<string> Lines => Text.Length == 0 ? Array.Empty<string>() : Text.Split('\n');

    /// <summary>The first line, trimmed, or an empty string.</summary>
    public string FirstLine => Lines.Count == 0 ? string.Empty : Lines[0].Trim();
}

/// <summary>
/// What the preflight probe printed on one host, split into its sections. The probe prints each section as a line
/// <c>@@kfs NAME</c>, the command's output, and a line <c>@@kfs-rc STATUS</c>.
/// </summary>
public sealed class PreflightProbe
{
    /// <summary>The line that opens a section.</summary>
    public const string SectionMarker = "@@kfs ";

    /// <summary>The line that closes a section with the command's exit status.</summary>
    public const string ExitMarker = "@@kfs-rc ";

    private readonly Dictionary<string, PreflightSection> _sections;

    private PreflightProbe(Dictionary<string, PreflightSection> sections)
    {
        _sections = sections;
    }

    /// <summary>The sections by name, in no particular order.</summary>
    public IReadOnlyDictionary<string, PreflightSection> Sections => _sections;

    /// <summary>The section named <paramref name="name"/>, or null when the probe did not print it.</summary>
    public PreflightSection? this[string name] => _sections.TryGetValue(name, out var s) ? s : null;

    /// <summary>Splits the probe's standard output into sections. Text outside any section is ignored.</summary>
    public static PreflightProbe Parse(string output)
    {
        var sections = new Dictionary<string, PreflightSection>(StringComparer.Ordinal);
        string? name = null;
        var lines = new List<string>();

        void Close(int? exitCode)
        {
            if (name is null)
            {
                return;
            }

            // The probe puts a newline before every marker so that output without a final newline still ends its
            // line; the blank lines that leaves are not the command's.
            int end = lines.Count;
            while (end > 0 && lines[end - 1].Length == 0)
            {
                end--;
            }

            int start = 0;
            while (start < end && lines[start].Length == 0)
            {
                start++;
            }

            sections[name] = new PreflightSection(string.Join('\n', lines.Skip(start).Take(end - start)), exitCode);
            name = null;
            lines.Clear();
        }

        foreach (string raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith(ExitMarker, StringComparison.Ordinal))
            {
                Close(int.TryParse(line.AsSpan(ExitMarker.Length).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int rc) ? rc : null);
            }
            else if (line.StartsWith(SectionMarker, StringComparison.Ordinal))
            {
                Close(null);
                name = line[SectionMarker.Length..].Trim();
            }
            else if (name is not null)
            {
                lines.Add(line);
            }
        }

        Close(null);
        return new PreflightProbe(sections);
    }
}
