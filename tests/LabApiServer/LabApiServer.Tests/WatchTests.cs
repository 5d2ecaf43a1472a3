using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>Watches: resumption from a resourceVersion, 410 when it is too old, and kubectl get -w.</summary>
public sealed class WatchTests
{
    private static async Task<string> ListRv(LabHost lab, string path)
        => JsonNode.Parse(await lab.Http.GetStringAsync(path))!["metadata"]!["resourceVersion"]!.GetValue<string>();

    [Fact]
    public async Task Watch_ResumesFromResourceVersion_AsKubectlReadsIt()
    {
        await using var lab = await LabHost.StartAsync();
        Assert.Equal(0, (await lab.Kubectl("create", "configmap", "before", "--from-literal=a=1")).ExitCode);
        var rv = await ListRv(lab, "/api/v1/namespaces/default/configmaps");
        Assert.Equal(0, (await lab.Kubectl("create", "configmap", "after", "--from-literal=a=1")).ExitCode);
        Assert.Equal(0, (await lab.Kubectl("label", "configmap", "after", "x=y")).ExitCode);
        Assert.Equal(0, (await lab.Kubectl("delete", "configmap", "after")).ExitCode);

        // kubectl get --raw reads the stream until timeoutSeconds closes it.
        var raw = await lab.Kubectl("get", "--raw", $"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=1");
        Assert.True(raw.ExitCode == 0, raw.ToString());
        var events = raw.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e["type"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("after", e["object"]!["metadata"]!["name"]!.GetValue<string>()));
        var rvs = events.Select(e => long.Parse(e["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(rvs[0] > long.Parse(rv, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(rvs.Order(), rvs);
    }

    [Fact]
    public async Task Watch_FromCompactedResourceVersion_Is410Expired()
    {
        await using var lab = await LabHost.StartAsync(watchWindow: 16);
        for (var i = 0; i < 20; i++)
        {
            using var r = await lab.Http.PostAsync("/api/v1/namespaces/default/configmaps", new StringContent($$$"""{"metadata":{"name":"c{{{i}}}"}}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(201, (int)r.StatusCode);
        }
        using var response = await lab.Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2");
        Assert.Equal(410, (int)response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.StartsWith("too old resource version: 2 (", status["message"]!.GetValue<string>());

        var kubectl = await lab.Kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2");
        Assert.Equal(1, kubectl.ExitCode);
        Assert.Contains("too old resource version: 2", kubectl.Stderr);
    }

    [Fact]
    public async Task KubectlGetWatch_PrintsChangesAsTableRows()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterNodeAsync("core-01", "172.17.8.101");

        var watch = lab.Kubectl("get", "pods", "--watch", "--request-timeout=3s");
        await Task.Delay(800);
        Assert.Equal(0, (await lab.Kubectl("run", "w1", "--image=nginx")).ExitCode);
        var r = await watch;

        var rows = LabHost.Rows(r.Stdout);
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE"], rows[0]);
        Assert.Contains(rows, c => c[0] == "w1" && c[2] == "Running" && c[1] == "1/1");
    }
}
