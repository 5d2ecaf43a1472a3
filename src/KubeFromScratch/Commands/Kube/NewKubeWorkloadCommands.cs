using System.Collections;
using System.Globalization;
using System.Management.Automation;
using KubeFromScratch.Engine.Kube;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Creates a deployment of one container image, as kubectl run did in the workshop (kubectl create deployment today).</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KubeDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KubeDeployment))]
public sealed class NewKubeDeploymentCommand : KubeApiCmdlet
{
    /// <summary>The deployment's name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.').</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The container image (nginx, docker.io/library/nginx:1.27).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = string.Empty;

    /// <summary>How many pods.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 10000)]
    public int Replicas { get; set; } = 1;

    /// <summary>Ports the container listens on.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int[] Port { get; set; } = Array.Empty<int>();

    /// <summary>Pod labels, also the selector (default: app = NAME).</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>The namespace (default: the connection's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Wait until every replica is ready.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (KubeInput.CheckName(this, Name, "deployment", subdomain: true) is false)
        {
            return;
        }

        var labels = KubeInput.Labels(this, Label);
        if (labels is null)
        {
            return;
        }

        string ns = NamespaceOr(Namespace);
        if (!ShouldProcess($"deployment {ns}/{Name}", $"Create with {Replicas} x {Image}"))
        {
            return;
        }

        var created = TryRunApi((r, _, token) => r.CreateDeploymentAsync(ns, Name, Image, Replicas, Port, labels, false, token));
        if (created is null)
        {
            return;
        }

        KubeDeployment? last = null;
        if (Wait && Replicas > 0)
        {
            try
            {
                last = created;
                created = WaitFor(TimeoutSec, "KubeDeploymentWaitTimeout", () => $"deployment {ns}/{Name} has {last?.Ready ?? "no"} replicas ready",
                    (watcher, queue, token) => watcher.WaitForDeploymentAsync(ns, Name, d =>
                    {
                        last = d;
                        queue.WriteProgress(new ProgressRecord(60, $"Waiting for deployment {Name}", $"{d?.ReadyReplicas ?? 0} of {Replicas} ready")
                        {
                            PercentComplete = Math.Min(100, (d?.ReadyReplicas ?? 0) * 100 / Math.Max(1, Replicas)),
                        });
                    }, queue.WriteVerbose, token));
                WriteProgress(new ProgressRecord(60, $"Waiting for deployment {Name}", "done") { RecordType = ProgressRecordType.Completed });
            }
            catch (KfsException ex)
            {
                WriteError(ToErrorRecord(ex));
                created = last ?? created; // what the wait saw last, not the object as first created
            }
        }

        WriteObject(created);
    }
}

/// <summary>
/// <para type="synopsis">Creates a service in front of a deployment's pods, as kubectl expose deployment does.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KubeService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KubeService))]
public sealed class NewKubeServiceCommand : KubeApiCmdlet
{
    /// <summary>The service's name (a DNS-1035 label); by default also the deployment whose pods it selects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The service port.</summary>
    [Parameter(Mandatory = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>The pods' port: a number or a port name (default: -Port).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetPort { get; set; }

    /// <summary>ClusterIP, NodePort or LoadBalancer.</summary>
    [Parameter]
    [ValidateSet("ClusterIP", "NodePort", "LoadBalancer")]
    public string Type { get; set; } = "ClusterIP";

    /// <summary>A node port to ask for (default: the server picks a free one in 30000-32767).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? NodePort { get; set; }

    /// <summary>TCP, UDP or SCTP.</summary>
    [Parameter]
    [ValidateSet("TCP", "UDP", "SCTP")]
    public string Protocol { get; set; } = "TCP";

    /// <summary>The deployment to take the selector from (default: -Name).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(DeploymentNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Deployment { get; set; }

    /// <summary>The pod selector, instead of a deployment's.</summary>
    [Parameter]
    public Hashtable? Selector { get; set; }

    /// <summary>The namespace (default: the connection's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (KubeInput.CheckName(this, Name, "service", subdomain: false) is false)
        {
            return;
        }

        if (NodePort is not null && Type == "ClusterIP")
        {
            WriteError(Error("KubeServiceNodePortNeedsType", ErrorCategory.InvalidArgument, NodePort,
                "-NodePort needs -Type NodePort (or LoadBalancer); a ClusterIP service opens no port on the nodes."));
            return;
        }

        if (TargetPort is not null && !int.TryParse(TargetPort, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && KubeLabels.ValidatePortName(TargetPort) is { } portNameProblem)
        {
            WriteError(Error("KubeServiceTargetPortInvalid", ErrorCategory.InvalidArgument, TargetPort,
                $"-TargetPort '{TargetPort}' is neither a port number nor a valid port name: {portNameProblem}"));
            return;
        }

        var selector = Selector is null ? null : KubeInput.Labels(this, Selector);
        if (Selector is not null && selector is null)
        {
            return;
        }

        string ns = NamespaceOr(Namespace);
        string ports = $"{Port}{(TargetPort is null ? "" : $" -> {TargetPort}")}{(NodePort is null ? "" : $", node port {NodePort}")}";
        if (!ShouldProcess($"service {ns}/{Name}", $"Create {Type} service on port {ports}"))
        {
            return;
        }

        try
        {
            WriteObject(RunApi((r, _, token) => r.CreateServiceAsync(ns, Name, Type, Port, TargetPort, NodePort, Protocol, selector, Deployment, false, token)));
        }
        catch (KfsException ex) when (ex.ErrorId == "KubeApiInvalid" && ex.Message.Contains("not in the valid range", StringComparison.Ordinal))
        {
            WriteError(ToErrorRecord(new KfsException("KubeNodePortOutOfRange", KfsErrorCategory.InvalidArgument, NodePort,
                $"{ex.Message} Pick a node port in the cluster's range (30000-32767 by default), or leave -NodePort out to get a free one.", ex)));
        }
        catch (KfsException ex) when (ex.ErrorId == "KubeApiInvalid" && ex.Message.Contains("already allocated", StringComparison.Ordinal))
        {
            WriteError(ToErrorRecord(new KfsException("KubeNodePortTaken", KfsErrorCategory.ResourceExists, NodePort,
                $"{ex.Message} Another service holds node port {NodePort}; pick another, or leave -NodePort out to get a free one.", ex)));
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }
}

/// <summary>Checks the cmdlets' own inputs before anything is sent.</summary>
internal static class KubeInput
{
    /// <summary>False (after writing the error) when the name would be rejected by the API server.</summary>
    public static bool CheckName(KubeCmdlet cmdlet, string name, string kind, bool subdomain)
    {
        string? problem = subdomain ? KubeNames.ValidateDns1123Subdomain(name) : KubeNames.ValidateDns1035Label(name);
        if (problem is null)
        {
            return true;
        }

        cmdlet.WriteError(KubeCmdlet.Error("KubeNameInvalid", ErrorCategory.InvalidArgument, name,
            $"'{name}' cannot name a {kind}: {problem} Nothing was sent to the API server."));
        return false;
    }

    /// <summary>A hashtable of labels as strings, each key and value checked; null (after writing the error) when invalid.</summary>
    public static IReadOnlyDictionary<string, string>? Labels(KubeCmdlet cmdlet, Hashtable? table)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (table is null)
        {
            return labels;
        }

        foreach (DictionaryEntry e in table)
        {
            string key = Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "";
            string value = Convert.ToString(e.Value, CultureInfo.InvariantCulture) ?? "";
            if (KubeLabels.ValidateKey(key) is { } keyProblem)
            {
                cmdlet.WriteError(KubeCmdlet.Error("KubeLabelInvalid", ErrorCategory.InvalidArgument, key, $"Label key '{key}' is invalid: {keyProblem}"));
                return null;
            }

            if (KubeLabels.ValidateValue(value) is { } valueProblem)
            {
                cmdlet.WriteError(KubeCmdlet.Error("KubeLabelInvalid", ErrorCategory.InvalidArgument, value, $"Label value '{value}' (key '{key}') is invalid: {valueProblem}"));
                return null;
            }

            labels[key] = value;
        }

        return labels;
    }
}
