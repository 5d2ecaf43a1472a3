using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Weave;

/// <summary>
/// Reads the text of <c>weave status peers</c>. Weave prints each peer as <c>name(nickname)</c> at the start of a
/// line, and under it one indented line per connection:
/// <c>   -> 172.17.8.101:6783     32:1b:2d:1b:d1:e0(core-01)            established</c>
/// (the address padded to 21 characters, the peer to 32 or 37 depending on the release, then the state and, in some
/// states, a reason).
/// </summary>
public static partial class WeaveStatusParser
{
    [GeneratedRegex(@"^(?<name>[^\s()]+)\((?<nick>[^()]*)\)\z", RegexOptions.CultureInvariant)]
    private static partial Regex PeerLine();

    [GeneratedRegex(@"^\s+(?<dir>->|<-)\s+(?<endpoint>\S+)\s+(?<name>[^\s()]+)\((?<nick>[^()]*)\)\s+(?<state>\S+)(?:\s+(?<info>\S.*))?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionLine();

    [GeneratedRegex(@"^(?:\[(?<address>[^\]]+)\]|(?<address>[^:\[\]]+)):(?<port>[0-9]{1,5})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Endpoint();

    /// <summary>
    /// The peers in <paramref name="output"/>, in the order weave listed them, each with its connections.
    /// </summary>
    /// <param name="output">What <c>weave status peers</c> printed (LF or CRLF line ends).</param>
    /// <param name="host">The host it was run on, recorded on every peer and connection.</param>
    /// <exception cref="KfsException">WeavePeerOutputInvalid (InvalidData) naming the first line that is neither a
    /// peer nor a connection.</exception>
    public static IReadOnlyList<WeavePeer> ParsePeers(string output, string host)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(host);
        var peers = new List<WeavePeer>();
        (string Name, string NickName, List<WeaveConnection> Connections)? current = null;
        string[] lines = output.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r', ' ', '\t');
            if (line.Length == 0)
            {
                continue;
            }

            if (!char.IsWhiteSpace(line[0]))
            {
                var peer = PeerLine().Match(line);
                if (!peer.Success)
                {
                    throw Invalid(host, i + 1, line, "is neither a peer (name(nickname)) nor an indented connection");
                }

                Flush();
                current = (peer.Groups["name"].Value, peer.Groups["nick"].Value, []);
                continue;
            }

            var connection = ConnectionLine().Match(line);
            if (!connection.Success)
            {
                throw Invalid(host, i + 1, line, "is indented like a connection but does not read as one (-> address:port name(nickname) state)");
            }

            if (current is null)
            {
                throw Invalid(host, i + 1, line, "is a connection before any peer");
            }

            var endpoint = Endpoint().Match(connection.Groups["endpoint"].Value);
            if (!endpoint.Success || !int.TryParse(endpoint.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            {
                throw Invalid(host, i + 1, line, $"has '{connection.Groups["endpoint"].Value}' where an address:port belongs");
            }

            current.Value.Connections.Add(new WeaveConnection(host, current.Value.Name, current.Value.NickName,
                connection.Groups["dir"].Value == "->" ? WeaveConnectionDirection.Outbound : WeaveConnectionDirection.Inbound,
                endpoint.Groups["address"].Value, port, connection.Groups["name"].Value, connection.Groups["nick"].Value,
                connection.Groups["state"].Value, connection.Groups["info"].Success ? connection.Groups["info"].Value : null));
        }

        Flush();
        return peers;

        void Flush()
        {
            if (current is { } p)
            {
                peers.Add(new WeavePeer(host, p.Name, p.NickName, p.Connections.ToArray()));
            }
        }
    }

    private static KfsException Invalid(string host, int lineNumber, string line, string problem) =>
        new("WeavePeerOutputInvalid", KfsErrorCategory.InvalidData, host,
            $"Line {lineNumber} of 'weave status peers' on {host} {problem}: '{line.Trim()}'. " +
            $"Check that Weave Net runs on {host} ('weave status') and that the weave script there matches the router's version.");
}
