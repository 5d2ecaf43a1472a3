using System.Management.Automation;
using KubeFromScratch.Engine.Releases;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Releases;

/// <summary>
/// <para type="synopsis">Installs CNI plugins (loopback, ...) on every host from the plugins release tarball, verified by its SHA-256.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "CniPlugin", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(CniPluginInstall))]
public sealed class InstallCniPluginCommand : HostCmdlet
{
    /// <summary>Connected hosts to install on (wildcards allowed); default: piped hosts, else every connected host.</summary>
    [Parameter(ParameterSetName = "Name")]
    [Alias("Host")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? ComputerName { get; set; }

    /// <inheritdoc/>
    protected override string[]? TargetNames => ComputerName;

    /// <summary>Plugins to install (loopback, bridge, host-local, portmap, ...), as the workshop names them: -Name loopback.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Plugin", "PluginName")]
    [ArgumentCompleter(typeof(CniPluginCompleter))]
    [ValidatePattern("^[a-z0-9][a-z0-9-]*$")]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Release of the plugins (0.3.0 is the deck's legacy tarball, which has no checksum).</summary>
    [Parameter]
    public string Version { get; set; } = "1.6.2";

    /// <summary>A mirror laid out like github.com (containernetworking/plugins/releases/download/vX.Y.Z/...).</summary>
    [Parameter]
    public Uri? BaseUrl { get; set; }

    /// <summary>Folder on the hosts (default /opt/cni/bin).</summary>
    [Parameter]
    [ValidatePattern("^/")]
    public string Destination { get; set; } = "/opt/cni/bin";

    /// <summary>CPU architecture of the hosts.</summary>
    [Parameter]
    [ValidateSet("amd64", "arm64")]
    public string Architecture { get; set; } = "amd64";

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        string version = Validate(() => ReleaseCatalog.NormalizeVersion(Version));
        Uri url = Validate(() => ReleaseCatalog.CniTarball(BaseUrl, version, Architecture));

        string[] plugins = Name.Distinct(StringComparer.Ordinal).ToArray();
        var targets = Targets.Where(t => ShouldProcess(t.Host.Name, $"Install CNI plugin(s) {string.Join(", ", plugins)} {version} into {Destination}")).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        bool legacy = ReleaseCatalog.IsLegacyCni(version);
        string scratch = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kfs-cni-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            IReadOnlyDictionary<string, string> extracted;
            var hashes = new Dictionary<string, string>();
            try
            {
                using var downloader = new ReleaseDownloader();
                var release = DownloadRelease(downloader, url, checksumRequired: !legacy, $"Downloading CNI plugins {version}", 41);
                if (!release.ChecksumPublished)
                {
                    WriteWarning($"{url} has no published checksum (the legacy 0.3.0 tarball never had one), so it could not be verified. Its SHA-256 is {release.Sha256}; prefer a current release with -Version.");
                }

                extracted = Run((_, token) => ReleaseCatalog.ExtractAsync(release.Path, plugins, scratch, token));
                foreach (var (plugin, path) in extracted)
                {
                    hashes[plugin] = Run((_, token) => ReleaseDownloader.HashAsync(path, token));
                }
            }
            catch (KfsException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }

            string dir = Destination.TrimEnd('/');
            RunParallel(targets, 32, async (entry, queue, token) =>
            {
                foreach (string plugin in plugins)
                {
                    string path = $"{dir}/{plugin}";
                    bool changed = await RemoteInstaller.InstallFileAsync(entry.Connection, extracted[plugin], path, hashes[plugin], 0x1ED, SudoCredential?.Password, token, queue.WriteVerbose).ConfigureAwait(false);
                    queue.WriteObject(new CniPluginInstall(entry.Host.Name, plugin, version, path, hashes[plugin], changed));
                }
            });
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
}
