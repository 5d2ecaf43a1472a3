using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>One HTTP/1.1 request as a loopback server read it.</summary>
internal sealed record LoopbackRequest(string Method, string Path, string Body);

/// <summary>
/// A TCP server on 127.0.0.1 with a free port that hands every accepted connection (TLS-wrapped when asked) to a
/// handler, so a test decides byte for byte what the client sees: HTTP answers, silence, or something that is not
/// HTTP at all. Disposing it closes the listener and every open connection.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _connections = new();
    private readonly Func<Stream, CancellationToken, Task> _handler;
    private readonly SslServerAuthenticationOptions? _tls;

    public LoopbackServer(Func<Stream, CancellationToken, Task> handler, SslServerAuthenticationOptions? tls = null)
    {
        _handler = handler;
        _tls = tls;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The authority as an etcd client URL would name it.</summary>
    public string BaseUrl => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{Port}";

    /// <summary>How many TCP connections were accepted.</summary>
    public int Accepted => _connections.Count;

    /// <summary>Why TLS handshakes failed on the server side (for diagnostics in assertions).</summary>
    public ConcurrentQueue<Exception> HandshakeFailures { get; } = new();

    /// <summary>A server that answers HTTP requests with <paramref name="respond"/>, keeping connections alive.</summary>
    public static LoopbackServer Http(Func<LoopbackRequest, (int Status, string Body)> respond, SslServerAuthenticationOptions? tls = null,
        ConcurrentQueue<LoopbackRequest>? log = null) =>
        new(async (stream, ct) =>
        {
            while (await Http11.ReadRequestAsync(stream, ct) is { } request)
            {
                log?.Enqueue(request);
                var (status, body) = respond(request);
                await Http11.WriteResponseAsync(stream, status, Encoding.UTF8.GetBytes(body), ct);
            }
        }, tls);

    /// <summary>A server that accepts connections and never says a word.</summary>
    public static LoopbackServer Silent() => new((_, ct) => Task.Delay(Timeout.Infinite, ct));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _connections.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            Stream stream = client.GetStream();
            if (_tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsServerAsync(_tls, _stop.Token);
                }
                catch (Exception ex)
                {
                    HandshakeFailures.Enqueue(ex);
                    throw;
                }

                stream = ssl;
            }

            await _handler(stream, _stop.Token);
        }
        catch (Exception)
        {
            // The client went away or the handshake failed: that is the client's story to tell.
        }
        finally
        {
            client.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _stop.Dispose();
    }
}

/// <summary>
/// A loopback port on which nothing listens: the socket is bound (so nobody else gets the port while the test runs)
/// but not listening, so a connection to it is refused at once.
/// </summary>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}

/// <summary>Just enough HTTP/1.1 for a fake server: requests with Content-Length bodies, responses with a length.</summary>
internal static class Http11
{
    public static async Task<LoopbackRequest?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }

            head.Append((char)one[0]);
        }

        string[] lines = head.ToString().Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        int length = lines.Skip(1)
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct);
        return new LoopbackRequest(requestLine[0], requestLine[1], Encoding.UTF8.GetString(body));
    }

    public static async Task WriteResponseAsync(Stream stream, int status, byte[] body, CancellationToken ct,
        string contentType = "application/json")
    {
        await WriteHeadAsync(stream, status, body.Length, ct, contentType);
        await stream.WriteAsync(body, ct);
        await stream.FlushAsync(ct);
    }

    public static async Task WriteHeadAsync(Stream stream, int status, long contentLength, CancellationToken ct,
        string contentType = "application/json")
    {
        string reason = status switch { 200 => "OK", 404 => "Not Found", _ => "Status" };
        string head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.FlushAsync(ct);
    }
}
