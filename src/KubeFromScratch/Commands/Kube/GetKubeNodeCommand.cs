using System.Management.Automation;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Lists the cluster's nodes, as kubectl get nodes does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeNode")]
[OutputType(typeof(KubeNode))]
public sealed class GetKubeNodeCommand : KubeApiCmdlet
{
    private readonly List<string> _names = new();

    /// <summary>Node names; wildcards allowed. Host objects (Get-KubeHost) bind by their Name.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord() => _names.AddRange(Name ?? Array.Empty<string>());

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        IReadOnlyList<KubeNode> nodes;
        try
        {
            nodes = RunApi((r, _, token) => r.ListNodesAsync(token));
        }
        catch (KfsException ex)
        {
            Fail(ex);
            return;
        }

        foreach (var node in Select.ByName(nodes, _names, n => n.Name, this, "KubeNodeNotFound", n => $"There is no node named '{n}'. Get-KubeNode lists the nodes; a kubelet registers its node when it starts (Start-KubeletNode)."))
        {
            WriteObject(node);
        }
    }
}

/// <summary>Picks objects by names with wildcards, in order, and reports a plain name that matched nothing.</summary>
internal static class Select
{
    public static IEnumerable<T> ByName<T>(IReadOnlyList<T> items, IReadOnlyList<string> names, Func<T, string> nameOf, KubeCmdlet cmdlet, string notFoundId, Func<string, string> notFoundMessage)
    {
        if (names.Count == 0)
        {
            return items;
        }

        var picked = new List<T>();
        var seen = new HashSet<T>();
        foreach (string name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            bool any = false;
            foreach (var item in items.Where(i => pattern.IsMatch(nameOf(i))))
            {
                any = true;
                if (seen.Add(item))
                {
                    picked.Add(item);
                }
            }

            if (!any && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                cmdlet.WriteError(KubeCmdlet.Error(notFoundId, ErrorCategory.ObjectNotFound, name, notFoundMessage(name)));
            }
        }

        return picked;
    }
}
