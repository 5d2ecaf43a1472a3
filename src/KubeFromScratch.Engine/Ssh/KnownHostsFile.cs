using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// Reads and appends to an OpenSSH known_hosts file with OpenSSH's own rules, so that keys accepted here are
/// trusted by <c>ssh</c> and keys <c>ssh</c> already trusts are trusted here.
/// </summary>
public sealed class KnownHostsFile
{
    // OpenSSH's hashed host names use a salt the size of a SHA-1 digest and reject any other size.
    private const int HashSaltLength = 20;
    private const string HashMagic = "|1|";

    // One lock per file, shared by every instance in the process, so two sessions adding keys at once cannot
    // interleave their read-last-byte-then-append steps. Windows and macOS file names ignore case, so the lock
    // must too or two spellings of one file would get two locks.
    private static readonly ConcurrentDictionary<string, object> WriteLocks = new(
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal);

    /// <summary>Creates a reader and writer for the known_hosts file at <paramref name="path"/>, which need not exist yet.</summary>
    /// <param name="path">The file's path; relative paths are made absolute against the current directory now.</param>
    public KnownHostsFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The user's own known_hosts file, <c>~/.ssh/known_hosts</c>, which <c>ssh</c> reads by default.</summary>
    public static string DefaultPath =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh",
            "known_hosts");

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>
    /// The name OpenSSH files a host under: the host alone on port 22, otherwise <c>[host]:port</c>. Host names
    /// are compared in lower case, as <c>ssh</c> lowercases the name it is given before looking it up.
    /// </summary>
    /// <param name="host">The host name or address, as it was dialled.</param>
    /// <param name="port">The TCP port.</param>
    /// <returns>The lookup name.</returns>
    public static string LookupName(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);

        var name = host.ToLowerInvariant();
        return port == 22 ? name : string.Create(CultureInfo.InvariantCulture, $"[{name}]:{port}");
    }

    /// <summary>
    /// The key's SHA256 fingerprint exactly as <c>ssh-keygen -lf</c> prints it: <c>SHA256:</c> followed by the
    /// unpadded base64 of the SHA-256 of the key blob.
    /// </summary>
    /// <param name="keyBlob">The public key in SSH wire format (what follows the key type in a .pub file, decoded).</param>
    /// <returns>The fingerprint.</returns>
    public static string Fingerprint(byte[] keyBlob)
    {
        ArgumentNullException.ThrowIfNull(keyBlob);
        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');
    }

    /// <summary>
    /// Looks the presented host key up. <c>@revoked</c> lines are checked first; then a line holding this exact key
    /// is a match; failing that, a line holding a different key of the same type is a mismatch; anything else,
    /// including a missing file, is unknown. <c>@cert-authority</c> lines are ignored because a plain host key is
    /// not a certificate. Lines that cannot be parsed are skipped, as <c>ssh</c> skips them.
    /// </summary>
    /// <param name="host">The host name or address, as it was dialled.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="keyAlgorithm">
    /// The negotiated host key algorithm. Only used when the key type cannot be read from the blob itself;
    /// <c>rsa-sha2-256</c> and <c>rsa-sha2-512</c> are signature names for an <c>ssh-rsa</c> key.
    /// </param>
    /// <param name="keyBlob">The host's public key in SSH wire format.</param>
    /// <returns>The verdict and the line that decided it.</returns>
    /// <exception cref="KfsException">The file exists but cannot be read (ReadError).</exception>
    public KnownHostCheck Check(string host, int port, string keyAlgorithm, byte[] keyBlob)
    {
        ArgumentNullException.ThrowIfNull(keyAlgorithm);
        ArgumentNullException.ThrowIfNull(keyBlob);
        var lookupName = LookupName(host, port);

        // The blob names its own type; the negotiated name can be a signature algorithm rather than a key type.
        var keyType = ReadKeyType(keyBlob) ?? NormaliseAlgorithm(keyAlgorithm);
        var fingerprint = Fingerprint(keyBlob);

        var entries = ReadEntries().Where(e => e.Marker != Marker.CertAuthority && HostMatches(e.Hosts, lookupName))
            .ToList();

        // A revoked key stays refused even if another line also lists it as trusted.
        var revoked = entries.FirstOrDefault(e => e.Marker == Marker.Revoked && e.Blob.AsSpan().SequenceEqual(keyBlob));
        if (revoked is not null)
        {
            return new KnownHostCheck(KnownHostStatus.Revoked, Path, lookupName, keyType, fingerprint,
                revoked.LineNumber, null, null);
        }

        Entry? firstOther = null;
        foreach (var entry in entries.Where(e => e.Marker == Marker.None))
        {
            if (entry.Blob.AsSpan().SequenceEqual(keyBlob))
            {
                return new KnownHostCheck(KnownHostStatus.Match, Path, lookupName, keyType, fingerprint,
                    entry.LineNumber, null, null);
            }

            // Only a different key of the same type means the identity changed; a key of another type is simply
            // one this file has not seen yet, and ssh treats it as new.
            if (firstOther is null && string.Equals(entry.KeyType, keyType, StringComparison.Ordinal))
            {
                firstOther = entry;
            }
        }

        return firstOther is null
            ? new KnownHostCheck(KnownHostStatus.Unknown, Path, lookupName, keyType, fingerprint, null, null, null)
            : new KnownHostCheck(KnownHostStatus.Mismatch, Path, lookupName, keyType, fingerprint,
                firstOther.LineNumber, firstOther.KeyType, Fingerprint(firstOther.Blob));
    }

    /// <summary>
    /// Appends one line for the host and key, in the form <c>ssh</c> writes: <c>name keytype base64</c>, or with
    /// the name hashed as <c>ssh-keygen -H</c> would. Existing lines are never rewritten or reordered. A missing
    /// directory is created owner-only (0700) and a missing file owner read/write (0600) on Unix, as ssh requires.
    /// </summary>
    /// <param name="host">The host name or address, as it was dialled.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="keyAlgorithm">
    /// The negotiated host key algorithm. The type written is the one the blob names, because the negotiated name
    /// can be a signature algorithm (<c>rsa-sha2-512</c> for an <c>ssh-rsa</c> key).
    /// </param>
    /// <param name="keyBlob">The host's public key in SSH wire format.</param>
    /// <param name="hash">True to write the name hashed (<c>|1|salt|hmac</c>) so the file does not list hosts in clear.</param>
    /// <exception cref="ArgumentException">The blob is not an SSH public key.</exception>
    /// <exception cref="KfsException">The directory or file cannot be created or written (WriteError).</exception>
    public void Add(string host, int port, string keyAlgorithm, byte[] keyBlob, bool hash = false)
    {
        ArgumentNullException.ThrowIfNull(keyAlgorithm);
        ArgumentNullException.ThrowIfNull(keyBlob);
        var lookupName = LookupName(host, port);

        // Writing a line ssh would reject as malformed would only hide the problem until the next connection.
        var keyType = ReadKeyType(keyBlob) ?? throw new ArgumentException(
            "The key blob is not an SSH public key: it does not start with a key type name.", nameof(keyBlob));

        var hostField = hash ? HashHostName(lookupName, RandomNumberGenerator.GetBytes(HashSaltLength)) : lookupName;
        var line = hostField + " " + keyType + " " + Convert.ToBase64String(keyBlob) + "\n";

        var gate = WriteLocks.GetOrAdd(Path, static _ => new object());
        lock (gate)
        {
            try
            {
                AppendLine(line);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KfsException("KnownHostsWriteFailed", KfsErrorCategory.WriteError, Path,
                    $"Could not add the host key for {lookupName} to '{Path}': {ex.Message} " +
                    "Check that the file and its directory are writable by you.", ex);
            }
        }
    }

    /// <summary>
    /// The hashed form of a host name: <c>|1|</c>, the base64 salt, <c>|</c>, and the base64 HMAC-SHA1 of the
    /// name keyed with the salt.
    /// </summary>
    internal static string HashHostName(string lookupName, byte[] salt)
    {
        var mac = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(lookupName));
        return HashMagic + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Maps a negotiated host key algorithm to the key type known_hosts records: the RSA SHA-2 signature names
    /// are the <c>ssh-rsa</c> key type.
    /// </summary>
    internal static string NormaliseAlgorithm(string algorithm) =>
        algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;

    /// <summary>
    /// Reads the key type from an SSH wire-format key: the first field, a length-prefixed string. Returns null when
    /// the blob is too short or the name is not printable ASCII.
    /// </summary>
    internal static string? ReadKeyType(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);

        // Key type names are short; a huge length means this is not a key blob.
        if (length == 0 || length > 256 || length > (uint)(blob.Length - 4))
        {
            return null;
        }

        var name = blob.Slice(4, (int)length);
        foreach (var b in name)
        {
            if (b <= 0x20 || b >= 0x7f)
            {
                return null;
            }
        }

        return Encoding.ASCII.GetString(name);
    }

    /// <summary>
    /// OpenSSH's glob: <c>*</c> matches any run of characters, <c>?</c> exactly one; everything else literally,
    /// ignoring case.
    /// </summary>
    internal static bool GlobMatches(string text, string pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                // Remember the star and first try matching it against nothing; widen it on a later failure.
                starP = p++;
                starT = t;
            }
            else if (p < pattern.Length &&
                     (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// Whether a host field names the host: a hashed field must hash to it; a pattern list must have a positive
    /// pattern that matches and no negated (<c>!</c>) pattern that matches, because a negated match excludes the
    /// whole line.
    /// </summary>
    internal static bool HostMatches(string hostField, string lookupName)
    {
        if (hostField.StartsWith('|'))
        {
            return HashedHostMatches(hostField, lookupName);
        }

        var positive = false;
        foreach (var item in hostField.Split(','))
        {
            var negated = item.StartsWith('!');
            var pattern = negated ? item[1..] : item;
            if (!GlobMatches(lookupName, pattern))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            positive = true;
        }

        return positive;
    }

    private static bool HashedHostMatches(string hostField, string lookupName)
    {
        if (!hostField.StartsWith(HashMagic, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = hostField[HashMagic.Length..].Split('|');
        if (parts.Length != 2)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[0]);
            expected = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (salt.Length != HashSaltLength)
        {
            return false;
        }

        var actual = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(lookupName));
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private List<Entry> ReadEntries()
    {
        string text;
        try
        {
            // Share write access so a concurrent Add, here or in ssh, is not refused while this reads.
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // No file yet means no host is known, which is the normal state on a fresh machine.
            return [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KfsException("KnownHostsUnreadable", KfsErrorCategory.ReadError, Path,
                $"Could not read the known hosts file '{Path}': {ex.Message} " +
                "Check that it is a file readable by you.", ex);
        }

        var entries = new List<Entry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var entry = ParseLine(lines[i], i + 1);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>
    /// Parses one line, or returns null for a comment, a blank line or anything malformed, so one bad line cannot
    /// stop the rest of the file being used.
    /// </summary>
    private static Entry? ParseLine(string line, int lineNumber)
    {
        var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0].StartsWith('#'))
        {
            return null;
        }

        var marker = Marker.None;
        var index = 0;
        if (fields[0].StartsWith('@'))
        {
            switch (fields[0])
            {
                case "@revoked":
                    marker = Marker.Revoked;
                    break;
                case "@cert-authority":
                    marker = Marker.CertAuthority;
                    break;
                default:
                    return null;
            }

            index = 1;
        }

        // Hosts, key type and key; anything after is a comment. Old SSH-1 lines ("bits exponent modulus") have a
        // number where the type goes and fail the blob checks below.
        if (fields.Length < index + 3)
        {
            return null;
        }

        var hosts = fields[index];
        var declaredType = fields[index + 1];
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(fields[index + 2]);
        }
        catch (FormatException)
        {
            return null;
        }

        // As ssh does, refuse a line whose stated type disagrees with the key it carries.
        var blobType = ReadKeyType(blob);
        if (blobType is null || !string.Equals(blobType, declaredType, StringComparison.Ordinal))
        {
            return null;
        }

        return new Entry(lineNumber, marker, hosts, blobType, blob);
    }

    /// <summary>Appends under the caller's lock: one write, preceded by a newline if the file lacks a final one.</summary>
    private void AppendLine(string line)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                // ssh refuses keys from a directory others can write to, so create it owner-only.
                Directory.CreateDirectory(directory,
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Applies only when the file is created; an existing file keeps the mode its owner gave it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(Path, options);
        var needsNewline = false;
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            needsNewline = stream.ReadByte() != '\n';
        }

        // One write of the whole line, so a reader never sees half a line from this process.
        var bytes = Encoding.UTF8.GetBytes(needsNewline ? "\n" + line : line);
        stream.Seek(0, SeekOrigin.End);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private enum Marker
    {
        None,
        Revoked,
        CertAuthority,
    }

    private sealed record Entry(int LineNumber, Marker Marker, string Hosts, string KeyType, byte[] Blob);
}
