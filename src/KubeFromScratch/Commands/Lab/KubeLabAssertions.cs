using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KubeFromScratch.Commands.Lab;

/// <summary>
/// Registers the module's Should operators (-BeHealthy, -BeReady, -BeActive) with Pester. They are script
/// (Labs/Assertions.ps1, readable by lab authors) because Pester's Add-ShouldOperator takes a script block bound to a
/// session state; registering the same file twice is harmless, Pester ignores an identical operator.
/// </summary>
internal static class KubeLabAssertions
{
    /// <summary>The oldest Pester the checks and the operators are tested with.</summary>
    public static readonly Version MinimumPester = new(5, 7, 0);

    // Runs in the importing runspace; Get-Module sees only that runspace's modules.
    private const string ImportScript = """
        param([string] $Path, [version] $Minimum)
        if (Get-Module -Name Pester | Where-Object Version -GE $Minimum) { & $Path }
        """;

    /// <summary>
    /// At Import-Module: registers the operators when Pester (5.7 or later) is already loaded in this runspace, so a
    /// lab author's own Describe blocks can use them. It never loads Pester: an import must stay fast, and most
    /// sessions never test anything.
    /// </summary>
    public static void RegisterAtImport()
    {
        // A process with no Pester assembly has no Pester module in any runspace; this check costs no pipeline.
        if (!AppDomain.CurrentDomain.GetAssemblies().Any(a => a.FullName?.StartsWith("Pester,", StringComparison.Ordinal) == true))
        {
            return;
        }

        if (Runspace.DefaultRunspace is null || !File.Exists(KubeLabFiles.AssertionsPath))
        {
            return;
        }

        try
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript(ImportScript, useLocalScope: true)
                .AddArgument(KubeLabFiles.AssertionsPath)
                .AddArgument(MinimumPester);
            ps.Invoke();
        }
        catch (Exception ex) when (ex is RuntimeException or PSInvalidOperationException or InvalidOperationException)
        {
            // The import itself must not fail for this: Test-KubeLab registers the operators again before it runs,
            // and says so when that fails.
        }
    }
}
