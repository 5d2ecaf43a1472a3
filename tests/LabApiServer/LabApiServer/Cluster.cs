using System.Net;
using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>Per-request write options (query parameters of the real API).</summary>
/// <param name="FieldManager">fieldManager=, or the user agent's program name.</param>
/// <param name="DryRun">dryRun=All: validate and return without storing.</param>
/// <param name="Force">force=true for server-side apply.</param>
public sealed record WriteOptions(string FieldManager, bool DryRun = false, bool Force = false);

/// <summary>
/// The registry layer: validation, defaulting, allocation (cluster IPs, node ports) and write semantics
/// (create, update, patch, delete with propagation) over the <see cref="Store"/>. HTTP handlers and controllers both use it.
/// </summary>
public sealed class Cluster
{
    private const string Alphanums = "bcdfghjklmnpqrstvwxz2456789";
    private const int NodePortMin = 30000;
    private const int NodePortMax = 32767;
    private static readonly uint ServiceNet = 0x0A600000; // 10.96.0.0/12
    private const uint ServiceNetSize = 1u << 20;

    private readonly Random random = new();
    private readonly Dictionary<string, DateTimeOffset> heartbeats = new(StringComparer.Ordinal);

    /// <summary>Creates the cluster and its start-up objects (namespaces, the kubernetes Service, default service accounts).</summary>
    public Cluster(ServerOptions options, TimeProvider? time = null)
    {
        Options = options;
        Time = time ?? TimeProvider.System;
        Store = new Store(options.WatchWindow);
        Bootstrap();
    }

    /// <summary>The settings.</summary>
    public ServerOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The object store.</summary>
    public Store Store { get; }

    /// <summary>Now, at the clock.</summary>
    public DateTimeOffset Now => Time.GetUtcNow();

    private void Bootstrap()
    {
        var system = new WriteOptions("kube-apiserver");
        foreach (var ns in new[] { "default", "kube-node-lease", "kube-public", "kube-system" })
        {
            Create(ResourceTypes.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, system);
        }
        var (host, port) = ListenAddress();
        Create(ResourceTypes.Services, "default", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "kubernetes",
                ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "10.96.0.1",
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = port }),
            },
        }, system);
        Create(ResourceTypes.Endpoints, "default", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = host }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
            }),
        }, system);
    }

    /// <summary>The first listen address's IP and port, used for the kubernetes Service's endpoints.</summary>
    public (string Host, int Port) ListenAddress()
    {
        var first = Options.Urls.Split(';', ',')[0];
        if (Uri.TryCreate(first, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host, out _))
        {
            return (uri.Host, uri.Port);
        }
        return ("127.0.0.1", 8080);
    }

    /// <summary>A random suffix as the real server makes for generateName (5 characters of rand.String's alphabet).</summary>
    public string RandomSuffix(int length = 5)
    {
        lock (random)
        {
            return new string([.. Enumerable.Range(0, length).Select(_ => Alphanums[random.Next(Alphanums.Length)])]);
        }
    }

    /// <summary>rand.SafeEncodeString: maps characters into the alphabet without vowels, as pod-template-hash uses.</summary>
    public static string SafeEncode(string s) => new([.. s.Select(c => Alphanums[c % Alphanums.Length])]);

    /// <summary>A stable pod-template-hash for a template: FNV-32a over its JSON, safe-encoded like the real controller.</summary>
    public static string TemplateHash(JsonNode? template)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Json.Write(template));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return SafeEncode(hash.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    // ------------------------------------------------------------------ reads

    /// <summary>Gets a copy of an object or throws 404.</summary>
    public JsonObject Get(ResourceType type, string? ns, string name)
        => Store.Peek(type, ns, name)?.Clone() ?? throw ApiException.NotFound(type, name);

    // ------------------------------------------------------------------ create

    /// <summary>Creates an object as POST does: validates, defaults, allocates, stamps metadata, stores.</summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteOptions opts)
    {
        lock (Store.Sync)
        {
            var obj = body.Clone().PruneNulls();
            CheckTypeMeta(type, obj);
            var meta = obj.Ensure("metadata");
            if (type.Namespaced)
            {
                var bodyNs = meta.Str("namespace");
                if (!string.IsNullOrEmpty(bodyNs) && !string.IsNullOrEmpty(ns) && bodyNs != ns)
                {
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }
                ns = string.IsNullOrEmpty(ns) ? bodyNs : ns;
                if (string.IsNullOrEmpty(ns))
                {
                    throw ApiException.BadRequest("the server could not find the requested resource");
                }
                meta["namespace"] = ns;
                if (Store.Peek(ResourceTypes.Namespaces, null, ns) is null)
                {
                    throw ApiException.NotFound(ResourceTypes.Namespaces, ns);
                }
                if (Store.Peek(ResourceTypes.Namespaces, null, ns).Str("status", "phase") == "Terminating")
                {
                    throw new ApiException(403, "Forbidden", $"{type.QualifiedResource} \"{meta.Str("name")}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
                }
            }
            else
            {
                meta.Remove("namespace");
            }
            if (string.IsNullOrEmpty(meta.Str("name")) && !string.IsNullOrEmpty(meta.Str("generateName")))
            {
                meta["name"] = meta.Str("generateName") + RandomSuffix();
            }
            var name = meta.Str("name") ?? "";
            var errors = Validation.Metadata(type, obj, creating: true);
            ValidateKind(type, obj, errors);
            if (errors.Count > 0)
            {
                throw ApiException.Invalid(type, name, errors);
            }
            if (Store.Peek(type, ns, name) is not null)
            {
                throw ApiException.AlreadyExists(type, name);
            }
            PrepareForCreate(type, obj);
            Defaults.Apply(type, obj);
            if (type == ResourceTypes.Services)
            {
                AllocateService(obj, null);
            }
            meta = obj.Ensure("metadata");
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Time(Now);
            meta.Remove("resourceVersion");
            meta.Remove("deletionTimestamp");
            if (HasGeneration(type))
            {
                meta["generation"] = 1;
            }
            Manage(type, obj, opts.FieldManager, "Update", body);
            ReorderTop(type, obj);
            if (opts.DryRun)
            {
                return obj;
            }
            var stored = Store.Add(type, obj);
            if (type == ResourceTypes.Nodes)
            {
                heartbeats[name] = Now;
            }
            if (type == ResourceTypes.Namespaces)
            {
                EnsureDefaultServiceAccount(name);
            }
            return stored.Clone();
        }
    }

    private static bool HasGeneration(ResourceType type)
        => type == ResourceTypes.Deployments || type == ResourceTypes.ReplicaSets || type == ResourceTypes.DaemonSets;

    private void EnsureDefaultServiceAccount(string ns)
    {
        if (Store.Peek(ResourceTypes.ServiceAccounts, ns, "default") is null)
        {
            Create(ResourceTypes.ServiceAccounts, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, new WriteOptions("kube-controller-manager"));
        }
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj.Str("apiVersion");
        var kind = obj.Str("kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
    }

    /// <summary>Keeps kind and apiVersion first, as Go's struct order prints them.</summary>
    private static void ReorderTop(ResourceType type, JsonObject obj)
    {
        var rest = obj.Where(kv => kv.Key is not ("kind" or "apiVersion")).Select(kv => (kv.Key, kv.Value)).ToList();
        obj.Clear();
        obj["kind"] = type.Kind;
        obj["apiVersion"] = type.ApiVersion;
        foreach (var (k, v) in rest)
        {
            obj[k] = v?.DeepClone();
        }
    }

    private static void ValidateKind(ResourceType type, JsonObject obj, List<FieldError> errors)
    {
        if (type == ResourceTypes.Deployments || type == ResourceTypes.ReplicaSets || type == ResourceTypes.DaemonSets)
        {
            Validation.Workload(obj, errors);
        }
        else if (type == ResourceTypes.Pods)
        {
            Validation.PodSpec(obj.Obj("spec"), "spec", errors);
        }
        else if (type == ResourceTypes.Services)
        {
            Validation.Service(obj, errors);
        }
        else if (type == ResourceTypes.RoleBindings || type == ResourceTypes.ClusterRoleBindings)
        {
            if (string.IsNullOrEmpty(obj.Str("roleRef", "name")))
            {
                errors.Add(FieldError.Required("roleRef.name"));
            }
            var kind = obj.Str("roleRef", "kind") ?? "";
            var allowed = type == ResourceTypes.RoleBindings ? new[] { "ClusterRole", "Role" } : ["ClusterRole"];
            if (!allowed.Contains(kind))
            {
                errors.Add(FieldError.NotSupported("roleRef.kind", kind, allowed));
            }
        }
    }

    /// <summary>What the real strategies' PrepareForCreate do to status: most kinds start with an empty one; nodes keep theirs.</summary>
    private static void PrepareForCreate(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Pods)
        {
            obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }
        else if (type == ResourceTypes.Namespaces)
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (type == ResourceTypes.Services)
        {
            obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (type.HasStatus && type != ResourceTypes.Nodes)
        {
            obj["status"] = new JsonObject();
        }
    }

    // ------------------------------------------------------------------ update

    /// <summary>Replaces an object as PUT does (or PUT .../status when <paramref name="subresource"/> is "status").</summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, string? subresource, WriteOptions opts, string operation = "Update", JsonObject? managedBody = null)
    {
        lock (Store.Sync)
        {
            var old = Store.Peek(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var obj = body.Clone().PruneNulls();
            CheckTypeMeta(type, obj);
            var meta = obj.Ensure("metadata");
            var bodyName = meta.Str("name");
            if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }
            meta["name"] = name;
            if (type.Namespaced)
            {
                var bodyNs = meta.Str("namespace");
                if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                {
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }
                meta["namespace"] = ns;
            }
            var rv = meta.Str("resourceVersion");
            if (!string.IsNullOrEmpty(rv) && rv != old.Str("metadata", "resourceVersion"))
            {
                throw ApiException.Conflict(type, name);
            }
            if (subresource == "status")
            {
                var merged = old.Clone();
                merged["status"] = obj["status"]?.DeepClone() ?? new JsonObject();
                obj = merged;
                meta = obj.Ensure("metadata");
            }
            else
            {
                if (type.HasStatus)
                {
                    obj["status"] = old["status"]?.DeepClone();
                    if (obj["status"] is null)
                    {
                        obj.Remove("status");
                    }
                }
                // Immutable metadata comes from the stored object, whatever the client sent.
                meta["uid"] = old.Str("metadata", "uid");
                meta["creationTimestamp"] = old.Str("metadata", "creationTimestamp");
                if (old.Str("metadata", "deletionTimestamp") is string dt)
                {
                    meta["deletionTimestamp"] = dt;
                }
                if (meta["managedFields"] is null && old.At("metadata", "managedFields") is JsonNode mf)
                {
                    meta["managedFields"] = mf.DeepClone();
                }
                if (type == ResourceTypes.Services)
                {
                    DropStaleNodePorts(obj, old);
                }
                var errors = Validation.Metadata(type, obj, creating: false);
                ValidateKind(type, obj, errors);
                if (errors.Count > 0)
                {
                    throw ApiException.Invalid(type, name, errors);
                }
                Defaults.Apply(type, obj);
                if (type == ResourceTypes.Services)
                {
                    AllocateService(obj, old);
                }
                if (HasGeneration(type))
                {
                    var gen = old.Int("metadata", "generation") ?? 1;
                    if (!Json.Same(old["spec"], obj["spec"]))
                    {
                        gen++;
                    }
                    meta["generation"] = gen;
                }
            }
            Manage(type, obj, opts.FieldManager, operation, managedBody ?? body, subresource);
            ReorderTop(type, obj);
            if (opts.DryRun)
            {
                return obj;
            }
            var stored = Store.Replace(type, obj);
            if (type == ResourceTypes.Nodes && subresource == "status")
            {
                heartbeats[name] = Now;
            }
            return stored.Clone();
        }
    }

    /// <summary>Like the real service strategy: node ports carried over from the old object go when the type no longer has them.</summary>
    private static void DropStaleNodePorts(JsonObject svc, JsonObject old)
    {
        var type = svc.Str("spec", "type") ?? "ClusterIP";
        if (type is "NodePort" or "LoadBalancer")
        {
            return;
        }
        var oldPorts = old.Arr("spec", "ports").Objects().Select(p => p.Int("nodePort") ?? 0).ToHashSet();
        foreach (var port in svc.Arr("spec", "ports").Objects())
        {
            if (port.Int("nodePort") is long np && oldPorts.Contains(np))
            {
                port.Remove("nodePort");
            }
        }
    }

    // ------------------------------------------------------------------ patch

    /// <summary>Applies a patch as PATCH does; server-side apply creates the object when it is absent.</summary>
    public (JsonObject Object, bool Created) Patch(ResourceType type, string? ns, string name, string contentType, string body, string? subresource, WriteOptions opts)
    {
        var media = contentType.Split(';')[0].Trim().ToLowerInvariant();
        lock (Store.Sync)
        {
            var old = Store.Peek(type, ns, name);
            if (media == "application/apply-patch+yaml")
            {
                var applied = ParseApplyBody(body);
                if (old is null)
                {
                    if (subresource is not null)
                    {
                        throw ApiException.NotFound(type, name);
                    }
                    var meta = applied.Ensure("metadata");
                    if (!string.IsNullOrEmpty(meta.Str("name")) && meta.Str("name") != name)
                    {
                        throw ApiException.BadRequest($"the name of the object ({meta.Str("name")}) does not match the name on the URL ({name})");
                    }
                    meta["name"] = name;
                    var created = Create(type, ns, applied, opts);
                    if (!opts.DryRun)
                    {
                        // Re-record the creation as an Apply so kubectl apply --server-side sees its own manager.
                        var fresh = Store.Peek(type, ns, name)!.Clone();
                        Manage(type, fresh, opts.FieldManager, "Apply", applied, null, replaceAll: true);
                        created = Store.Replace(type, fresh).Clone();
                    }
                    return (created, true);
                }
                var patched = Patches.StrategicMerge(old, StripForApply(applied));
                patched.Ensure("metadata")["resourceVersion"] = old.Str("metadata", "resourceVersion");
                return (Update(type, ns, name, patched, subresource, opts, "Apply", applied), false);
            }
            if (old is null)
            {
                throw ApiException.NotFound(type, name);
            }
            JsonNode? result;
            JsonObject? managedBody = null;
            switch (media)
            {
                case "application/merge-patch+json":
                    {
                        var p = Json.ParseObject(body);
                        managedBody = p;
                        result = Patches.MergePatch(old, p);
                        break;
                    }
                case "application/strategic-merge-patch+json":
                    {
                        var p = Json.ParseObject(body);
                        managedBody = p;
                        result = Patches.StrategicMerge(old, p);
                        break;
                    }
                case "application/json-patch+json":
                    {
                        JsonArray ops;
                        try
                        {
                            ops = JsonNode.Parse(body) as JsonArray ?? throw ApiException.BadRequest("json patch must be an array");
                        }
                        catch (System.Text.Json.JsonException ex)
                        {
                            throw ApiException.BadRequest(ex.Message);
                        }
                        result = Patches.JsonPatch(old, ops);
                        break;
                    }
                default:
                    throw ApiException.UnsupportedMediaType(contentType);
            }
            if (result is not JsonObject patchedObj)
            {
                throw ApiException.BadRequest("the patch did not produce an object");
            }
            // The patch carries a resourceVersion only when the client asked for a precondition.
            if (patchedObj.Str("metadata", "resourceVersion") is null)
            {
                patchedObj.Ensure("metadata")["resourceVersion"] = old.Str("metadata", "resourceVersion");
            }
            return (Update(type, ns, name, patchedObj, subresource, opts, "Update", managedBody), false);
        }
    }

    private static JsonObject ParseApplyBody(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.StartsWith('{'))
        {
            return Json.ParseObject(body);
        }
        // kubectl and client-go send the applied configuration as JSON (which is YAML); block YAML is not parsed here.
        throw ApiException.BadRequest("the lab API server accepts apply-patch+yaml bodies in their JSON form only");
    }

    private static JsonObject StripForApply(JsonObject applied)
    {
        var copy = applied.Clone();
        if (copy["metadata"] is JsonObject meta)
        {
            meta.Remove("resourceVersion");
            meta.Remove("managedFields");
        }
        copy.Remove("status");
        return copy;
    }

    /// <summary>Records a managedFields entry for the manager, replacing its earlier entry of the same operation.</summary>
    private void Manage(ResourceType type, JsonObject obj, string manager, string operation, JsonObject? body, string? subresource = null, bool replaceAll = false)
    {
        if (string.IsNullOrEmpty(manager))
        {
            return;
        }
        var meta = obj.Ensure("metadata");
        var list = meta["managedFields"] as JsonArray ?? [];
        var kept = list.Objects()
            .Where(e => !(e.Str("manager") == manager && (replaceAll || e.Str("operation") == operation) && e.Str("subresource") == subresource))
            .Select(e => e.DeepClone()).ToList();
        var source = body ?? obj;
        var fields = subresource == "status"
            ? new JsonObject { ["f:status"] = source["status"] is JsonObject s ? Patches.FieldsV1(s, false) : new JsonObject() }
            : Patches.FieldsV1(source);
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = operation,
            ["apiVersion"] = type.ApiVersion,
            ["time"] = Json.Time(Now),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        };
        if (subresource is not null)
        {
            entry["subresource"] = subresource;
        }
        kept.Add(entry);
        meta["managedFields"] = new JsonArray([.. kept]);
    }

    // ------------------------------------------------------------------ delete

    /// <summary>Deletes as DELETE does; propagation Background (default), Foreground or Orphan.</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, string? propagation, string? preconditionUid = null, string? preconditionRv = null, bool dryRun = false)
    {
        lock (Store.Sync)
        {
            var old = Store.Peek(type, ns, name) ?? throw ApiException.NotFound(type, name);
            if (type == ResourceTypes.Namespaces && name is "default" or "kube-system" or "kube-public")
            {
                throw ApiException.Forbidden(type, name, "this namespace may not be deleted");
            }
            if (preconditionUid is not null && preconditionUid != old.Str("metadata", "uid"))
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": Precondition failed: UID in precondition: {preconditionUid}, UID in object meta: {old.Str("metadata", "uid")}");
            }
            if (preconditionRv is not null && preconditionRv != old.Str("metadata", "resourceVersion"))
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": Precondition failed: ResourceVersion in precondition: {preconditionRv}, ResourceVersion in object meta: {old.Str("metadata", "resourceVersion")}");
            }
            if (dryRun)
            {
                return old.Clone();
            }
            var uid = old.Str("metadata", "uid") ?? "";
            if (type == ResourceTypes.Namespaces)
            {
                foreach (var t in ResourceTypes.AllTypes.Where(t => t.Namespaced))
                {
                    foreach (var o in Store.Snapshot(t, name))
                    {
                        Store.Remove(t, name, o.Str("metadata", "name") ?? "");
                    }
                }
            }
            else if (propagation == "Foreground")
            {
                DeleteDependents(uid);
            }
            else if (propagation == "Orphan")
            {
                OrphanDependents(uid);
            }
            if (type == ResourceTypes.Nodes)
            {
                heartbeats.Remove(name);
            }
            return Store.Remove(type, ns, name)!.Clone();
        }
    }

    /// <summary>Deletes, depth first, every object whose ownerReferences name <paramref name="uid"/>.</summary>
    public void DeleteDependents(string uid)
    {
        foreach (var t in ResourceTypes.AllTypes)
        {
            foreach (var o in Store.Snapshot(t))
            {
                if (o.Arr("metadata", "ownerReferences").Objects().Any(r => r.Str("uid") == uid))
                {
                    DeleteDependents(o.Str("metadata", "uid") ?? "");
                    Store.Remove(t, o.Str("metadata", "namespace"), o.Str("metadata", "name") ?? "");
                }
            }
        }
    }

    private void OrphanDependents(string uid)
    {
        foreach (var t in ResourceTypes.AllTypes)
        {
            foreach (var o in Store.Snapshot(t))
            {
                var refs = o.Arr("metadata", "ownerReferences");
                if (refs is not null && refs.Objects().Any(r => r.Str("uid") == uid))
                {
                    var copy = o.Clone();
                    var left = refs.Objects().Where(r => r.Str("uid") != uid).Select(r => r.DeepClone()).ToArray();
                    if (left.Length == 0)
                    {
                        copy.Ensure("metadata").Remove("ownerReferences");
                    }
                    else
                    {
                        copy.Ensure("metadata")["ownerReferences"] = new JsonArray(left);
                    }
                    Store.Replace(t, copy);
                }
            }
        }
    }

    /// <summary>
    /// A controller's write: stored as given (no validation, no managedFields entry, so an unchanged object is a no-op
    /// and does not bump resourceVersion), with generation bumped when the spec changed.
    /// </summary>
    public JsonObject ControllerReplace(ResourceType type, JsonObject obj)
    {
        lock (Store.Sync)
        {
            var meta = obj.Ensure("metadata");
            var old = Store.Peek(type, meta.Str("namespace"), meta.Str("name") ?? "") ?? throw ApiException.NotFound(type, meta.Str("name") ?? "");
            if (HasGeneration(type) && !Json.Same(old["spec"], obj["spec"]))
            {
                meta["generation"] = (old.Int("metadata", "generation") ?? 1) + 1;
            }
            return Store.Replace(type, obj);
        }
    }

    // ------------------------------------------------------------------ nodes

    /// <summary>Records a heartbeat now (used when a node is first seen without one).</summary>
    public void Heartbeat(string node)
    {
        lock (Store.Sync)
        {
            heartbeats[node] = Now;
        }
    }

    /// <summary>When the node last sent a status write (create counts), by the server's clock as the real node lifecycle controller uses.</summary>
    public DateTimeOffset? LastHeartbeat(string node)
    {
        lock (Store.Sync)
        {
            return heartbeats.TryGetValue(node, out var t) ? t : null;
        }
    }

    // ------------------------------------------------------------------ services

    private static uint ParseIp(string ip)
    {
        var b = IPAddress.Parse(ip).GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static string FormatIp(uint ip) => $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}";

    /// <summary>Allocates the cluster IP and node ports of a Service, keeping those of <paramref name="old"/>; 422 when a requested one is out of range or taken.</summary>
    private void AllocateService(JsonObject svc, JsonObject? old)
    {
        var spec = svc.Ensure("spec");
        var type = spec.Str("type") ?? "ClusterIP";
        var name = svc.Str("metadata", "name") ?? "";
        var ns = svc.Str("metadata", "namespace") ?? "";
        var others = Store.Snapshot(ResourceTypes.Services).Where(s => !(s.Str("metadata", "namespace") == ns && s.Str("metadata", "name") == name)).ToList();
        var errors = new List<FieldError>();

        if (type == "ExternalName")
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
        }
        else
        {
            var requested = spec.Str("clusterIP");
            var oldIp = old.Str("spec", "clusterIP");
            if (string.IsNullOrEmpty(requested) && !string.IsNullOrEmpty(oldIp))
            {
                requested = oldIp;
            }
            if (old is not null && !string.IsNullOrEmpty(oldIp) && requested != oldIp)
            {
                errors.Add(FieldError.Invalid("spec.clusterIPs[0]", requested ?? "", "may not change once set"));
            }
            if (requested == "None")
            {
                spec["clusterIPs"] = new JsonArray("None");
            }
            else
            {
                var used = others.Select(s => s.Str("spec", "clusterIP")).Where(ip => !string.IsNullOrEmpty(ip) && ip != "None").ToHashSet(StringComparer.Ordinal);
                if (string.IsNullOrEmpty(requested))
                {
                    uint candidate;
                    lock (random)
                    {
                        do
                        {
                            candidate = ServiceNet + (uint)random.Next(2, (int)ServiceNetSize - 1);
                        }
                        while (used.Contains(FormatIp(candidate)));
                    }
                    requested = FormatIp(candidate);
                }
                else if (old is null || requested != oldIp)
                {
                    if (!IPAddress.TryParse(requested, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                    {
                        errors.Add(FieldError.Invalid("spec.clusterIPs[0]", requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
                    }
                    else if ((ParseIp(requested) & 0xFFF00000) != ServiceNet)
                    {
                        errors.Add(FieldError.Invalid("spec.clusterIPs", new GoRaw($"[]string{{\"{requested}\"}}"), $"failed to allocate IP {requested}: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12"));
                    }
                    else if (used.Contains(requested))
                    {
                        errors.Add(FieldError.Invalid("spec.clusterIPs", new GoRaw($"[]string{{\"{requested}\"}}"), $"failed to allocate IP {requested}: provided IP is already allocated"));
                    }
                }
                spec["clusterIP"] = requested;
                spec["clusterIPs"] = new JsonArray(requested);
            }
        }

        var ports = spec.Arr("ports");
        if (type is "NodePort" or "LoadBalancer")
        {
            var used = others.SelectMany(s => s.Arr("spec", "ports").Objects()).Select(p => p.Int("nodePort") ?? 0).Where(p => p > 0).ToHashSet();
            var oldPorts = old.Arr("spec", "ports").Objects().ToList();
            var i = 0;
            foreach (var port in ports.Objects())
            {
                var np = port.Int("nodePort") ?? 0;
                if (np == 0)
                {
                    var match = oldPorts.FirstOrDefault(p => p.Int("port") == port.Int("port") && (p.Str("protocol") ?? "TCP") == (port.Str("protocol") ?? "TCP"));
                    np = match.Int("nodePort") ?? 0;
                }
                if (np == 0)
                {
                    lock (random)
                    {
                        var free = Enumerable.Range(NodePortMin, NodePortMax - NodePortMin + 1).Where(p => !used.Contains(p)).ToList();
                        if (free.Count == 0)
                        {
                            throw new ApiException(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full");
                        }
                        np = free[random.Next(free.Count)];
                    }
                }
                else if (np < NodePortMin || np > NodePortMax)
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", np, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                }
                else if (used.Contains((int)np))
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", np, "provided port is already allocated"));
                }
                used.Add((int)np);
                port["nodePort"] = np;
                i++;
            }
        }
        else
        {
            foreach (var port in ports.Objects())
            {
                port.Remove("nodePort");
            }
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(ResourceTypes.Services, name, errors);
        }
    }
}
