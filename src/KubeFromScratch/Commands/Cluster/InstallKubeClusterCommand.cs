using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Reflection;
using KubeFromScratch.Engine.Cluster;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Cluster;

/// <summary>
/// <para type="synopsis">Brings up a whole cluster from a definition file, phase by phase, changing only what is not yet as defined ("the easy way").</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "KubeCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Path")]
[OutputType(typeof(KubeClusterStep))]
public sealed class InstallKubeClusterCommand : KubeCmdlet
{
    private static readonly Lazy<string> PhaseScript = new(() =>
    {
        using var stream = typeof(InstallKubeClusterCommand).Assembly.GetManifestResourceStream("KubeFromScratch.ClusterPhases.ps1")
            ?? throw new InvalidOperationException("The module lacks its embedded ClusterPhases.ps1; rebuild it.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The cluster definition: a .psd1 or .yaml/.yml file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The cluster definition as a hashtable (what a .psd1 holds).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Definition")]
    [ValidateNotNull]
    public Hashtable? Definition { get; set; }

    /// <summary>Run only these phases (in their order), e.g. -Phase Network, SmokeTest.</summary>
    [Parameter]
    [ValidateSet("Connect", "Preflight", "Etcd", "Certificates", "Binaries", "Units", "Kubelet", "Proxy", "Network", "Cni", "SmokeTest")]
    public string[]? Phase { get; set; }

    /// <summary>Skip these phases.</summary>
    [Parameter]
    [ValidateSet("Connect", "Preflight", "Etcd", "Certificates", "Binaries", "Units", "Kubelet", "Proxy", "Network", "Cni", "SmokeTest")]
    public string[]? SkipPhase { get; set; }

    /// <summary>Run every phase even when the last run failed part-way (by default a rerun resumes at the failed phase).</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>Seconds each wait (nodes Ready, Weave Net, the smoke test) may take.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        ClusterDefinition definition;
        try
        {
            if (ParameterSetName == "Definition")
            {
                definition = ClusterDefinition.FromDictionary(Definition!, "the -Definition hashtable", SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            }
            else
            {
                string file = GetUnresolvedProviderPathFromPSPath(Path);
                if (!File.Exists(file))
                {
                    ThrowTerminatingError(Error("ClusterDefinitionNotFound", ErrorCategory.ObjectNotFound, file, $"The cluster definition '{file}' does not exist."));
                }

                string dir = System.IO.Path.GetDirectoryName(file)!;
                definition = file.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase)
                    ? ClusterDefinition.FromDictionary(ReadDataFile(file), file, dir)
                    : ClusterDefinition.FromYaml(File.ReadAllText(file), file, dir);
            }
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            return;
        }

        Install(definition);
    }

    private Hashtable ReadDataFile(string file)
    {
        var result = InvokeCommand.InvokeScript(false, ScriptBlock.Create("param($p) Import-PowerShellDataFile -LiteralPath $p"), null, file);
        return result.Count == 1 && result[0].BaseObject is Hashtable table
            ? table
            : throw new KfsException("ClusterDefinitionInvalid", KfsErrorCategory.InvalidData, file, $"{file} does not hold one hashtable (@{{ Name = ...; Hosts = @(...) }}).");
    }

    private void Install(ClusterDefinition d)
    {
        bool whatIf = IsSet("WhatIf") || SessionState.PSVariable.GetValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };
        bool verbose = IsSet("Verbose");
        var phases = ClusterDefinition.Phases
            .Where(p => Phase is null || Phase.Contains(p, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var skip = new HashSet<string>(SkipPhase ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);

        // A rerun after a failure resumes at the failed phase: what the failed run finished is not done again.
        bool fullRun = Phase is null && SkipPhase is null && !whatIf;
        var previous = fullRun && !Restart ? ClusterState.Load(d.Name) : null;
        var resumed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (previous is { Failed: not null } && previous.Fingerprint == d.Fingerprint)
        {
            resumed.UnionWith(previous.Done.Where(p => p != "Connect"));
            WriteVerbose($"The last run of '{d.Name}' failed in {previous.Failed} ({previous.Updated:g}); resuming there. -Restart runs every phase.");
        }

        var table = (Hashtable)InvokeCommand.InvokeScript(PhaseScript.Value)[0].BaseObject;
        var runner = ScriptBlock.Create(Runner);
        var options = new Hashtable
        {
            ["WhatIf"] = whatIf,
            ["Verbose"] = verbose,
            ["TimeoutSec"] = TimeoutSec,
            ["SudoCredential"] = SudoCredential,
        };
        var state = new ClusterState { Fingerprint = d.Fingerprint };
        var total = Stopwatch.StartNew();
        bool anyChange = false;
        for (int i = 0; i < phases.Count; i++)
        {
            string phase = phases[i];
            int number = ClusterDefinition.Phases.ToList().IndexOf(phase) + 1;
            WriteProgress(new ProgressRecord(90, $"Install-KubeCluster {d.Name}", $"Phase {i + 1} of {phases.Count}: {phase}")
            {
                PercentComplete = i * 100 / phases.Count,
            });
            if (skip.Contains(phase) || resumed.Contains(phase))
            {
                WriteObject(new KubeClusterStep(d.Name, number, phase, "", false, TimeSpan.Zero, "Skipped",
                    skip.Contains(phase) ? "skipped (-SkipPhase)" : "done in the previous run", null));
                state.Done.Add(phase);
                continue;
            }

            if (phase is "Network" or "SmokeTest" or "Kubelet" && !EnsureApi(d, whatIf))
            {
                return;
            }

            var watch = Stopwatch.StartNew();
            Hashtable result;
            List<ErrorRecord> errors;
            try
            {
                var output = InvokeCommand.InvokeScript(false, runner, null, table[phase], d, options);
                var envelope = (Hashtable)output[^1].BaseObject;
                result = Plain(envelope["Result"]) as Hashtable ?? new Hashtable();
                errors = ((IEnumerable?)envelope["Errors"] ?? Array.Empty<object>()).OfType<object>()
                    .Select(e => e is PSObject p ? p.BaseObject : e).OfType<ErrorRecord>().ToList();
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (RuntimeException ex)
            {
                result = new Hashtable();
                errors = new List<ErrorRecord> { ex.ErrorRecord };
            }

            watch.Stop();
            foreach (var error in errors)
            {
                WriteError(error);
            }

            string? failure = Plain(result["Failed"]) as string
                ?? (errors.Count > 0 ? string.Join(" | ", errors.Select(e => $"{e.FullyQualifiedErrorId.Split(',')[0]}: {e.Exception?.Message}")) : null);
            bool changed = LanguagePrimitives.IsTrue(Plain(result["Changed"]));
            anyChange |= changed;
            string status = failure is not null ? "Failed" : whatIf ? "WhatIf" : changed ? "Done" : "Unchanged";
            WriteObject(new KubeClusterStep(d.Name, number, phase, Plain(result["Host"]) as string ?? "", changed, watch.Elapsed, status,
                Plain(result["Detail"]) as string ?? "", failure));
            if (failure is not null)
            {
                if (fullRun)
                {
                    state.Failed = phase;
                    state.Save(d.Name);
                }

                WriteProgress(new ProgressRecord(90, $"Install-KubeCluster {d.Name}", "failed") { RecordType = ProgressRecordType.Completed });
                WriteError(Error("ClusterPhaseFailed", ErrorCategory.NotSpecified, phase,
                    $"Phase {phase} of cluster '{d.Name}' failed: {failure} Fix it and run Install-KubeCluster again: it resumes at {phase}."));
                return;
            }

            state.Done.Add(phase);
        }

        WriteProgress(new ProgressRecord(90, $"Install-KubeCluster {d.Name}", "done") { RecordType = ProgressRecordType.Completed });
        if (fullRun)
        {
            ClusterState.Clear(d.Name);
        }

        WriteVerbose(anyChange
            ? $"Cluster '{d.Name}' is as defined ({total.Elapsed.TotalSeconds:0.0} s)."
            : $"Cluster '{d.Name}' was already as defined: nothing changed ({total.Elapsed.TotalSeconds:0.0} s).");
    }

    /// <summary>Connects this session to the definition's API server, unless it already is; false (after an error) when it cannot.</summary>
    private bool EnsureApi(ClusterDefinition d, bool whatIf)
    {
        var current = Session.Api;
        if (current is not null && current.Server == d.ApiServer && string.Equals(current.ViaHost, d.ApiViaHost, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var script = ScriptBlock.Create("param($s, $via) $p = @{ Server = $s }; if ($via) { $p.ViaHost = $via }; Connect-KubeApi @p -ErrorAction Stop | Out-Null");
        try
        {
            InvokeCommand.InvokeScript(false, script, null, d.ApiServer.ToString(), d.ApiViaHost);
            return true;
        }
        catch (RuntimeException ex)
        {
            if (whatIf)
            {
                WriteWarning($"The API server {d.ApiServer} does not answer yet ({ex.Message}); the phases that use it show no changes under -WhatIf.");
                return false;
            }

            WriteError(ex.ErrorRecord);
            return false;
        }
    }

    /// <summary>Values set in PowerShell may arrive wrapped in a PSObject.</summary>
    private static object? Plain(object? value) => value is PSObject p ? p.BaseObject : value;

    private bool IsSet(string name) =>
        MyInvocation.BoundParameters.TryGetValue(name, out var value) && value is SwitchParameter { IsPresent: true } or true;

    // Runs one phase with the module's cmdlets defaulting to the run's -WhatIf and -Verbose, their errors collected
    // instead of shown (Install-KubeCluster writes them, with their ids), and a terminating error ending the phase.
    private const string Runner = """
        param($phase, $d, $o)
        Set-StrictMode -Off   # the phases run in the caller's session, whose strict mode is the caller's business
        $kfsErrors = [System.Collections.ArrayList]::new()
        # Only the module's own commands: a '*' key would also reach the phase's script block.
        $PSDefaultParameterValues = @{}
        foreach ($pattern in '*-Kube*', '*-Etcd*', '*-Weave*', '*-CniPlugin') {
            $PSDefaultParameterValues["${pattern}:ErrorAction"] = 'SilentlyContinue'
            $PSDefaultParameterValues["${pattern}:ErrorVariable"] = '+kfsErrors'
            $PSDefaultParameterValues["${pattern}:WhatIf"] = [bool]$o.WhatIf
            $PSDefaultParameterValues["${pattern}:Verbose"] = [bool]$o.Verbose
            if ($o.SudoCredential) { $PSDefaultParameterValues["${pattern}:SudoCredential"] = $o.SudoCredential }
        }
        $result = $null
        try { $result = & $phase $d $o | Select-Object -Last 1 }
        catch { [void]$kfsErrors.Add($_) }
        @{ Result = $result; Errors = @($kfsErrors) }
        """;
}
