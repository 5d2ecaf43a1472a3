using System.Management.Automation;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>What Remove-KubeDeployment and Remove-KubeService share: names from the pipeline, -WhatIf, one error per missing object.</summary>
public abstract class RemoveNamespacedCmdlet : KubeApiCmdlet
{
    /// <summary>The names (objects from Get- bind by Name and Namespace).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The namespace (default: the connection's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>deployment or service.</summary>
    protected abstract string Kind { get; }

    /// <summary>Deletes one object.</summary>
    internal abstract Task DeleteAsync(KubeResources resources, string ns, string name, CancellationToken token);

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string ns = NamespaceOr(Namespace);
        foreach (string name in Name)
        {
            if (!ShouldProcess($"{Kind} {ns}/{name}", "Delete"))
            {
                continue;
            }

            try
            {
                RunApi(async (r, _, token) =>
                {
                    await DeleteAsync(r, ns, name, token).ConfigureAwait(false);
                    return true;
                });
                WriteVerbose($"{Kind} {ns}/{name} deleted.");
            }
            catch (KfsException ex) when (ex.ErrorId == "KubeApiNotFound")
            {
                string noun = $"{char.ToUpperInvariant(Kind[0])}{Kind[1..]}";
                WriteError(ToErrorRecord(new KfsException($"Kube{noun}NotFound", KfsErrorCategory.ObjectNotFound, name,
                    $"There is no {Kind} named '{name}' in namespace '{ns}', so nothing was deleted. Get-Kube{noun} -Namespace {ns} lists them.", ex)));
            }
            catch (KfsException ex)
            {
                WriteError(ToErrorRecord(ex));
            }
        }
    }
}

/// <summary>
/// <para type="synopsis">Deletes deployments; their replica sets and pods go with them.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KubeDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveKubeDeploymentCommand : RemoveNamespacedCmdlet
{
    /// <inheritdoc/>
    protected override string Kind => "deployment";

    /// <inheritdoc/>
    internal override Task DeleteAsync(KubeResources resources, string ns, string name, CancellationToken token) => resources.DeleteDeploymentAsync(ns, name, token);
}

/// <summary>
/// <para type="synopsis">Deletes services; their node ports are freed.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KubeService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveKubeServiceCommand : RemoveNamespacedCmdlet
{
    /// <inheritdoc/>
    protected override string Kind => "service";

    /// <inheritdoc/>
    internal override Task DeleteAsync(KubeResources resources, string ns, string name, CancellationToken token) => resources.DeleteServiceAsync(ns, name, token);
}
