using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Shows the state of systemd units across hosts, read from `systemctl show` properties.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeUnit", DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class GetKubeUnitCommand : PositionalHostCmdlet
{
    /// <summary>Units to show (default: kube-kubelet and kube-proxy).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Unit { get; set; } = { "kube-kubelet", "kube-proxy" };

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        string[] units = Validate(() => Unit.Select(SystemdUnits.Normalize).ToArray());

        var order = Targets.Select((t, i) => (t.Host.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.OrdinalIgnoreCase);
        var all = new List<KubeUnitStatus>();
        RunParallel(Targets, 32, async (entry, queue, token) =>
        {
            var statuses = await SystemdUnits.GetStatusAsync(entry.Connection, units, token, queue.WriteVerbose).ConfigureAwait(false);
            lock (all)
            {
                all.AddRange(statuses);
            }
        });

        // One stable order (hosts as given, units as asked), whichever host answered first.
        foreach (var status in all.OrderBy(s => order[s.Host]).ThenBy(s => Array.IndexOf(units, s.Unit)))
        {
            WriteObject(status);
        }
    }
}
