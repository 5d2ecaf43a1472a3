using System.Management.Automation;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Copies a file to hosts or from a host over SFTP, verified by SHA-256, never leaving a partial file.</para>
/// </summary>
[Cmdlet(VerbsCommon.Copy, "KubeHostItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeHostFileCopy))]
public sealed class CopyKubeHostItemCommand : NamedHostCmdlet
{
    /// <summary>The file to copy: a local path when uploading, a remote path with -FromHost.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Where to put it: a remote path (or directory) when uploading, a local path (or folder) with -FromHost.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Download from the hosts instead of uploading to them. With several hosts, -Destination must be a folder; each copy is named host-file.</summary>
    [Parameter]
    public SwitchParameter FromHost { get; set; }

    /// <summary>Write (or read) through sudo, for root-owned places such as /opt/bin.</summary>
    [Parameter]
    public SwitchParameter Sudo { get; set; }

    /// <summary>The sudo password, for hosts that ask for one. Implies -Sudo.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <summary>Permission bits for the uploaded file, octal (e.g. 0755). Default: the local file's own.</summary>
    [Parameter]
    [ValidatePattern("^0?[0-7]{3,4}$")]
    public string? Mode { get; set; }

    /// <summary>Owner (user or user:group) of an upload made with -Sudo. Default root:root.</summary>
    [Parameter]
    public string? Owner { get; set; }

    /// <summary>How many hosts to copy to at once.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        bool sudo = Sudo || SudoCredential is not null;
        int? mode = Mode is null ? null : Convert.ToInt32(Mode, 8);
        string localPath = GetUnresolvedProviderPathFromPSPath(FromHost ? Destination : Path);
        if (!FromHost && !File.Exists(localPath))
        {
            ThrowTerminatingError(Error("LocalFileNotFound", ErrorCategory.ObjectNotFound, Path,
                $"The file '{Path}' does not exist. Give the path of a local file with -Path."));
        }

        if (FromHost && Targets.Count > 1 && !Directory.Exists(localPath))
        {
            ThrowTerminatingError(Error("DestinationNotFolder", ErrorCategory.InvalidArgument, Destination,
                $"Copying from {Targets.Count} hosts needs -Destination to be an existing folder, so each host's copy gets its own name."));
        }

        var targets = Targets.Where(t => ShouldProcess(t.Host.Name,
            FromHost ? $"Download {Path} to {Destination}" : $"Upload {Path} to {Destination}{(sudo ? " (as root)" : string.Empty)}")).ToList();
        int activity = 0;
        RunParallel(targets, ThrottleLimit, async (entry, queue, token) =>
        {
            string name = entry.Host.Name;
            int id = Interlocked.Increment(ref activity) + 10;
            var record = new ProgressRecord(id, $"Copy-KubeHostItem {name}", FromHost ? $"{Path} -> {Destination}" : $"{Path} -> {name}:{Destination}");
            long lastPercent = -1;
            void Report(long done, long total)
            {
                long percent = total == 0 ? 100 : done * 100 / total;
                if (percent != Interlocked.Exchange(ref lastPercent, percent))
                {
                    record.PercentComplete = (int)percent;
                    queue.WriteProgress(record);
                }
            }

            try
            {
                FileTransferOutcome outcome;
                if (FromHost)
                {
                    string target = Targets.Count > 1 ? System.IO.Path.Combine(localPath, $"{name}-{Path[(Path.LastIndexOf('/') + 1)..]}") : localPath;
                    outcome = await SshFileTransfer.DownloadAsync(entry.Connection, Path, target, sudo, SudoCredential?.Password, Report, token).ConfigureAwait(false);
                }
                else
                {
                    outcome = await SshFileTransfer.UploadAsync(entry.Connection, localPath, Destination, mode, sudo, SudoCredential?.Password, Owner, Report, token).ConfigureAwait(false);
                }

                queue.WriteObject(new KubeHostFileCopy(name, FromHost ? CopyDirection.Download : CopyDirection.Upload, outcome.Source,
                    outcome.Destination, outcome.Length, outcome.Sha256, "0" + Convert.ToString(outcome.Mode, 8), outcome.Duration));
            }
            finally
            {
                record.RecordType = ProgressRecordType.Completed;
                queue.WriteProgress(record);
            }
        });
    }
}
