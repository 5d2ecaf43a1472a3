using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// One reused SSH connection to one host, with its SFTP channel opened on first use. Thread-safe: commands on the
/// same host may run in parallel over the one connection (SSH multiplexes channels). Reconnects once,
/// transparently, when the connection was lost between two operations (sshd restarted, network blip).
/// </summary>
public sealed class SshHostConnection : IDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly object _sftpLock = new();
    private SshClient? _client;
    private SftpClient? _sftp;
    private ConnectionInfo? _connectionInfo;
    private HostKeyVerifier? _sftpVerifier;
    private readonly object _forwardLock = new();
    private bool _disposed;

    private SshHostConnection(SshConnectionSpec spec)
    {
        Spec = spec;
    }

    /// <summary>How the connection was made.</summary>
    public SshConnectionSpec Spec { get; }

    /// <summary>Host key algorithm seen at the last connect.</summary>
    public string HostKeyAlgorithm { get; private set; } = string.Empty;

    /// <summary>Host key fingerprint (SHA256:...) seen at the last connect.</summary>
    public string HostKeyFingerprint { get; private set; } = string.Empty;

    /// <summary>When the connection was first made.</summary>
    public DateTimeOffset ConnectedAt { get; private set; }

    /// <summary>Whether the SSH session is open.</summary>
    public bool IsConnected => !_disposed && _client is { IsConnected: true };

    /// <summary>Opens a connection: TCP, key exchange, host key check against known_hosts, authentication.</summary>
    /// <param name="spec">Where and how to connect.</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <param name="log">Receives one line per step, for -Verbose (never a secret).</param>
    public static async Task<SshHostConnection> ConnectAsync(SshConnectionSpec spec, CancellationToken cancellationToken,
        Action<string>? log = null)
    {
        var connection = new SshHostConnection(spec);
        try
        {
            await connection.EnsureConnectedAsync(cancellationToken, log).ConfigureAwait(false);
            connection.ConnectedAt = DateTimeOffset.Now;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one command line (already quoted by the caller) and collects its output. <paramref name="stdin"/> is
    /// written to the command's input and never logged (it carries the sudo password when one is given).
    /// A timeout or cancellation sends SIGTERM to the remote process group and returns or throws at once.
    /// </summary>
    public async Task<RemoteCommandOutcome> RunAsync(string commandLine, byte[]? stdin, TimeSpan? timeout,
        CancellationToken cancellationToken, Action<string>? log = null)
    {
        // Reconnect at most once: a lost session is detected here, before the command is sent, so nothing runs twice.
        await EnsureConnectedAsync(cancellationToken, log).ConfigureAwait(false);
        try
        {
            return await RunOnceAsync(commandLine, stdin, timeout, cancellationToken, log).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsChannelOpenFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            log?.Invoke($"{Spec.Name}: connection lost before the command started; reconnecting once.");
            Drop();
            await EnsureConnectedAsync(cancellationToken, log).ConfigureAwait(false);
            return await RunOnceAsync(commandLine, stdin, timeout, cancellationToken, log).ConfigureAwait(false);
        }
    }

    private async Task<RemoteCommandOutcome> RunOnceAsync(string commandLine, byte[]? stdin, TimeSpan? timeout,
        CancellationToken cancellationToken, Action<string>? log)
    {
        SshClient client = _client ?? throw LostConnection(null);
        using var cmd = client.CreateCommand(commandLine, Encoding.UTF8);
        using var timeoutCts = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var sw = Stopwatch.StartNew();
        log?.Invoke($"{Spec.Name}: running on {Spec.Display}: {commandLine}");
        Task execution;
        bool sent = false;
        try
        {
            // ExecuteAsync opens the channel and sends the exec request before it returns: a failure inside it means
            // the command never reached the host; a failure after it means the host may be running it.
            execution = cmd.ExecuteAsync(linked.Token);
            sent = true;
            if (stdin is not null)
            {
                using Stream input = cmd.CreateInputStream();
                await input.WriteAsync(stdin, linked.Token).ConfigureAwait(false);
            }

            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            sw.Stop();
            return new RemoteCommandOutcome(null, "TERM", SafeRead(() => cmd.Result), SafeRead(() => cmd.Error), sw.Elapsed)
            {
                TimedOut = true,
            };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is SshConnectionException or SocketException or ObjectDisposedException)
        {
            // Only a command that was never sent may be retried on a new connection (RunAsync does that once); one
            // that was running, even silently (`sleep 8; echo done`), must not run twice.
            if (!sent && IsChannelOpenFailure(ex))
            {
                throw;
            }

            Drop();
            throw LostConnection(ex);
        }

        sw.Stop();
        return new RemoteCommandOutcome(cmd.ExitStatus, cmd.ExitSignal, cmd.Result, cmd.Error, sw.Elapsed);
    }

    /// <summary>
    /// Runs a long command (journalctl -f) and hands each line of its standard output to <paramref name="onLine"/>
    /// as it arrives. Cancellation closes the command's standard input first (the command line should end its
    /// work on EOF, which also works through sudo where a signal from the session cannot reach root processes),
    /// then signals the process group, and returns within about a second.
    /// </summary>
    public async Task<RemoteCommandOutcome> StreamAsync(string commandLine, byte[]? stdin, Action<string> onLine,
        CancellationToken cancellationToken, Action<string>? log = null)
    {
        await EnsureConnectedAsync(cancellationToken, log).ConfigureAwait(false);
        SshClient client = _client ?? throw LostConnection(null);
        using var cmd = client.CreateCommand(commandLine, Encoding.UTF8);
        var sw = Stopwatch.StartNew();
        log?.Invoke($"{Spec.Name}: streaming on {Spec.Display}: {commandLine}");
        using var stop = new CancellationTokenSource();
        Task execution = cmd.ExecuteAsync(stop.Token);
        Stream input = cmd.CreateInputStream();
        if (stdin is not null)
        {
            await input.WriteAsync(stdin, cancellationToken).ConfigureAwait(false);
            await input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(cmd.OutputStream, Encoding.UTF8);
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                onLine(line);
            }
        }, CancellationToken.None);

        using (cancellationToken.Register(() =>
        {
            // EOF on stdin first: the remote watchdog ends the command even when it runs as root.
            try { input.Dispose(); } catch (Exception) { }
            stop.CancelAfter(TimeSpan.FromMilliseconds(300));
        }))
        {
            try
            {
                await execution.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ended on request.
            }
            catch (Exception ex) when (ex is SshConnectionException or SocketException or ObjectDisposedException)
            {
                Drop();
                throw LostConnection(ex);
            }
            finally
            {
                try { input.Dispose(); } catch (Exception) { }
            }

            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new RemoteCommandOutcome(cmd.ExitStatus, cmd.ExitSignal, string.Empty, SafeRead(() => cmd.Error), sw.Elapsed);
    }

    /// <summary>The SFTP channel of this connection, opened on first use and reopened after a reconnect.</summary>
    public async Task<SftpClient> GetSftpAsync(CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        lock (_sftpLock)
        {
            if (_sftp is { IsConnected: true })
            {
                return _sftp;
            }

            _sftp?.Dispose();
            _sftp = new SftpClient(_connectionInfo!);
            // SFTP is a second SSH session in SSH.NET: it must prove to be the very host the first one trusted.
            var verifier = new HostKeyVerifier(Spec, HostKeyFingerprint);
            _sftp.HostKeyReceived += verifier.OnHostKeyReceived;
            _sftpVerifier = verifier;
        }

        // SFTP needs its own session in SSH.NET; it reuses the connection info (and so the host key check).
        try
        {
            await _sftp.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not KfsException)
        {
            throw _sftpVerifier?.Failure ?? Translate(ex);
        }

        return _sftp;
    }

    /// <summary>Opens an interactive shell channel with a pseudo-terminal of the given size.</summary>
    public async Task<InteractiveShell> OpenShellAsync(string terminal, uint columns, uint rows, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new InteractiveShell(_client!.CreateShellStream(terminal, columns, rows, 0, 0, 64 * 1024));
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException)
        {
            throw LostConnection(ex);
        }
    }

    /// <summary>Forwards a local loopback port to host:port as seen from the remote host.</summary>
    public async Task<ForwardedPortLocal> ForwardAsync(string remoteHost, uint remotePort, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var port = new ForwardedPortLocal("127.0.0.1", 0, remoteHost, remotePort);
        // SSH.NET's list of forwarded ports is not thread-safe; several members are tunnelled at once. Starting the
        // listener stays outside the lock so the tunnels come up side by side.
        lock (_forwardLock)
        {
            _client!.AddForwardedPort(port);
        }

        port.Start();

        return port;
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken, Action<string>? log = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_client is { IsConnected: true })
        {
            return;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true })
            {
                return;
            }

            bool reconnect = HostKeyFingerprint.Length > 0;
            Drop();
            _connectionInfo ??= BuildConnectionInfo();
            // A reconnect must meet the key trusted at the first connect; only the first connect consults the policy.
            var hostKeyCheck = new HostKeyVerifier(Spec, reconnect ? HostKeyFingerprint : null);
            var client = new SshClient(_connectionInfo);
            client.HostKeyReceived += hostKeyCheck.OnHostKeyReceived;
            client.KeepAliveInterval = TimeSpan.FromSeconds(15);
            using var timeout = new CancellationTokenSource(Spec.ConnectTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            log?.Invoke($"{Spec.Name}: {(reconnect ? "reconnecting" : "connecting")} to {Spec.Display}");
            try
            {
                await client.ConnectAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                throw new KfsException("HostUnreachable", KfsErrorCategory.ConnectionError, Spec.Name,
                    $"No SSH answer from {Spec.HostName}:{Spec.Port} within {Spec.ConnectTimeout.TotalSeconds:0} s. Check that the host is up and the address is right (-ConnectTimeoutSec to wait longer).");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                client.Dispose();
                throw hostKeyCheck.Failure ?? Translate(ex);
            }
            catch
            {
                client.Dispose();
                throw;
            }

            HostKeyAlgorithm = hostKeyCheck.Algorithm;
            HostKeyFingerprint = hostKeyCheck.Fingerprint;
            _client = client;
            log?.Invoke($"{Spec.Name}: connected, host key {HostKeyAlgorithm} {HostKeyFingerprint}");
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private ConnectionInfo BuildConnectionInfo()
    {
        var methods = new List<AuthenticationMethod>();
        if (Spec.IdentityFile is { } keyPath)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(Spec.UserName, SshIdentity.Load(keyPath, Spec.KeyPassphrase, Spec.Name)));
        }

        if (Spec.Password is { } password)
        {
            string plain = new System.Net.NetworkCredential(string.Empty, password).Password;
            if (!Spec.KeyboardInteractiveOnly)
            {
                methods.Add(new PasswordAuthenticationMethod(Spec.UserName, plain));
            }

            var kbd = new KeyboardInteractiveAuthenticationMethod(Spec.UserName);
            kbd.AuthenticationPrompt += (_, e) =>
            {
                // Answer every echo-off prompt (the password) with the password; anything else gets an empty answer.
                foreach (var prompt in e.Prompts)
                {
                    prompt.Response = prompt.IsEchoed ? string.Empty : plain;
                }
            };
            methods.Add(kbd);
        }

        if (methods.Count == 0)
        {
            throw new KfsException("SshCredentialMissing", KfsErrorCategory.InvalidArgument, Spec.Name,
                $"No way to log on to {Spec.Display} was given. Pass -IdentityFile (a private key) or -Credential (a password).");
        }

        return new ConnectionInfo(Spec.HostName, Spec.Port, Spec.UserName, methods.ToArray())
        {
            Timeout = Spec.ConnectTimeout,
            ChannelCloseTimeout = TimeSpan.FromSeconds(1),
        };
    }

    private KfsException Translate(Exception ex) => ex switch
    {
        KfsException k => k,
        SshAuthenticationException => new KfsException("SshAuthenticationFailed", KfsErrorCategory.AuthenticationError, Spec.Name,
            $"{Spec.Display} refused the logon. Check -UserName and the key (-IdentityFile) or password (-Credential).", ex),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new KfsException("HostConnectionRefused", KfsErrorCategory.ConnectionError, Spec.Name,
            $"{Spec.HostName} refused a connection on port {Spec.Port}: nothing listens there. Check -Port and that sshd runs on the host.", ex),
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => new KfsException("HostNameNotResolved", KfsErrorCategory.ObjectNotFound, Spec.Name,
            $"The name '{Spec.HostName}' could not be resolved. Check -HostName or use the address.", ex),
        SocketException or SshOperationTimeoutException => new KfsException("HostUnreachable", KfsErrorCategory.ConnectionError, Spec.Name,
            $"{Spec.HostName}:{Spec.Port} cannot be reached ({ex.Message}). Check that the host is up and routable.", ex),
        SshConnectionException => new KfsException("SshConnectionFailed", KfsErrorCategory.ConnectionError, Spec.Name,
            $"The SSH session with {Spec.Display} failed: {ex.Message}", ex),
        _ => new KfsException("SshConnectionFailed", KfsErrorCategory.ConnectionError, Spec.Name,
            $"Connecting to {Spec.Display} failed: {ex.Message}", ex),
    };

    private KfsException LostConnection(Exception? inner) =>
        new("HostConnectionLost", KfsErrorCategory.ConnectionError, Spec.Name,
            $"The connection to {Spec.Name} ({Spec.Display}) was lost while the command ran; the command's outcome is unknown. Check the host, then run the command again.", inner);

    private static bool IsChannelOpenFailure(Exception ex) =>
        ex is SshConnectionException or ObjectDisposedException ||
        (ex is SshException && ex.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase));

    private static string SafeRead(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private void Drop()
    {
        lock (_sftpLock)
        {
            _sftp?.Dispose();
            _sftp = null;
        }

        _client?.Dispose();
        _client = null;
    }

    /// <summary>Closes the connection.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Drop();
        _connectLock.Dispose();
    }
}
