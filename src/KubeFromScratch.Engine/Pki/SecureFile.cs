using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// Writes PKI files atomically: the content goes to a temporary file in the same directory, which is then
/// renamed over the target, so an interrupted run leaves either the old file or the new one, never half of one.
/// Private keys are created owner-only from the first byte (mode 0600, or an owner-only ACL on Windows), so no
/// other user can open them even during the write.
/// </summary>
internal static class SecureFile
{
    /// <summary>Writes a private key (or anything secret) readable and writable by the current user only.</summary>
    internal static void WriteSecret(string path, string content) => Write(path, content, secret: true);

    /// <summary>Writes a public file (certificate, public key), readable by all (0644).</summary>
    internal static void WritePublic(string path, string content) => Write(path, content, secret: false);

    private static void Write(string path, string content, bool secret)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var bytes = Encoding.ASCII.GetBytes(content);
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = OpenNew(temp, secret))
            {
                stream.Write(bytes);
                // Durable before the rename, so a crash cannot leave an empty file under the final name.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KfsException(ex is UnauthorizedAccessException ? "FileAccessDenied" : "FileWriteFailed",
                ex is UnauthorizedAccessException ? KfsErrorCategory.PermissionDenied : KfsErrorCategory.WriteError, full,
                $"Could not write {full}: {ex.Message}", ex);
        }
        finally
        {
            if (secret)
            {
                Array.Clear(bytes);
            }

            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// Creates a new file (failing if it exists) with its final permissions already in place, and opens it for writing.
    /// </summary>
    internal static FileStream OpenNew(string path, bool secret)
    {
        if (OperatingSystem.IsWindows())
        {
            return secret ? CreateOwnerOnlyOnWindows(path) : new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            // Set at open(2) time (and not widened by umask), so the key is never readable by others, even briefly.
            UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        var stream = new FileStream(path, options);
        if (!secret)
        {
            // The create mode is narrowed by the umask; certificates must stay readable by the service users
            // (etcd, kube) whatever umask this shell has, as kubeadm's 0644 are.
            File.SetUnixFileMode(stream.SafeFileHandle, options.UnixCreateMode.Value);
        }

        return stream;
    }

    /// <summary>Creates the file with an ACL granting the current user full control and nobody else anything.</summary>
    [SupportedOSPlatform("windows")]
    private static FileStream CreateOwnerOnlyOnWindows(string path)
    {
        using var identity = WindowsIdentity.GetCurrent();
        var user = identity.User ?? throw new UnauthorizedAccessException("The current Windows user has no SID.");
        var security = new FileSecurity();
        // Protected: inherited entries from the folder (Users, Everyone) must not apply to a private key.
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.SetOwner(user);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.FullControl, FileShare.None, 4096,
            FileOptions.None, security);
    }
}
