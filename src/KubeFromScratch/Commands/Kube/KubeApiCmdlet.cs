using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>Base of the cmdlets whose work is the Kubernetes API (the API helpers themselves live on <see cref="KubeCmdlet"/>, so host cmdlets such as Start-KubeletNode -Wait can use them too).</summary>
public abstract class KubeApiCmdlet : KubeCmdlet
{
}
