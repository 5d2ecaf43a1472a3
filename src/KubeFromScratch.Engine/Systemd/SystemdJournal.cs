using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.Systemd;

/// <summary>Reads a unit's journal over SSH as JSON (`journalctl -o json`), once or following.</summary>
public static class SystemdJournal
{
    /// <summary>
    /// The journalctl command line. Following runs behind a watchdog that kills journalctl when our side closes
    /// standard input, so Ctrl-C leaves nothing running on the host, also through sudo.
    /// </summary>
    public static string Command(IReadOnlyList<string> units, int? lines, DateTimeOffset? since, bool follow)
    {
        var args = new StringBuilder("journalctl --no-pager -o json --output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_PID,__REALTIME_TIMESTAMP");
        foreach (string unit in units)
        {
            args.Append(" -u ").Append(ShellQuote.Quote(unit));
        }

        if (lines is { } n)
        {
            args.Append(" -n ").Append(n.ToString(CultureInfo.InvariantCulture));
        }

        if (since is { } s)
        {
            args.Append(" --since ").Append(ShellQuote.Quote("@" + s.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }

        if (!follow)
        {
            return args.ToString();
        }

        // fd 3 keeps the real standard input: a background job's own stdin is /dev/null in a non-interactive sh.
        // When our side closes it (Ctrl-C), cat ends and the watchdog kills journalctl.
        args.Append(" -f");
        return $"exec 3<&0; {args} </dev/null & p=$!; {{ cat <&3 >/dev/null; kill $p 2>/dev/null; }} & w=$!; wait $p; r=$?; kill $w 2>/dev/null; exit $r";
    }

    /// <summary>Parses one line of `journalctl -o json`; null for lines that are not entries.</summary>
    public static KubeJournalEntry? ParseLine(string host, string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line[0] != '{')
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            long micros = long.Parse(Field(e, "__REALTIME_TIMESTAMP") ?? "0", CultureInfo.InvariantCulture);
            var time = DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).AddTicks(micros % 1000 * 10);
            // systemd's own lines about a unit ("Started etcd.service") come from PID 1, whose _SYSTEMD_UNIT is
            // init.scope; UNIT names the unit they are about, which is the one the caller asked for.
            string unit = Field(e, "UNIT") ?? Field(e, "_SYSTEMD_UNIT") ?? string.Empty;
            int priority = int.TryParse(Field(e, "PRIORITY"), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : 6;
            int? pid = int.TryParse(Field(e, "_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out int pd) ? pd : null;
            return new KubeJournalEntry(host, time, unit, priority, Field(e, "MESSAGE") ?? string.Empty, Field(e, "SYSLOG_IDENTIFIER"), pid);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// A field's text. journalctl writes a string, or an array of byte values for binary or invalid-UTF-8 data,
    /// or (for repeated fields) an array of values, each of them a string or an array of byte values.
    /// </summary>
    private static string? Field(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) ? Text(value) : null;

    private static string? Text(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Number:
                return Encoding.UTF8.GetString(value.EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray());
            case JsonValueKind.Array when value.GetArrayLength() > 0:
                return Text(value[0]);
            default:
                return null;
        }
    }

    /// <summary>Reads the journal once (newest <paramref name="lines"/> entries, or since a time).</summary>
    public static async Task<IReadOnlyList<KubeJournalEntry>> ReadAsync(SshHostConnection host, IReadOnlyList<string> units, int? lines,
        DateTimeOffset? since, bool sudo, SecureString? sudoPassword, CancellationToken cancellationToken, Action<string>? log = null)
    {
        var prepared = RemoteCommand.Prepare(Command(units, lines, since, follow: false), sudo, sudoPassword);
        var outcome = await host.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromMinutes(2), cancellationToken, log).ConfigureAwait(false);
        Check(host, outcome, sudo);
        return RemoteCommand.Lines(outcome.Output).Select(l => ParseLine(host.Spec.Name, l)).OfType<KubeJournalEntry>().ToList();
    }

    /// <summary>Follows the journal until cancelled, handing each new entry to <paramref name="onEntry"/>.</summary>
    public static async Task FollowAsync(SshHostConnection host, IReadOnlyList<string> units, int? lines, DateTimeOffset? since, bool sudo,
        SecureString? sudoPassword, Action<KubeJournalEntry> onEntry, CancellationToken cancellationToken, Action<string>? log = null)
    {
        var prepared = RemoteCommand.Prepare(Command(units, lines, since, follow: true), sudo, sudoPassword);
        var outcome = await host.StreamAsync(prepared.CommandLine, prepared.Stdin, line =>
        {
            if (ParseLine(host.Spec.Name, line) is { } entry)
            {
                onEntry(entry);
            }
        }, cancellationToken, log).ConfigureAwait(false);
        Check(host, outcome, sudo);
    }

    private static void Check(SshHostConnection host, RemoteCommandOutcome outcome, bool sudo)
    {
        if (sudo && RemoteCommand.SudoRefusal(outcome, host.Spec.Name, host.Spec.UserName) is { } refusal)
        {
            throw refusal;
        }

        if (outcome.ExitCode is { } code && code != 0)
        {
            throw new KfsException("JournalReadFailed", KfsErrorCategory.ReadError, host.Spec.Name,
                $"journalctl failed on {host.Spec.Name} (exit {code}): {outcome.Error.Trim()} {(sudo ? string.Empty : "Without sudo the remote user must be in the systemd-journal group; drop -NoSudo.")}");
        }
    }
}
