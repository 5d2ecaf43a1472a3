using System.Diagnostics;
using System.Text;
using KubeFromScratch.Engine.Etcd;
using Xunit;
using static KubeFromScratch.Tests.Etcd.EtcdFixtures;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>
/// Test-EtcdHealth's engine against fake members on loopback that answer with the real cluster's captured bodies:
/// the verdict, the leader, the id order, how each kind of dead or wrong endpoint is reported, and that members are
/// checked side by side (one dead member costs one timeout, not one each).
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class EtcdHealthCheckerTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private static Task<EtcdHealthReport> CheckAsync(params Uri[] endpoints) =>
        EtcdHealthChecker.CheckAsync(new EtcdCheckOptions { Endpoints = endpoints, Route = EtcdRoute.Direct, Timeout = OneSecond },
            null, CancellationToken.None);

    [Fact]
    public async Task All_members_healthy_is_Healthy_with_three_members_in_id_order_and_one_leader()
    {
        using var cluster = new FakeEtcdCluster("all-up");

        var report = await CheckAsync(cluster.Endpoint);

        Assert.Equal(EtcdClusterState.Healthy, report.Cluster.State);
        Assert.Equal("cluster is healthy", report.Cluster.Status);
        Assert.Equal((3, 3), (report.Cluster.HealthyMembers, report.Cluster.Members));
        Assert.Equal([Core02, Core01, Core03], report.Members.Select(m => m.MemberId));
        Assert.Equal(["core-02", "core-01", "core-03"], report.Members.Select(m => m.Name));
        var leader = Assert.Single(report.Members, m => m.IsLeader);
        Assert.Equal(Core01, leader.MemberId);
        Assert.Equal(Core01, report.Cluster.LeaderId);
        Assert.All(report.Members, m => Assert.True(m.IsHealthy));
        Assert.All(report.Members, m => Assert.Null(m.Error));
        Assert.All(report.Members, m => Assert.Equal("3.4.23", m.Version));
        Assert.All(report.Members, m => Assert.Equal("Direct", m.Route));
        Assert.Equal(cluster.ClientUrl(2), report.Members[0].CheckedUrl);
        Assert.Equal($"member {Core03} is healthy: got healthy result from {cluster.ClientUrl(3)}", report.Members[2].Status);
    }

    [Fact]
    public async Task Every_member_is_asked_for_health_at_its_own_client_URL()
    {
        using var cluster = new FakeEtcdCluster("all-up");

        await CheckAsync(cluster.Endpoint);

        Assert.Equal(3, cluster.Requests.Count(r => r.Method == "GET" && r.Path == "/health"));
        Assert.Contains(cluster.Requests, r => r.Method == "POST" && r.Path == "/v3/cluster/member/list" && r.Body == "{}");
    }

    [Fact]
    public async Task A_member_with_nothing_listening_makes_it_Degraded_and_that_member_unreachable()
    {
        using var cluster = new FakeEtcdCluster("one-down", [FakeMember.Serves, FakeMember.Serves, FakeMember.Closed]);

        var watch = Stopwatch.StartNew();
        var report = await CheckAsync(cluster.Endpoint);
        watch.Stop();

        Assert.Equal(EtcdClusterState.Degraded, report.Cluster.State);
        Assert.Equal((2, 3), (report.Cluster.HealthyMembers, report.Cluster.Members));
        var down = report.Members.Single(m => !m.IsHealthy);
        Assert.Equal(Core03, down.MemberId);
        Assert.Null(down.CheckedUrl);
        Assert.Contains("refused the connection", down.Error);
        Assert.Equal($"member {Core03} is unreachable: [{cluster.ClientUrl(3)}] are all unreachable", down.Status);
        Assert.Equal(Core01, Assert.Single(report.Members, m => m.IsLeader).MemberId);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_member_that_accepts_but_never_answers_costs_one_timeout_and_makes_it_Degraded()
    {
        using var cluster = new FakeEtcdCluster("one-down", [FakeMember.Serves, FakeMember.Serves, FakeMember.Silent]);

        var watch = Stopwatch.StartNew();
        var report = await CheckAsync(cluster.Endpoint);
        watch.Stop();

        Assert.Equal(EtcdClusterState.Degraded, report.Cluster.State);
        var down = report.Members.Single(m => !m.IsHealthy);
        Assert.Equal(Core03, down.MemberId);
        Assert.Contains("did not answer within 1 s", down.Error);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Three_silent_members_are_waited_for_side_by_side_not_one_after_another()
    {
        // Checked one after another this would take three timeouts (3 s); side by side it takes one.
        using var cluster = new FakeEtcdCluster("all-up", [FakeMember.Silent, FakeMember.Silent, FakeMember.Silent]);

        var watch = Stopwatch.StartNew();
        var report = await CheckAsync(cluster.Endpoint);
        watch.Stop();

        Assert.Equal(EtcdClusterState.Unavailable, report.Cluster.State);
        Assert.All(report.Members, m => Assert.Contains("did not answer within 1 s", m.Error));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task All_members_answering_health_false_is_Unavailable_without_a_leader()
    {
        using var cluster = new FakeEtcdCluster("two-down");

        var report = await CheckAsync(cluster.Endpoint);

        Assert.Equal(EtcdClusterState.Unavailable, report.Cluster.State);
        Assert.Equal(0, report.Cluster.HealthyMembers);
        Assert.Null(report.Cluster.LeaderId);
        Assert.DoesNotContain(report.Members, m => m.IsLeader);

        // They answered: unhealthy, not unreachable, as etcdctl says of core-01 without quorum.
        Assert.All(report.Members, m => Assert.Null(m.Error));
        Assert.Equal($"member {Core01} is unhealthy: got unhealthy result from {cluster.ClientUrl(1)}", report.Members[1].Status);
    }

    [Fact]
    public async Task Without_the_v3_gateway_the_members_come_from_the_v2_API()
    {
        using var cluster = new FakeEtcdCluster("all-up");
        using var v2Only = LoopbackServer.Http(r => r.Path == "/v2/members"
            ? (200, Stdout("all-up", "http", "v2-members").Replace("http://172.17.8.101:2379", cluster.ClientUrl(1), StringComparison.Ordinal)
                .Replace("http://172.17.8.102:2379", cluster.ClientUrl(2), StringComparison.Ordinal)
                .Replace("http://172.17.8.103:2379", cluster.ClientUrl(3), StringComparison.Ordinal))
            : (404, "404 page not found\n"));

        var report = await CheckAsync(new Uri(v2Only.BaseUrl));

        Assert.Equal(EtcdClusterState.Healthy, report.Cluster.State);
        Assert.Equal([Core02, Core01, Core03], report.Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task An_endpoint_that_answers_404_to_both_member_lists_is_not_etcd()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<LoopbackRequest>();
        using var web = LoopbackServer.Http(_ => (404, "404 page not found\n"), log: log);

        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync(new Uri(web.BaseUrl)));

        Assert.Equal("EtcdEndpointNotEtcd", error.ErrorId);
        Assert.Contains("HTTP 404/404", error.Message);
        Assert.Equal(["POST /v3/cluster/member/list", "GET /v2/members"], log.Select(r => $"{r.Method} {r.Path}"));
    }

    [Fact]
    public async Task An_endpoint_that_answers_JSON_without_members_is_not_etcd()
    {
        using var web = LoopbackServer.Http(_ => (200, "{\"kind\":\"Status\",\"apiVersion\":\"v1\"}"));

        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync(new Uri(web.BaseUrl)));

        Assert.Equal("EtcdEndpointNotEtcd", error.ErrorId);
    }

    [Fact]
    public async Task An_SSH_server_on_the_port_is_not_etcd()
    {
        using var ssh = new LoopbackServer(async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2\r\n"), ct);
            await stream.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync(new Uri(ssh.BaseUrl)));

        Assert.Equal("EtcdEndpointNotEtcd", error.ErrorId);
        Assert.True(watch.Elapsed < OneSecond, $"took {watch.Elapsed}: the banner should be recognised, not waited out");
    }

    [Fact]
    public async Task Nothing_listening_is_unreachable()
    {
        using var closed = new ClosedPort();
        var endpoint = new Uri(closed.BaseUrl);

        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync(endpoint));

        Assert.Equal("EtcdUnreachable", error.ErrorId);
        Assert.Equal(KfsErrorCategory.ConnectionError, error.Category);
        Assert.Equal(endpoint.GetLeftPart(UriPartial.Authority), error.Target);
    }

    [Fact]
    public async Task The_first_endpoint_that_answers_is_used()
    {
        using var cluster = new FakeEtcdCluster("all-up");

        using var closed = new ClosedPort();
        var report = await CheckAsync(new Uri(closed.BaseUrl), cluster.Endpoint);

        Assert.Equal(EtcdClusterState.Healthy, report.Cluster.State);
    }

    [Fact]
    public async Task No_endpoint_at_all_is_an_argument_error()
    {
        var error = await Assert.ThrowsAsync<KfsException>(() => CheckAsync());

        Assert.Equal("EtcdEndpointMissing", error.ErrorId);
    }

    [Fact]
    public async Task Listing_members_marks_the_leader_and_sorts_by_id()
    {
        using var cluster = new FakeEtcdCluster("all-up");

        var (members, route) = await EtcdHealthChecker.ListMembersAsync(
            new EtcdCheckOptions { Endpoints = [cluster.Endpoint], Route = EtcdRoute.Direct, Timeout = OneSecond }, null, CancellationToken.None);

        Assert.Equal("Direct", route);
        Assert.Equal([Core02, Core01, Core03], members.Select(m => m.MemberId));
        Assert.Equal(Core01, Assert.Single(members, m => m.IsLeader).MemberId);
    }
}
