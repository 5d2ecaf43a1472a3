using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace KubeFromScratch.Infrastructure;

/// <summary>
/// The module's private load context. KubeFromScratch.Engine and its third-party dependencies (SSH.NET,
/// KubernetesClient, YamlDotNet, ...) load here from the Dependencies folder, so another module or script that
/// loaded a different version of any of them into the session does not clash with ours, in either import order.
/// See "Resolving PowerShell module assembly dependency conflicts" in the PowerShell documentation.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;

    public ModuleLoadContext(string dependencyDirectory)
        : base("KubeFromScratch", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The cmdlet and output-type assemblies must stay single copies in the default context; PowerShell's own
        // assembly likewise. Everything else found in Dependencies is ours alone.
        if (assemblyName.Name is "KubeFromScratch" or "KubeFromScratch.Models" or "System.Management.Automation")
        {
            return null;
        }

        string path = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}

/// <summary>Wires the private load context in when the module is imported and out when it is removed.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "KubeFromScratch.Engine";
    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<ModuleLoadContext> LoadContext = new(() => new ModuleLoadContext(DependencyDirectory));

    /// <summary>Called by PowerShell on Import-Module.</summary>
    public void OnImport()
    {
        AssemblyLoadContext.Default.Resolving += ResolveEngine;

        // Should -BeHealthy, -BeReady and -BeActive for lab authors who loaded Pester first; nothing otherwise.
        Commands.Lab.KubeLabAssertions.RegisterAtImport();
    }

    /// <summary>Called by PowerShell on Remove-Module.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName assemblyName)
    {
        // Only the engine is handed over: the default context then never sees SSH.NET or YamlDotNet at all, because
        // the engine's own references resolve inside the private context.
        if (assemblyName.Name != EngineAssemblyName || !Directory.Exists(DependencyDirectory))
        {
            return null;
        }

        return LoadContext.Value.LoadFromAssemblyName(assemblyName);
    }
}
