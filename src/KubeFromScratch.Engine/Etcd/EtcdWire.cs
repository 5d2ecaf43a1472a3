using System.Globalization;
using System.Text.Json;

namespace KubeFromScratch.Engine.Etcd;

/// <summary>A member as the cluster lists it.</summary>
public sealed record EtcdMemberInfo(string Id, string Name, string[] PeerUrls, string[] ClientUrls, bool IsLearner);

/// <summary>One member's answer to a status request.</summary>
public sealed record EtcdStatusInfo(string MemberId, string? LeaderId, string? Version);

/// <summary>
/// Parses etcd's HTTP answers: the v3 JSON gateway (ids as decimal strings), the v2 API (ids as hex), and the
/// output of etcdctl (v3 -w json with ids as JSON numbers, v2 text). Every id comes out as 16 hex digits, the
/// way etcdctl prints them.
/// </summary>
public static class EtcdWire
{
    /// <summary>Formats a 64-bit member id the way etcdctl prints it.</summary>
    public static string FormatId(ulong id) => id.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Members from the v3 gateway's /v3/cluster/member/list or etcdctl member list -w json.</summary>
    public static IReadOnlyList<EtcdMemberInfo> ParseV3Members(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'members' list in the answer");
        }

        return members.EnumerateArray().Select(m => new EtcdMemberInfo(
            FormatId(ReadUInt64(m, "ID")),
            m.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty,
            Strings(m, "peerURLs"),
            Strings(m, "clientURLs"),
            m.TryGetProperty("isLearner", out var l) && l.ValueKind == JsonValueKind.True)).ToList();
    }

    /// <summary>Members from the v2 API's /v2/members.</summary>
    public static IReadOnlyList<EtcdMemberInfo> ParseV2Members(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'members' list in the answer");
        }

        return members.EnumerateArray().Select(m => new EtcdMemberInfo(
            FormatId(ulong.Parse(m.GetProperty("id").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
            m.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty,
            Strings(m, "peerURLs"),
            Strings(m, "clientURLs"),
            false)).ToList();
    }

    /// <summary>
    /// The answer of /health: {"health":"true"} (etcd 3.x) or {"health":true} (older). Returns null when the body is
    /// not a health answer at all.
    /// </summary>
    public static bool? ParseHealth(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("health", out var h))
            {
                return null;
            }

            return h.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => h.GetString() == "true",
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The answer of /v3/maintenance/status (or etcdctl endpoint status -w json, one element).</summary>
    public static EtcdStatusInfo ParseV3Status(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Status", out var nested))
        {
            root = nested;
        }

        string member = FormatId(ReadUInt64(root.GetProperty("header"), "member_id"));
        string? leader = root.TryGetProperty("leader", out _) ? FormatId(ReadUInt64(root, "leader")) : null;
        string? version = root.TryGetProperty("version", out var v) ? v.GetString() : null;
        return new EtcdStatusInfo(member, leader == FormatId(0) ? null : leader, version);
    }

    /// <summary>The etcd server version from /version.</summary>
    public static string? ParseVersion(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("etcdserver", out var v) ? v.GetString() : null;
    }

    /// <summary>One endpoint's line of etcdctl endpoint health -w json.</summary>
    public sealed record EndpointHealth(string Endpoint, bool Health, string? Took, string? Error);

    /// <summary>Parses `ETCDCTL_API=3 etcdctl endpoint health [--cluster] -w json`.</summary>
    public static IReadOnlyList<EndpointHealth> ParseEtcdctlEndpointHealth(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => new EndpointHealth(
            e.GetProperty("endpoint").GetString() ?? string.Empty,
            e.TryGetProperty("health", out var h) && h.ValueKind == JsonValueKind.True,
            e.TryGetProperty("took", out var t) ? t.GetString() : null,
            e.TryGetProperty("error", out var err) ? err.GetString() : null)).ToList();
    }

    /// <summary>One member line of `ETCDCTL_API=2 etcdctl cluster-health`.</summary>
    public sealed record ClusterHealthLine(string MemberId, bool IsHealthy, bool Reachable, string? Url);

    /// <summary>Parses the text of `ETCDCTL_API=2 etcdctl cluster-health`: member lines and the verdict.</summary>
    public static (IReadOnlyList<ClusterHealthLine> Members, EtcdClusterState? Verdict) ParseV2ClusterHealth(string text)
    {
        var members = new List<ClusterHealthLine>();
        EtcdClusterState? verdict = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("cluster is ", StringComparison.Ordinal))
            {
                verdict = line["cluster is ".Length..] switch
                {
                    "healthy" => EtcdClusterState.Healthy,
                    "degraded" => EtcdClusterState.Degraded,
                    "unavailable" => EtcdClusterState.Unavailable,
                    _ => verdict,
                };
                continue;
            }

            if (!line.StartsWith("member ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] words = line.Split(' ');
            if (words.Length < 4)
            {
                continue;
            }

            string id = words[1];
            string state = words[3].TrimEnd(':');
            string? url = line.Contains(" result from ", StringComparison.Ordinal) ? line[(line.LastIndexOf(' ') + 1)..] : null;
            members.Add(new ClusterHealthLine(id, state == "healthy", state != "unreachable", url));
        }

        return (members, verdict);
    }

    private static ulong ReadUInt64(JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        return value.ValueKind == JsonValueKind.Number
            ? value.GetUInt64()
            : ulong.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static string[] Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToArray()
            : Array.Empty<string>();
}
