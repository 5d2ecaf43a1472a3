using System.Management.Automation;
using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// Start, stop or restart one systemd unit on every targeted host in parallel, through sudo. The Kubernetes node
/// services are the deck's units: kube-kubelet.service and kube-proxy.service.
/// </summary>
public abstract class UnitCmdlet : PositionalHostCmdlet
{
    /// <summary>The unit to act on, when it is not named as in the workshop.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Unit { get; set; }

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <summary>How many hosts at once.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <summary>The workshop's name of the unit this cmdlet manages.</summary>
    protected abstract string DefaultUnit { get; }

    /// <summary>Start, Restart or Stop.</summary>
    protected abstract UnitAction Action { get; }

    /// <summary>For Stop: also disable the unit.</summary>
    protected virtual bool Disable => false;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        string unit = Validate(() => SystemdUnits.Normalize(Unit ?? DefaultUnit));

        string verb = Action switch { UnitAction.Start => "Enable and start", UnitAction.Restart => "Enable and restart", _ => Disable ? "Stop and disable" : "Stop" };
        var targets = Targets.Where(t => ShouldProcess($"{unit} on {t.Host.Name}", verb)).ToList();
        int done = 0;
        var results = new List<KubeUnitStatus>();
        RunParallel(targets, ThrottleLimit, async (entry, queue, token) =>
        {
            try
            {
                var status = await SystemdUnits.ChangeAsync(entry.Connection, unit, Action, Disable, SudoCredential?.Password, token, queue.WriteVerbose).ConfigureAwait(false);
                lock (results)
                {
                    results.Add(status);
                }

                OnUnitChanged(status, queue, token);
            }
            finally
            {
                int n = Interlocked.Increment(ref done);
                queue.WriteProgress(new ProgressRecord(30, $"{verb} {unit}", $"{n} of {targets.Count} hosts")
                {
                    PercentComplete = n * 100 / Math.Max(1, targets.Count),
                    RecordType = n == targets.Count ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                });
            }
        });
        AfterUnits(results);
    }

    /// <summary>Runs on the pipeline thread once every host is done; Start-KubeletNode -Wait waits for the nodes here.</summary>
    protected virtual void AfterUnits(IReadOnlyList<KubeUnitStatus> results)
    {
    }

    /// <summary>Writes the unit's status; cmdlets that wait for something afterwards override this.</summary>
    protected virtual void OnUnitChanged(KubeUnitStatus status, PipelineQueue queue, CancellationToken token) => queue.WriteObject(status);
}

/// <summary>Completes the Kubernetes unit names the module manages, plus etcd.</summary>
public sealed class UnitNameCompleter : WordCompleter
{
    /// <inheritdoc/>
    protected override IEnumerable<string> Words { get; } = new[] { "kube-kubelet", "kube-proxy", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" };
}
