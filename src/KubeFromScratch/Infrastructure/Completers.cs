using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace KubeFromScratch.Infrastructure;

/// <summary>Completes the names of the hosts connected in this session.</summary>
public sealed class HostNameCompleter : IArgumentCompleter
{
    /// <summary>Returns matching host names.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
        // By name, as PowerShell lists completions, not in the (racy) order the parallel connects finished.
        foreach (var entry in KubeSession.Current.Hosts.OrderBy(h => h.Host.Name, StringComparer.OrdinalIgnoreCase))
        {
            string name = entry.Host.Name;
            if (pattern.IsMatch(name))
            {
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue,
                    $"{name} ({entry.Host.UserName}@{entry.Host.HostName}:{entry.Host.Port}, {entry.Host.Role})");
            }
        }
    }
}

/// <summary>Completes from a fixed list of words.</summary>
public abstract class WordCompleter : IArgumentCompleter
{
    /// <summary>The words to offer.</summary>
    protected abstract IEnumerable<string> Words { get; }

    /// <summary>Returns the words that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        return Words.Where(w => w.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(w => new CompletionResult(w, w, CompletionResultType.ParameterValue, w));
    }
}

/// <summary>Completes Kubernetes component names.</summary>
public sealed class ComponentCompleter : WordCompleter
{
    /// <inheritdoc/>
    protected override IEnumerable<string> Words { get; } = new[] { "kubelet", "kube-proxy", "kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubeadm" };
}

/// <summary>Completes the CNI reference plugins' names.</summary>
public sealed class CniPluginCompleter : WordCompleter
{
    /// <inheritdoc/>
    protected override IEnumerable<string> Words { get; } = new[] { "loopback", "bridge", "host-local", "portmap", "bandwidth", "firewall", "tuning", "ptp", "macvlan", "ipvlan", "dhcp", "static", "vlan", "host-device", "sbr", "vrf", "tap", "dummy" };
}
