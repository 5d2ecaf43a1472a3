using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Preflight;

/// <summary>One active swap area, a line of /proc/swaps.</summary>
/// <param name="FileName">The device or file (octal escapes such as \040 undone).</param>
/// <param name="Type">partition or file.</param>
/// <param name="SizeKiB">Its size in KiB.</param>
/// <param name="UsedKiB">How much of it is in use, in KiB.</param>
/// <param name="Priority">Its priority.</param>
public sealed record SwapArea(string FileName, string Type, long SizeKiB, long UsedKiB, int Priority);

/// <summary>A process holding a listening socket, as <c>ss -p</c> names it.</summary>
/// <param name="Name">The process name (the kernel's comm: at most 15 characters).</param>
/// <param name="Pid">Its process id.</param>
public sealed record ListenerProcess(string Name, int Pid);

/// <summary>One listening TCP socket, a line of <c>ss -ltnpH</c>.</summary>
/// <param name="Address">The local address without brackets (0.0.0.0, ::, *, 172.17.8.101, 127.0.0.53%lo).</param>
/// <param name="Port">The local port.</param>
/// <param name="Processes">Who holds it; empty when ss could not see the owner (another user's process without root,
/// or a process outside the host's process namespace).</param>
public sealed record ListeningSocket(string Address, int Port, IReadOnlyList<ListenerProcess> Processes)
{
    /// <summary>The local address and port as ss prints them (IPv6 in brackets).</summary>
    public string Endpoint => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>
/// Readers of what the preflight probe prints on a host: /etc/os-release, /proc/swaps, /proc/meminfo, <c>ss -ltnpH</c>,
/// <c>date +%s.%N</c>. Each takes the text exactly as the host printed it and never throws on odd input: what cannot
/// be read is left out, and the check that needs it says so.
/// </summary>
public static partial class PreflightParsers
{
    [GeneratedRegex(@"\(""(?<name>(?:[^""\\]|\\.)*)"",pid=(?<pid>\d+)(?:,fd=\d+)?\)", RegexOptions.CultureInvariant)]
    private static partial Regex SsProcessPattern();

    [GeneratedRegex(@"^(?<s>\d+)(?:\.(?<f>\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex EpochPattern();

    /// <summary>
    /// Reads os-release(5): KEY=value lines, values optionally in double or single quotes with shell escapes
    /// (\" \\ \$ \`) inside double quotes; comments and blank lines skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseOsRelease(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r').Trim();
            int eq = line.IndexOf('=');
            if (line.Length == 0 || line[0] == '#' || eq <= 0)
            {
                continue;
            }

            string key = line[..eq];
            string value = line[(eq + 1)..];
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                var unescaped = new StringBuilder(value.Length);
                for (int i = 1; i < value.Length - 1; i++)
                {
                    if (value[i] == '\\' && i + 1 < value.Length - 1 && value[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    unescaped.Append(value[i]);
                }

                value = unescaped.ToString();
            }
            else if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                value = value[1..^1];
            }

            values[key] = value;
        }

        return values;
    }

    /// <summary>
    /// The Kubernetes name of a machine architecture as <c>uname -m</c> prints it (x86_64: amd64; aarch64 and arm64:
    /// arm64), or null for one whose binaries are not installed by this module.
    /// </summary>
    public static string? KubeArchitecture(string machine) => machine switch
    {
        "x86_64" or "amd64" => "amd64",
        "aarch64" or "arm64" => "arm64",
        _ => null,
    };

    /// <summary>
    /// Reads /proc/swaps: a header line (Filename Type Size Used Priority), then one line per active swap area, its
    /// file name with the kernel's octal escapes (a space is \040).
    /// </summary>
    public static IReadOnlyList<SwapArea> ParseSwaps(string text)
    {
        var areas = new List<SwapArea>();
        foreach (string raw in text.Split('\n'))
        {
            string[] f = raw.TrimEnd('\r').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[0] == "Filename")
            {
                continue;
            }

            if (long.TryParse(f[^3], NumberStyles.None, CultureInfo.InvariantCulture, out long size) &&
                long.TryParse(f[^2], NumberStyles.None, CultureInfo.InvariantCulture, out long used) &&
                int.TryParse(f[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int priority))
            {
                // Escaped names have no blanks, but join what is left anyway rather than lose part of a name.
                areas.Add(new SwapArea(UnescapeOctal(string.Join(' ', f[..^4])), f[^4], size, used, priority));
            }
        }

        return areas;
    }

    /// <summary>
    /// Reads <c>ss -ltnpH</c>: per line the state, the queues, the local address:port, the peer, and, when ss could
    /// see the owner, <c>users:(("name",pid=N,fd=M),...)</c>. Addresses come as 0.0.0.0:22, [::]:22, *:10250,
    /// 127.0.0.53%lo:53 or [fe80::1%eth0]:22.
    /// </summary>
    public static IReadOnlyList<ListeningSocket> ParseListeners(string text)
    {
        var sockets = new List<ListeningSocket>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            string[] f = line.Split((char[]?)null, 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[0] != "LISTEN")
            {
                continue;
            }

            string local = f[3];
            int colon = local.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
            {
                continue;
            }

            string address = local[..colon];
            if (address.StartsWith('[') && address.EndsWith(']'))
            {
                address = address[1..^1];
            }

            var processes = new List<ListenerProcess>();
            if (f.Length == 6)
            {
                foreach (Match m in SsProcessPattern().Matches(f[5]))
                {
                    string name = m.Groups["name"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                    processes.Add(new ListenerProcess(name, int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)));
                }
            }

            sockets.Add(new ListeningSocket(address, port, processes));
        }

        return sockets;
    }

    /// <summary>MemTotal from /proc/meminfo, in bytes (the kernel prints kB, meaning KiB), or null.</summary>
    public static long? ParseMemTotal(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string[] f = raw.TrimEnd('\r').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0] == "MemTotal:" && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
            {
                return kib * 1024;
            }
        }

        return null;
    }

    /// <summary>KEY=value lines (the probe's sysctl section); the last value of a key wins, an empty value is kept.</summary>
    public static IReadOnlyDictionary<string, string> ParseKeyValues(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            int eq = line.IndexOf('=');
            if (eq > 0)
            {
                values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return values;
    }

    /// <summary>
    /// The instant <c>date +%s.%N</c> printed (seconds since the epoch, nanoseconds after the dot), or null. A date
    /// without %N (BusyBox prints the letter N or nothing) still gives whole seconds.
    /// </summary>
    public static DateTimeOffset? ParseEpoch(string text)
    {
        string s = text.Trim();
        if (s.EndsWith(".N", StringComparison.Ordinal))
        {
            s = s[..^2];
        }

        Match m = EpochPattern().Match(s);
        if (!m.Success || !long.TryParse(m.Groups["s"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            || seconds > 253402300799)
        {
            return null;
        }

        // Ticks are 100 ns: the first 7 fraction digits, exactly, without going through floating point.
        string fraction = m.Groups["f"].Success ? m.Groups["f"].Value : string.Empty;
        long ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(ticks);
    }

    /// <summary>Undoes the kernel's octal escapes in /proc files (\040 space, \011 tab, \012 newline, \134 backslash).</summary>
    public static string UnescapeOctal(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length && IsOctal(value[i + 1]) && IsOctal(value[i + 2]) && IsOctal(value[i + 3]))
            {
                sb.Append((char)(((value[i + 1] - '0') * 64) + ((value[i + 2] - '0') * 8) + (value[i + 3] - '0')));
                i += 3;
            }
            else
            {
                sb.Append(value[i]);
            }
        }

        return sb.ToString();

        static bool IsOctal(char c) => c is >= '0' and <= '7';
    }
}
