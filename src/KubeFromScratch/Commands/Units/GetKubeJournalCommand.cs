using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Reads a unit's journal from hosts as typed entries, merged in time order; -Follow streams until Ctrl-C.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeJournal", DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeJournalEntry))]
public sealed class GetKubeJournalCommand : PositionalHostCmdlet
{
    /// <summary>Units whose entries to read (journalctl -u).</summary>
    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Unit { get; set; } = Array.Empty<string>();

    /// <summary>Keep reading new entries until Ctrl-C (journalctl -f).</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only entries written since this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>The newest N entries per host (default 10, as journalctl -f shows; all entries since -Since when it is given).</summary>
    [Parameter]
    [Alias("Tail", "Last")]
    [ValidateRange(1, 1000000)]
    public int? Lines { get; set; }

    /// <summary>Read without sudo (the remote user must be in the systemd-journal group).</summary>
    [Parameter]
    public SwitchParameter NoSudo { get; set; }

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        string[] units = Validate(() => Unit.Select(SystemdUnits.Normalize).ToArray());

        int? lines = Lines ?? (Since is null ? 10 : null);
        DateTimeOffset? since = Since is { } s ? new DateTimeOffset(s.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(s, DateTimeKind.Local) : s) : null;
        bool sudo = !NoSudo;
        if (Follow)
        {
            // Entries go out as they arrive, so several hosts interleave in arrival (about time) order.
            RunParallel(Targets, 64, (entry, queue, token) =>
                SystemdJournal.FollowAsync(entry.Connection, units, lines, since, sudo, SudoCredential?.Password, queue.WriteObject, token, queue.WriteVerbose));
            return;
        }

        var all = new List<KubeJournalEntry>();
        RunParallel(Targets, 32, async (entry, queue, token) =>
        {
            var entries = await SystemdJournal.ReadAsync(entry.Connection, units, lines, since, sudo, SudoCredential?.Password, token, queue.WriteVerbose).ConfigureAwait(false);
            lock (all)
            {
                all.AddRange(entries);
            }
        });

        foreach (var e in all.OrderBy(e => e.Time))
        {
            WriteObject(e);
        }
    }
}
