using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Waits until nodes have registered, or with -Ready until they are Ready, watching the API rather than polling it.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "KubeNode")]
[OutputType(typeof(KubeNode))]
public sealed class WaitKubeNodeCommand : KubeApiCmdlet
{
    private readonly List<string> _names = new();

    /// <summary>Node names to wait for (host objects bind by Name). None: every node, and at least one.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Wait until the nodes are Ready, not only registered.</summary>
    [Parameter]
    public SwitchParameter Ready { get; set; }

    /// <summary>Seconds to wait before giving up.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <inheritdoc/>
    protected override void ProcessRecord() => _names.AddRange(Name ?? Array.Empty<string>());

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var names = _names.Distinct(StringComparer.Ordinal).ToArray();
        try
        {
            foreach (var node in NodeWait.Run(this, names, Ready.IsPresent, TimeoutSec, 50))
            {
                WriteObject(node);
            }
        }
        catch (KfsException ex)
        {
            Fail(ex);
        }
    }
}

/// <summary>The node wait that Wait-KubeNode and Start-KubeletNode -Wait share.</summary>
internal static class NodeWait
{
    /// <summary>Waits for the named nodes (registered, or Ready), showing progress; returns them in name order.</summary>
    public static IReadOnlyList<KubeNode> Run(KubeCmdlet cmdlet, IReadOnlyList<string> names, bool ready, int timeoutSec, int progressId)
    {
        IReadOnlyList<KubeNode> last = Array.Empty<KubeNode>();
        string what = names.Count == 0 ? "the nodes" : string.Join(", ", names);
        string state = ready ? "Ready" : "registered";
        var result = cmdlet.WaitFor(timeoutSec, "KubeNodeWaitTimeout",
            () => $"{what} did not become {state} ({Describe(names, last)}). Check the kubelets (Get-KubeJournal HOST -Unit kube-kubelet)",
            async (watcher, queue, token) =>
            {
                void Progress(IReadOnlyList<KubeNode> nodes)
                {
                    last = nodes;
                    int done = nodes.Count(n => !ready || n.Ready);
                    int total = Math.Max(names.Count, nodes.Count);
                    queue.WriteProgress(new ProgressRecord(progressId, $"Waiting for {what} to be {state}", $"{done} of {total} {state}")
                    {
                        PercentComplete = total == 0 ? 0 : Math.Min(100, done * 100 / total),
                    });
                }

                IReadOnlyList<KubeNode> found = ready
                    ? await watcher.WaitForNodesReadyAsync(names, Progress, queue.WriteVerbose, token).ConfigureAwait(false)
                    : await watcher.WaitForNodesRegisteredAsync(names, Progress, queue.WriteVerbose, token).ConfigureAwait(false);
                queue.WriteProgress(new ProgressRecord(progressId, $"Waiting for {what} to be {state}", "done") { RecordType = ProgressRecordType.Completed });
                return found;
            });
        return result;
    }

    private static string Describe(IReadOnlyList<string> names, IReadOnlyList<KubeNode> nodes)
    {
        var parts = nodes.Select(n => $"{n.Name} {n.Status}").ToList();
        parts.AddRange(names.Where(n => nodes.All(x => x.Name != n)).Select(n => $"{n} not registered"));
        return parts.Count == 0 ? "no node has registered" : string.Join(", ", parts);
    }
}
