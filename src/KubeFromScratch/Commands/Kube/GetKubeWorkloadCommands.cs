using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>What the namespaced Get- cmdlets share: names with wildcards, -Namespace, -AllNamespaces.</summary>
public abstract class GetNamespacedCmdlet<T> : KubeApiCmdlet
{
    private readonly List<(string? Namespace, string Name)> _requests = new();
    private bool _listAll;

    /// <summary>Names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Namespace")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The namespace (default: the connection's, usually default).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Namespace")]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Every namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "AllNamespaces")]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>What kubectl calls the kind (pod, deployment, service), for messages.</summary>
    protected abstract string Kind { get; }

    /// <summary>Reads the objects of one namespace (all when null).</summary>
    internal abstract IReadOnlyList<T> List(string? ns);

    /// <summary>The object's name.</summary>
    protected abstract string NameOf(T item);

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        // Each record keeps its own namespace: piped objects (Get-KubePod -A | Get-KubePod) come from many.
        string? ns = AllNamespaces ? null : NamespaceOr(Namespace);
        if (Name is null)
        {
            _listAll = true;
            _requests.Add((ns, "*"));
            return;
        }

        _requests.AddRange(Name.Select(n => (ns, n)));
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        string noun = $"{char.ToUpperInvariant(Kind[0])}{Kind[1..]}";
        foreach (var group in _requests.GroupBy(r => r.Namespace))
        {
            string? ns = group.Key;
            IReadOnlyList<T> items;
            try
            {
                items = List(ns);
            }
            catch (KfsException ex)
            {
                Fail(ex);
                return;
            }

            var names = _listAll && group.Any(r => r.Name == "*") ? Array.Empty<string>() : group.Select(r => r.Name).ToArray();
            foreach (var item in Select.ByName(items, names, NameOf, this, $"Kube{noun}NotFound",
                n => $"There is no {Kind} named '{n}' in {(ns is null ? "any namespace" : $"namespace '{ns}'")}. Get-Kube{noun}{(ns is null ? " -AllNamespaces" : $" -Namespace {ns}")} lists them."))
            {
                WriteObject(item);
            }
        }
    }
}

/// <summary>
/// <para type="synopsis">Lists pods, as kubectl get pods does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubePod", DefaultParameterSetName = "Namespace")]
[OutputType(typeof(KubePod))]
public sealed class GetKubePodCommand : GetNamespacedCmdlet<KubePod>
{
    /// <summary>Only pods on this node.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Node { get; set; }

    /// <summary>A label selector (app=my-nginx, tier in (web,api)).</summary>
    [Parameter]
    [Alias("LabelSelector", "l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <inheritdoc/>
    protected override string Kind => "pod";

    /// <inheritdoc/>
    internal override IReadOnlyList<KubePod> List(string? ns) =>
        RunApi((r, _, token) => r.ListPodsAsync(ns, Selector, Node is null ? null : $"spec.nodeName={Node}", token));

    /// <inheritdoc/>
    protected override string NameOf(KubePod item) => item.Name;
}

/// <summary>
/// <para type="synopsis">Lists deployments, as kubectl get deployments does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeDeployment", DefaultParameterSetName = "Namespace")]
[OutputType(typeof(KubeDeployment))]
public sealed class GetKubeDeploymentCommand : GetNamespacedCmdlet<KubeDeployment>
{
    /// <inheritdoc/>
    protected override string Kind => "deployment";

    /// <inheritdoc/>
    internal override IReadOnlyList<KubeDeployment> List(string? ns) => RunApi((r, _, token) => r.ListDeploymentsAsync(ns, token));

    /// <inheritdoc/>
    protected override string NameOf(KubeDeployment item) => item.Name;
}

/// <summary>
/// <para type="synopsis">Lists services, as kubectl get services does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeService", DefaultParameterSetName = "Namespace")]
[OutputType(typeof(KubeService))]
public sealed class GetKubeServiceCommand : GetNamespacedCmdlet<KubeService>
{
    /// <inheritdoc/>
    protected override string Kind => "service";

    /// <inheritdoc/>
    internal override IReadOnlyList<KubeService> List(string? ns) => RunApi((r, _, token) => r.ListServicesAsync(ns, token));

    /// <inheritdoc/>
    protected override string NameOf(KubeService item) => item.Name;
}
