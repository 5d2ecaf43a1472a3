using System.Security;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.Releases;

/// <summary>Puts verified files on hosts, skipping hosts that already have the same bytes.</summary>
public static class RemoteInstaller
{
    /// <summary>
    /// Installs <paramref name="localPath"/> (whose SHA-256 is <paramref name="sha256"/>) at <paramref name="remotePath"/>
    /// as root with <paramref name="mode"/>. Returns false when the host already had that exact file. The copy goes
    /// to /tmp first and is renamed into place only after its checksum is checked on the host, so an interrupted
    /// upload never leaves a partial file at the destination.
    /// </summary>
    public static async Task<bool> InstallFileAsync(SshHostConnection host, string localPath, string remotePath, string sha256, int mode,
        SecureString? sudoPassword, CancellationToken cancellationToken, Action<string>? log = null)
    {
        string dir = remotePath[..remotePath.LastIndexOf('/')];
        var probe = RemoteCommand.Prepare(
            $"install -d -m 0755 -- {ShellQuote.Quote(dir)} && {{ sha256sum -- {ShellQuote.Quote(remotePath)} 2>/dev/null || true; }}", sudo: true, sudoPassword);
        var outcome = await host.RunAsync(probe.CommandLine, probe.Stdin, TimeSpan.FromSeconds(60), cancellationToken, log).ConfigureAwait(false);
        if (RemoteCommand.SudoRefusal(outcome, host.Spec.Name, host.Spec.UserName) is { } refusal)
        {
            throw refusal;
        }

        if (outcome.ExitCode != 0)
        {
            throw new KfsException("RemoteInstallFailed", KfsErrorCategory.WriteError, host.Spec.Name,
                $"Could not prepare {dir} on {host.Spec.Name} (exit {outcome.ExitCode}): {outcome.Error.Trim()}");
        }

        string existing = outcome.Output.Split(' ', 2)[0].Trim();
        if (string.Equals(existing, sha256, StringComparison.OrdinalIgnoreCase))
        {
            log?.Invoke($"{host.Spec.Name}: {remotePath} already has SHA-256 {sha256[..12]}…; skipped.");
            return false;
        }

        await SshFileTransfer.UploadAsync(host, localPath, remotePath, mode, sudo: true, sudoPassword, owner: "root:root", progress: null, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
