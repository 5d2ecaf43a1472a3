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

    [Fact]
    public async Task DropWatchesFaultHook_EndsEveryOpenWatchAbruptly_AndCountsThem()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterNodeAsync("core-01", "172.17.8.101");

        // Two raw watches, read as a client library reads them, and kubectl's own (it reads until the stream ends).
        using var nodes = await lab.Http.GetAsync("/api/v1/nodes?watch=true", HttpCompletionOption.ResponseHeadersRead);
        using var pods = await lab.Http.GetAsync("/api/v1/namespaces/default/pods?watch=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)nodes.StatusCode);
        Assert.Equal(200, (int)pods.StatusCode);
        var nodeReader = new StreamReader(await nodes.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await nodeReader.ReadLineAsync())!)!;
        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
        var podStream = await pods.Content.ReadAsStreamAsync();
        var kubectl = lab.Kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?watch=true");
        // kubectl's watch is open once the store counts it.
        Assert.Null(await LabHost.Eventually(() => Task.FromResult(lab.Server.Cluster.Store.OpenWatches >= 3 ? null : $"{lab.Server.Cluster.Store.OpenWatches} open watches")));

        using var drop = await lab.Http.PostAsync("/debug/lab/drop-watches", null);
        Assert.Equal(200, (int)drop.StatusCode);
        Assert.Equal(3, JsonNode.Parse(await drop.Content.ReadAsStringAsync())!["dropped"]!.GetValue<int>());

        // Abruptly: the chunked body never gets its end, so readers fail instead of seeing a clean end of stream.
        await Assert.ThrowsAnyAsync<IOException>(async () => await nodeReader.ReadToEndAsync());
        await Assert.ThrowsAnyAsync<IOException>(async () => await new StreamReader(podStream).ReadToEndAsync());
        var k = await kubectl;
        Assert.True(k.ExitCode != 0, k.ToString());

        // Nothing left to drop; the hook takes POST only; other names under /debug/lab are not found.
        using var again = await lab.Http.PostAsync("/debug/lab/drop-watches", null);
        Assert.Equal(0, JsonNode.Parse(await again.Content.ReadAsStringAsync())!["dropped"]!.GetValue<int>());
        using var get = await lab.Http.GetAsync("/debug/lab/drop-watches");
        Assert.Equal(405, (int)get.StatusCode);
        using var other = await lab.Http.PostAsync("/debug/lab/no-such-hook", null);
        Assert.Equal(404, (int)other.StatusCode);

        // A new watch works as before.
        var after = await lab.Kubectl("get", "--raw", "/api/v1/nodes?watch=true&timeoutSeconds=1");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("\"core-01\"", after.Stdout);
    }
}
