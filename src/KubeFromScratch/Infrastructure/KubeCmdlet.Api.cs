using System.Management.Automation;
using KubeFromScratch.Engine.KubeApi;

namespace KubeFromScratch.Infrastructure;

/// <summary>What every cmdlet that talks to the Kubernetes API needs: the runspace's connection, verbose request lines, waits with deadlines.</summary>
public abstract partial class KubeCmdlet
{
    /// <summary>The runspace's API connection; stops the cmdlet with KubeApiNotConnected when there is none.</summary>
    internal KubeApiClient Api
    {
        get
        {
            var api = Session.Api;
            if (api is null)
            {
                ThrowTerminatingError(Error("KubeApiNotConnected", ErrorCategory.ConnectionError, null,
                    "No Kubernetes API is connected in this session. Run Connect-KubeApi first: Connect-KubeApi -Server http://172.17.8.101:8080 (the workshop's master), -KubeConfig PATH, or -ViaHost core-01 to go through SSH."));
            }

            return api!;
        }
    }

    /// <summary>The namespace to use: the given one, else the connection's default.</summary>
    internal string NamespaceOr(string? given) => string.IsNullOrEmpty(given) ? Api.Namespace : given;

    /// <summary>Runs API work on the pool, its request lines going to the verbose stream; engine failures are rethrown.</summary>
    internal T RunApi<T>(Func<KubeResources, PipelineQueue, CancellationToken, Task<T>> work)
    {
        var resources = new KubeResources(Api);
        return Run(async (queue, token) =>
        {
            using (KubeApiClient.LogTo(queue.WriteVerbose))
            {
                return await work(resources, queue, token).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Like <see cref="RunApi{T}"/>, but an engine failure becomes this cmdlet's non-terminating error and null.</summary>
    internal T? TryRunApi<T>(Func<KubeResources, PipelineQueue, CancellationToken, Task<T>> work)
        where T : class
    {
        try
        {
            return RunApi(work);
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
            return null;
        }
    }

    /// <summary>
    /// Runs a wait with a deadline. Past it, the failure is <paramref name="timeoutId"/> with what was seen last
    /// (<paramref name="describe"/>); Ctrl-C stops it at once.
    /// </summary>
    internal T WaitFor<T>(int timeoutSec, string timeoutId, Func<string> describe, Func<KubeWatcher, PipelineQueue, CancellationToken, Task<T>> work)
    {
        return RunApi(async (resources, queue, token) =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSec));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
            try
            {
                return await work(new KubeWatcher(resources), queue, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw new KfsException(timeoutId, KfsErrorCategory.OperationTimeout, null,
                    $"Gave up after {timeoutSec} s: {describe()}. Raise -TimeoutSec to wait longer.");
            }
        });
    }

    /// <summary>A terminating error from an engine failure.</summary>
    internal void Fail(KfsException ex) => ThrowTerminatingError(ToErrorRecord(ex));

    /// <summary>Runs async work that needs no API connection (a download) on the pool; failures are rethrown.</summary>
    internal T RunPlain<T>(Func<CancellationToken, Task<T>> work) => Run((_, token) => work(token));
}
