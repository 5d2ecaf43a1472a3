using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Enables and starts kube-proxy (kube-proxy.service) on every host in parallel; a running kube-proxy is left alone.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KubeProxy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class StartKubeProxyCommand : UnitCmdlet
{
    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-proxy";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Start;
}
