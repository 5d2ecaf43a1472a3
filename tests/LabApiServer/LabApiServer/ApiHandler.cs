using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KubeFromScratch.LabApiServer;

/// <summary>
/// The HTTP surface: one terminal handler that parses Kubernetes API paths itself (cheaper at start-up than
/// hundreds of routes) and maps verbs to <see cref="Cluster"/> operations, answering errors as metav1.Status.
/// </summary>
public sealed class ApiHandler
{
    private readonly Cluster cluster;

    /// <summary>Creates the handler over a cluster.</summary>
    public ApiHandler(Cluster cluster) => this.cluster = cluster;

    private sealed record Target(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool Watch);

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            await DispatchAsync(ctx);
        }
        catch (ApiException ex)
        {
            await WriteStatusAsync(ctx, ex);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteStatusAsync(ctx, ApiException.BadRequest(ex.Message));
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away (typically a watch ended by kubectl); nothing to answer.
        }
        catch (Exception ex)
        {
            await WriteStatusAsync(ctx, new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}"));
        }
    }

    private static async Task WriteStatusAsync(HttpContext ctx, ApiException ex)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }
        await WriteJsonAsync(ctx, ex.Code, ex.ToStatus());
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int code, JsonNode body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(Json.Write(body));
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    private static async Task WriteRawJsonAsync(HttpContext ctx, string body)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    private async Task DispatchAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var seg = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = ctx.Request.Method;

        if (seg.Length == 0)
        {
            var paths = new JsonArray("/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/apis/rbac.authorization.k8s.io", "/apis/rbac.authorization.k8s.io/v1", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version");
            await WriteJsonAsync(ctx, 200, new JsonObject { ["paths"] = paths });
            return;
        }
        switch (seg[0])
        {
            case "version" when seg.Length == 1:
                await WriteJsonAsync(ctx, 200, Discovery.Version());
                return;
            case "healthz" or "livez" or "readyz":
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
                return;
            case "openapi":
                await OpenApiAsync(ctx, seg);
                return;
            case "debug" when seg.Length == 3 && seg[1] == "lab":
                await LabFaultAsync(ctx, seg[2]);
                return;
            case "api" when seg.Length == 1:
                await WriteJsonAsync(ctx, 200, Discovery.Api(ctx.Request.Host.Value ?? "127.0.0.1:8080"));
                return;
            case "api" when seg.Length == 2 && seg[1] == "v1":
                await WriteJsonAsync(ctx, 200, Discovery.Resources("", "v1"));
                return;
            case "apis" when seg.Length == 1:
                await WriteJsonAsync(ctx, 200, Discovery.Apis());
                return;
            case "apis" when seg.Length == 2:
                {
                    var gv = ResourceTypes.GroupVersions.FirstOrDefault(g => g.Group == seg[1] && g.Group.Length > 0);
                    if (gv.Group is null)
                    {
                        throw ApiException.NoRoute();
                    }
                    await WriteJsonAsync(ctx, 200, Discovery.Group(gv.Group, gv.Version));
                    return;
                }
            case "apis" when seg.Length == 3:
                if (!ResourceTypes.GroupVersions.Contains((seg[1], seg[2])))
                {
                    throw ApiException.NoRoute();
                }
                await WriteJsonAsync(ctx, 200, Discovery.Resources(seg[1], seg[2]));
                return;
        }

        var target = ParseTarget(seg);
        var q = ctx.Request.Query;
        var watch = target.Watch || q["watch"] is var w && (w == "true" || w == "1");
        var t = target.Type;

        if (target.Subresource == "scale" && target.Name is not null && (t == ResourceTypes.Deployments || t == ResourceTypes.ReplicaSets))
        {
            await ScaleAsync(ctx, target);
            return;
        }
        if (target.Subresource is not null && !(target.Subresource == "status" && t.HasStatus))
        {
            throw ApiException.NoRoute();
        }
        if (target.Name is null)
        {
            switch (method)
            {
                case "GET" when watch:
                    await WatchAsync(ctx, target with { Watch = true });
                    return;
                case "GET":
                    await ListAsync(ctx, target);
                    return;
                case "POST":
                    {
                        if (t.Namespaced && target.Namespace is null)
                        {
                            throw ApiException.MethodNotAllowed();
                        }
                        var body = await ReadObjectAsync(ctx);
                        var created = cluster.Create(t, target.Namespace, body, Options(ctx));
                        await WriteJsonAsync(ctx, 201, created);
                        return;
                    }
                case "DELETE":
                    await DeleteCollectionAsync(ctx, target);
                    return;
                default:
                    throw ApiException.MethodNotAllowed();
            }
        }
        switch (method)
        {
            case "GET" when watch:
                await WatchAsync(ctx, target with { Watch = true });
                return;
            case "GET":
                {
                    var obj = cluster.Get(t, target.Namespace, target.Name);
                    if (WantsTable(ctx))
                    {
                        await WriteJsonAsync(ctx, 200, TablePrinter.Table(t, [obj], cluster.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), q["includeObject"], cluster.Now));
                        return;
                    }
                    await WriteJsonAsync(ctx, 200, obj);
                    return;
                }
            case "PUT":
                {
                    var body = await ReadObjectAsync(ctx);
                    var updated = cluster.Update(t, target.Namespace, target.Name, body, target.Subresource, Options(ctx));
                    await WriteJsonAsync(ctx, 200, updated);
                    return;
                }
            case "PATCH":
                {
                    var body = await ReadBodyAsync(ctx);
                    var (obj, created) = cluster.Patch(t, target.Namespace, target.Name, ctx.Request.ContentType ?? "", body, target.Subresource, Options(ctx));
                    await WriteJsonAsync(ctx, created ? 201 : 200, obj);
                    return;
                }
            case "DELETE":
                {
                    if (target.Subresource is not null)
                    {
                        throw ApiException.MethodNotAllowed();
                    }
                    var options = await DeleteOptionsAsync(ctx);
                    var gone = cluster.Delete(t, target.Namespace, target.Name, options.Propagation, options.Uid, options.ResourceVersion, options.DryRun);
                    if (t == ResourceTypes.Pods)
                    {
                        await WriteJsonAsync(ctx, 200, gone);
                        return;
                    }
                    var details = new JsonObject { ["name"] = target.Name };
                    if (t.Group.Length > 0)
                    {
                        details["group"] = t.Group;
                    }
                    details["kind"] = t.Plural;
                    details["uid"] = gone.Str("metadata", "uid");
                    await WriteJsonAsync(ctx, 200, new JsonObject
                    {
                        ["kind"] = "Status",
                        ["apiVersion"] = "v1",
                        ["metadata"] = new JsonObject(),
                        ["status"] = "Success",
                        ["details"] = details,
                    });
                    return;
                }
            default:
                throw ApiException.MethodNotAllowed();
        }
    }

    private static Target ParseTarget(string[] seg)
    {
        string group;
        string version;
        int i;
        if (seg[0] == "api" && seg.Length >= 3 && seg[1] == "v1")
        {
            (group, version, i) = ("", "v1", 2);
        }
        else if (seg[0] == "apis" && seg.Length >= 4)
        {
            (group, version, i) = (seg[1], seg[2], 3);
        }
        else
        {
            throw ApiException.NoRoute();
        }
        var rest = seg[i..];
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && rest[2] is not ("status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length == 0 || rest.Length > 3)
        {
            throw ApiException.NoRoute();
        }
        var type = ResourceTypes.Find(group, version, rest[0]) ?? throw ApiException.NoRoute();
        if (!type.Namespaced && ns is not null)
        {
            throw ApiException.NoRoute();
        }
        var name = rest.Length >= 2 ? rest[1] : null;
        if (type.Namespaced && name is not null && ns is null)
        {
            throw ApiException.NoRoute();
        }
        return new Target(type, ns, name, rest.Length == 3 ? rest[2] : null, watch);
    }

    private static async Task<byte[]> ReadBytesAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task<string> ReadBodyAsync(HttpContext ctx)
        => Encoding.UTF8.GetString(await ReadBytesAsync(ctx));

    /// <summary>Reads an object body: JSON, or protobuf as kubectl's typed clients send it.</summary>
    private static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var bytes = await ReadBytesAsync(ctx);
        var contentType = ctx.Request.ContentType ?? "";
        if (contentType.StartsWith(Protobuf.MediaType, StringComparison.OrdinalIgnoreCase) || Protobuf.IsEnvelope(bytes))
        {
            return Protobuf.Decode(bytes);
        }
        return Json.ParseObject(Encoding.UTF8.GetString(bytes));
    }

    private static WriteOptions Options(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        var manager = q["fieldManager"].ToString();
        if (string.IsNullOrEmpty(manager))
        {
            // Like the real server: the user agent up to its first slash.
            var ua = ctx.Request.Headers.UserAgent.ToString();
            manager = ua.Split('/')[0];
            if (manager.Length > 128)
            {
                manager = manager[..128];
            }
        }
        return new WriteOptions(manager, q["dryRun"].Count > 0 && q["dryRun"].ToString().Length > 0, q["force"] == "true");
    }

    private sealed record DeleteOpts(string? Propagation, string? Uid, string? ResourceVersion, bool DryRun);

    private static async Task<DeleteOpts> DeleteOptionsAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        string? propagation = q["propagationPolicy"].Count > 0 ? q["propagationPolicy"].ToString() : null;
        if (q["orphanDependents"] == "true")
        {
            propagation = "Orphan";
        }
        string? uid = null;
        string? rv = null;
        var dryRun = q["dryRun"].Count > 0;
        var bytes = await ReadBytesAsync(ctx);
        if (bytes.Length > 0 && !bytes.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            var body = Protobuf.IsEnvelope(bytes) ? Protobuf.Decode(bytes) : Json.ParseObject(Encoding.UTF8.GetString(bytes));
            propagation = body.Str("propagationPolicy") ?? propagation;
            if (body.Bool("orphanDependents") == true)
            {
                propagation = "Orphan";
            }
            uid = body.Str("preconditions", "uid");
            rv = body.Str("preconditions", "resourceVersion");
            dryRun |= body.Arr("dryRun") is { Count: > 0 };
        }
        if (propagation is not (null or "Background" or "Foreground" or "Orphan"))
        {
            throw new ApiException(422, "Invalid", $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{propagation}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }
        return new DeleteOpts(propagation, uid, rv, dryRun);
    }

    private static bool WantsTable(HttpContext ctx)
    {
        foreach (var accept in ctx.Request.Headers.Accept.ToString().Split(','))
        {
            var parts = accept.Split(';').Select(p => p.Trim()).ToList();
            if (parts.Contains("as=Table") && parts.Contains("g=meta.k8s.io"))
            {
                return true;
            }
            if (parts.Count > 0 && parts[0] is "application/json" && !parts.Any(p => p.StartsWith("as=", StringComparison.Ordinal)))
            {
                // The client prefers plain JSON over any Table it listed later.
                return false;
            }
        }
        return false;
    }

    private (LabelSelector Labels, FieldSelector Fields) Selectors(HttpContext ctx, Target target)
    {
        var labels = LabelSelector.Parse(ctx.Request.Query["labelSelector"]);
        var fieldText = ctx.Request.Query["fieldSelector"].ToString();
        if (target.Name is not null)
        {
            fieldText = string.IsNullOrEmpty(fieldText) ? $"metadata.name={target.Name}" : $"{fieldText},metadata.name={target.Name}";
        }
        return (labels, FieldSelector.Parse(fieldText, target.Type));
    }

    private static bool InScope(JsonObject o, Target target)
        => target.Namespace is null || o.Str("metadata", "namespace") == target.Namespace;

    private async Task ListAsync(HttpContext ctx, Target target)
    {
        var t = target.Type;
        var (labels, fields) = Selectors(ctx, target);
        List<JsonObject> items;
        long rv;
        lock (cluster.Store.Sync)
        {
            items = [.. cluster.Store.Snapshot(t, target.Namespace).Where(o => labels.Matches(o) && fields.Matches(o))];
            rv = cluster.Store.ResourceVersion;
        }
        var rvText = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (WantsTable(ctx))
        {
            await WriteJsonAsync(ctx, 200, TablePrinter.Table(t, items, rvText, ctx.Request.Query["includeObject"], cluster.Now));
            return;
        }
        var array = new JsonArray();
        foreach (var o in items)
        {
            var copy = o.Clone();
            copy.Remove("kind");
            copy.Remove("apiVersion");
            array.Add(copy);
        }
        await WriteJsonAsync(ctx, 200, new JsonObject
        {
            ["kind"] = t.Kind + "List",
            ["apiVersion"] = t.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rvText },
            ["items"] = array,
        });
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, Target target)
    {
        var t = target.Type;
        if (t == ResourceTypes.Namespaces)
        {
            throw ApiException.MethodNotAllowed();
        }
        var (labels, fields) = Selectors(ctx, target);
        var options = await DeleteOptionsAsync(ctx);
        var deleted = new JsonArray();
        lock (cluster.Store.Sync)
        {
            foreach (var o in cluster.Store.Snapshot(t, target.Namespace).Where(o => labels.Matches(o) && fields.Matches(o)).ToList())
            {
                var gone = cluster.Delete(t, o.Str("metadata", "namespace"), o.Str("metadata", "name") ?? "", options.Propagation, dryRun: options.DryRun);
                gone.Remove("kind");
                gone.Remove("apiVersion");
                deleted.Add(gone);
            }
        }
        await WriteJsonAsync(ctx, 200, new JsonObject
        {
            ["kind"] = t.Kind + "List",
            ["apiVersion"] = t.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = cluster.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    /// <summary>
    /// Lab-only fault hooks under /debug/lab/ (not part of the Kubernetes API). POST /debug/lab/drop-watches ends every
    /// open watch stream at once, abruptly (the connection is aborted mid-stream, as a dropped connection would end
    /// it), and answers 200 with how many there were.
    /// </summary>
    private async Task LabFaultAsync(HttpContext ctx, string hook)
    {
        if (hook != "drop-watches")
        {
            throw ApiException.NoRoute();
        }
        if (ctx.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed();
        }
        var dropped = cluster.Store.DropWatches();
        await WriteJsonAsync(ctx, 200, new JsonObject { ["dropped"] = dropped });
    }

    private async Task WatchAsync(HttpContext ctx, Target target)
    {
        var t = target.Type;
        var q = ctx.Request.Query;
        var (labels, fields) = Selectors(ctx, target);
        var table = WantsTable(ctx);
        var includeObject = q["includeObject"].ToString();
        var rvText = q["resourceVersion"].ToString();
        var sendInitial = q["sendInitialEvents"] == "true";
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var timeout = TimeSpan.FromMinutes(30);
        if (long.TryParse(q["timeoutSeconds"], out var ts) && ts > 0)
        {
            timeout = TimeSpan.FromSeconds(ts);
        }

        bool Match(JsonObject? o) => o is not null && InScope(o, target) && labels.Matches(o) && fields.Matches(o);

        List<JsonObject> initial = [];
        Watcher watcher;
        long startRv;
        lock (cluster.Store.Sync)
        {
            if (string.IsNullOrEmpty(rvText) || rvText == "0" || sendInitial)
            {
                // "Most recent" semantics: the current state as ADDED events, then changes.
                initial = [.. cluster.Store.Snapshot(t, target.Namespace).Where(Match)];
                startRv = cluster.Store.ResourceVersion;
                watcher = cluster.Store.Subscribe(t, startRv);
            }
            else
            {
                if (!long.TryParse(rvText, out var from) || from < 0)
                {
                    throw ApiException.BadRequest($"invalid resource version: {rvText}");
                }
                watcher = cluster.Store.Subscribe(t, from);
                startRv = from;
            }
        }
        // The drop-watches fault hook: abort the connection (no clean end of the chunked stream).
        using var dropped = watcher.Dropped.Register(ctx.Abort);
        try
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.CacheControl = "no-cache, private";
            await ctx.Response.StartAsync(ctx.RequestAborted);
            var firstTable = true;

            async Task Send(string type, JsonObject obj)
            {
                JsonObject payload;
                if (table && type is not "BOOKMARK")
                {
                    payload = TablePrinter.Table(t, [obj], obj.Str("metadata", "resourceVersion") ?? "", includeObject, cluster.Now, withColumns: firstTable);
                    firstTable = false;
                }
                else
                {
                    payload = obj.Clone();
                }
                var line = Json.Write(new JsonObject { ["type"] = type, ["object"] = payload }) + "\n";
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }

            foreach (var o in initial)
            {
                await Send("ADDED", o);
            }
            if (sendInitial && bookmarks)
            {
                await Send("BOOKMARK", new JsonObject
                {
                    ["kind"] = t.Kind,
                    ["apiVersion"] = t.ApiVersion,
                    ["metadata"] = new JsonObject
                    {
                        ["resourceVersion"] = startRv.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                    },
                });
            }
            if (initial.Count == 0 && !(sendInitial && bookmarks))
            {
                // Headers reach the client now, so its watch is established even when nothing happens.
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            cts.CancelAfter(timeout);
            try
            {
                await foreach (var e in watcher.Events.Reader.ReadAllAsync(cts.Token))
                {
                    var now = Match(e.Object);
                    var before = Match(e.Old);
                    switch (e.Type)
                    {
                        case "ADDED" when now:
                            await Send("ADDED", e.Object);
                            break;
                        case "MODIFIED" when now && before:
                            await Send("MODIFIED", e.Object);
                            break;
                        case "MODIFIED" when now:
                            await Send("ADDED", e.Object);
                            break;
                        case "MODIFIED" when before:
                            await Send("DELETED", e.Object);
                            break;
                        case "DELETED" when before:
                            await Send("DELETED", e.Object);
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
            {
                // timeoutSeconds elapsed: end the stream cleanly, as the real server does.
            }
        }
        finally
        {
            cluster.Store.Unsubscribe(watcher);
        }
    }

    /// <summary>The autoscaling/v1 Scale view of a workload, as kubectl scale reads and patches it.</summary>
    private static JsonObject ScaleOf(JsonObject o)
    {
        var selector = o.Obj("spec", "selector");
        var labels = selector.StringMap("matchLabels").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}");
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = o.Str("metadata", "name"),
                ["namespace"] = o.Str("metadata", "namespace"),
                ["uid"] = o.Str("metadata", "uid"),
                ["resourceVersion"] = o.Str("metadata", "resourceVersion"),
                ["creationTimestamp"] = o.Str("metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = o.Int("spec", "replicas") ?? 1 },
            ["status"] = new JsonObject { ["replicas"] = o.Int("status", "replicas") ?? 0, ["selector"] = string.Join(",", labels) },
        };
    }

    private async Task ScaleAsync(HttpContext ctx, Target target)
    {
        var t = target.Type;
        var name = target.Name!;
        var current = cluster.Get(t, target.Namespace, name);
        JsonObject scale;
        switch (ctx.Request.Method)
        {
            case "GET":
                await WriteJsonAsync(ctx, 200, ScaleOf(current));
                return;
            case "PUT":
                scale = await ReadObjectAsync(ctx);
                break;
            case "PATCH":
                {
                    var body = await ReadBodyAsync(ctx);
                    var media = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
                    JsonNode? patched = media switch
                    {
                        "application/merge-patch+json" => Patches.MergePatch(ScaleOf(current), Json.ParseObject(body)),
                        "application/strategic-merge-patch+json" or "application/apply-patch+yaml" => Patches.StrategicMerge(ScaleOf(current), Json.ParseObject(body)),
                        "application/json-patch+json" => Patches.JsonPatch(ScaleOf(current), JsonNode.Parse(body) as JsonArray ?? throw ApiException.BadRequest("json patch must be an array")),
                        _ => throw ApiException.UnsupportedMediaType(media),
                    };
                    scale = patched as JsonObject ?? throw ApiException.BadRequest("the patch did not produce an object");
                    break;
                }
            default:
                throw ApiException.MethodNotAllowed();
        }
        var replicas = scale.Int("spec", "replicas") ?? throw ApiException.BadRequest("spec.replicas is required");
        var rv = scale.Str("metadata", "resourceVersion");
        if (!string.IsNullOrEmpty(rv) && rv != current.Str("metadata", "resourceVersion"))
        {
            throw ApiException.Conflict(t, name);
        }
        if (replicas < 0)
        {
            throw new ApiException(422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0");
        }
        current.Ensure("spec")["replicas"] = replicas;
        var updated = cluster.Update(t, target.Namespace, name, current, null, Options(ctx));
        await WriteJsonAsync(ctx, 200, ScaleOf(updated));
    }

    private static async Task OpenApiAsync(HttpContext ctx, string[] seg)
    {
        if (seg.Length >= 2 && seg[1] == "v3")
        {
            if (seg.Length == 2)
            {
                await WriteRawJsonAsync(ctx, OpenApi.Index());
                return;
            }
            var doc = OpenApi.Document(string.Join('/', seg[2..]));
            if (doc is not null)
            {
                await WriteRawJsonAsync(ctx, doc);
                return;
            }
        }
        // No OpenAPI v2: kubectl uses v3 whenever the server serves it.
        ctx.Response.StatusCode = 404;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync("404 page not found\n", ctx.RequestAborted);
    }
}
