namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// One <c>Host</c> block of an OpenSSH client config (as <c>vagrant ssh-config</c> prints), with the settings
/// needed to connect resolved to OpenSSH's defaults.
/// </summary>
public sealed class SshConfigHost
{
    internal SshConfigHost(string name, string hostName, int port, string? user, IReadOnlyList<string> identityFiles,
        IReadOnlyDictionary<string, string> options)
    {
        Name = name;
        HostName = hostName;
        Port = port;
        User = user;
        IdentityFiles = identityFiles;
        Options = options;
    }

    /// <summary>The name on the <c>Host</c> line (the first pattern when the line lists several).</summary>
    public string Name { get; }

    /// <summary>The address to dial: the <c>HostName</c> setting, or <see cref="Name"/> when there is none.</summary>
    public string HostName { get; }

    /// <summary>The TCP port: the <c>Port</c> setting, or 22.</summary>
    public int Port { get; }

    /// <summary>The login name from <c>User</c>, or null when the config does not set one.</summary>
    public string? User { get; }

    /// <summary>
    /// The first <c>IdentityFile</c>, unquoted, with a leading <c>~/</c> expanded to the user's home directory;
    /// null when there is none. This is the key OpenSSH tries first.
    /// </summary>
    public string? IdentityFile => IdentityFiles.Count > 0 ? IdentityFiles[0] : null;

    /// <summary>
    /// Every <c>IdentityFile</c> in the order given, treated as <see cref="IdentityFile"/> is. Vagrant lists more
    /// than one when a machine has several private key paths.
    /// </summary>
    public IReadOnlyList<string> IdentityFiles { get; }

    /// <summary>
    /// Every other setting of the block, keyed case-insensitively by keyword; the first value given wins, as in
    /// OpenSSH. A value that was a single quoted word is stored without its quotes.
    /// </summary>
    public IReadOnlyDictionary<string, string> Options { get; }
}
