using System.Management.Automation;
using KubeFromScratch.Engine.Releases;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Releases;

/// <summary>
/// <para type="synopsis">Downloads Kubernetes binaries once, verifies their published SHA-256, and installs them on every host over SFTP.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "KubeBinary", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeBinaryInstall))]
public sealed class InstallKubeBinaryCommand : NamedHostCmdlet
{
    /// <summary>Components to install: kubelet, kube-proxy, kubectl, kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(ComponentCompleter))]
    public string[] Component { get; set; } = Array.Empty<string>();

    /// <summary>Release version (1.33.1 or v1.33.1).</summary>
    [Parameter(Mandatory = true)]
    [Alias("KubernetesVersion")]
    public string Version { get; set; } = string.Empty;

    /// <summary>A mirror laid out like dl.k8s.io (release/vX.Y.Z/bin/linux/amd64/NAME with NAME.sha256).</summary>
    [Parameter]
    public Uri? BaseUrl { get; set; }

    /// <summary>Folder on the hosts (default /opt/bin, as in the workshop).</summary>
    [Parameter]
    [ValidatePattern("^/")]
    public string Destination { get; set; } = "/opt/bin";

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
        string[] components = Validate(() => Component.Select(ReleaseCatalog.CheckComponent).Distinct().ToArray());

        var targets = Targets.Where(t => ShouldProcess(t.Host.Name, $"Install {string.Join(", ", components)} {version} into {Destination}")).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        // Everything is downloaded and verified before any host is touched: a bad download installs nothing anywhere.
        var files = new List<(string Component, CachedRelease Release)>();
        using (var downloader = new ReleaseDownloader())
        {
            foreach (string component in components)
            {
                var url = ReleaseCatalog.KubernetesBinary(BaseUrl, component, version, Architecture);
                try
                {
                    files.Add((component, DownloadRelease(downloader, url, checksumRequired: true, $"Downloading {component} {version}", 40)));
                }
                catch (KfsException ex)
                {
                    ThrowTerminatingError(ToErrorRecord(ex));
                    return;
                }
            }
        }

        string dir = Destination.TrimEnd('/');
        RunParallel(targets, 32, async (entry, queue, token) =>
        {
            foreach (var (component, release) in files)
            {
                string path = $"{dir}/{component}";
                bool changed = await RemoteInstaller.InstallFileAsync(entry.Connection, release.Path, path, release.Sha256, 0x1ED, SudoCredential?.Password, token, queue.WriteVerbose).ConfigureAwait(false);
                queue.WriteObject(new KubeBinaryInstall(entry.Host.Name, component, version, path, release.Sha256, changed));
            }
        });
    }
}
