using System.Management.Automation;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Runs a shell command on every host in parallel over the session's SSH connections.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KubeHostCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeHostCommandResult))]
public sealed class InvokeKubeHostCommandCommand : NamedHostCmdlet
{
    /// <summary>The command line, run by the remote user's shell.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = string.Empty;

    /// <summary>Run it as root through sudo (non-interactive: `sudo -n`).</summary>
    [Parameter]
    public SwitchParameter Sudo { get; set; }

    /// <summary>The sudo password, for hosts that ask for one. Implies -Sudo.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <summary>Seconds after which the remote command is ended (SIGTERM). 0: no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>How many hosts run the command at once.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        bool sudo = Sudo || SudoCredential is not null;
        var targets = Targets.Where(t => ShouldProcess(t.Host.Name, sudo ? $"Run as root: {Command}" : $"Run: {Command}")).ToList();
        var prepared = RemoteCommand.Prepare(Command, sudo, SudoCredential?.Password);
        TimeSpan? timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null;
        int finished = 0;
        RunParallel(targets, ThrottleLimit, async (entry, queue, token) =>
        {
            string name = entry.Host.Name;
            try
            {
                var outcome = await entry.Connection.RunAsync(prepared.CommandLine, prepared.Stdin, timeout, token, queue.WriteVerbose).ConfigureAwait(false);
                if (sudo && RemoteCommand.SudoRefusal(outcome, name, entry.Host.UserName) is { } refusal)
                {
                    throw refusal;
                }

                var result = new KubeHostCommandResult(name, Command, outcome.ExitCode, RemoteCommand.Lines(outcome.Output),
                    RemoteCommand.Lines(outcome.Error), outcome.Duration, outcome.TimedOut);
                queue.WriteObject(result);
                if (outcome.TimedOut)
                {
                    queue.WriteError(ToErrorRecord(new KfsException("CommandTimedOut", KfsErrorCategory.OperationTimeout, name,
                        $"The command on {name} did not finish within {TimeoutSec} s and was ended. Raise -TimeoutSec if it needs longer.")));
                }
                else if (outcome.ExitCode != 0)
                {
                    string why = outcome.ExitCode is null ? $"was ended by signal {outcome.ExitSignal}" : $"exited with status {outcome.ExitCode}";
                    string firstError = result.Error.FirstOrDefault(l => l.Length > 0) ?? string.Empty;
                    queue.WriteError(ToErrorRecord(new KfsException("RemoteCommandFailed", KfsErrorCategory.FromStdErr, name,
                        $"The command on {name} {why}{(firstError.Length > 0 ? ": " + firstError : ".")} The result object holds its full output.")));
                }
            }
            finally
            {
                int n = Interlocked.Increment(ref finished);
                queue.WriteProgress(new ProgressRecord(2, "Invoke-KubeHostCommand", $"{n} of {targets.Count} hosts done")
                {
                    PercentComplete = n * 100 / Math.Max(1, targets.Count),
                    RecordType = n == targets.Count ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                });
            }
        });
    }
}
