using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Restarts kube-proxy (kube-proxy.service) on every host in parallel, enabling it if needed.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "KubeProxy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class RestartKubeProxyCommand : UnitCmdlet
{
    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-proxy";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Restart;
}
