using System.Management.Automation;

namespace KubeFromScratch.Infrastructure;

/// <summary>
/// Base of cmdlets that act on connected hosts: takes KubeHost objects from the pipeline or host names (wildcards
/// allowed) by parameter or property name, and with neither, every connected host.
/// </summary>
public abstract class HostCmdlet : KubeCmdlet
{
    private readonly List<HostEntry> _targets = new();
    private readonly HashSet<string> _seen = new(StringComparer.OrdinalIgnoreCase);
    private bool _anyInput;

    /// <summary>Hosts from Connect-KubeHost or Get-KubeHost.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public KubeHost[]? InputObject { get; set; }

    /// <summary>
    /// The host names given by the derived cmdlet's own -Name parameter (declared there, so each cmdlet chooses
    /// whether it is positional: Disconnect-KubeHost core-02 reads well, Invoke-KubeHostCommand puts the command first).
    /// </summary>
    protected abstract string[]? TargetNames { get; }

    /// <summary>
    /// Downloads one release file into the per-user cache (or finds it there), verified against its published
    /// checksum, showing download progress. Failures are the engine's (ChecksumMismatch, ReleaseNotFound, ...).
    /// </summary>
    internal Engine.Releases.CachedRelease DownloadRelease(Engine.Releases.ReleaseDownloader downloader, Uri url, bool checksumRequired,
        string activity, int progressId)
    {
        var release = Run((queue, token) => downloader.GetAsync(url, checksumRequired, (done, total) => queue.WriteProgress(
            new ProgressRecord(progressId, activity, url.ToString())
            {
                PercentComplete = total is > 0 ? (int)(done * 100 / total.Value) : -1,
            }), token));
        WriteProgress(new ProgressRecord(progressId, activity, "done") { RecordType = ProgressRecordType.Completed });
        WriteVerbose($"{(release.FromCache ? "From the cache" : "Downloaded")}: {release.Path}, SHA-256 {release.Sha256}{(release.ChecksumPublished ? $" (matches {url}.sha256)" : " (no checksum published)")}.");
        return release;
    }

    /// <summary>Collects the record's hosts; cmdlets act on them in EndProcessing, all at once.</summary>
    protected override void ProcessRecord() => CollectTargets();

    /// <summary>The hosts collected so far, in input order, without duplicates.</summary>
    internal IReadOnlyList<HostEntry> Targets => _targets;

    /// <summary>Collects this record's hosts; unknown names become HostNotConnected errors.</summary>
    protected void CollectTargets()
    {
        if (InputObject is { Length: > 0 })
        {
            _anyInput = true;
            foreach (var host in InputObject)
            {
                AddByName(host.Name, wildcard: false);
            }
        }
        else if (TargetNames is { Length: > 0 } names)
        {
            _anyInput = true;
            foreach (var name in names)
            {
                AddByName(name, WildcardPattern.ContainsWildcardCharacters(name));
            }
        }
    }

    /// <summary>When nothing was given at all, every connected host is the target.</summary>
    protected void DefaultToAllHosts()
    {
        // Piped input that turned out empty (Get-KubeHost -Role Master | ... with no master) names no host: it must
        // not widen to every host, or a filter that matches nothing would run the command everywhere.
        if (_anyInput || MyInvocation.ExpectingInput)
        {
            return;
        }

        foreach (var entry in Session.Hosts)
        {
            Add(entry);
        }

        if (_targets.Count == 0)
        {
            WriteError(Error("NoHostConnected", ErrorCategory.ObjectNotFound, null,
                "No host is connected in this session. Run Connect-KubeHost first (for Vagrant: Get-VagrantHost | Connect-KubeHost)."));
        }
    }

    private void AddByName(string name, bool wildcard)
    {
        if (wildcard)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            foreach (var entry in Session.Hosts.Where(h => pattern.IsMatch(h.Host.Name)))
            {
                Add(entry);
            }

            return;
        }

        if (Session.TryGet(name, out var found))
        {
            Add(found);
        }
        else
        {
            WriteError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, name,
                $"No host named '{name}' is connected in this session. Run Connect-KubeHost for it first; Get-KubeHost lists the connected hosts."));
        }
    }

    private void Add(HostEntry entry)
    {
        if (_seen.Add(entry.Host.Name))
        {
            _targets.Add(entry);
        }
    }
}

/// <summary>A host cmdlet whose first positional argument is the host name: Disconnect-KubeHost core-02.</summary>
public abstract class PositionalHostCmdlet : HostCmdlet
{
    /// <summary>Names of connected hosts (wildcards allowed). Without it and without pipeline input: every connected host.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [Alias("Host", "ComputerName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc/>
    protected override string[]? TargetNames => Name;
}

/// <summary>A host cmdlet whose positional arguments are its own (a command, a component); hosts are named with -Name.</summary>
public abstract class NamedHostCmdlet : HostCmdlet
{
    /// <summary>Names of connected hosts (wildcards allowed). Without it and without pipeline input: every connected host.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [Alias("Host", "ComputerName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc/>
    protected override string[]? TargetNames => Name;
}
