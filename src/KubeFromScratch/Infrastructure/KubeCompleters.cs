using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KubeFromScratch.Engine.KubeApi;

namespace KubeFromScratch.Infrastructure;

/// <summary>
/// Completes names the connected API server knows (nodes, namespaces, deployments, services), asking it with a short
/// deadline: with no connection, or a slow server, there are simply no suggestions.
/// </summary>
public abstract class KubeNameCompleter : IArgumentCompleter
{
    /// <summary>The collection: nodes, namespaces, pods, services, deployments.</summary>
    protected abstract string Resource { get; }

    /// <summary>Returns the names that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var api = KubeSession.Current.Api;
        if (api is null)
        {
            return Array.Empty<CompletionResult>();
        }

        string? ns = fakeBoundParameters?["Namespace"] as string;
        string prefix = wordToComplete.Trim('\'', '"');
        IReadOnlyList<string> names;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            names = Task.Run(() => new KubeResources(api).ListNamesAsync(Resource, ns, deadline.Token), deadline.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is KfsException or OperationCanceledException or HttpRequestException)
        {
            return Array.Empty<CompletionResult>();
        }

        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n))
            .ToArray();
    }
}

/// <summary>Completes node names.</summary>
public sealed class NodeNameCompleter : KubeNameCompleter
{
    /// <inheritdoc/>
    protected override string Resource => "nodes";
}

/// <summary>Completes namespace names.</summary>
public sealed class NamespaceCompleter : KubeNameCompleter
{
    /// <inheritdoc/>
    protected override string Resource => "namespaces";
}

/// <summary>Completes deployment names in the namespace given by -Namespace (or the connection's).</summary>
public sealed class DeploymentNameCompleter : KubeNameCompleter
{
    /// <inheritdoc/>
    protected override string Resource => "deployments";
}

/// <summary>Completes service names in the namespace given by -Namespace (or the connection's).</summary>
public sealed class ServiceNameCompleter : KubeNameCompleter
{
    /// <inheritdoc/>
    protected override string Resource => "services";
}

/// <summary>Completes pod names in the namespace given by -Namespace (or the connection's).</summary>
public sealed class PodNameCompleter : KubeNameCompleter
{
    /// <inheritdoc/>
    protected override string Resource => "pods";
}
