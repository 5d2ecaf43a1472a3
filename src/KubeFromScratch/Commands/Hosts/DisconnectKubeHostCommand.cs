using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Closes the SSH connection of each host and forgets it in this session.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "KubeHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = "Name")]
[OutputType(typeof(void))]
public sealed class DisconnectKubeHostCommand : PositionalHostCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        foreach (var entry in Targets)
        {
            if (ShouldProcess($"{entry.Host.Name} ({entry.Host.UserName}@{entry.Host.HostName}:{entry.Host.Port})", "Disconnect"))
            {
                Session.Remove(entry.Host.Name);
                WriteVerbose($"Disconnected {entry.Host.Name}.");
            }
        }
    }
}
