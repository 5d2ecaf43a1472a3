using System.Security;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>Loads OpenSSH private keys and turns the failures into errors that say what to do.</summary>
internal static class SshIdentity
{
    /// <summary>
    /// Opens a private key file (OpenSSH, PEM or PuTTY format; ed25519, RSA, ECDSA). The passphrase is converted
    /// to a string only here, for SSH.NET, and never stored or printed.
    /// </summary>
    public static PrivateKeyFile Load(string path, SecureString? passphrase, string target)
    {
        if (!File.Exists(path))
        {
            throw new KfsException("IdentityFileNotFound", KfsErrorCategory.ObjectNotFound, target,
                $"The identity file '{path}' does not exist. Give the path of an OpenSSH private key with -IdentityFile.");
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new KfsException("IdentityFileUnreadable", KfsErrorCategory.PermissionDenied, target,
                $"The identity file '{path}' cannot be read ({ex.GetType().Name}). Check that the current user may read it.", ex);
        }

        string? pass = passphrase is null || passphrase.Length == 0 ? null : new System.Net.NetworkCredential(string.Empty, passphrase).Password;
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            return pass is null ? new PrivateKeyFile(stream) : new PrivateKeyFile(stream, pass);
        }
        catch (SshPassPhraseNullOrEmptyException ex)
        {
            throw new KfsException("SshKeyPassphraseRequired", KfsErrorCategory.AuthenticationError, target,
                $"The identity file '{path}' is protected by a passphrase. Give it with -KeyPassphrase (Read-Host -AsSecureString).", ex);
        }
        catch (SshException ex) when (pass is not null && IsWrongPassphrase(ex))
        {
            throw new KfsException("SshKeyPassphraseWrong", KfsErrorCategory.AuthenticationError, target,
                $"The passphrase does not open the identity file '{path}'. Check -KeyPassphrase.", ex);
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            // SSH.NET reports a wrong passphrase on some formats as a parse failure; say both possibilities.
            string hint = pass is null
                ? "Give an OpenSSH, PEM or PuTTY private key (ed25519, RSA or ECDSA)."
                : "Check -KeyPassphrase, and that the file is an OpenSSH, PEM or PuTTY private key.";
            throw new KfsException("IdentityFileInvalid", KfsErrorCategory.InvalidData, target,
                $"The identity file '{path}' could not be read as a private key. {hint}", ex);
        }
    }

    private static bool IsWrongPassphrase(SshException ex) =>
        ex.Message.Contains("passphrase", StringComparison.OrdinalIgnoreCase) ||
        ex.Message.Contains("padding", StringComparison.OrdinalIgnoreCase) ||
        ex.Message.Contains("decrypt", StringComparison.OrdinalIgnoreCase) ||
        ex.Message.Contains("Bad", StringComparison.OrdinalIgnoreCase);
}
