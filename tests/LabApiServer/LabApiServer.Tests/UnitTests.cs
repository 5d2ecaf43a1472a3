using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>Direct checks of the pieces kubectl only exercises partly.</summary>
public sealed class UnitTests
{
    private static JsonObject J(string s) => JsonNode.Parse(s)!.AsObject();

    [Fact]
    public void StrategicMerge_MergesContainersAndPortsByKey_AndHonoursDirectives()
    {
        var live = J("""{"spec":{"containers":[{"name":"a","image":"x","ports":[{"containerPort":80},{"containerPort":81}],"env":[{"name":"E","value":"1"}]},{"name":"b","image":"y"}]}}""");
        var patch = J("""{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","ports":[{"containerPort":81,"$patch":"delete"},{"containerPort":82}],"env":[{"name":"F","value":"2"}]},{"name":"c","image":"z"}]}}""");

        var merged = Patches.StrategicMerge(live, patch);

        var containers = merged["spec"]!["containers"]!.AsArray();
        Assert.Equal(["b", "a", "c"], containers.Select(c => c!["name"]!.GetValue<string>()));
        var a = containers[1]!;
        Assert.Equal("x", a["image"]!.GetValue<string>());
        Assert.Equal([80, 82], a["ports"]!.AsArray().Select(p => p!["containerPort"]!.GetValue<int>()));
        Assert.Equal(["E", "F"], a["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void MergePatch_NullDeletes()
    {
        var merged = Patches.MergePatch(J("""{"a":1,"b":{"c":2,"d":3}}"""), J("""{"a":null,"b":{"c":4}}"""));
        Assert.Equal("""{"b":{"c":4,"d":3}}""", Json.Write(merged));
    }

    [Fact]
    public void JsonPatch_AddReplaceRemove()
    {
        var result = Patches.JsonPatch(J("""{"metadata":{"labels":{"a":"1"}},"list":[1,2]}"""), JsonNode.Parse("""[{"op":"add","path":"/metadata/labels/b","value":"2"},{"op":"replace","path":"/list/0","value":9},{"op":"remove","path":"/metadata/labels/a"}]""")!.AsArray());
        Assert.Equal("""{"metadata":{"labels":{"b":"2"}},"list":[9,2]}""", Json.Write(result));
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (web,db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("app=web,tier=front", true)]
    [InlineData("app=web,tier=back", false)]
    public void LabelSelector_Operators(string selector, bool matches)
        => Assert.Equal(matches, LabelSelector.Parse(selector).Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 120, "3h2m")]
    [InlineData(10 * 3600, "10h")]
    [InlineData(3 * 86400 + 3600, "3d1h")]
    public void HumanDuration_LikeKubectl(int seconds, string expected)
        => Assert.Equal(expected, TablePrinter.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Options_ParseCommandLine()
    {
        var o = ServerOptions.Parse(["--urls", "http://172.17.8.101:8080", "--node-grace-seconds=2"]);
        Assert.Equal("http://172.17.8.101:8080", o.Urls);
        Assert.Equal(TimeSpan.FromSeconds(2), o.NodeGrace);
        Assert.Throws<ArgumentException>(() => ServerOptions.Parse(["--bogus"]));
    }

    [Fact]
    public void OpenApi_DocumentsDeclareGvkAndPatchMetadata()
    {
        var index = JsonNode.Parse(OpenApi.Index())!["paths"]!.AsObject();
        Assert.Equal(["api/v1", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1"], index.Select(kv => kv.Key));
        var doc = JsonNode.Parse(OpenApi.Document("apis/apps/v1")!)!;
        var schemas = doc["components"]!["schemas"]!;
        Assert.Equal("DaemonSet", schemas["io.k8s.api.apps.v1.DaemonSet"]!["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal("name", containers["x-kubernetes-patch-merge-key"]!.GetValue<string>());
        Assert.Equal("merge", containers["x-kubernetes-patch-strategy"]!.GetValue<string>());
        var patch = doc["paths"]!["/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}"]!["patch"]!;
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
    }
}
