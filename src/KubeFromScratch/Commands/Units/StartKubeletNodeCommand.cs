using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Enables and starts the kubelet (kube-kubelet.service) on every host in parallel; a running kubelet is left alone.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KubeletNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class StartKubeletNodeCommand : UnitCmdlet
{
    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-kubelet";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Start;
}
