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
