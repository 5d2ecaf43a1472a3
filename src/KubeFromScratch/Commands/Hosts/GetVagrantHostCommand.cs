using System.Diagnostics;
using System.Management.Automation;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Reads `vagrant ssh-config` into host specs that pipe into Connect-KubeHost.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "VagrantHost", DefaultParameterSetName = "Path")]
[OutputType(typeof(KubeHostSpec))]
public sealed class GetVagrantHostCommand : KubeCmdlet
{
    /// <summary>The folder holding the Vagrantfile; `vagrant ssh-config` runs there. Default: the current folder.</summary>
    [Parameter(Position = 0, ParameterSetName = "Path")]
    public string? Path { get; set; }

    /// <summary>Text of `vagrant ssh-config` (or any OpenSSH client config) to parse instead of running Vagrant.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "SshConfig")]
    [AllowEmptyString]
    public string[] SshConfig { get; set; } = Array.Empty<string>();

    /// <summary>Only these machines (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    private readonly List<string> _lines = new();

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == "SshConfig")
        {
            _lines.AddRange(SshConfig);
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        string text = ParameterSetName == "SshConfig" ? string.Join("\n", _lines) : RunVagrant();
        IReadOnlyList<SshConfigHost> hosts;
        try
        {
            hosts = SshConfigParser.Parse(text);
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            return;
        }

        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var host in hosts)
        {
            if (patterns is null || patterns.Any(p => p.IsMatch(host.Name)))
            {
                WriteObject(new KubeHostSpec(host.Name, host.HostName, host.Port, host.User ?? "vagrant", host.IdentityFile, KubeHostRole.None, "vagrant ssh-config"));
            }
        }
    }

    private string RunVagrant()
    {
        string folder = GetUnresolvedProviderPathFromPSPath(Path ?? ".");
        if (!Directory.Exists(folder))
        {
            ThrowTerminatingError(Error("VagrantFolderNotFound", ErrorCategory.ObjectNotFound, Path,
                $"The folder '{folder}' does not exist. Give the folder that holds the Vagrantfile with -Path."));
        }

        var start = new ProcessStartInfo("vagrant")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("ssh-config");
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "VagrantNotInstalled", ErrorCategory.NotInstalled, "vagrant")
            {
                ErrorDetails = new ErrorDetails("vagrant was not found on PATH. Install Vagrant, or pass the text of `vagrant ssh-config` with -SshConfig."),
            });
            return string.Empty;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            while (!process.WaitForExit(100))
            {
                if (CancelToken.IsCancellationRequested)
                {
                    process.Kill(entireProcessTree: true);
                    throw new PipelineStoppedException();
                }
            }

            if (process.ExitCode != 0)
            {
                ThrowTerminatingError(Error("VagrantSshConfigFailed", ErrorCategory.InvalidOperation, folder,
                    $"`vagrant ssh-config` failed in {folder} (exit {process.ExitCode}): {stderr.Result.Trim()} Run `vagrant up` there first."));
            }

            return stdout.Result;
        }
    }
}
