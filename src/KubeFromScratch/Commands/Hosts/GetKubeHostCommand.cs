using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Lists the hosts connected in this session.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeHost")]
[OutputType(typeof(KubeHost))]
public sealed class GetKubeHostCommand : KubeCmdlet
{
    /// <summary>Host names; wildcards allowed. Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only hosts with this role.</summary>
    [Parameter]
    public KubeHostRole? Role { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var hosts = Session.Hosts.Select(h => h.Host).Where(h => Role is null || h.Role == Role);
        if (Name is null || Name.Length == 0)
        {
            foreach (var host in hosts)
            {
                WriteObject(host);
            }

            return;
        }

        var list = hosts.ToList();
        foreach (string name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = list.Where(h => pattern.IsMatch(h.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, name,
                    $"No host named '{name}' is connected in this session. Run Connect-KubeHost for it first."));
            }

            foreach (var host in matches)
            {
                WriteObject(host);
            }
        }
    }
}
