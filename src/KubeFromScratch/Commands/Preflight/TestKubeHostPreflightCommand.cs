using System.Management.Automation;
using KubeFromScratch.Engine.Preflight;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Preflight;

/// <summary>
/// <para type="synopsis">Checks that hosts are ready for Kubernetes: OS and architecture, systemd, sudo, swap, ports, clocks, unique names and machine ids.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KubeHostPreflight", DefaultParameterSetName = "Name")]
[OutputType(typeof(KubePreflightCheck))]
[OutputType(typeof(bool))]
public sealed class TestKubeHostPreflightCommand : PositionalHostCmdlet
{
    private readonly List<string> _exactNames = new();

    /// <summary>Check every host as this role instead of its own (KubeHost.Role); a host without a role is checked as a worker.</summary>
    [Parameter]
    [ValidateSet("Master", "Worker")]
    public KubeHostRole? Role { get; set; }

    /// <summary>The checks to run (default: all), in the fixed order of the output whatever the order given.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(PreflightCheckCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Check { get; set; }

    /// <summary>Return one Boolean: True when no check failed on any host and every host could be checked.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>The sudo password of the remote user, for hosts whose sudo asks for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <summary>Seconds one host's probe may take.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 30;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        // -Quiet must say False when a named host is not connected (HostCmdlet reports it as an error record).
        if (InputObject is not { Length: > 0 } && Name is { } names)
        {
            _exactNames.AddRange(names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)));
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        // An unknown check name stops the cmdlet before any host is contacted.
        var checks = Validate(() => KubePreflight.SelectChecks(Check));
        DefaultToAllHosts();
        bool allGood = Targets.Count > 0 && _exactNames.All(n => Session.TryGet(n, out _));
        if (Targets.Count == 0)
        {
            if (Quiet)
            {
                WriteObject(false);
            }

            return;
        }

        var hosts = Targets.Select(t => (t.Connection, Role ?? t.Host.Role)).ToList();
        var options = new PreflightOptions
        {
            Checks = checks.ToArray(),
            SudoPassword = SudoCredential?.Password,
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
        };

        var progress = new ProgressRecord(1, "Test-KubeHostPreflight", $"Probing {hosts.Count} host{(hosts.Count == 1 ? string.Empty : "s")}");
        WriteProgress(progress);
        var results = Run((queue, token) => KubePreflight.CheckAsync(hosts, options, queue.WriteVerbose, token));
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);

        foreach (var result in results)
        {
            if (result.Failure is { } failure)
            {
                // A host that could not be probed has no findings to show: its failure is an error record with the
                // connection's own id (HostUnreachable, ...), in its place among the other hosts' results.
                allGood = false;
                WriteError(ToErrorRecord(failure));
                continue;
            }

            if (result.Status == KubePreflightStatus.Fail)
            {
                allGood = false;
            }

            if (!Quiet)
            {
                WriteObject(result);
            }
        }

        if (Quiet)
        {
            WriteObject(allGood);
        }
    }
}

/// <summary>Completes -Check with the preflight checks' names, from the engine's one list.</summary>
public sealed class PreflightCheckCompleter : WordCompleter
{
    /// <inheritdoc/>
    protected override IEnumerable<string> Words => KubePreflight.CheckNames;
}
