using System.Management.Automation;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Gives a NodePort service's URLs: http://NODE-IP:NODEPORT/ for every node.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KubeServiceUrl")]
[OutputType(typeof(KubeServiceUrl))]
public sealed class GetKubeServiceUrlCommand : KubeApiCmdlet
{
    /// <summary>The service names (service objects bind by Name and Namespace).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The namespace (default: the connection's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string ns = NamespaceOr(Namespace);
        foreach (string name in Name)
        {
            if (ServiceUrlLookup.Find(this, ns, name) is { } urls)
            {
                WriteObject(urls, enumerateCollection: true);
            }
        }
    }
}

/// <summary>
/// <para type="synopsis">Sends an HTTP GET to service URLs and reports whether each answered, its status code and latency.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KubeServiceUrl", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(KubeServiceUrl))]
public sealed class TestKubeServiceUrlCommand : KubeApiCmdlet
{
    private readonly List<KubeServiceUrl> _urls = new();

    /// <summary>URLs from Get-KubeServiceUrl.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public KubeServiceUrl[] InputObject { get; set; } = Array.Empty<KubeServiceUrl>();

    /// <summary>Service names: their URLs are looked up first.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Name")]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The namespace of -Name (default: the connection's).</summary>
    [Parameter(ParameterSetName = "Name")]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Seconds each URL has to answer.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 5;

    /// <summary>Return only true (every URL answered) or false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == "InputObject")
        {
            _urls.AddRange(InputObject);
            return;
        }

        string ns = NamespaceOr(Namespace);
        foreach (string name in Name)
        {
            if (ServiceUrlLookup.Find(this, ns, name) is { } urls)
            {
                _urls.AddRange(urls);
            }
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (_urls.Count == 0)
        {
            if (Quiet)
            {
                WriteObject(false);
            }

            return;
        }

        var results = new KubeServiceUrl[_urls.Count];
        using var http = KubeServiceUrls.CreateProbeClient();
        RunParallel(Enumerable.Range(0, _urls.Count).ToArray(), 16, async (i, queue, token) =>
        {
            queue.WriteVerbose($"GET {_urls[i].Url}");
            results[i] = await KubeServiceUrls.TestAsync(http, _urls[i], TimeSpan.FromSeconds(TimeoutSec), token).ConfigureAwait(false);
        });
        if (Quiet)
        {
            WriteObject(results.All(r => r?.Reachable == true));
            return;
        }

        foreach (var result in results.Where(r => r is not null))
        {
            WriteObject(result);
        }
    }
}

/// <summary>A service's URLs by name, as Get-KubeServiceUrl and Test-KubeServiceUrl -Name both look them up.</summary>
internal static class ServiceUrlLookup
{
    /// <summary>The URLs, or null after writing the error (KubeServiceNotFound for a service that is not there).</summary>
    public static IReadOnlyList<KubeServiceUrl>? Find(KubeCmdlet cmdlet, string ns, string name)
    {
        try
        {
            return cmdlet.RunApi(async (r, _, token) =>
            {
                var service = r.GetServiceAsync(ns, name, token);
                var nodes = r.ListNodesAsync(token);
                return KubeServiceUrls.For(await service.ConfigureAwait(false), await nodes.ConfigureAwait(false));
            });
        }
        catch (KfsException ex) when (ex.ErrorId == "KubeApiNotFound")
        {
            cmdlet.WriteError(KubeCmdlet.ToErrorRecord(new KfsException("KubeServiceNotFound", KfsErrorCategory.ObjectNotFound, name,
                $"There is no service named '{name}' in namespace '{ns}'. Create it with New-KubeService {name} -Port PORT -Type NodePort.", ex)));
        }
        catch (KfsException ex)
        {
            cmdlet.WriteError(KubeCmdlet.ToErrorRecord(ex));
        }

        return null;
    }
}
