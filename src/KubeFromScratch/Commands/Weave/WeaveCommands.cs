using System.Management.Automation;
using KubeFromScratch.Engine.Releases;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Engine.Weave;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Weave;

/// <summary>
/// <para type="synopsis">Downloads the weave script once, verifies it, and installs it as /opt/bin/weave on every host over SFTP.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "WeaveBinary", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeBinaryInstall))]
public sealed class InstallWeaveBinaryCommand : PositionalHostCmdlet
{
    /// <summary>The default release site (the weave script is a release asset there).</summary>
    public const string DefaultBaseUrl = "https://github.com";

    /// <summary>The Weave Net release (2.8.1, the last one).</summary>
    [Parameter]
    [ValidatePattern(@"^v?\d+\.\d+\.\d+$")]
    public string Version { get; set; } = "2.8.1";

    /// <summary>A mirror laid out like github.com (weaveworks/weave/releases/download/vX.Y.Z/weave).</summary>
    [Parameter]
    public Uri? BaseUrl { get; set; }

    /// <summary>The script's expected SHA-256, for sites that publish no weave.sha256 beside it (github.com does not).</summary>
    [Parameter]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>Where the script goes on the hosts.</summary>
    [Parameter]
    [ValidatePattern("^/")]
    public string Destination { get; set; } = "/opt/bin/weave";

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        string version = Version.TrimStart('v');
        var targets = Targets.Where(t => ShouldProcess(t.Host.Name, $"Install weave {version} as {Destination}")).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        string site = (BaseUrl?.ToString() ?? DefaultBaseUrl).TrimEnd('/');
        var url = new Uri($"{site}/weaveworks/weave/releases/download/v{version}/weave");
        CachedRelease release;
        using (var downloader = new ReleaseDownloader())
        {
            try
            {
                // github.com publishes no weave.sha256: without -Sha256, a published checksum is used when there is
                // one (mirrors), and otherwise the script is installed with a warning, as the deck's curl did.
                release = DownloadRelease(downloader, url, checksumRequired: false, $"Downloading weave {version}", 80);
            }
            catch (KfsException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }
        }

        if (Sha256 is not null && !string.Equals(release.Sha256, Sha256, StringComparison.OrdinalIgnoreCase))
        {
            // A file that failed its check must not be found in the cache next time.
            try
            {
                File.Delete(release.Path);
            }
            catch (IOException)
            {
            }

            ThrowTerminatingError(Error("ChecksumMismatch", ErrorCategory.SecurityError, url,
                $"{url} has SHA-256 {release.Sha256}, not the expected {Sha256.ToLowerInvariant()}. Nothing was installed; check the source."));
        }

        if (Sha256 is null && !release.ChecksumPublished)
        {
            WriteWarning($"{url} publishes no weave.sha256, so the script (SHA-256 {release.Sha256}) was not verified. Pass -Sha256 with the hash of a copy you trust to verify it.");
        }

        RunParallel(targets, 32, async (entry, queue, token) =>
        {
            bool changed = await RemoteInstaller.InstallFileAsync(entry.Connection, release.Path, Destination, release.Sha256, 0x1ED, SudoCredential?.Password, token, queue.WriteVerbose).ConfigureAwait(false);
            queue.WriteObject(new KubeBinaryInstall(entry.Host.Name, "weave", version, Destination, release.Sha256, changed));
        });
    }
}

/// <summary>
/// <para type="synopsis">Runs weave status peers on hosts and returns each Weave Net peer with its connections.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "WeavePeer", DefaultParameterSetName = "Name")]
[OutputType(typeof(WeavePeer))]
public sealed class GetWeavePeerCommand : PositionalHostCmdlet
{
    /// <summary>The weave script on the hosts.</summary>
    [Parameter]
    [ValidatePattern("^/")]
    public string WeavePath { get; set; } = "/opt/bin/weave";

    /// <summary>Run weave through sudo (the real script talks to the Docker socket).</summary>
    [Parameter]
    public SwitchParameter Sudo { get; set; }

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <summary>Seconds the command may take on each host.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 30;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        RunParallel(Targets, 32, async (entry, queue, token) =>
        {
            string command = $"{ShellQuote.Quote(WeavePath)} status peers";
            bool sudo = Sudo || SudoCredential is not null;
            var prepared = RemoteCommand.Prepare(command, sudo, SudoCredential?.Password);
            var result = await entry.Connection.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromSeconds(TimeoutSec), token, queue.WriteVerbose).ConfigureAwait(false);
            if (sudo && RemoteCommand.SudoRefusal(result, entry.Host.Name, entry.Host.UserName) is { } refusal)
            {
                throw refusal;
            }

            if (result.TimedOut)
            {
                throw new KfsException("WeaveStatusTimeout", KfsErrorCategory.OperationTimeout, entry.Host.Name,
                    $"weave status peers did not finish on {entry.Host.Name} within {TimeoutSec} s. Check that the weave container runs there; -TimeoutSec waits longer.");
            }

            if (result.ExitCode == 127 || result.Error.Contains("No such file", StringComparison.Ordinal))
            {
                throw new KfsException("WeaveNotInstalled", KfsErrorCategory.NotInstalled, entry.Host.Name,
                    $"{entry.Host.Name} has no weave script at {WeavePath}. Install it with Get-KubeHost {entry.Host.Name} | Install-WeaveBinary.");
            }

            if (result.ExitCode != 0)
            {
                throw new KfsException("WeaveStatusFailed", KfsErrorCategory.FromStdErr, entry.Host.Name,
                    $"weave status peers failed on {entry.Host.Name} (exit {result.ExitCode}): {result.Error.Trim()} Check that Weave Net runs there (Get-KubePod -Namespace kube-system).");
            }

            foreach (var peer in WeaveStatusParser.ParsePeers(result.Output, entry.Host.Name))
            {
                queue.WriteObject(peer);
            }
        });
    }
}
