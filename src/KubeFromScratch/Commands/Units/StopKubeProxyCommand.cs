using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Stops kube-proxy (kube-proxy.service) on every host in parallel.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "KubeProxy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeUnitStatus))]
public sealed class StopKubeProxyCommand : UnitCmdlet
{
    /// <summary>Also disable the unit so it does not start at boot.</summary>
    [Parameter]
    public SwitchParameter DisableUnit { get; set; }

    /// <inheritdoc/>
    protected override bool Disable => DisableUnit;

    /// <inheritdoc/>
    protected override string DefaultUnit => "kube-proxy";

    /// <inheritdoc/>
    protected override UnitAction Action => UnitAction.Stop;
}
