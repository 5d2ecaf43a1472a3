namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>kubectl get nodes against nodes registered the way the kubelet stand-in registers them.</summary>
public sealed class KubectlNodeTests
{
    [Fact]
    public async Task GetNodes_ShowsKubectlColumnsAndReady()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync();

        var r = await lab.Kubectl("get", "nodes");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        var rows = LabHost.Rows(r.Stdout);
        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], rows[0]);
        Assert.Equal(["core-01", "core-02", "core-03"], rows.Skip(1).Select(c => c[0]));
        Assert.All(rows.Skip(1), c =>
        {
            Assert.Equal("Ready", c[1]);
            Assert.Equal("<none>", c[2]);
            Assert.Matches("^[0-9]+s$", c[3]);
            Assert.Equal("v1.33.1", c[4]);
        });
    }

    [Fact]
    public async Task GetNodesWide_ShowsAddressesAndNodeInfo()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterNodeAsync("core-01", "172.17.8.101");

        var r = await lab.Kubectl("get", "nodes", "-o", "wide");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("INTERNAL-IP", r.Stdout);
        Assert.Contains("CONTAINER-RUNTIME", r.Stdout);
        Assert.Contains("172.17.8.101", r.Stdout);
        Assert.Contains("containerd://1.7.24", r.Stdout);
    }

    [Fact]
    public async Task GetNodes_WithKubectl132()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(2);

        var r = await lab.Kubectl132Run("get", "nodes");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        var rows = LabHost.Rows(r.Stdout);
        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], rows[0]);
        Assert.Equal(2, rows.Count(c => c[1] == "Ready"));
    }

    [Fact]
    public async Task Version_ReportsTheStandIn()
    {
        await using var lab = await LabHost.StartAsync();

        var r = await lab.Kubectl("version");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Server Version: v1.33.1-lab-standin", r.Stdout);
        Assert.DoesNotContain("WARNING", r.Stderr);
    }

    [Fact]
    public async Task Node_GoesNotReadyWhenHeartbeatsStop_AndBackWhenTheyResume()
    {
        await using var lab = await LabHost.StartAsync(nodeGraceSeconds: 2);
        await lab.RegisterNodeAsync("core-01", "172.17.8.101");
        await lab.RegisterNodeAsync("core-02", "172.17.8.102");

        // core-01 keeps beating; core-02 falls silent past the 2 s grace.
        var until = DateTime.UtcNow.AddSeconds(3.5);
        while (DateTime.UtcNow < until)
        {
            await lab.HeartbeatAsync("core-01");
            await Task.Delay(400);
        }
        var r = await lab.Kubectl("get", "nodes");
        Assert.True(r.ExitCode == 0, r.ToString());
        var status = LabHost.Rows(r.Stdout).Skip(1).ToDictionary(c => c[0], c => c[1]);
        Assert.Equal("Ready", status["core-01"]);
        Assert.Equal("NotReady", status["core-02"]);

        var yaml = await lab.Kubectl("get", "node", "core-02", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
        Assert.Equal("Unknown", yaml.Stdout);

        await lab.HeartbeatAsync("core-02");
        r = await lab.Kubectl("get", "nodes", "core-02", "--no-headers");
        Assert.Equal("Ready", LabHost.Rows(r.Stdout)[0][1]);
    }
}
