using Renci.SshNet;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// A remote shell on a pseudo-terminal (what Enter-KubeHost drives). Wraps SSH.NET's ShellStream so no SSH.NET type
/// crosses into the cmdlet assembly, which lives outside the module's private load context.
/// </summary>
public sealed class InteractiveShell : IDisposable
{
    private readonly ShellStream _stream;

    internal InteractiveShell(ShellStream stream)
    {
        _stream = stream;
        _stream.Closed += (_, _) => Closed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Raised when the remote shell exits or the connection drops.</summary>
    public event EventHandler? Closed;

    /// <summary>Reads terminal output; 0 when the shell has closed.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _stream.ReadAsync(buffer, cancellationToken);

    /// <summary>Sends key bytes to the remote terminal.</summary>
    public void Write(byte[] bytes)
    {
        _stream.Write(bytes, 0, bytes.Length);
        _stream.Flush();
    }

    /// <summary>Tells the remote side the terminal's new size.</summary>
    public void Resize(uint columns, uint rows) => _stream.ChangeWindowSize(columns, rows, 0, 0);

    /// <summary>Closes the channel.</summary>
    public void Dispose() => _stream.Dispose();
}
