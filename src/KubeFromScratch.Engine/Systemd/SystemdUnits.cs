using System.Globalization;
using System.Security;
using System.Text.Json;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.Systemd;

/// <summary>What to do to a unit.</summary>
public enum UnitAction
{
    /// <summary>Enable and start it; leave it alone when it is already running (unless restart).</summary>
    Start,

    /// <summary>Enable and restart it.</summary>
    Restart,

    /// <summary>Stop it (and optionally disable it).</summary>
    Stop,
}

/// <summary>
/// systemd over SSH, read from machine-readable output only: `systemctl show` properties (never the human
/// `systemctl status` text) and `journalctl -o json`. Unit names always go through <see cref="ShellQuote"/>.
/// </summary>
public static class SystemdUnits
{
    private const string Properties = "Id,Description,LoadState,ActiveState,SubState,UnitFileState,MainPID,ActiveEnterTimestamp,Result";

    /// <summary>Adds .service to a bare unit name, as systemctl does.</summary>
    public static string Normalize(string unit)
    {
        if (string.IsNullOrWhiteSpace(unit) || unit.Contains('/') || unit.Any(char.IsControl))
        {
            throw new KfsException("UnitNameInvalid", KfsErrorCategory.InvalidArgument, unit,
                $"'{unit}' is not a systemd unit name. Give a name such as kube-kubelet or kube-kubelet.service.");
        }

        return unit.Contains('.') && (unit.EndsWith(".service", StringComparison.Ordinal) || unit.EndsWith(".socket", StringComparison.Ordinal)
            || unit.EndsWith(".timer", StringComparison.Ordinal) || unit.EndsWith(".target", StringComparison.Ordinal)
            || unit.EndsWith(".mount", StringComparison.Ordinal) || unit.EndsWith(".path", StringComparison.Ordinal))
            ? unit
            : unit + ".service";
    }

    /// <summary>The command that prints the properties of the units, one block each.</summary>
    public static string ShowCommand(IEnumerable<string> units) =>
        $"systemctl show --timestamp=unix --property={Properties} -- {ShellQuote.Join(units)}";

    /// <summary>Parses `systemctl show` output: blocks of Key=Value lines separated by blank lines.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> ParseShow(string text)
    {
        var blocks = new List<IReadOnlyDictionary<string, string>>();
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (current.Count > 0)
                {
                    blocks.Add(current);
                    current = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                continue;
            }

            int eq = line.IndexOf('=');
            if (eq > 0)
            {
                current[line[..eq]] = line[(eq + 1)..];
            }
        }

        if (current.Count > 0)
        {
            blocks.Add(current);
        }

        return blocks;
    }

    /// <summary>Builds the typed status from one block of properties.</summary>
    public static KubeUnitStatus ToStatus(string host, IReadOnlyDictionary<string, string> p, bool changed = false)
    {
        string Get(string key) => p.TryGetValue(key, out var v) ? v : string.Empty;
        int? pid = int.TryParse(Get("MainPID"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;
        return new KubeUnitStatus(host, Get("Id"), Get("Description"), Get("LoadState"), Get("ActiveState"), Get("SubState"),
            Get("UnitFileState"), pid, ParseTimestamp(Get("ActiveEnterTimestamp")), Get("Result"), changed);
    }

    /// <summary>Reads a systemd timestamp: "@1764241200" (--timestamp=unix) or "Fri 2026-11-27 11:13:48 UTC".</summary>
    public static DateTimeOffset? ParseTimestamp(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || value == "n/a")
        {
            return null;
        }

        if (value.StartsWith('@') && long.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        string[] parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 3 && DateTime.TryParseExact($"{parts[1]} {parts[2]}", "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc))
        {
            return new DateTimeOffset(utc, TimeSpan.Zero);
        }

        return null;
    }

    /// <summary>Reads the status of units on one host.</summary>
    public static async Task<IReadOnlyList<KubeUnitStatus>> GetStatusAsync(SshHostConnection host, IReadOnlyList<string> units,
        CancellationToken cancellationToken, Action<string>? log = null)
    {
        var outcome = await host.RunAsync(ShowCommand(units), null, TimeSpan.FromSeconds(30), cancellationToken, log).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw new KfsException("SystemdUnavailable", KfsErrorCategory.NotInstalled, host.Spec.Name,
                $"systemctl show failed on {host.Spec.Name} (exit {outcome.ExitCode}): {outcome.Error.Trim()} The host needs systemd.");
        }

        return ParseShow(outcome.Output).Select(b => ToStatus(host.Spec.Name, b)).ToList();
    }

    /// <summary>
    /// Starts (enabling first), restarts or stops a unit through sudo. Idempotent: a running, enabled unit is left
    /// alone on Start. A missing unit is UnitNotFound; a unit that does not stay up is UnitFailed carrying its last
    /// journal lines.
    /// </summary>
    public static async Task<KubeUnitStatus> ChangeAsync(SshHostConnection host, string unit, UnitAction action, bool disable,
        SecureString? sudoPassword, CancellationToken cancellationToken, Action<string>? log = null)
    {
        string name = host.Spec.Name;
        var before = (await GetStatusAsync(host, new[] { unit }, cancellationToken, log).ConfigureAwait(false))[0];
        if (before.LoadState == "not-found")
        {
            throw new KfsException("UnitNotFound", KfsErrorCategory.ObjectNotFound, name,
                $"{unit} does not exist on {name}. Put its unit file in place with Install-KubeUnit, then try again.");
        }

        bool enabled = before.Enabled is "enabled" or "static" or "enabled-runtime" or "alias" or "indirect" or "generated";
        var steps = new List<string>();
        switch (action)
        {
            case UnitAction.Start:
                if (!enabled) steps.Add($"systemctl enable --quiet -- {ShellQuote.Quote(unit)}");
                if (before.ActiveState != "active") steps.Add($"systemctl start -- {ShellQuote.Quote(unit)}");
                break;
            case UnitAction.Restart:
                if (!enabled) steps.Add($"systemctl enable --quiet -- {ShellQuote.Quote(unit)}");
                steps.Add($"systemctl restart -- {ShellQuote.Quote(unit)}");
                break;
            case UnitAction.Stop:
                if (before.ActiveState is not ("inactive" or "failed")) steps.Add($"systemctl stop -- {ShellQuote.Quote(unit)}");
                if (disable && before.Enabled == "enabled") steps.Add($"systemctl disable --quiet -- {ShellQuote.Quote(unit)}");
                break;
        }

        if (steps.Count == 0)
        {
            log?.Invoke($"{name}: {unit} is already {before.ActiveState}; nothing to do.");
            return before;
        }

        var prepared = RemoteCommand.Prepare(string.Join(" && ", steps), sudo: true, sudoPassword);
        var outcome = await host.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromMinutes(2), cancellationToken, log).ConfigureAwait(false);
        if (RemoteCommand.SudoRefusal(outcome, name, host.Spec.UserName) is { } refusal)
        {
            throw refusal;
        }

        KubeUnitStatus after = (await GetStatusAsync(host, new[] { unit }, cancellationToken, log).ConfigureAwait(false))[0];
        if (action != UnitAction.Stop)
        {
            // A simple service counts as started the moment it is forked; one that dies at once shows it within a
            // few tenths of a second, so look again briefly before calling it started.
            for (int i = 0; i < 4 && outcome.ExitCode == 0 && after.ActiveState is "active" or "activating"; i++)
            {
                await Task.Delay(60, cancellationToken).ConfigureAwait(false);
                after = (await GetStatusAsync(host, new[] { unit }, cancellationToken, log).ConfigureAwait(false))[0];
                if (after.ActiveState == "active" && after.SubState == "running" && i >= 1)
                {
                    break;
                }
            }

            if (outcome.ExitCode != 0 || after.ActiveState is "failed" or "inactive" || after.SubState == "auto-restart")
            {
                string journal = await LastJournalLinesAsync(host, unit, sudoPassword, cancellationToken).ConfigureAwait(false);
                throw new KfsException("UnitFailed", KfsErrorCategory.InvalidResult, name,
                    $"{unit} on {name} did not start: it is {after.ActiveState} ({after.SubState}, result {after.Result}). Its last journal lines:{Environment.NewLine}{journal}{Environment.NewLine}Fix the cause (Get-KubeJournal {name} -Unit {unit}) and start it again.");
            }
        }
        else if (outcome.ExitCode != 0)
        {
            throw new KfsException("UnitStopFailed", KfsErrorCategory.InvalidOperation, name,
                $"Stopping {unit} on {name} failed (exit {outcome.ExitCode}): {outcome.Error.Trim()}");
        }

        return ToStatusChanged(after);
    }

    private static KubeUnitStatus ToStatusChanged(KubeUnitStatus s) =>
        new(s.Host, s.Unit, s.Description, s.LoadState, s.ActiveState, s.SubState, s.Enabled, s.MainPid, s.Since, s.Result, changed: true);

    private static async Task<string> LastJournalLinesAsync(SshHostConnection host, string unit, SecureString? sudoPassword, CancellationToken cancellationToken)
    {
        var prepared = RemoteCommand.Prepare($"journalctl --no-pager -o short -n 15 -u {ShellQuote.Quote(unit)}", sudo: true, sudoPassword);
        var outcome = await host.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        return outcome.Output.TrimEnd();
    }
}
