using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Closes the SSH connection of each host and forgets it in this session.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "KubeHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = "Name")]
[OutputType(typeof(void))]
public sealed class DisconnectKubeHostCommand : HostCmdlet
{
    /// <summary>Names of connected hosts (wildcards allowed). Without it and without pipeline input: every connected host.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [Alias("Host", "ComputerName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc/>
    protected override string[]? TargetNames => Name;

    /// <inheritdoc/>
    protected override void ProcessRecord() => CollectTargets();

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
