using System.Collections.Concurrent;
using System.Net.Security;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>What one fake member does with a connection.</summary>
internal enum FakeMember
{
    /// <summary>Answers with the captured bodies.</summary>
    Serves,

    /// <summary>Nothing listens on its port: connection refused.</summary>
    Closed,

    /// <summary>Accepts the connection and never answers.</summary>
    Silent,
}

/// <summary>
/// Three fake etcd members on loopback that answer with the bodies captured from the lab's real cluster in one
/// state, the client URLs in the member list rewritten to the fakes' ports (core-01 = 172.17.8.101 and so on), plus
/// a discovery endpoint that answers like core-01.
/// </summary>
internal sealed class FakeEtcdCluster : IDisposable
{
    private static readonly (string Ip, string DecimalId)[] Deck =
    [
        ("172.17.8.101", "7701858636361386781"),
        ("172.17.8.102", "2726593344841733412"),
        ("172.17.8.103", "18389029280754190269"),
    ];

    private readonly string _state;
    private readonly List<LoopbackServer> _servers = new();
    private readonly string[] _urls = new string[3];
    private readonly List<ClosedPort> _closed = new();

    public FakeEtcdCluster(string state, FakeMember[]? members = null, SslServerAuthenticationOptions? tls = null)
    {
        _state = state;
        members ??= [FakeMember.Serves, FakeMember.Serves, FakeMember.Serves];
        string scheme = tls is null ? "http" : "https";
        for (int i = 0; i < 3; i++)
        {
            int index = i;
            var server = members[i] switch
            {
                FakeMember.Serves => LoopbackServer.Http(r => Answer(r, index), tls, Requests),
                FakeMember.Silent => LoopbackServer.Silent(),
                _ => (LoopbackServer?)null,
            };
            int port;
            if (server is not null)
            {
                _servers.Add(server);
                port = server.Port;
            }
            else
            {
                var closed = new ClosedPort();
                _closed.Add(closed);
                port = closed.Port;
            }

            _urls[i] = $"{scheme}://127.0.0.1:{port}";
        }

        Discovery = LoopbackServer.Http(r => Answer(r, 0), tls, Requests);
        _servers.Add(Discovery);
    }

    /// <summary>The endpoint to discover the cluster from.</summary>
    public LoopbackServer Discovery { get; }

    /// <summary>The discovery endpoint as a URI.</summary>
    public Uri Endpoint => new(Discovery.BaseUrl);

    /// <summary>Every request any served endpoint received.</summary>
    public ConcurrentQueue<LoopbackRequest> Requests { get; } = new();

    /// <summary>The client URL of core-01, core-02 or core-03 (1, 2, 3).</summary>
    public string ClientUrl(int member) => _urls[member - 1];

    private (int, string) Answer(LoopbackRequest request, int member) => (request.Method, request.Path) switch
    {
        ("POST", "/v3/cluster/member/list") => (200, Rewrite(EtcdFixtures.Stdout(_state, "http", "v3-cluster-member-list"))),
        ("GET", "/v2/members") => (200, Rewrite(EtcdFixtures.Stdout(_state, "http", "v2-members"))),
        ("GET", "/health") => (200, EtcdFixtures.Stdout(_state, "http", "health")),
        ("GET", "/version") => (200, EtcdFixtures.Stdout(_state, "http", "version")),

        // The capture is core-01's own status; each fake reports its own member id with it.
        ("POST", "/v3/maintenance/status") => (200, EtcdFixtures.Stdout(_state, "http", "v3-maintenance-status")
            .Replace($"\"member_id\":\"{Deck[0].DecimalId}\"", $"\"member_id\":\"{Deck[member].DecimalId}\"", StringComparison.Ordinal)),
        _ => (404, "404 page not found\n"),
    };

    private string Rewrite(string body)
    {
        for (int i = 0; i < 3; i++)
        {
            body = body.Replace($"http://{Deck[i].Ip}:2379", _urls[i], StringComparison.Ordinal);
        }

        return body;
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        foreach (var closed in _closed)
        {
            closed.Dispose();
        }
    }
}
