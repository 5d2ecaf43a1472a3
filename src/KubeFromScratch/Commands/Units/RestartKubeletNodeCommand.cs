using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Restarts the kubelet (kube-kubelet.service) on every host in parallel, enabling it if needed.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "KubeletNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class RestartKubeletNodeCommand : UnitCmdlet
{
    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-kubelet";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Restart;
}
