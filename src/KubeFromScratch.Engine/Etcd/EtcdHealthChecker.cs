using System.Diagnostics;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.Etcd;

/// <summary>What to check and how to get there.</summary>
public sealed class EtcdCheckOptions
{
    /// <summary>Client URLs to discover the cluster from; the first that answers is used.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>Direct, Ssh, or Auto (direct, then the tunnel).</summary>
    public EtcdRoute Route { get; init; } = EtcdRoute.Auto;

    /// <summary>A host whose SSH connection can tunnel to the members (and run etcdctl as a last resort).</summary>
    public SshHostConnection? Host { get; init; }

    /// <summary>Time limit per member (and for discovery per endpoint).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>TLS files, for https endpoints.</summary>
    public EtcdTlsFiles? Tls { get; init; }
}

/// <summary>The result of a check: one entry per member, then the verdict.</summary>
public sealed record EtcdHealthReport(IReadOnlyList<EtcdMemberHealth> Members, EtcdClusterHealth Cluster);

/// <summary>
/// Checks an etcd cluster the way `etcdctl cluster-health` does (list the members from any endpoint, then ask every
/// member's /health) but in parallel with a time limit per member, so one dead member costs one timeout, not one
/// per member. Verdict words follow etcdctl: healthy (all), degraded (some), unavailable (none).
/// </summary>
public static class EtcdHealthChecker
{
    /// <summary>Lists the members (v3 gateway, else v2 API, else etcdctl on the host).</summary>
    public static async Task<(IReadOnlyList<EtcdMember> Members, string Route)> ListMembersAsync(EtcdCheckOptions options,
        Action<string>? log, CancellationToken cancellationToken)
    {
        using var session = await OpenAsync(options, log, cancellationToken).ConfigureAwait(false);
        string? leader = null;
        if (session.Http is not null)
        {
            var statuses = await Task.WhenAll(session.Members.Select(m => StatusAsync(session.Http, m, options.Timeout, cancellationToken))).ConfigureAwait(false);
            leader = statuses.FirstOrDefault(s => s?.LeaderId is not null)?.LeaderId;
        }

        return (session.Members.OrderBy(m => m.Id, StringComparer.Ordinal)
            .Select(m => new EtcdMember(m.Id, m.Name, m.PeerUrls, m.ClientUrls, m.IsLearner, m.Id == leader)).ToList(), session.RouteName);
    }

    /// <summary>Checks every member's health and gives the cluster verdict.</summary>
    public static async Task<EtcdHealthReport> CheckAsync(EtcdCheckOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        using var session = await OpenAsync(options, log, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<EtcdMemberHealth> members;
        if (session.Http is null)
        {
            members = await CheckWithEtcdctlAsync(options, session.Members, log, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var checks = session.Members.Select(m => CheckMemberAsync(session.Http, m, options.Timeout, log, cancellationToken)).ToArray();
            var results = await Task.WhenAll(checks).ConfigureAwait(false);
            string? leader = results.Select(r => r.Status?.LeaderId).FirstOrDefault(l => l is not null);
            members = results.Select(r => Rebuild(r.Health, r.Health.MemberId == leader)).ToList();
        }

        // etcdctl cluster-health lists members in id order; so do we, so the two read the same.
        members = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();

        int healthy = members.Count(m => m.IsHealthy);
        var state = healthy == members.Count ? EtcdClusterState.Healthy : healthy == 0 ? EtcdClusterState.Unavailable : EtcdClusterState.Degraded;
        string? leaderId = members.FirstOrDefault(m => m.IsLeader)?.MemberId;
        return new EtcdHealthReport(members, new EtcdClusterHealth(state, healthy, members.Count, leaderId, total.Elapsed));
    }

    private sealed class Session : IDisposable
    {
        public EtcdHttp? Http { get; init; }

        public EtcdTls? Tls { get; init; }

        public required IReadOnlyList<EtcdMemberInfo> Members { get; init; }

        public required string RouteName { get; init; }

        public void Dispose()
        {
            Http?.Dispose();
            Tls?.Dispose();
        }
    }

    private static async Task<Session> OpenAsync(EtcdCheckOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        if (options.Endpoints.Count == 0)
        {
            throw new KfsException("EtcdEndpointMissing", KfsErrorCategory.InvalidArgument, null,
                "No etcd endpoint was given. Pass -Endpoint http://HOST:2379 or pipe connected hosts (Get-KubeHost -Role Master).");
        }

        var tls = options.Tls is { } files && (files.CaPath ?? files.CertificatePath ?? files.KeyPath) is not null ? new EtcdTls(files) : null;
        var failures = new List<KfsException>();
        var routes = options.Route switch
        {
            EtcdRoute.Direct => new[] { EtcdRoute.Direct },
            EtcdRoute.Ssh => new[] { EtcdRoute.Ssh },
            _ => options.Host is null ? new[] { EtcdRoute.Direct } : new[] { EtcdRoute.Direct, EtcdRoute.Ssh },
        };

        foreach (var route in routes)
        {
            var http = new EtcdHttp(route, options.Host, tls);
            foreach (var endpoint in options.Endpoints)
            {
                log?.Invoke($"Listing etcd members from {endpoint} ({http.RouteName}).");
                var (members, error) = await DiscoverAsync(http, endpoint, options.Timeout, cancellationToken).ConfigureAwait(false);
                if (members is not null)
                {
                    return new Session { Http = http, Tls = tls, Members = members, RouteName = http.RouteName };
                }

                failures.Add(error!);
                if (error!.Category is KfsErrorCategory.SecurityError or KfsErrorCategory.AuthenticationError)
                {
                    // A certificate problem will not go away on another route; say it as it is.
                    http.Dispose();
                    tls?.Dispose();
                    throw error;
                }
            }

            http.Dispose();
            log?.Invoke($"No endpoint answered {(route == EtcdRoute.Ssh ? "through the SSH tunnel" : "directly")}.");
        }

        // Last resort: etcdctl on the host itself (only plain http: the client's TLS files are not on the host).
        if (options.Host is not null && options.Route != EtcdRoute.Direct && tls is null)
        {
            log?.Invoke($"Asking etcdctl on {options.Host.Spec.Name} for the member list.");
            var members = await EtcdctlMembersAsync(options, cancellationToken).ConfigureAwait(false);
            if (members is not null)
            {
                return new Session { Members = members, RouteName = "Etcdctl" };
            }
        }

        tls?.Dispose();
        var first = failures.FirstOrDefault(f => f.ErrorId != "EtcdMemberUnreachable") ?? failures.First();
        throw new KfsException(first.ErrorId == "EtcdMemberUnreachable" ? "EtcdUnreachable" : first.ErrorId, first.Category,
            string.Join(", ", options.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))), $"No etcd endpoint could list the members. {string.Join(" ", failures.Select(f => f.Message).Distinct())}", first);
    }

    private static async Task<(IReadOnlyList<EtcdMemberInfo>? Members, KfsException? Error)> DiscoverAsync(EtcdHttp http, Uri endpoint,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var v3 = await http.SendAsync(new Uri(endpoint, "/v3/cluster/member/list"), HttpMethod.Post, "{}", timeout, cancellationToken).ConfigureAwait(false);
        if (v3.Ok)
        {
            try
            {
                return (EtcdWire.ParseV3Members(v3.Body!), null);
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return (null, NotEtcd(endpoint, ex));
            }
        }

        if (v3.Error is { } error)
        {
            return (null, error);
        }

        // No v3 gateway (404): the v2 API, as etcdctl cluster-health itself uses.
        var v2 = await http.SendAsync(new Uri(endpoint, "/v2/members"), HttpMethod.Get, null, timeout, cancellationToken).ConfigureAwait(false);
        if (v2.Ok)
        {
            try
            {
                return (EtcdWire.ParseV2Members(v2.Body!), null);
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return (null, NotEtcd(endpoint, ex));
            }
        }

        return (null, v2.Error ?? new KfsException("EtcdEndpointNotEtcd", KfsErrorCategory.InvalidData, endpoint.ToString(),
            $"{endpoint.GetLeftPart(UriPartial.Authority)} answered HTTP {(int?)v3.Status}/{(int?)v2.Status} to etcd's member list: it is not an etcd client URL. Check the port (2379) and path."));
    }

    private static KfsException NotEtcd(Uri endpoint, Exception ex) =>
        new("EtcdEndpointNotEtcd", KfsErrorCategory.InvalidData, endpoint.ToString(),
            $"{endpoint.GetLeftPart(UriPartial.Authority)} answered, but not with etcd's member list ({ex.Message}). Check that it is an etcd client URL.", ex);

    private sealed record MemberResult(EtcdMemberHealth Health, EtcdStatusInfo? Status);

    private static async Task<MemberResult> CheckMemberAsync(EtcdHttp http, EtcdMemberInfo member, TimeSpan timeout, Action<string>? log,
        CancellationToken cancellationToken)
    {
        // One deadline for the member as a whole, whatever number of URLs it publishes.
        var deadline = Stopwatch.StartNew();
        string? lastError = null;
        foreach (string url in member.ClientUrls)
        {
            TimeSpan left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                lastError = $"'{url}' is not a URL";
                continue;
            }

            var statusTask = StatusAsync(http, member, uri, left, cancellationToken);
            var health = await http.SendAsync(new Uri(uri, "/health"), HttpMethod.Get, null, left, cancellationToken).ConfigureAwait(false);
            if (health.Error is not null || health.Body is null)
            {
                lastError = health.Error?.Message ?? "no answer";
                log?.Invoke($"member {member.Id} on {url}: {lastError}");
                continue;
            }

            bool? healthy = EtcdWire.ParseHealth(health.Body);
            if (healthy is null)
            {
                lastError = $"{url}/health did not answer like etcd (HTTP {(int?)health.Status})";
                continue;
            }

            var status = await statusTask.ConfigureAwait(false);
            return new MemberResult(new EtcdMemberHealth(member.Id, member.Name, member.ClientUrls, member.PeerUrls, healthy.Value, false,
                status?.Version, health.Took, url, null, http.RouteName), status);
        }

        return new MemberResult(new EtcdMemberHealth(member.Id, member.Name, member.ClientUrls, member.PeerUrls, false, false, null,
            deadline.Elapsed, null, lastError ?? "no published client URLs", http.RouteName), null);
    }

    private static async Task<EtcdStatusInfo?> StatusAsync(EtcdHttp http, EtcdMemberInfo member, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (string url in member.ClientUrls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                return await StatusAsync(http, member, uri, timeout, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static async Task<EtcdStatusInfo?> StatusAsync(EtcdHttp http, EtcdMemberInfo member, Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(new Uri(url, "/v3/maintenance/status"), HttpMethod.Post, "{}", timeout, cancellationToken).ConfigureAwait(false);
        if (response.Ok)
        {
            try
            {
                return EtcdWire.ParseV3Status(response.Body!);
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Fall through to /version.
            }
        }

        if (response.Error is not null)
        {
            return null;
        }

        var version = await http.SendAsync(new Uri(url, "/version"), HttpMethod.Get, null, timeout, cancellationToken).ConfigureAwait(false);
        try
        {
            return version.Ok ? new EtcdStatusInfo(member.Id, null, EtcdWire.ParseVersion(version.Body!)) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static EtcdMemberHealth Rebuild(EtcdMemberHealth h, bool isLeader) =>
        new(h.MemberId, h.Name, h.ClientUrls, h.PeerUrls, h.IsHealthy, isLeader, h.Version, h.Took, h.CheckedUrl, h.Error, h.Route);

    private static string EtcdctlEndpoints(EtcdCheckOptions options) => string.Join(",", options.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));

    private static async Task<IReadOnlyList<EtcdMemberInfo>?> EtcdctlMembersAsync(EtcdCheckOptions options, CancellationToken cancellationToken)
    {
        string command = $"ETCDCTL_API=3 etcdctl --dial-timeout={(int)Math.Ceiling(options.Timeout.TotalSeconds)}s --endpoints={ShellQuote.Quote(EtcdctlEndpoints(options))} member list -w json";
        var outcome = await options.Host!.RunAsync(command, null, options.Timeout + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            return null;
        }

        try
        {
            return EtcdWire.ParseV3Members(outcome.Output);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<IReadOnlyList<EtcdMemberHealth>> CheckWithEtcdctlAsync(EtcdCheckOptions options, IReadOnlyList<EtcdMemberInfo> members,
        Action<string>? log, CancellationToken cancellationToken)
    {
        log?.Invoke($"Running etcdctl endpoint health on {options.Host!.Spec.Name}.");
        string command = $"ETCDCTL_API=3 etcdctl --dial-timeout={(int)Math.Ceiling(options.Timeout.TotalSeconds)}s --command-timeout={(int)Math.Ceiling(options.Timeout.TotalSeconds)}s --endpoints={ShellQuote.Quote(EtcdctlEndpoints(options))} endpoint health --cluster -w json";
        var outcome = await options.Host!.RunAsync(command, null, options.Timeout + TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        IReadOnlyList<EtcdWire.EndpointHealth> health;
        try
        {
            health = EtcdWire.ParseEtcdctlEndpointHealth(outcome.Output);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new KfsException("EtcdctlOutputInvalid", KfsErrorCategory.InvalidData, options.Host!.Spec.Name,
                $"etcdctl on {options.Host.Spec.Name} did not print endpoint health as JSON (exit {outcome.ExitCode}): {outcome.Error.Trim()}", ex);
        }

        return members.Select(m =>
        {
            var answer = health.FirstOrDefault(h => m.ClientUrls.Contains(h.Endpoint, StringComparer.OrdinalIgnoreCase));
            TimeSpan took = answer?.Took is { } t ? ParseGoDuration(t) : TimeSpan.Zero;
            return new EtcdMemberHealth(m.Id, m.Name, m.ClientUrls, m.PeerUrls, answer?.Health == true, false, null, took,
                answer?.Endpoint, answer is null ? "etcdctl did not report it" : answer.Health ? null : answer.Error, "Etcdctl");
        }).ToList();
    }

    /// <summary>Parses a Go duration as etcdctl prints it (1.234ms, 2.5s, 850µs).</summary>
    public static TimeSpan ParseGoDuration(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^([0-9.]+)(ns|us|µs|ms|s|m|h)$");
        if (!match.Success || !double.TryParse(match.Groups[1].Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value))
        {
            return TimeSpan.Zero;
        }

        return match.Groups[2].Value switch
        {
            "ns" => TimeSpan.FromTicks((long)(value / 100)),
            "us" or "µs" => TimeSpan.FromTicks((long)(value * 10)),
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromHours(value),
        };
    }
}
