using KubeFromScratch.Engine.Weave;
using Xunit;

namespace KubeFromScratch.Tests.Weave;

/// <summary>
/// Pins how the output of <c>weave status peers</c> is read: the deck's own sample (Fixtures/weave) peer by peer and
/// connection by connection, and what weave prints when the mesh is not healthy.
/// </summary>
public sealed class WeaveStatusParserTests
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "weave", name));

    private static IReadOnlyList<WeavePeer> DeckPeers() => WeaveStatusParser.ParsePeers(Fixture("status-peers-deck.txt"), "core-01");

    private static string Describe(WeaveConnection c) =>
        $"{c.Arrow} {c.Address}:{c.Port} {c.PeerName}({c.PeerNickName}) {c.State}";

    // ---- The deck's sample -------------------------------------------------------------------------------------------

    [Fact]
    public void The_decks_sample_lists_three_peers_in_weaves_order()
    {
        var peers = DeckPeers();

        Assert.Equal(["0a:e1:07:a9:14:92(core-03)", "0a:4e:1e:1a:69:db(core-02)", "32:1b:2d:1b:d1:e0(core-01)"],
            peers.Select(p => p.ToString()));
        Assert.Equal(["0a:e1:07:a9:14:92", "0a:4e:1e:1a:69:db", "32:1b:2d:1b:d1:e0"], peers.Select(p => p.Name));
        Assert.Equal(["core-03", "core-02", "core-01"], peers.Select(p => p.NickName));
        Assert.All(peers, p => Assert.Equal("core-01", p.Host));
        Assert.All(peers, p => Assert.Equal(2, p.EstablishedCount));
    }

    [Fact]
    public void Core_03_connected_out_to_core_01_and_core_02_connected_in_to_it()
    {
        var core03 = DeckPeers()[0];

        Assert.Equal(["-> 172.17.8.101:6783 32:1b:2d:1b:d1:e0(core-01) established", "<- 172.17.8.102:42173 0a:4e:1e:1a:69:db(core-02) established"],
            core03.Connections.Select(Describe));

        var toCore01 = core03.Connections[0];
        Assert.Equal(WeaveConnectionDirection.Outbound, toCore01.Direction);
        Assert.Equal("172.17.8.101", toCore01.Address);
        Assert.Equal(6783, toCore01.Port);
        Assert.Equal("32:1b:2d:1b:d1:e0", toCore01.PeerName);
        Assert.Equal("core-01", toCore01.PeerNickName);
        Assert.Equal("established", toCore01.State);
        Assert.True(toCore01.IsEstablished);
        Assert.Null(toCore01.Info);
        Assert.Equal(("core-01", "0a:e1:07:a9:14:92", "core-03"), (toCore01.Host, toCore01.FromName, toCore01.FromNickName));

        Assert.Equal(WeaveConnectionDirection.Inbound, core03.Connections[1].Direction);
        Assert.Equal(42173, core03.Connections[1].Port);
    }

    [Fact]
    public void Core_02_connected_out_to_both_others()
    {
        var core02 = DeckPeers()[1];

        Assert.Equal(["-> 172.17.8.101:6783 32:1b:2d:1b:d1:e0(core-01) established", "-> 172.17.8.103:6783 0a:e1:07:a9:14:92(core-03) established"],
            core02.Connections.Select(Describe));
        Assert.All(core02.Connections, c => Assert.Equal(WeaveConnectionDirection.Outbound, c.Direction));
    }

    [Fact]
    public void Core_01_was_called_by_both_others_from_ephemeral_ports()
    {
        var core01 = DeckPeers()[2];

        Assert.Equal(["<- 172.17.8.103:40977 0a:e1:07:a9:14:92(core-03) established", "<- 172.17.8.102:45731 0a:4e:1e:1a:69:db(core-02) established"],
            core01.Connections.Select(Describe));
        Assert.All(core01.Connections, c => Assert.Equal(WeaveConnectionDirection.Inbound, c.Direction));
    }

    [Fact]
    public void Each_connection_prints_back_as_the_decks_line()
    {
        string[] deckLines = Fixture("status-peers-deck.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var printed = DeckPeers().SelectMany(p => new[] { p.ToString() }.Concat(p.Connections.Select(c => "   " + c)));

        Assert.Equal(deckLines, printed);
    }

    [Fact]
    public void Windows_line_ends_and_trailing_blanks_read_the_same()
    {
        string text = Fixture("status-peers-deck.txt").Replace("\n", "  \r\n", StringComparison.Ordinal) + "\r\n\r\n";

        var peers = WeaveStatusParser.ParsePeers(text, "core-01");

        Assert.Equal(DeckPeers().SelectMany(p => p.Connections).Select(Describe), peers.SelectMany(p => p.Connections).Select(Describe));
    }

    // ---- Other shapes ------------------------------------------------------------------------------------------------

    [Fact]
    public void A_lone_peer_has_no_connections()
    {
        var peer = Assert.Single(WeaveStatusParser.ParsePeers("32:1b:2d:1b:d1:e0(core-01)\n", "core-01"));

        Assert.Empty(peer.Connections);
        Assert.Equal(0, peer.EstablishedCount);
    }

    [Fact]
    public void No_output_is_no_peers()
    {
        Assert.Empty(WeaveStatusParser.ParsePeers("", "core-01"));
        Assert.Empty(WeaveStatusParser.ParsePeers("\n\r\n", "core-01"));
    }

    [Fact]
    public void A_failed_connection_keeps_its_reason_and_a_pending_one_its_state()
    {
        const string text =
            "32:1b:2d:1b:d1:e0(core-01)\n" +
            "   -> 172.17.8.103:6783     0a:e1:07:a9:14:92(core-03)            failed      read tcp4 172.17.8.101:43210->172.17.8.103:6783: i/o timeout, retry: 2016-11-09 10:31:02\n" +
            "   -> 172.17.8.102:6783     0a:4e:1e:1a:69:db(core-02)       pending\n" +
            "0a:e1:07:a9:14:92()\n";

        var peers = WeaveStatusParser.ParsePeers(text, "core-01");

        var failed = peers[0].Connections[0];
        Assert.Equal("failed", failed.State);
        Assert.False(failed.IsEstablished);
        Assert.Equal("read tcp4 172.17.8.101:43210->172.17.8.103:6783: i/o timeout, retry: 2016-11-09 10:31:02", failed.Info);
        Assert.Equal("pending", peers[0].Connections[1].State);
        Assert.Null(peers[0].Connections[1].Info);
        Assert.Equal(string.Empty, peers[1].NickName);
    }

    [Fact]
    public void An_IPv6_peer_address_loses_its_brackets_and_keeps_its_port()
    {
        var connection = WeaveStatusParser.ParsePeers(
            "32:1b:2d:1b:d1:e0(core-01)\n   -> [fd00::3]:6783  0a:e1:07:a9:14:92(core-03)  established\n", "core-01")[0].Connections[0];

        Assert.Equal(("fd00::3", 6783), (connection.Address, connection.Port));
        Assert.Equal("[fd00::3]:6783", connection.Endpoint);
    }

    // ---- Garbage -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("weave container is not present. Have you launched it?", 1)]
    [InlineData("32:1b:2d:1b:d1:e0(core-01)\n   => 172.17.8.103:6783  0a:e1:07:a9:14:92(core-03)  established", 2)]
    [InlineData("32:1b:2d:1b:d1:e0(core-01)\n   -> 172.17.8.103  0a:e1:07:a9:14:92(core-03)  established", 2)]
    [InlineData("32:1b:2d:1b:d1:e0(core-01)\n   -> 172.17.8.103:99999  0a:e1:07:a9:14:92(core-03)  established", 2)]
    [InlineData("32:1b:2d:1b:d1:e0(core-01)\n\n   -> 172.17.8.103:6783  0a:e1:07:a9:14:92(core-03)", 3)]
    [InlineData("   -> 172.17.8.103:6783  0a:e1:07:a9:14:92(core-03)  established", 1)]
    public void Output_that_is_not_peers_is_refused_naming_the_line(string text, int line)
    {
        var e = Assert.Throws<KfsException>(() => WeaveStatusParser.ParsePeers(text, "core-02"));

        Assert.Equal("WeavePeerOutputInvalid", e.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, e.Category);
        Assert.Equal("core-02", e.Target);
        Assert.StartsWith($"Line {line} of 'weave status peers' on core-02 ", e.Message);
        Assert.Contains(text.Split('\n')[line - 1].Trim(), e.Message);
    }
}
