using System.Collections.Concurrent;
using System.Management.Automation;

namespace KubeFromScratch.Infrastructure;

/// <summary>
/// Base of every cmdlet. Owns a CancellationTokenSource that StopProcessing (Ctrl-C) cancels, and a queue that
/// worker threads use to have WriteObject, WriteError, WriteVerbose, WriteProgress and prompts run on the pipeline
/// thread, the only thread PowerShell allows them on.
/// </summary>
public abstract partial class KubeCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled when the user presses Ctrl-C or the pipeline is stopped.</summary>
    protected CancellationToken CancelToken => _stop.Token;

    /// <summary>Ctrl-C: cancel every remote command, transfer and wait this cmdlet started.</summary>
    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>Releases the cancellation source.</summary>
    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The per-runspace session (connected hosts).</summary>
    internal KubeSession Session => KubeSession.Current;

    /// <summary>
    /// Runs one async operation on the pool and pumps its queued output on this (the pipeline) thread. Unlike
    /// <see cref="RunParallel{T}"/>, a failure is rethrown here, for the cmdlet to decide what it means.
    /// </summary>
    protected T Run<T>(Func<PipelineQueue, CancellationToken, Task<T>> work)
    {
        T result = default!;
        Exception? failure = null;
        RunParallel(new[] { 0 }, 1, async (_, queue, token) =>
        {
            try
            {
                result = await work(queue, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                failure = ex;
            }
        });
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every item, at most <paramref name="throttleLimit"/> at a time, while this
    /// thread writes whatever the workers queue. A worker's KfsException becomes a non-terminating error for that
    /// item; the other items go on. Ctrl-C cancels them all and returns at once.
    /// </summary>
    protected void RunParallel<T>(IReadOnlyList<T> items, int throttleLimit, Func<T, PipelineQueue, CancellationToken, Task> work)
    {
        if (items.Count == 0)
        {
            return;
        }

        using var queue = new PipelineQueue();
        using var throttle = new SemaphoreSlim(Math.Max(1, throttleLimit));
        CancellationToken token = CancelToken;
        var tasks = items.Select(item => Task.Run(async () =>
        {
            await throttle.WaitAsync(token).ConfigureAwait(false);
            try
            {
                await work(item, queue, token).ConfigureAwait(false);
            }
            catch (KfsException ex)
            {
                queue.WriteError(ToErrorRecord(ex));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Ctrl-C: nothing to report per item.
            }
            catch (Exception ex)
            {
                queue.WriteError(new ErrorRecord(ex, "UnexpectedError", ErrorCategory.NotSpecified, item));
            }
            finally
            {
                throttle.Release();
            }
        }, CancellationToken.None)).ToArray();

        Task.WhenAll(tasks).ContinueWith(_ => queue.Complete(), TaskScheduler.Default);
        try
        {
            queue.Drain(this, token);
        }
        catch (OperationCanceledException)
        {
            // Give workers a moment to send their remote cancellations, but never hold Ctrl-C longer than that.
            Task.WaitAll(tasks, TimeSpan.FromMilliseconds(500));
            throw new PipelineStoppedException();
        }

        token.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Runs a check of the cmdlet's input; an engine failure (a bad version, unit or component name) stops the
    /// cmdlet before anything is sent anywhere.
    /// </summary>
    protected T Validate<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            throw; // ThrowTerminatingError always throws; this only satisfies the compiler.
        }
    }

    /// <summary>Turns an engine failure into an ErrorRecord with its id, category and target.</summary>
    internal static ErrorRecord ToErrorRecord(KfsException ex)
    {
        var category = Enum.TryParse(ex.Category.ToString(), out ErrorCategory parsed) ? parsed : ErrorCategory.NotSpecified;
        return new ErrorRecord(ex, ex.ErrorId, category, ex.Target);
    }

    /// <summary>Builds an ErrorRecord for a failure found in the cmdlet itself.</summary>
    internal static ErrorRecord Error(string errorId, ErrorCategory category, object? target, string message) =>
        new(new KfsException(errorId, KfsErrorCategory.NotSpecified, target, message), errorId, category, target);
}

/// <summary>
/// What worker threads hand to the pipeline thread. Every method may be called from any thread; the actions run
/// in order on the pipeline thread inside <see cref="Drain"/>.
/// </summary>
public sealed class PipelineQueue : IDisposable
{
    private readonly BlockingCollection<Action<Cmdlet>> _actions = new();

    internal void Complete()
    {
        try
        {
            _actions.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
            // The cmdlet was stopped and has gone.
        }
    }

    internal void Drain(Cmdlet cmdlet, CancellationToken token)
    {
        foreach (var action in _actions.GetConsumingEnumerable(token))
        {
            action(cmdlet);
        }
    }

    private void Post(Action<Cmdlet> action)
    {
        try
        {
            _actions.Add(action);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Completed or disposed (the pipeline stopped): late output is dropped.
        }
    }

    /// <summary>Queues an output object.</summary>
    public void WriteObject(object value) => Post(c => c.WriteObject(value));

    /// <summary>Queues a non-terminating error.</summary>
    public void WriteError(ErrorRecord record) => Post(c => c.WriteError(record));

    /// <summary>Queues a verbose line (never a secret).</summary>
    public void WriteVerbose(string text) => Post(c => c.WriteVerbose(text));

    /// <summary>Queues a warning.</summary>
    public void WriteWarning(string text) => Post(c => c.WriteWarning(text));

    /// <summary>Queues a progress record.</summary>
    public void WriteProgress(ProgressRecord record) => Post(c => c.WriteProgress(record));

    /// <summary>Runs <paramref name="question"/> on the pipeline thread (a prompt) and waits for its answer.</summary>
    public T Ask<T>(Func<Cmdlet, T> question, CancellationToken token)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(c =>
        {
            try
            {
                answer.SetResult(question(c));
            }
            catch (Exception ex)
            {
                answer.SetException(ex);
            }
        });
        return answer.Task.WaitAsync(token).GetAwaiter().GetResult();
    }

    /// <summary>Releases the queue.</summary>
    public void Dispose() => _actions.Dispose();
}
