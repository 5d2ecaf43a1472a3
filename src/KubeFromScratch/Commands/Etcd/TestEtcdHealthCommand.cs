using System.Diagnostics;
using System.Management.Automation;
using KubeFromScratch.Engine.Etcd;

namespace KubeFromScratch.Commands.Etcd;

/// <summary>
/// <para type="synopsis">Checks every etcd member's health in parallel and gives the cluster verdict, like `etcdctl cluster-health`.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "EtcdHealth", DefaultParameterSetName = "Endpoint")]
[OutputType(typeof(EtcdMemberHealth), typeof(EtcdClusterHealth), typeof(bool))]
public sealed class TestEtcdHealthCommand : EtcdCmdlet
{
    /// <summary>Return only $true (cluster healthy) or $false, like Test-Connection -Quiet.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Check again until the cluster is healthy or -TimeoutSec runs out.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: seconds to wait for a healthy cluster.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 60;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var options = BuildOptions();
        if (options is null)
        {
            if (Quiet)
            {
                WriteObject(false);
            }

            return;
        }

        var waited = Stopwatch.StartNew();
        int round = 0;
        while (true)
        {
            round++;
            EtcdHealthReport? report = null;
            try
            {
                report = Run((queue, token) => EtcdHealthChecker.CheckAsync(options, queue.WriteVerbose, token));
            }
            catch (KfsException ex) when (Wait && waited.Elapsed.TotalSeconds < TimeoutSec)
            {
                WriteVerbose($"Round {round}: {ex.Message}");
            }
            catch (KfsException ex)
            {
                if (Quiet)
                {
                    WriteObject(false);
                    WriteVerbose(ex.Message);
                    return;
                }

                WriteError(ToErrorRecord(ex));
                return;
            }

            bool done = report?.Cluster.IsHealthy == true || !Wait || waited.Elapsed.TotalSeconds >= TimeoutSec;
            if (done)
            {
                WriteProgress(new ProgressRecord(20, "Test-EtcdHealth", "done") { RecordType = ProgressRecordType.Completed });
                if (report is null)
                {
                    WriteError(Error("EtcdWaitTimedOut", ErrorCategory.OperationTimeout, string.Join(", ", options.Endpoints),
                        $"etcd did not answer within {TimeoutSec} s. Check that etcd runs on the hosts (Get-KubeUnit etcd) and the endpoints are right."));
                    if (Quiet)
                    {
                        WriteObject(false);
                    }

                    return;
                }

                if (Quiet)
                {
                    WriteObject(report.Cluster.IsHealthy);
                    return;
                }

                foreach (var member in report.Members)
                {
                    WriteObject(member);
                }

                WriteObject(report.Cluster);
                if (Wait && !report.Cluster.IsHealthy)
                {
                    WriteError(Error("EtcdWaitTimedOut", ErrorCategory.OperationTimeout, string.Join(", ", options.Endpoints),
                        $"The etcd cluster was still {report.Cluster.State.ToString().ToLowerInvariant()} ({report.Cluster.HealthyMembers} of {report.Cluster.Members} members healthy) after {TimeoutSec} s."));
                }

                return;
            }

            int percent = (int)Math.Min(99, waited.Elapsed.TotalSeconds * 100 / TimeoutSec);
            string state = report is null ? "no answer" : $"{report.Cluster.HealthyMembers} of {report.Cluster.Members} members healthy";
            WriteProgress(new ProgressRecord(20, "Test-EtcdHealth", $"Waiting for a healthy etcd cluster: {state}") { PercentComplete = percent });
            if (CancelToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                throw new PipelineStoppedException();
            }
        }
    }
}
