using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Enables and starts the kubelet (kube-kubelet.service) on every host in parallel; a running kubelet is left alone.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KubeletNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
[OutputType(typeof(KubeNode))]
public sealed class StartKubeletNodeCommand : UnitCmdlet
{
    /// <summary>Wait until each host's node is Ready in the API (Connect-KubeApi first) and return the nodes instead of the units.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits for the nodes.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <summary>With -Wait, the node name of every host when it differs from the host's name (--hostname-override).</summary>
    [Parameter]
    public System.Collections.Hashtable? NodeName { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        if (Wait)
        {
            _ = Api; // no API connection: stop before any unit is started
        }

        base.BeginProcessing();
    }

    /// <inheritdoc/>
    protected override void OnUnitChanged(KubeUnitStatus status, Infrastructure.PipelineQueue queue, CancellationToken token)
    {
        if (!Wait)
        {
            base.OnUnitChanged(status, queue, token);
        }
    }

    /// <inheritdoc/>
    protected override void AfterUnits(IReadOnlyList<KubeUnitStatus> results)
    {
        if (!Wait || results.Count == 0)
        {
            return;
        }

        var names = results.Select(r => NodeName?[r.Host] as string ?? r.Host).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        try
        {
            foreach (var node in Commands.Kube.NodeWait.Run(this, names, ready: true, TimeoutSec, 31))
            {
                WriteObject(node);
            }
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }

    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-kubelet";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Start;
}
