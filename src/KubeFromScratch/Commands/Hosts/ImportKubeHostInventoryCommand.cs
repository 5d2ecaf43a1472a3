using System.Management.Automation;
using KubeFromScratch.Engine.Inventory;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Reads a YAML host inventory into host specs that pipe into Connect-KubeHost.</para>
/// </summary>
[Cmdlet(VerbsData.Import, "KubeHostInventory")]
[OutputType(typeof(KubeHostSpec))]
public sealed class ImportKubeHostInventoryCommand : KubeCmdlet
{
    /// <summary>The inventory file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>Only hosts with this role.</summary>
    [Parameter]
    public KubeHostRole? Role { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(Error("InventoryNotFound", ErrorCategory.ObjectNotFound, Path,
                $"The inventory file '{path}' does not exist. Give the path of a YAML file with a 'hosts' list."));
            return;
        }

        try
        {
            foreach (var spec in HostInventory.Parse(File.ReadAllText(path), path, System.IO.Path.GetDirectoryName(path)!))
            {
                if (Role is null || spec.Role == Role)
                {
                    WriteObject(spec);
                }
            }
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }
}
