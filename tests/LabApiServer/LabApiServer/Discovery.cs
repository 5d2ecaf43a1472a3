using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>The legacy (unaggregated) discovery documents: /version, /api, /apis, /api/v1, /apis/GROUP/VERSION.</summary>
public static class Discovery
{
    /// <summary>The version the stand-in reports: v1.33.1 with a suffix that says what it is.</summary>
    public const string GitVersion = "v1.33.1-lab-standin";

    /// <summary>/version.</summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "33",
        ["minCompatibilityMajor"] = "1",
        ["minCompatibilityMinor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-05-15T00:00:00Z",
        ["goVersion"] = "go1.24.2",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    /// <summary>/api: APIVersions.</summary>
    public static JsonObject Api(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary>/apis: APIGroupList.</summary>
    public static JsonObject Apis()
    {
        var groups = new JsonArray();
        foreach (var (group, version) in ResourceTypes.GroupVersions.Where(gv => gv.Group.Length > 0))
        {
            groups.Add(Group(group, version));
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>/apis/GROUP: APIGroup.</summary>
    public static JsonObject Group(string group, string version)
    {
        var gv = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(gv),
            ["preferredVersion"] = gv.DeepClone(),
        };
    }

    /// <summary>/api/v1 or /apis/GROUP/VERSION: APIResourceList with subresources.</summary>
    public static JsonObject Resources(string group, string version)
    {
        var list = new JsonArray();
        foreach (var t in ResourceTypes.AllTypes.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray([.. ResourceTypes.Verbs(t).Select(v => (JsonNode)v)]),
            };
            if (t.ShortNames.Length > 0)
            {
                r["shortNames"] = new JsonArray([.. t.ShortNames.Select(v => (JsonNode)v)]);
            }
            if (t.Categories.Length > 0)
            {
                r["categories"] = new JsonArray([.. t.Categories.Select(v => (JsonNode)v)]);
            }
            r["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(t.ApiVersion + "/" + t.Kind)))[..11];
            list.Add(r);
            if (t == ResourceTypes.Deployments || t == ResourceTypes.ReplicaSets)
            {
                list.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/scale",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
            if (t.HasStatus)
            {
                list.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }
}
