using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Lab;

/// <summary>
/// <para type="synopsis">Checks the workshop's slides against this session's hosts and API with the Pester checks shipped in the module, and says what to run for each step that fails.</para>
/// </summary>
/// <remarks>
/// The checks are Pester files (Labs/NN-name.Tests.ps1, one container per slide) that call the module's own cmdlets.
/// Connections are per runspace, so Pester runs here, on this pipeline, in the caller's session state: the checks see
/// exactly the hosts Get-KubeHost lists and the API Connect-KubeApi connected.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "KubeLab")]
[OutputType("Pester.Run")]
public sealed class TestKubeLabCommand : KubeCmdlet
{
    private const string InstallPester = "Install-PSResource -Name Pester -Version '[5.7.1,)' (or Install-Module -Name Pester -MinimumVersion 5.7.1 -Force -SkipPublisherCheck)";

    // Module-qualified, so a function of the same name in the caller's session cannot stand in for Pester's.
    private const string RunScript = """
        param([string[]] $Path, [string] $Verbosity)
        $configuration = Pester\New-PesterConfiguration
        $configuration.Run.Container = @(foreach ($file in $Path) { Pester\New-PesterContainer -Path $file })
        $configuration.Run.PassThru = $true
        $configuration.Run.Exit = $false
        $configuration.Run.Throw = $false
        $configuration.Output.Verbosity = $Verbosity
        Pester\Invoke-Pester -Configuration $configuration
        """;

    private readonly List<string> _selectors = new();

    /// <summary>Slides to check, by number (7) or name (kube-proxy; wildcards allowed). Default: every slide.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(KubeLabStepCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Step { get; set; }

    /// <summary>Pester's output verbosity: None, Minimal, Normal (default), Detailed or Diagnostic.</summary>
    [Parameter]
    [ValidateSet("None", "Minimal", "Normal", "Detailed", "Diagnostic")]
    public string Output { get; set; } = "Normal";

    /// <inheritdoc/>
    protected override void ProcessRecord() => _selectors.AddRange(Step ?? Array.Empty<string>());

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var steps = SelectSteps();
        var pester = FindPester();
        WriteVerbose($"Pester {pester.Version} ({pester.ModuleBase}); checks: {string.Join(", ", steps.Select(s => Path.GetFileName(s.Path)))}.");
        RegisterAssertions();

        var run = Invoke(RunScript, steps.Select(s => s.Path).ToArray(), Output)
            .LastOrDefault(o => o?.BaseObject?.GetType().FullName == "Pester.Run");
        if (run is null)
        {
            ThrowTerminatingError(Error("KubeLabNoResult", ErrorCategory.InvalidResult, null,
                $"Pester {pester.Version} ran the checks but returned no result. Run them with Invoke-Pester to see why: Invoke-Pester -Path '{KubeLabFiles.LabsDirectory}'."));
            return;
        }

        if (Output != "None")
        {
            WriteSummary(steps.Select(s => KubeLabOutcome.Read(s, run)).ToArray());
        }

        WriteObject(run);
    }

    /// <summary>The steps -Step names (all without it); stops before anything runs when one names no step.</summary>
    private IReadOnlyList<KubeLabStep> SelectSteps()
    {
        var all = KubeLabFiles.Steps;
        if (all.Count == 0)
        {
            ThrowTerminatingError(Error("KubeLabChecksMissing", ErrorCategory.ObjectNotFound, KubeLabFiles.LabsDirectory,
                $"The module's lab checks are missing: there is no NN-name.Tests.ps1 in '{KubeLabFiles.LabsDirectory}'. Reinstall KubeFromScratch."));
        }

        var selected = KubeLabFiles.Select(all, _selectors, out var unknown);
        if (unknown.Count > 0)
        {
            // Nothing runs: a partial run that passed could read as "the lab is fine" when a step was mistyped.
            ThrowTerminatingError(Error("KubeLabStepNotFound", ErrorCategory.ObjectNotFound, unknown[0],
                $"There is no lab step {string.Join(", ", unknown.Select(u => $"'{u}'"))}. The steps are: {string.Join(", ", all.Select(s => s.Label))}. Give a slide number or a name, as in Test-KubeLab -Step 7 or Test-KubeLab kube-proxy."));
        }

        return selected;
    }

    /// <summary>Pester 5.7 or later: the one loaded in this session, else the newest installed, imported globally.</summary>
    private PSModuleInfo FindPester()
    {
        var loaded = Invoke("Get-Module -Name Pester").Select(o => o.BaseObject).OfType<PSModuleInfo>()
            .OrderByDescending(m => m.Version).FirstOrDefault();
        if (loaded is not null)
        {
            if (loaded.Version < KubeLabAssertions.MinimumPester)
            {
                ThrowTerminatingError(Error("PesterNotFound", ErrorCategory.NotInstalled, "Pester",
                    $"Pester {loaded.Version} is loaded in this session, but Test-KubeLab needs Pester 5.7 or later. Install it: {InstallPester}; then start a new session, because a loaded Pester cannot be replaced by another version in the same session."));
            }

            return loaded;
        }

        try
        {
            var imported = Invoke("param([version] $Minimum) Import-Module -Name Pester -MinimumVersion $Minimum -Global -PassThru -ErrorAction Stop", KubeLabAssertions.MinimumPester)
                .Select(o => o.BaseObject).OfType<PSModuleInfo>().FirstOrDefault();
            if (imported is not null)
            {
                return imported;
            }
        }
        catch (RuntimeException ex) when (ex is not PipelineStoppedException)
        {
            WriteVerbose($"Import-Module Pester -MinimumVersion {KubeLabAssertions.MinimumPester}: {ex.Message}");
        }

        var installed = Invoke("Get-Module -ListAvailable -Name Pester").Select(o => o.BaseObject).OfType<PSModuleInfo>()
            .Select(m => m.Version).Distinct().OrderByDescending(v => v).ToArray();
        string found = installed.Length == 0 ? "none is installed" : $"only Pester {string.Join(", ", installed.Select(v => v.ToString()))} is installed";
        ThrowTerminatingError(Error("PesterNotFound", ErrorCategory.NotInstalled, "Pester",
            $"Test-KubeLab runs its checks with Pester 5.7 or later, and {found}. Install it: {InstallPester}; then run Test-KubeLab again."));
        return null!;
    }

    /// <summary>Should -BeHealthy, -BeReady and -BeActive, which the checks use; a registration problem is a warning.</summary>
    private void RegisterAssertions()
    {
        if (!File.Exists(KubeLabFiles.AssertionsPath))
        {
            WriteWarning($"'{KubeLabFiles.AssertionsPath}' is missing, so Should -BeHealthy, -BeReady and -BeActive are not registered and the checks that use them fail. Reinstall KubeFromScratch.");
            return;
        }

        try
        {
            Invoke("param([string] $Path) & $Path", KubeLabFiles.AssertionsPath);
        }
        catch (RuntimeException ex) when (ex is not PipelineStoppedException)
        {
            WriteWarning($"Registering Should -BeHealthy, -BeReady and -BeActive failed: {ex.Message}");
        }
    }

    /// <summary>Runs script in the caller's session state, in a scope of its own, on this pipeline.</summary>
    private Collection<PSObject> Invoke(string script, params object[] args) =>
        InvokeCommand.InvokeScript(true, ScriptBlock.Create(script), null, args);

    /// <summary>One line per slide, then the first failing slide's fix: what a lab author reads after Pester's own output.</summary>
    private void WriteSummary(IReadOnlyList<KubeLabOutcome> outcomes)
    {
        int passed = outcomes.Count(o => o.Result == "Passed");
        int width = outcomes.Max(o => o.Step.Name.Length);
        WriteHostLine(string.Empty, null);
        WriteHostLine($"Lab steps: {passed} of {outcomes.Count} passed", passed == outcomes.Count ? ConsoleColor.Green : ConsoleColor.Red);
        foreach (var o in outcomes)
        {
            string mark = o.Result switch { "Passed" => "[+]", "Failed" => "[-]", _ => "[!]" };
            string line = string.Create(CultureInfo.InvariantCulture,
                $"  {mark} slide {o.Step.Number,2}  {o.Step.Name.PadRight(width)}  {o.Result,-7} {o.Passed}/{o.Total}");
            if (o.Result == "Failed" && o.Hints.Count > 0)
            {
                line += "  " + string.Join(" ", o.Hints);
            }

            WriteHostLine(line, o.Result switch { "Passed" => ConsoleColor.Green, "Failed" => ConsoleColor.Red, _ => ConsoleColor.Yellow });
        }

        var first = outcomes.FirstOrDefault(o => o.Result == "Failed");
        if (first is not null)
        {
            // Later slides build on earlier ones, so the first failure is where to start.
            WriteHostLine($"Start with slide {first.Step.Number.ToString(CultureInfo.InvariantCulture)} ({first.Step.Name}). {(first.Hints.Count > 0 ? first.Hints[0] : "Pester's output above says what failed.")}", ConsoleColor.Yellow);
        }
    }

    /// <summary>A line for the console, as Write-Host writes it (the information stream, tagged PSHOST).</summary>
    private void WriteHostLine(string text, ConsoleColor? color)
    {
        var message = new HostInformationMessage { Message = text };
        if (color is { } c)
        {
            message.ForegroundColor = c;
        }

        WriteInformation(message, new[] { "PSHOST" });
    }
}

/// <summary>How one slide's container fared, read from Pester's result object.</summary>
internal sealed record KubeLabOutcome(KubeLabStep Step, string Result, int Passed, int Total, IReadOnlyList<string> Hints)
{
    /// <summary>Finds <paramref name="step"/>'s container in <paramref name="run"/> (Pester 5.7 and 6 shape it alike).</summary>
    public static KubeLabOutcome Read(KubeLabStep step, PSObject run)
    {
        var container = Items(Property(run, "Containers")).FirstOrDefault(c =>
            Property(c, "Item") is FileInfo file && string.Equals(Path.GetFullPath(file.FullName), Path.GetFullPath(step.Path), StringComparison.OrdinalIgnoreCase));
        if (container is null)
        {
            return new KubeLabOutcome(step, "NotRun", 0, 0, Array.Empty<string>());
        }

        var messages = new List<string>();
        CollectFailures(container, messages);
        return new KubeLabOutcome(step, Property(container, "Result")?.ToString() ?? "NotRun",
            ToInt(Property(container, "PassedCount")), ToInt(Property(container, "TotalCount")), HintsOf(messages));
    }

    /// <summary>
    /// The "Run: ..." sentences of the failure messages, each once; a failure without one is shown by its first line.
    /// </summary>
    internal static IReadOnlyList<string> HintsOf(IEnumerable<string> messages)
    {
        var hints = new List<string>();
        string? firstLine = null;
        foreach (string message in messages)
        {
            foreach (string line in message.Split('\n'))
            {
                string text = line.TrimEnd('\r');
                firstLine ??= text.Trim().Length > 0 ? text.Trim() : null;
                int at = text.IndexOf("Run: ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    string hint = text[at..].Trim();
                    if (!hints.Contains(hint))
                    {
                        hints.Add(hint);
                    }
                }
            }
        }

        return hints.Count > 0 || firstLine is null ? hints : new[] { firstLine };
    }

    private static void CollectFailures(object node, List<string> messages)
    {
        foreach (var record in Items(Property(node, "ErrorRecord")))
        {
            messages.Add(record is ErrorRecord er ? er.Exception?.Message ?? er.ToString() : record.ToString() ?? string.Empty);
        }

        foreach (var test in Items(Property(node, "Tests")))
        {
            if (Property(test, "Result")?.ToString() == "Failed")
            {
                CollectFailures(test, messages);
            }
        }

        foreach (var block in Items(Property(node, "Blocks")))
        {
            CollectFailures(block, messages);
        }
    }

    private static object? Property(object? value, string name) =>
        value is null ? null : PSObject.AsPSObject(value).Properties[name]?.Value;

    private static IEnumerable<object> Items(object? value)
    {
        if (value is null)
        {
            return Array.Empty<object>();
        }

        object raw = value is PSObject pso ? pso.BaseObject : value;
        return raw is IEnumerable items and not string ? items.Cast<object?>().Where(i => i is not null).Cast<object>() : new[] { value };
    }

    private static int ToInt(object? value) =>
        value is null ? 0 : LanguagePrimitives.ConvertTo<int>(value);
}
