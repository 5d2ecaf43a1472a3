using System.Globalization;

namespace KubeFromScratch;

/// <summary>Which side opened a Weave Net connection.</summary>
public enum WeaveConnectionDirection
{
    /// <summary>This peer connected to the other ('->').</summary>
    Outbound,

    /// <summary>The other peer connected to this one ('&lt;-').</summary>
    Inbound,
}

/// <summary>
/// One Weave Net peer as <c>weave status peers</c> lists it on one host: the peer and the connections it reports.
/// Every host lists the whole mesh, so asking several hosts shows whether they agree.
/// </summary>
public sealed class WeavePeer
{
    internal WeavePeer(string host, string name, string nickName, WeaveConnection[] connections)
    {
        Host = host;
        Name = name;
        NickName = nickName;
        Connections = connections;
    }

    /// <summary>The host that was asked (core-01).</summary>
    public string Host { get; }

    /// <summary>The peer's name, a MAC address (32:1b:2d:1b:d1:e0).</summary>
    public string Name { get; }

    /// <summary>The peer's nickname, its host name (core-01).</summary>
    public string NickName { get; }

    /// <summary>The peer's connections to other peers.</summary>
    public WeaveConnection[] Connections { get; }

    /// <summary>How many of the connections are established.</summary>
    public int EstablishedCount => Connections.Count(c => c.IsEstablished);

    /// <summary>The peer's line in <c>weave status peers</c>: 32:1b:2d:1b:d1:e0(core-01).</summary>
    public override string ToString() => $"{Name}({NickName})";
}

/// <summary>One connection of a Weave Net peer, as a line under the peer in <c>weave status peers</c>.</summary>
public sealed class WeaveConnection
{
    internal WeaveConnection(string host, string fromName, string fromNickName, WeaveConnectionDirection direction,
        string address, int port, string peerName, string peerNickName, string state, string? info)
    {
        Host = host;
        FromName = fromName;
        FromNickName = fromNickName;
        Direction = direction;
        Address = address;
        Port = port;
        PeerName = peerName;
        PeerNickName = peerNickName;
        State = state;
        Info = info;
    }

    /// <summary>The host that was asked (core-01).</summary>
    public string Host { get; }

    /// <summary>The name (MAC) of the peer this connection belongs to.</summary>
    public string FromName { get; }

    /// <summary>The nickname of the peer this connection belongs to (core-03).</summary>
    public string FromNickName { get; }

    /// <summary>Outbound ('->') or Inbound ('&lt;-').</summary>
    public WeaveConnectionDirection Direction { get; }

    /// <summary>The other end's IP address (172.17.8.101).</summary>
    public string Address { get; }

    /// <summary>The other end's TCP port: 6783 when this peer connected out, an ephemeral port when it was called.</summary>
    public int Port { get; }

    /// <summary>The name (MAC) of the peer at the other end.</summary>
    public string PeerName { get; }

    /// <summary>The nickname of the peer at the other end (core-01).</summary>
    public string PeerNickName { get; }

    /// <summary>The state as weave printed it: established, pending, retrying, failed, connecting, ...</summary>
    public string State { get; }

    /// <summary>Any text weave printed after the state (a failure reason), or null.</summary>
    public string? Info { get; }

    /// <summary>True when the connection is established.</summary>
    public bool IsEstablished => State == "established";

    /// <summary>'->' or '&lt;-', as weave prints the direction.</summary>
    public string Arrow => Direction == WeaveConnectionDirection.Outbound ? "->" : "<-";

    /// <summary>Address and port as weave prints them: 172.17.8.101:6783, [fd00::1]:6783.</summary>
    public string Endpoint => Address.Contains(':', StringComparison.Ordinal)
        ? $"[{Address}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Address}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The connection's line in <c>weave status peers</c>, without its indent:
    /// -> 172.17.8.101:6783     32:1b:2d:1b:d1:e0(core-01)            established
    /// </summary>
    public override string ToString() =>
        $"{Arrow} {Endpoint,-21} {$"{PeerName}({PeerNickName})",-37} {State}{(Info is null ? string.Empty : " " + Info)}";
}
