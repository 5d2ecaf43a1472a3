using System.Globalization;
using System.Text;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// Parses OpenSSH client config text, in particular the output of <c>vagrant ssh-config</c>, into one
/// <see cref="SshConfigHost"/> per <c>Host</c> block.
/// </summary>
/// <remarks>
/// Follows OpenSSH's reading rules: keywords are case-insensitive and separated from their values by whitespace or
/// one <c>=</c>; <c>#</c> starts a comment; values may be quoted with double or single quotes; the first value given
/// for a setting wins, so settings before the first <c>Host</c> line apply to every block and override it.
/// <c>Match</c> blocks are skipped, since they depend on runtime conditions this parser cannot evaluate.
/// Each block is returned on its own: one block's settings are not merged into another's, even when its
/// <c>Host</c> pattern would match.
/// </remarks>
public static class SshConfigParser
{
    private const string ErrorId = "SshConfigInvalid";

    /// <summary>Parses the config text into its <c>Host</c> blocks, in the order they appear.</summary>
    /// <param name="text">The config text; LF or CRLF line endings.</param>
    /// <returns>One entry per <c>Host</c> line.</returns>
    /// <exception cref="KfsException">
    /// SshConfigInvalid (InvalidData): a line has no value, an unclosed quote, or a port that is not a number from
    /// 1 to 65535. The message names the line.
    /// </exception>
    public static IReadOnlyList<SshConfigHost> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var global = new List<Setting>();
        var sections = new List<(string Name, List<Setting> Settings)>();

        // Null while inside a Match block, whose settings are dropped.
        List<Setting>? current = global;
        string? currentName = null;

        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var setting = ParseLine(lines[i].TrimEnd('\r'), lineNumber, currentName);
            if (setting is null)
            {
                continue;
            }

            if (Is(setting.Keyword, "Host"))
            {
                currentName = setting.Args[0];
                current = [];
                sections.Add((currentName, current));
                continue;
            }

            if (Is(setting.Keyword, "Match"))
            {
                currentName = null;
                current = null;
                continue;
            }

            // Checked where it is read, even in a skipped block, so the error names the line the user must fix.
            if (Is(setting.Keyword, "Port"))
            {
                ParsePort(setting, currentName);
            }

            current?.Add(setting);
        }

        return sections.Select(s => Build(s.Name, global.Concat(s.Settings))).ToList();
    }

    private static SshConfigHost Build(string name, IEnumerable<Setting> settings)
    {
        string? hostName = null;
        int? port = null;
        string? user = null;
        var identityFiles = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        foreach (var setting in settings)
        {
            var first = setting.Args[0];
            if (Is(setting.Keyword, "HostName"))
            {
                hostName ??= first;
            }
            else if (Is(setting.Keyword, "Port"))
            {
                port ??= ParsePort(setting, name);
            }
            else if (Is(setting.Keyword, "User"))
            {
                user ??= first;
            }
            else if (Is(setting.Keyword, "IdentityFile"))
            {
                // Unlike other settings, every IdentityFile counts: ssh tries them in order.
                identityFiles.Add(ExpandHome(first));
            }
            else
            {
                options.TryAdd(setting.Keyword, setting.Value);
            }
        }

        return new SshConfigHost(name, hostName ?? name, port ?? 22, user, identityFiles, options);
    }

    private static int ParsePort(Setting setting, string? hostName)
    {
        var value = setting.Args[0];
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) &&
            port is >= 1 and <= 65535)
        {
            return port;
        }

        throw Invalid(hostName, setting.LineNumber,
            $"sets Port to '{value}', which is not a port number. Use a whole number from 1 to 65535, " +
            "for example 'Port 2222'.");
    }

    /// <summary>
    /// Splits one line into keyword and arguments, or returns null for a blank line or comment.
    /// </summary>
    private static Setting? ParseLine(string line, int lineNumber, string? hostName)
    {
        var pos = SkipBlanks(line, 0);
        if (pos == line.Length || line[pos] == '#')
        {
            return null;
        }

        var start = pos;
        while (pos < line.Length && !IsBlank(line[pos]) && line[pos] != '=')
        {
            pos++;
        }

        var keyword = line[start..pos];

        // OpenSSH allows "Keyword value", "Keyword=value" and "Keyword = value": at most one '='.
        pos = SkipBlanks(line, pos);
        if (pos < line.Length && line[pos] == '=')
        {
            pos = SkipBlanks(line, pos + 1);
        }

        if (keyword.Length == 0)
        {
            throw Invalid(hostName, lineNumber,
                "starts with '=' instead of a keyword. Write it as 'Keyword value', for example 'Port 2222'.");
        }

        var (args, end) = SplitArgs(line, pos, lineNumber, hostName, keyword);
        if (args.Count == 0)
        {
            throw Invalid(hostName, lineNumber,
                $"has the keyword '{keyword}' but no value. Add the value after it, or remove the line.");
        }

        // A single word is stored unquoted; several keep their original spelling, since options like
        // ProxyCommand are whole command lines whose quoting matters to whoever runs them.
        var value = args.Count == 1 ? args[0] : line[pos..end].TrimEnd();
        return new Setting(lineNumber, keyword, args, value);
    }

    /// <summary>
    /// OpenSSH's argument splitting: whitespace separates words; double or single quotes group a word with spaces;
    /// a backslash escapes only a quote, a backslash, or (outside quotes) a space, so Windows paths keep their
    /// backslashes; a word starting with '#' begins a comment.
    /// </summary>
    private static (List<string> Args, int End) SplitArgs(string line, int pos, int lineNumber, string? hostName,
        string keyword)
    {
        var args = new List<string>();
        var word = new StringBuilder();
        while (true)
        {
            pos = SkipBlanks(line, pos);
            if (pos == line.Length || line[pos] == '#')
            {
                return (args, pos);
            }

            word.Clear();
            char quote = '\0';
            var quoteStart = pos;
            for (; pos < line.Length; pos++)
            {
                var c = line[pos];
                if (quote == '\0' && IsBlank(c))
                {
                    break;
                }

                if (c == '\\' && pos + 1 < line.Length)
                {
                    var next = line[pos + 1];
                    if (next is '\'' or '"' or '\\' || (quote == '\0' && IsBlank(next)))
                    {
                        word.Append(next);
                        pos++;
                        continue;
                    }
                }

                if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                    quoteStart = pos;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }

            if (quote != '\0')
            {
                throw Invalid(hostName, lineNumber,
                    $"has a {(quote == '"' ? "double" : "single")} quote at column {quoteStart + 1} of the " +
                    $"'{keyword}' value that is never closed. Add the closing quote at the end of the value.");
            }

            args.Add(word.ToString());
        }
    }

    private static string ExpandHome(string path)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith(@"~\", StringComparison.Ordinal))
        {
            return Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        return path;
    }

    private static int SkipBlanks(string line, int pos)
    {
        while (pos < line.Length && IsBlank(line[pos]))
        {
            pos++;
        }

        return pos;
    }

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\r';

    private static bool Is(string keyword, string expected) =>
        string.Equals(keyword, expected, StringComparison.OrdinalIgnoreCase);

    private static KfsException Invalid(string? hostName, int lineNumber, string problem) =>
        new(ErrorId, KfsErrorCategory.InvalidData, hostName,
            $"Line {lineNumber} of the SSH config{(hostName is null ? "" : $" (Host {hostName})")} {problem}");

    private sealed record Setting(int LineNumber, string Keyword, IReadOnlyList<string> Args, string Value);
}
