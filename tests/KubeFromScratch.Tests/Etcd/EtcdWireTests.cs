using System.Text.Json;
using KubeFromScratch.Engine.Etcd;
using Xunit;
using static KubeFromScratch.Tests.Etcd.EtcdFixtures;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>
/// Pins the parsers of etcd's answers against what etcd 3.4.23 and etcdctl really printed in the lab (all members up,
/// core-03 down, core-02 and core-03 down). Every id must come out as the deck's 16 hex digits, whichever of the
/// three id encodings the answer used.
/// </summary>
public sealed class EtcdWireTests
{
    private static readonly string[] IdsInIdOrder = [Core02, Core01, Core03];

    public static TheoryData<string> AllStates => new(States);

    public static TheoryData<string, string> EtcdctlRuns
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string state in States)
            {
                data.Add(state, "local");
                data.Add(state, "ssh");
            }

            return data;
        }
    }

    private static void AssertTheDecksMembers(IReadOnlyList<EtcdMemberInfo> members)
    {
        // The answers list members in id order: core-02, core-01, core-03.
        Assert.Equal(IdsInIdOrder, members.Select(m => m.Id));
        Assert.Equal(["core-02", "core-01", "core-03"], members.Select(m => m.Name));
        Assert.Equal(["http://172.17.8.102:2379"], members[0].ClientUrls);
        Assert.Equal(["http://172.17.8.101:2380"], members[1].PeerUrls);
        Assert.All(members, m => Assert.False(m.IsLearner));
    }

    // ---- Member lists: three encodings of the same ids ------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllStates))]
    public void The_v3_gateways_decimal_string_ids_come_out_as_the_decks_hex_ids(string state)
    {
        string json = Stdout(state, "http", "v3-cluster-member-list");
        Assert.Contains("\"ID\":\"18389029280754190269\"", json);

        AssertTheDecksMembers(EtcdWire.ParseV3Members(json));
    }

    [Theory]
    [MemberData(nameof(AllStates))]
    public void The_v2_APIs_hex_ids_come_out_unchanged(string state)
    {
        AssertTheDecksMembers(EtcdWire.ParseV2Members(Stdout(state, "http", "v2-members")));
    }

    [Theory]
    [MemberData(nameof(EtcdctlRuns))]
    public void Etcdctls_JSON_number_ids_beyond_double_precision_come_out_exact(string state, string source)
    {
        string json = Stdout(state, source, "v3-member-list-json");
        Assert.Contains("\"ID\":18389029280754190269,", json);

        // Through double the id would lose its last digits; 18389029280754190269 must stay ff32f4b39b9c47bd.
        Assert.NotEqual(Core03, EtcdWire.FormatId((ulong)double.Parse("18389029280754190269", System.Globalization.CultureInfo.InvariantCulture)));
        AssertTheDecksMembers(EtcdWire.ParseV3Members(json));
    }

    [Fact]
    public void A_member_list_without_members_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => EtcdWire.ParseV3Members(Stdout("all-up", "http", "version")));
        Assert.Throws<FormatException>(() => EtcdWire.ParseV2Members("{\"errorCode\":100}"));
    }

    [Fact]
    public void Small_ids_keep_their_leading_zeros()
    {
        Assert.Equal("0000000000000001", EtcdWire.FormatId(1));
        Assert.Equal("ffffffffffffffff", EtcdWire.FormatId(ulong.MaxValue));
    }

    // ---- /health ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("all-up", true)]
    [InlineData("one-down", true)]
    [InlineData("two-down", false)]
    public void Health_reads_etcds_string_verdict_with_or_without_the_trailing_newline(string state, bool healthy)
    {
        Assert.Equal(healthy, EtcdWire.ParseHealth(Stdout(state, "http", "health")));
    }

    [Theory]
    [InlineData("{\"health\":true}", true)]
    [InlineData("{\"health\":false}", false)]
    [InlineData("{\"health\": \"false\", \"reason\": \"RAFT NO LEADER\"}", false)]
    public void Health_reads_the_boolean_form_of_older_etcd_too(string body, bool healthy)
    {
        Assert.Equal(healthy, EtcdWire.ParseHealth(body));
    }

    [Theory]
    [InlineData("404 page not found\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("<html><body>It works!</body></html>")]
    [InlineData("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}")]
    [InlineData("{\"health\":null}")]
    [InlineData("")]
    public void Anything_that_is_not_a_health_answer_is_null(string body)
    {
        Assert.Null(EtcdWire.ParseHealth(body));
    }

    // ---- Status -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("all-up")]
    [InlineData("one-down")]
    public void The_gateways_status_names_the_member_the_leader_and_the_version(string state)
    {
        var status = EtcdWire.ParseV3Status(Stdout(state, "http", "v3-maintenance-status"));

        Assert.Equal(new EtcdStatusInfo(Core01, Core01, "3.4.23"), status);
    }

    [Fact]
    public void Without_quorum_the_status_has_no_leader_but_still_the_version()
    {
        var status = EtcdWire.ParseV3Status(Stdout("two-down", "http", "v3-maintenance-status"));

        Assert.Equal(new EtcdStatusInfo(Core01, null, "3.4.23"), status);
    }

    [Theory]
    [MemberData(nameof(EtcdctlRuns))]
    public void Each_element_of_etcdctl_endpoint_status_reads_with_number_ids(string state, string source)
    {
        using var doc = JsonDocument.Parse(Stdout(state, source, "v3-endpoint-status-json"));
        var statuses = doc.RootElement.EnumerateArray().Select(e => EtcdWire.ParseV3Status(e.GetRawText())).ToList();

        // etcdctl leaves out the members it cannot reach; without quorum there is no leader.
        var expected = state switch
        {
            "all-up" => new[] { Core02, Core01, Core03 },
            "one-down" => new[] { Core02, Core01 },
            _ => new[] { Core01 },
        };
        Assert.Equal(expected, statuses.Select(s => s.MemberId));
        Assert.All(statuses, s => Assert.Equal(state == "two-down" ? null : Core01, s.LeaderId));
        Assert.All(statuses, s => Assert.Equal("3.4.23", s.Version));
    }

    [Fact]
    public void Version_reads_the_server_version()
    {
        Assert.Equal("3.4.23", EtcdWire.ParseVersion(Stdout("two-down", "http", "version")));
    }

    // ---- etcdctl endpoint health -w json ----------------------------------------------------------------------------

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public void Endpoint_health_with_all_up_is_three_healthy_endpoints_without_errors(string source)
    {
        var health = EtcdWire.ParseEtcdctlEndpointHealth(Stdout("all-up", source, "v3-endpoint-health-json"));

        // In the order the checks finished, which differs between runs.
        Assert.Equal(["http://172.17.8.101:2379", "http://172.17.8.102:2379", "http://172.17.8.103:2379"],
            health.Select(h => h.Endpoint).Order(StringComparer.Ordinal));
        Assert.All(health, h => Assert.True(h.Health));
        Assert.All(health, h => Assert.Null(h.Error));
        Assert.All(health, h => Assert.EndsWith("ms", h.Took));
    }

    [Theory]
    [InlineData("local", "5.001494179s")]
    [InlineData("ssh", "5.000901183s")]
    public void Endpoint_health_with_one_down_marks_core_03_unhealthy_with_its_error(string source, string took)
    {
        var health = EtcdWire.ParseEtcdctlEndpointHealth(Stdout("one-down", source, "v3-endpoint-health-json"));

        var down = Assert.Single(health, h => !h.Health);
        Assert.Equal(new EtcdWire.EndpointHealth("http://172.17.8.103:2379", false, took, "context deadline exceeded"), down);
        Assert.Equal(2, health.Count(h => h.Health && h.Error is null));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public void Endpoint_health_with_two_down_is_unhealthy_everywhere_even_on_the_running_member(string source)
    {
        var health = EtcdWire.ParseEtcdctlEndpointHealth(Stdout("two-down", source, "v3-endpoint-health-json"));

        Assert.Equal(3, health.Count);
        Assert.All(health, h => Assert.False(h.Health));
        Assert.All(health, h => Assert.Equal("context deadline exceeded", h.Error));
        Assert.Contains(health, h => h.Endpoint == "http://172.17.8.101:2379");
    }

    // ---- etcdctl cluster-health (v2 text) ---------------------------------------------------------------------------

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public void Cluster_health_all_up_is_three_healthy_members_and_healthy(string source)
    {
        var (members, verdict) = EtcdWire.ParseV2ClusterHealth(Stdout("all-up", source, "v2-cluster-health"));

        Assert.Equal(
            [
                new EtcdWire.ClusterHealthLine(Core02, true, true, "http://172.17.8.102:2379"),
                new EtcdWire.ClusterHealthLine(Core01, true, true, "http://172.17.8.101:2379"),
                new EtcdWire.ClusterHealthLine(Core03, true, true, "http://172.17.8.103:2379"),
            ], members);
        Assert.Equal(EtcdClusterState.Healthy, verdict);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public void Cluster_health_one_down_has_core_03_unreachable_and_is_degraded(string source)
    {
        var (members, verdict) = EtcdWire.ParseV2ClusterHealth(Stdout("one-down", source, "v2-cluster-health"));

        // The "failed to check the health of member ..." line is not a member line of its own.
        Assert.Equal(
            [
                new EtcdWire.ClusterHealthLine(Core02, true, true, "http://172.17.8.102:2379"),
                new EtcdWire.ClusterHealthLine(Core01, true, true, "http://172.17.8.101:2379"),
                new EtcdWire.ClusterHealthLine(Core03, false, false, null),
            ], members);
        Assert.Equal(EtcdClusterState.Degraded, verdict);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public void Cluster_health_two_down_has_core_01_reachable_but_unhealthy_and_is_unavailable(string source)
    {
        var (members, verdict) = EtcdWire.ParseV2ClusterHealth(Stdout("two-down", source, "v2-cluster-health"));

        Assert.Equal(
            [
                new EtcdWire.ClusterHealthLine(Core02, false, false, null),
                new EtcdWire.ClusterHealthLine(Core01, false, true, "http://172.17.8.101:2379"),
                new EtcdWire.ClusterHealthLine(Core03, false, false, null),
            ], members);
        Assert.Equal(EtcdClusterState.Unavailable, verdict);
    }

    [Theory]
    [MemberData(nameof(EtcdctlRuns))]
    public void The_verdict_is_the_word_on_etcdctls_last_line_and_its_exit_code_agrees(string state, string source)
    {
        string text = Stdout(state, source, "v2-cluster-health");
        string lastLine = text.TrimEnd('\n').Split('\n')[^1];

        var (_, verdict) = EtcdWire.ParseV2ClusterHealth(text);

        Assert.Equal(lastLine, $"cluster is {verdict.ToString()!.ToLowerInvariant()}");
        Assert.Equal(verdict == EtcdClusterState.Healthy ? 0 : 5, ExitCode(state, source, "v2-cluster-health"));
    }

    [Fact]
    public void Text_without_a_verdict_line_has_no_verdict()
    {
        var (members, verdict) = EtcdWire.ParseV2ClusterHealth("Error:  client: etcd cluster is unavailable or misconfigured\n");

        Assert.Empty(members);
        Assert.Null(verdict);
    }

    // ---- Go durations -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("2.436458ms", 24_364)]
    [InlineData("1.2s", 12_000_000)]
    [InlineData("850µs", 8_500)]
    [InlineData("850us", 8_500)]
    [InlineData("5.001494179s", 50_014_941)]
    [InlineData("1500ns", 15)]
    [InlineData("2m", 1_200_000_000)]
    public void Go_durations_as_etcdctl_prints_them_become_time_spans(string text, long ticks)
    {
        // Within a tick: the decimal fractions are not all exact in binary.
        Assert.InRange(EtcdHealthChecker.ParseGoDuration(text).Ticks, ticks - 1, ticks + 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("12")]
    public void What_is_not_a_simple_Go_duration_is_zero(string text)
    {
        Assert.Equal(TimeSpan.Zero, EtcdHealthChecker.ParseGoDuration(text));
    }
}
