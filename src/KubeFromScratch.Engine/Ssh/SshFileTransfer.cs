using System.Diagnostics;
using System.Security;
using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>Where a copy ended up, and what it holds.</summary>
public sealed record FileTransferOutcome(string Source, string Destination, long Length, string Sha256, int Mode, TimeSpan Duration);

/// <summary>
/// SFTP copies that never leave a partial file at the destination: the data goes to a temporary file, its SHA-256
/// is checked on the far side, and only then is it renamed into place (atomically, on the same file system).
/// With sudo, the upload lands in /tmp and root installs it, for root-owned destinations such as /opt/bin.
/// </summary>
public static class SshFileTransfer
{
    /// <summary>Uploads <paramref name="localPath"/> to <paramref name="remotePath"/> (a file path, or a directory ending in '/').</summary>
    public static async Task<FileTransferOutcome> UploadAsync(SshHostConnection connection, string localPath, string remotePath,
        int? mode, bool sudo, SecureString? sudoPassword, string? owner, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        string host = connection.Spec.Name;
        if (!File.Exists(localPath))
        {
            throw new KfsException("LocalFileNotFound", KfsErrorCategory.ObjectNotFound, localPath,
                $"The file '{localPath}' does not exist. Give the path of a file to copy with -Path.");
        }

        var sw = Stopwatch.StartNew();
        long length = new FileInfo(localPath).Length;
        string sha = await HashFileAsync(localPath, cancellationToken).ConfigureAwait(false);
        int fileMode = mode ?? LocalMode(localPath);
        SftpClient sftp = await connection.GetSftpAsync(cancellationToken).ConfigureAwait(false);

        string destination = await ResolveRemoteTargetAsync(sftp, remotePath, Path.GetFileName(localPath), cancellationToken).ConfigureAwait(false);
        string destDir = RemoteDirectory(destination);
        string nonce = Guid.NewGuid().ToString("N")[..12];
        // The upload lands in a private (0700) folder first, so not even a key being installed as 0600 is ever
        // readable by others while it is in flight; with sudo that folder is in /tmp, else beside the destination
        // (same file system, so the final rename is atomic).
        string privateDir = sudo ? $"/tmp/.kfs-upload-{nonce}" : $"{destDir}/.kfs-upload-{nonce}";
        string temp = $"{privateDir}/{RemoteName(destination)}";

        try
        {
            try
            {
                await sftp.CreateDirectoryAsync(privateDir, cancellationToken).ConfigureAwait(false);
                // SSH.NET reads the decimal digits as octal ones: 700 is 0700 (0x1C0 would be "448" and throw).
                sftp.ChangePermissions(privateDir, OctalDigits(0x1C0));
            }
            catch (Renci.SshNet.Common.SftpPermissionDeniedException ex)
            {
                throw new KfsException("RemotePermissionDenied", KfsErrorCategory.PermissionDenied, host,
                    $"{connection.Spec.UserName} may not write to {destDir} on {host}. Use -Sudo for root-owned destinations.", ex);
            }
            catch (Renci.SshNet.Common.SftpPathNotFoundException ex)
            {
                throw new KfsException("RemotePathNotFound", KfsErrorCategory.ObjectNotFound, host,
                    $"The directory {destDir} does not exist on {host}. Create it first (Invoke-KubeHostCommand 'mkdir -p ...').", ex);
            }

            await using (var source = File.OpenRead(localPath))
            {
                var reporter = progress is null ? null : new Progress<UploadFileProgressReport>(p => progress((long)p.TotalBytesUploaded, length));
                try
                {
                    await sftp.UploadFileAsync(source, temp, reporter, cancellationToken).ConfigureAwait(false);
                }
                catch (Renci.SshNet.Common.SftpPermissionDeniedException ex)
                {
                    throw new KfsException("RemotePermissionDenied", KfsErrorCategory.PermissionDenied, host,
                        $"{connection.Spec.UserName} may not write to {destDir} on {host}. Use -Sudo for root-owned destinations.", ex);
                }
                catch (Renci.SshNet.Common.SftpPathNotFoundException ex)
                {
                    throw new KfsException("RemotePathNotFound", KfsErrorCategory.ObjectNotFound, host,
                        $"The directory {destDir} does not exist on {host}. Create it first (Invoke-KubeHostCommand 'mkdir -p ...').", ex);
                }
            }

            progress?.Invoke(length, length);
            await VerifyRemoteHashAsync(connection, temp, sha, sudo: false, null, cancellationToken).ConfigureAwait(false);

            if (!sudo)
            {
                // SSH.NET takes the mode as the decimal number whose digits are the octal ones (0750 -> 750), and
                // only the nine permission bits; setuid, setgid and sticky need chmod.
                if ((fileMode & ~0x1FF) == 0)
                {
                    sftp.ChangePermissions(temp, OctalDigits(fileMode));
                }
                else
                {
                    await RunCheckedAsync(connection, $"chmod {Convert.ToString(fileMode, 8)} -- {ShellQuote.Quote(temp)}", sudo: false, null, cancellationToken).ConfigureAwait(false);
                }

                // posix-rename@openssh.com replaces the destination atomically.
                await Task.Run(() => sftp.RenameFile(temp, destination, isPosix: true), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                string staged = $"{destDir}/.{RemoteName(destination)}.kfs-{nonce}";
                string ownerArgs = owner is null ? "-o root -g root" : $"-o {ShellQuote.Quote(OwnerUser(owner))} -g {ShellQuote.Quote(OwnerGroup(owner))}";
                string script = $"umask 077; install -m {Convert.ToString(fileMode, 8).PadLeft(4, '0')} {ownerArgs} -T -- {ShellQuote.Quote(temp)} {ShellQuote.Quote(staged)} && mv -f -- {ShellQuote.Quote(staged)} {ShellQuote.Quote(destination)}; rc=$?; rm -f -- {ShellQuote.Quote(temp)} {ShellQuote.Quote(staged)}; exit $rc";
                await RunCheckedAsync(connection, script, sudo: true, sudoPassword, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // After success the file has been moved out; what remains is the empty folder (or a partial upload).
            await RemoveQuietlyAsync(connection, privateDir, recursive: true).ConfigureAwait(false);
        }

        sw.Stop();
        return new FileTransferOutcome(localPath, destination, length, sha, fileMode, sw.Elapsed);
    }

    /// <summary>Downloads <paramref name="remotePath"/> to <paramref name="localPath"/> (a file, or an existing directory).</summary>
    public static async Task<FileTransferOutcome> DownloadAsync(SshHostConnection connection, string remotePath, string localPath,
        bool sudo, SecureString? sudoPassword, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        string host = connection.Spec.Name;
        var sw = Stopwatch.StartNew();
        SftpClient sftp = await connection.GetSftpAsync(cancellationToken).ConfigureAwait(false);
        string target = Directory.Exists(localPath) ? Path.Combine(localPath, RemoteName(remotePath)) : localPath;
        string localDir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(localDir))
        {
            throw new KfsException("LocalPathNotFound", KfsErrorCategory.ObjectNotFound, localPath,
                $"The folder '{localDir}' does not exist. Create it first or give another -Destination.");
        }

        string nonce = Guid.NewGuid().ToString("N")[..12];
        string source = remotePath;
        string? staged = null;
        if (sudo)
        {
            // Root-only files are first copied by root to a private temporary file the user may read.
            staged = $"/tmp/.kfs-download-{nonce}";
            string script = $"umask 077; install -m 0600 -o {ShellQuote.Quote(connection.Spec.UserName)} -T -- {ShellQuote.Quote(remotePath)} {ShellQuote.Quote(staged)}";
            await RunCheckedAsync(connection, script, sudo: true, sudoPassword, cancellationToken).ConfigureAwait(false);
            source = staged;
        }

        string localTemp = Path.Combine(localDir, $".{Path.GetFileName(target)}.kfs-{nonce}");
        try
        {
            ISftpFile attributes;
            try
            {
                // With sudo the staged copy is 0600; the original's mode is what the user expects to keep.
                attributes = sftp.Get(sudo ? remotePath : source);
            }
            catch (Renci.SshNet.Common.SftpPathNotFoundException ex)
            {
                throw new KfsException("RemotePathNotFound", KfsErrorCategory.ObjectNotFound, host,
                    $"{remotePath} does not exist on {host}.", ex);
            }
            catch (Renci.SshNet.Common.SftpPermissionDeniedException) when (sudo)
            {
                attributes = sftp.Get(source);
            }

            long length = sudo ? sftp.Get(source).Length : attributes.Length;
            await using (var stream = new FileStream(localTemp, FileMode.CreateNew, FileAccess.Write))
            {
                var reporter = progress is null ? null : new Progress<DownloadFileProgressReport>(p => progress((long)p.TotalBytesDownloaded, length));
                try
                {
                    await sftp.DownloadFileAsync(source, stream, reporter, cancellationToken).ConfigureAwait(false);
                }
                catch (Renci.SshNet.Common.SftpPermissionDeniedException ex)
                {
                    throw new KfsException("RemotePermissionDenied", KfsErrorCategory.PermissionDenied, host,
                        $"{connection.Spec.UserName} may not read {remotePath} on {host}. Use -Sudo for root-only files.", ex);
                }
            }

            progress?.Invoke(length, length);
            string sha = await HashFileAsync(localTemp, cancellationToken).ConfigureAwait(false);
            await VerifyRemoteHashAsync(connection, source, sha, sudo: false, null, cancellationToken).ConfigureAwait(false);
            int mode = ModeOf(attributes);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(localTemp, (UnixFileMode)(mode & 0xFFF));
            }

            File.Move(localTemp, target, overwrite: true);
            sw.Stop();
            return new FileTransferOutcome($"{host}:{remotePath}", target, length, sha, mode & 0xFFF, sw.Elapsed);
        }
        finally
        {
            if (File.Exists(localTemp))
            {
                File.Delete(localTemp);
            }

            if (staged is not null)
            {
                await RemoveQuietlyAsync(connection, staged).ConfigureAwait(false);
            }
        }
    }

    /// <summary>SHA-256 of a local file as lower-case hex.</summary>
    public static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    /// <summary>
    /// SSH.NET's ChangePermissions takes the mode written as octal digits in a decimal number (755 for rwxr-xr-x),
    /// not the mode's value.
    /// </summary>
    private static short OctalDigits(int mode) => short.Parse(Convert.ToString(mode & 0x1FF, 8), System.Globalization.CultureInfo.InvariantCulture);

    private static int ModeOf(ISftpFile file)
    {
        var a = file.Attributes;
        int mode = 0;
        if (a.OwnerCanRead) mode |= 0x100;
        if (a.OwnerCanWrite) mode |= 0x80;
        if (a.OwnerCanExecute) mode |= 0x40;
        if (a.GroupCanRead) mode |= 0x20;
        if (a.GroupCanWrite) mode |= 0x10;
        if (a.GroupCanExecute) mode |= 0x8;
        if (a.OthersCanRead) mode |= 0x4;
        if (a.OthersCanWrite) mode |= 0x2;
        if (a.OthersCanExecute) mode |= 0x1;
        return mode;
    }

    private static int LocalMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return 0x1A4; // 0644: Windows has no mode bits to keep.
        }

        return (int)File.GetUnixFileMode(path) & 0xFFF;
    }

    private static async Task<string> ResolveRemoteTargetAsync(SftpClient sftp, string remotePath, string fileName,
        CancellationToken cancellationToken)
    {
        if (remotePath.EndsWith('/'))
        {
            return remotePath + fileName;
        }

        // A destination that is an existing directory receives the file under its own name, like cp.
        bool isDirectory;
        try
        {
            isDirectory = (await sftp.GetAttributesAsync(remotePath, cancellationToken).ConfigureAwait(false)).IsDirectory;
        }
        catch (Renci.SshNet.Common.SftpPathNotFoundException)
        {
            isDirectory = false;
        }

        return isDirectory ? remotePath.TrimEnd('/') + "/" + fileName : remotePath;
    }

    private static async Task VerifyRemoteHashAsync(SshHostConnection connection, string remotePath, string expected,
        bool sudo, SecureString? sudoPassword, CancellationToken cancellationToken)
    {
        // Hash standard input, not a named file: for a name holding a newline or backslash sha256sum escapes the name
        // and puts a backslash before the hash, which would make a correct copy look corrupt.
        var prepared = RemoteCommand.Prepare($"sha256sum < {ShellQuote.Quote(remotePath)}", sudo, sudoPassword);
        var outcome = await connection.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        string actual = outcome.Output.Split(' ', 2)[0].Trim();
        if (outcome.ExitCode != 0 || !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new KfsException("ChecksumMismatch", KfsErrorCategory.InvalidData, connection.Spec.Name,
                $"The copy of {remotePath} on {connection.Spec.Name} has SHA-256 '{(actual.Length == 64 ? actual : "unknown")}', expected '{expected}'. Nothing was put in place; copy again.");
        }
    }

    private static async Task RunCheckedAsync(SshHostConnection connection, string script, bool sudo, SecureString? sudoPassword,
        CancellationToken cancellationToken)
    {
        var prepared = RemoteCommand.Prepare(script, sudo, sudoPassword);
        var outcome = await connection.RunAsync(prepared.CommandLine, prepared.Stdin, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        if (RemoteCommand.SudoRefusal(outcome, connection.Spec.Name, connection.Spec.UserName) is { } refusal)
        {
            throw refusal;
        }

        if (outcome.ExitCode != 0)
        {
            throw new KfsException("RemoteInstallFailed", KfsErrorCategory.WriteError, connection.Spec.Name,
                $"Putting the file in place on {connection.Spec.Name} failed (exit {outcome.ExitCode}): {outcome.Error.Trim()}");
        }
    }

    private static async Task RemoveQuietlyAsync(SshHostConnection connection, string remotePath, bool recursive = false)
    {
        try
        {
            // Not cancellable on purpose: clean-up must run even after Ctrl-C; bounded by its own timeout.
            await connection.RunAsync($"rm -{(recursive ? "rf" : "f")} -- {ShellQuote.Quote(remotePath)}", null, TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the host may be gone. The temporary name never shadows the real destination.
        }
    }

    private static string RemoteDirectory(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash switch { < 0 => ".", 0 => "/", _ => path[..slash] };
    }

    private static string RemoteName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string OwnerUser(string owner) => owner.Split(':')[0];

    private static string OwnerGroup(string owner) => owner.Contains(':') ? owner.Split(':')[1] : owner;
}
