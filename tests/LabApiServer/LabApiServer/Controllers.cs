using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>
/// Just enough of kube-controller-manager, kube-scheduler and the kubelet's pod status for a workshop: node lifecycle
/// (NotReady after the grace period), garbage collection by owner references, Deployment → ReplicaSet → Pods,
/// DaemonSet → one Pod per node, round-robin scheduling onto Ready nodes, pods turning Running, and Endpoints.
/// Everything runs in one loop under the store's lock, so each tick sees and writes a consistent state.
/// </summary>
public sealed class Controllers
{
    private const string HashLabel = "pod-template-hash";
    private const string DsHashLabel = "controller-revision-hash";

    private readonly Cluster cluster;
    private readonly Dictionary<string, DateTimeOffset> scheduledAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> managedEndpoints = new(StringComparer.Ordinal);
    private int roundRobin;
    private uint nextPodIp = 0x0A200001; // 10.32.0.1: Weave Net's default range, as in the workshop

    /// <summary>Creates the controllers over a cluster.</summary>
    public Controllers(Cluster cluster) => this.cluster = cluster;

    private Store Store => cluster.Store;

    private DateTimeOffset Now => cluster.Now;

    private string NowText => Json.Time(Now);

    /// <summary>Runs <see cref="Tick"/> every <see cref="ServerOptions.Tick"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(cluster.Options.Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    Tick();
                }
                catch (Exception ex)
                {
                    // A controller bug must not stop the loop: the next tick retries from the stored state.
                    Console.Error.WriteLine($"controllers: {ex}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>One pass of every controller.</summary>
    public void Tick()
    {
        lock (Store.Sync)
        {
            NodeLifecycle();
            CollectGarbage();
            foreach (var d in Store.Snapshot(ResourceTypes.Deployments))
            {
                SyncDeployment(d);
            }
            foreach (var rs in Store.Snapshot(ResourceTypes.ReplicaSets))
            {
                SyncReplicaSet(rs);
            }
            foreach (var ds in Store.Snapshot(ResourceTypes.DaemonSets))
            {
                SyncDaemonSet(ds);
            }
            Schedule();
            RunPods();
            foreach (var rs in Store.Snapshot(ResourceTypes.ReplicaSets))
            {
                ReplicaSetStatus(rs);
            }
            foreach (var d in Store.Snapshot(ResourceTypes.Deployments))
            {
                DeploymentStatus(d);
            }
            foreach (var ds in Store.Snapshot(ResourceTypes.DaemonSets))
            {
                DaemonSetStatus(ds);
            }
            SyncEndpoints();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static string Name(JsonObject o) => o.Str("metadata", "name") ?? "";

    private static string? Ns(JsonObject o) => o.Str("metadata", "namespace");

    private static string Uid(JsonObject o) => o.Str("metadata", "uid") ?? "";

    /// <summary>Whether a node's Ready condition is True.</summary>
    public static bool NodeReady(JsonObject? node)
        => node.Arr("status", "conditions").Objects().Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    /// <summary>Whether a pod's Ready condition is True.</summary>
    public static bool PodReady(JsonObject pod)
        => pod.Arr("status", "conditions").Objects().Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    private static bool Terminating(JsonObject o) => o.Str("metadata", "deletionTimestamp") is not null;

    private static JsonObject OwnerRef(ResourceType type, JsonObject owner) => new()
    {
        ["apiVersion"] = type.ApiVersion,
        ["kind"] = type.Kind,
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static bool OwnedBy(JsonObject o, string uid)
        => o.Arr("metadata", "ownerReferences").Objects().Any(r => r.Str("uid") == uid && r.Bool("controller") == true);

    private List<JsonObject> OwnedPods(JsonObject owner)
    {
        var uid = Uid(owner);
        return [.. Store.Snapshot(ResourceTypes.Pods, Ns(owner)).Where(p => OwnedBy(p, uid) && !Terminating(p))];
    }

    /// <summary>Sets a condition, keeping its transition time when its status did not change (so unchanged status is a no-op write).</summary>
    private void SetCondition(JsonObject status, string type, string value, string reason, string message, bool withUpdateTime = false, bool withProbeTime = false)
    {
        var list = status["conditions"] as JsonArray ?? [];
        var existing = list.Objects().FirstOrDefault(c => c.Str("type") == type);
        var now = NowText;
        var condition = new JsonObject { ["type"] = type, ["status"] = value };
        if (withProbeTime)
        {
            condition["lastProbeTime"] = null;
        }
        if (withUpdateTime)
        {
            condition["lastUpdateTime"] = existing is not null && existing.Str("status") == value && existing.Str("reason") == reason ? existing.Str("lastUpdateTime") : now;
        }
        condition["lastTransitionTime"] = existing is not null && existing.Str("status") == value ? existing.Str("lastTransitionTime") : now;
        if (reason.Length > 0)
        {
            condition["reason"] = reason;
        }
        if (message.Length > 0)
        {
            condition["message"] = message;
        }
        var items = list.Objects().Select(c => c.Str("type") == type ? condition : (JsonObject)c.DeepClone()).ToList();
        if (existing is null)
        {
            items.Add(condition);
        }
        status["conditions"] = new JsonArray([.. items]);
    }

    private void WriteIfChanged(ResourceType type, JsonObject before, JsonObject after)
    {
        if (!Json.Same(before, after))
        {
            cluster.ControllerReplace(type, after);
        }
    }

    private JsonObject NewPod(JsonObject owner, ResourceType ownerType, JsonObject template, string? nodeName, Dictionary<string, string> extraLabels)
    {
        var meta = new JsonObject { ["generateName"] = Name(owner) + "-" };
        var labels = template.StringMap("metadata", "labels");
        foreach (var (k, v) in extraLabels)
        {
            labels[k] = v;
        }
        var labelObj = new JsonObject();
        foreach (var (k, v) in labels)
        {
            labelObj[k] = v;
        }
        meta["labels"] = labelObj;
        if (template.Obj("metadata", "annotations") is JsonObject ann)
        {
            meta["annotations"] = ann.DeepClone();
        }
        meta["ownerReferences"] = new JsonArray(OwnerRef(ownerType, owner));
        var spec = template.Obj("spec")?.Clone() ?? new JsonObject();
        if (nodeName is not null)
        {
            // The DaemonSet controller binds through node affinity; the lab binds directly.
            spec["nodeName"] = nodeName;
        }
        return cluster.Create(ResourceTypes.Pods, Ns(owner), new JsonObject { ["metadata"] = meta, ["spec"] = spec }, new WriteOptions("kube-controller-manager"));
    }

    // ------------------------------------------------------------------ nodes

    private void NodeLifecycle()
    {
        var grace = cluster.Options.NodeGrace;
        foreach (var node in Store.Snapshot(ResourceTypes.Nodes))
        {
            var name = Name(node);
            if (cluster.LastHeartbeat(name) is not DateTimeOffset last)
            {
                cluster.Heartbeat(name);
                continue;
            }
            if (Now - last <= grace)
            {
                continue;
            }
            var ready = node.Arr("status", "conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready");
            if (ready is not null && ready.Str("status") == "Unknown")
            {
                continue;
            }
            // What the node lifecycle controller does when the kubelet stops posting: every condition goes Unknown.
            var copy = node.Clone();
            var status = copy.Ensure("status");
            var conditions = new JsonArray();
            foreach (var c in node.Arr("status", "conditions").Objects())
            {
                var u = c.Clone();
                if (u.Str("status") != "Unknown")
                {
                    u["lastTransitionTime"] = NowText;
                }
                u["status"] = "Unknown";
                u["reason"] = "NodeStatusUnknown";
                u["message"] = "Kubelet stopped posting node status.";
                conditions.Add(u);
            }
            if (ready is null)
            {
                conditions.Add(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "Unknown",
                    ["lastHeartbeatTime"] = Json.Time(last),
                    ["lastTransitionTime"] = NowText,
                    ["reason"] = "NodeStatusNeverUpdated",
                    ["message"] = "Kubelet never posted node status.",
                });
            }
            status["conditions"] = conditions;
            cluster.ControllerReplace(ResourceTypes.Nodes, copy);
        }
    }

    // ------------------------------------------------------------------ garbage collector

    private void CollectGarbage()
    {
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in ResourceTypes.AllTypes)
        {
            foreach (var o in Store.Snapshot(t))
            {
                uids.Add(Uid(o));
            }
        }
        foreach (var t in ResourceTypes.AllTypes)
        {
            foreach (var o in Store.Snapshot(t))
            {
                var refs = o.Arr("metadata", "ownerReferences");
                if (refs is { Count: > 0 } && refs.Objects().All(r => !uids.Contains(r.Str("uid") ?? "")))
                {
                    Store.Remove(t, Ns(o), Name(o));
                }
            }
        }
    }

    // ------------------------------------------------------------------ deployments

    private void SyncDeployment(JsonObject d)
    {
        if (Terminating(d))
        {
            return;
        }
        var template = d.Obj("spec", "template") ?? new JsonObject();
        var hash = Cluster.TemplateHash(template);
        var uid = Uid(d);
        var owned = Store.Snapshot(ResourceTypes.ReplicaSets, Ns(d)).Where(rs => OwnedBy(rs, uid)).ToList();
        var replicas = d.Int("spec", "replicas") ?? 1;
        var current = owned.FirstOrDefault(rs => rs.Str("metadata", "labels", HashLabel) == hash);
        var revision = owned.Select(rs => long.TryParse(rs.Str("metadata", "annotations", "deployment.kubernetes.io/revision"), out var r) ? r : 0).DefaultIfEmpty(0).Max();
        if (current is null)
        {
            var labels = template.StringMap("metadata", "labels");
            labels[HashLabel] = hash;
            var labelObj = new JsonObject();
            foreach (var (k, v) in labels)
            {
                labelObj[k] = v;
            }
            var rsTemplate = template.Clone();
            rsTemplate.Ensure("metadata")["labels"] = labelObj.DeepClone();
            var selector = d.Obj("spec", "selector")?.Clone() ?? new JsonObject();
            selector.Ensure("matchLabels")[HashLabel] = hash;
            var rs = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{Name(d)}-{hash}",
                    ["labels"] = labelObj,
                    ["annotations"] = new JsonObject
                    {
                        ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/max-replicas"] = (replicas + (long)Math.Ceiling(replicas * 0.25)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/revision"] = (revision + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    ["ownerReferences"] = new JsonArray(OwnerRef(ResourceTypes.Deployments, d)),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = replicas,
                    ["minReadySeconds"] = d.Int("spec", "minReadySeconds") ?? 0,
                    ["selector"] = selector,
                    ["template"] = rsTemplate,
                },
            };
            try
            {
                cluster.Create(ResourceTypes.ReplicaSets, Ns(d), rs, new WriteOptions("kube-controller-manager"));
            }
            catch (ApiException)
            {
                // A name clash with a foreign ReplicaSet: the real controller bumps collisionCount; the lab just waits.
            }
        }
        else if (current.Int("spec", "replicas") != replicas)
        {
            var copy = current.Clone();
            copy.Ensure("spec")["replicas"] = replicas;
            copy.Ensure("metadata", "annotations")["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cluster.ControllerReplace(ResourceTypes.ReplicaSets, copy);
        }
        // Old ReplicaSets are scaled down at once: a rollout is a quick replace, not a careful rolling update.
        foreach (var old in owned.Where(rs => rs.Str("metadata", "labels", HashLabel) != hash && (rs.Int("spec", "replicas") ?? 0) != 0))
        {
            var copy = old.Clone();
            copy.Ensure("spec")["replicas"] = 0;
            cluster.ControllerReplace(ResourceTypes.ReplicaSets, copy);
        }
    }

    private void DeploymentStatus(JsonObject d)
    {
        var uid = Uid(d);
        var hash = Cluster.TemplateHash(d.Obj("spec", "template") ?? new JsonObject());
        var owned = Store.Snapshot(ResourceTypes.ReplicaSets, Ns(d)).Where(rs => OwnedBy(rs, uid)).ToList();
        var current = owned.FirstOrDefault(rs => rs.Str("metadata", "labels", HashLabel) == hash);
        var desired = d.Int("spec", "replicas") ?? 1;
        long Sum(string field) => owned.Sum(rs => rs.Int("status", field) ?? 0);
        var replicas = Sum("replicas");
        var ready = Sum("readyReplicas");
        var available = Sum("availableReplicas");
        var updated = current.Int("status", "replicas") ?? 0;
        var copy = d.Clone();
        var old = d.Obj("status") ?? new JsonObject();
        var status = new JsonObject { ["observedGeneration"] = d.Int("metadata", "generation") ?? 1 };
        if (replicas > 0)
        {
            status["replicas"] = replicas;
        }
        if (updated > 0)
        {
            status["updatedReplicas"] = updated;
        }
        if (ready > 0)
        {
            status["readyReplicas"] = ready;
        }
        if (available > 0)
        {
            status["availableReplicas"] = available;
        }
        if (desired - available > 0)
        {
            status["unavailableReplicas"] = desired - available;
        }
        if (old["conditions"] is JsonArray oc)
        {
            status["conditions"] = oc.DeepClone();
        }
        if (available >= desired)
        {
            SetCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", withUpdateTime: true);
        }
        else
        {
            SetCondition(status, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", withUpdateTime: true);
        }
        var rsName = current is null ? Name(d) : Name(current);
        if (current is not null && updated == desired && available >= desired)
        {
            SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", withUpdateTime: true);
        }
        else
        {
            SetCondition(status, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", withUpdateTime: true);
        }
        // Condition order as the real controller leaves it: Available, then Progressing.
        var conditions = status.Arr("conditions")!.Objects().OrderBy(c => c.Str("type") == "Available" ? 0 : 1).Select(c => c.DeepClone()).ToArray();
        status["conditions"] = new JsonArray(conditions);
        copy["status"] = status;
        if (current is not null && current.Str("metadata", "annotations", "deployment.kubernetes.io/revision") is string rev)
        {
            copy.Ensure("metadata", "annotations")["deployment.kubernetes.io/revision"] = rev;
        }
        WriteIfChanged(ResourceTypes.Deployments, d, copy);
    }

    // ------------------------------------------------------------------ replicasets

    private void SyncReplicaSet(JsonObject rs)
    {
        if (Terminating(rs))
        {
            return;
        }
        var pods = OwnedPods(rs);
        var want = rs.Int("spec", "replicas") ?? 1;
        var template = rs.Obj("spec", "template") ?? new JsonObject();
        for (var i = pods.Count; i < want; i++)
        {
            NewPod(rs, ResourceTypes.ReplicaSets, template, null, []);
        }
        if (pods.Count > want)
        {
            // Like the real controller: unscheduled before scheduled, not ready before ready, newest first.
            var victims = pods
                .OrderBy(p => p.Str("spec", "nodeName") is null ? 0 : 1)
                .ThenBy(p => PodReady(p) ? 1 : 0)
                .ThenByDescending(p => long.Parse(p.Str("metadata", "resourceVersion") ?? "0", System.Globalization.CultureInfo.InvariantCulture))
                .Take(pods.Count - (int)want);
            foreach (var p in victims.ToList())
            {
                Store.Remove(ResourceTypes.Pods, Ns(p), Name(p));
            }
        }
    }

    private void ReplicaSetStatus(JsonObject rs)
    {
        var pods = OwnedPods(rs);
        var ready = pods.Count(PodReady);
        var status = new JsonObject { ["replicas"] = pods.Count };
        if (pods.Count > 0)
        {
            status["fullyLabeledReplicas"] = pods.Count;
        }
        if (ready > 0)
        {
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
        }
        status["observedGeneration"] = rs.Int("metadata", "generation") ?? 1;
        var copy = rs.Clone();
        copy["status"] = status;
        WriteIfChanged(ResourceTypes.ReplicaSets, rs, copy);
    }

    // ------------------------------------------------------------------ daemonsets

    private List<JsonObject> EligibleNodes(JsonObject ds)
    {
        var selector = ds.StringMap("spec", "template", "spec", "nodeSelector");
        return [.. Store.Snapshot(ResourceTypes.Nodes).Where(n =>
        {
            var labels = n.StringMap("metadata", "labels");
            return selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        })];
    }

    private void SyncDaemonSet(JsonObject ds)
    {
        if (Terminating(ds))
        {
            return;
        }
        var template = ds.Obj("spec", "template") ?? new JsonObject();
        var hash = Cluster.TemplateHash(template);
        var nodes = EligibleNodes(ds).Select(Name).ToHashSet(StringComparer.Ordinal);
        var pods = OwnedPods(ds);
        foreach (var p in pods)
        {
            var node = p.Str("spec", "nodeName") ?? "";
            var outdated = p.Str("metadata", "labels", DsHashLabel) != hash;
            var duplicate = pods.Count(x => x.Str("spec", "nodeName") == node) > 1 && pods.First(x => x.Str("spec", "nodeName") == node) != p;
            if (!nodes.Contains(node) || outdated || duplicate)
            {
                Store.Remove(ResourceTypes.Pods, Ns(p), Name(p));
            }
        }
        var covered = OwnedPods(ds).Select(p => p.Str("spec", "nodeName") ?? "").ToHashSet(StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => !covered.Contains(n)).OrderBy(n => n, StringComparer.Ordinal))
        {
            NewPod(ds, ResourceTypes.DaemonSets, template, node, new Dictionary<string, string> { [DsHashLabel] = hash, ["pod-template-generation"] = (ds.Int("metadata", "generation") ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
    }

    private void DaemonSetStatus(JsonObject ds)
    {
        var hash = Cluster.TemplateHash(ds.Obj("spec", "template") ?? new JsonObject());
        var nodes = EligibleNodes(ds).Select(Name).ToHashSet(StringComparer.Ordinal);
        var pods = OwnedPods(ds).Where(p => nodes.Contains(p.Str("spec", "nodeName") ?? "")).ToList();
        var ready = pods.Count(PodReady);
        var status = new JsonObject
        {
            ["currentNumberScheduled"] = pods.Count,
            ["numberMisscheduled"] = 0,
            ["desiredNumberScheduled"] = nodes.Count,
            ["numberReady"] = ready,
            ["observedGeneration"] = ds.Int("metadata", "generation") ?? 1,
            ["updatedNumberScheduled"] = pods.Count(p => p.Str("metadata", "labels", DsHashLabel) == hash),
            ["numberAvailable"] = ready,
        };
        if (nodes.Count - ready > 0)
        {
            status["numberUnavailable"] = nodes.Count - ready;
        }
        var copy = ds.Clone();
        copy["status"] = status;
        WriteIfChanged(ResourceTypes.DaemonSets, ds, copy);
    }

    // ------------------------------------------------------------------ scheduler and kubelet

    private void Schedule()
    {
        var nodes = Store.Snapshot(ResourceTypes.Nodes).Where(n => NodeReady(n) && n.Bool("spec", "unschedulable") != true).ToList();
        foreach (var pod in Store.Snapshot(ResourceTypes.Pods))
        {
            if (pod.Str("spec", "nodeName") is not null || Terminating(pod))
            {
                continue;
            }
            var selector = pod.StringMap("spec", "nodeSelector");
            var fit = nodes.Where(n =>
            {
                var labels = n.StringMap("metadata", "labels");
                return selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
            }).ToList();
            var copy = pod.Clone();
            var status = copy.Ensure("status");
            if (fit.Count == 0)
            {
                var total = Store.Snapshot(ResourceTypes.Nodes).Count;
                SetCondition(status, "PodScheduled", "False", "Unschedulable", $"0/{total} nodes are available: {(total == 0 ? "no nodes available to schedule pods" : $"{total} node(s) didn't match Pod's node affinity/selector or were not ready")}.", withProbeTime: true);
                WriteIfChanged(ResourceTypes.Pods, pod, copy);
                continue;
            }
            var node = fit[roundRobin++ % fit.Count];
            copy.Ensure("spec")["nodeName"] = Name(node);
            SetCondition(status, "PodScheduled", "True", "", "", withProbeTime: true);
            cluster.ControllerReplace(ResourceTypes.Pods, copy);
        }
    }

    private string AllocatePodIp()
    {
        var used = Store.Snapshot(ResourceTypes.Pods).Select(p => p.Str("status", "podIP")).Where(ip => ip is not null).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < 1 << 20; i++)
        {
            var ip = nextPodIp++;
            if ((ip & 0xFFF00000) != 0x0A200000 || (ip & 255) == 0 || (ip & 255) == 255)
            {
                if ((ip & 0xFFF00000) != 0x0A200000)
                {
                    nextPodIp = 0x0A200001;
                }
                continue;
            }
            var text = $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}";
            if (!used.Contains(text))
            {
                return text;
            }
        }
        return "10.32.0.254";
    }

    private static string ContainerId(string podUid, string container)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(podUid + "/" + container));
        return "containerd://" + Convert.ToHexString(bytes).ToLowerInvariant();
    }

    private static string ImageRef(string image)
    {
        var name = image.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon <= lastSlash)
        {
            name += ":latest";
        }
        if (!name[..Math.Max(0, name.IndexOf('/'))].Contains('.') || !name.Contains('/'))
        {
            name = (name.Contains('/') ? "docker.io/" : "docker.io/library/") + name;
        }
        return name;
    }

    private void RunPods()
    {
        var nodes = Store.Snapshot(ResourceTypes.Nodes).ToDictionary(Name, n => n, StringComparer.Ordinal);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in Store.Snapshot(ResourceTypes.Pods))
        {
            var uid = Uid(pod);
            live.Add(uid);
            var nodeName = pod.Str("spec", "nodeName");
            if (nodeName is null || Terminating(pod))
            {
                continue;
            }
            if (!scheduledAt.TryGetValue(uid, out var since))
            {
                scheduledAt[uid] = since = Now;
            }
            nodes.TryGetValue(nodeName, out var node);
            var nodeReady = NodeReady(node);
            var phase = pod.Str("status", "phase");
            var copy = pod.Clone();
            var status = copy.Ensure("status");
            var containers = pod.Arr("spec", "containers").Objects().ToList();
            var hostIp = node.Arr("status", "addresses").Objects().FirstOrDefault(a => a.Str("type") == "InternalIP").Str("address");
            if (phase == "Pending" && nodeReady)
            {
                if (Now - since < cluster.Options.PodStartDelay)
                {
                    if (status["containerStatuses"] is null)
                    {
                        // What kubectl shows while images pull: ContainerCreating.
                        status["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
                        {
                            ["name"] = c.Str("name"),
                            ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
                            ["lastState"] = new JsonObject(),
                            ["ready"] = false,
                            ["restartCount"] = 0,
                            ["image"] = c.Str("image"),
                            ["imageID"] = "",
                            ["started"] = false,
                        })]);
                        SetCondition(status, "PodScheduled", "True", "", "", withProbeTime: true);
                        if (hostIp is not null)
                        {
                            status["hostIP"] = hostIp;
                            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
                        }
                        status["startTime"] = NowText;
                        WriteIfChanged(ResourceTypes.Pods, pod, copy);
                    }
                    continue;
                }
                var podIp = pod.Bool("spec", "hostNetwork") == true && hostIp is not null ? hostIp : AllocatePodIp();
                var started = NowText;
                status["phase"] = "Running";
                foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled" })
                {
                    SetCondition(status, type, "True", "", "", withProbeTime: true);
                }
                if (hostIp is not null)
                {
                    status["hostIP"] = hostIp;
                    status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
                }
                status["podIP"] = podIp;
                status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
                status["startTime"] ??= started;
                status["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
                {
                    ["containerID"] = ContainerId(uid, c.Str("name") ?? ""),
                    ["image"] = ImageRef(c.Str("image") ?? ""),
                    ["imageID"] = ImageRef(c.Str("image") ?? "").Split(':')[0] + "@sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(c.Str("image") ?? ""))).ToLowerInvariant(),
                    ["lastState"] = new JsonObject(),
                    ["name"] = c.Str("name"),
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["started"] = true,
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
                })]);
                cluster.ControllerReplace(ResourceTypes.Pods, copy);
                continue;
            }
            if (phase == "Running")
            {
                // Node gone unreachable: the node lifecycle controller marks its pods not Ready; back when the node is.
                var want = nodeReady ? "True" : "False";
                var reason = nodeReady ? "" : "NodeNotReady";
                SetCondition(status, "Ready", want, "", "", withProbeTime: true);
                if (!nodeReady)
                {
                    var ready = status.Arr("conditions")!.Objects().First(c => c.Str("type") == "Ready");
                    ready["reason"] = reason;
                }
                WriteIfChanged(ResourceTypes.Pods, pod, copy);
            }
        }
        foreach (var gone in scheduledAt.Keys.Where(k => !live.Contains(k)).ToList())
        {
            scheduledAt.Remove(gone);
        }
    }

    // ------------------------------------------------------------------ endpoints

    private void SyncEndpoints()
    {
        var services = Store.Snapshot(ResourceTypes.Services);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var svc in services)
        {
            var selector = svc.StringMap("spec", "selector");
            if (selector.Count == 0 || svc.Str("spec", "type") == "ExternalName")
            {
                continue;
            }
            var ns = Ns(svc) ?? "default";
            var name = Name(svc);
            wanted.Add($"{ns}/{name}");
            var match = LabelSelector.FromMap(selector);
            var pods = Store.Snapshot(ResourceTypes.Pods, ns).Where(p => match.Matches(p) && !Terminating(p) && p.Str("status", "podIP") is not null)
                .OrderBy(p => p.Str("status", "podIP"), StringComparer.Ordinal).ToList();
            var ready = new JsonArray();
            var notReady = new JsonArray();
            foreach (var p in pods)
            {
                var address = new JsonObject
                {
                    ["ip"] = p.Str("status", "podIP"),
                    ["nodeName"] = p.Str("spec", "nodeName"),
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = Name(p), ["uid"] = Uid(p) },
                };
                (PodReady(p) ? ready : notReady).Add(address);
            }
            var ports = new JsonArray();
            foreach (var sp in svc.Arr("spec", "ports").Objects())
            {
                long port;
                var target = sp["targetPort"];
                if (target is JsonValue tv && tv.TryGetValue<string>(out var portName))
                {
                    port = pods.SelectMany(p => p.Arr("spec", "containers").Objects()).SelectMany(c => c.Arr("ports").Objects())
                        .Where(cp => cp.Str("name") == portName).Select(cp => cp.Int("containerPort") ?? 0).FirstOrDefault();
                    if (port == 0)
                    {
                        continue;
                    }
                }
                else
                {
                    port = sp.Int("targetPort") ?? sp.Int("port") ?? 0;
                }
                var ep = new JsonObject();
                if (sp.Str("name") is string n && n.Length > 0)
                {
                    ep["name"] = n;
                }
                ep["port"] = port;
                ep["protocol"] = sp.Str("protocol") ?? "TCP";
                ports.Add(ep);
            }
            var existing = Store.Peek(ResourceTypes.Endpoints, ns, name);
            var body = new JsonObject();
            var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
            var labels = svc.Obj("metadata", "labels");
            if (labels is { Count: > 0 })
            {
                meta["labels"] = labels.DeepClone();
            }
            body["metadata"] = meta;
            if (ready.Count + notReady.Count > 0)
            {
                var subset = new JsonObject();
                if (ready.Count > 0)
                {
                    subset["addresses"] = ready;
                }
                if (notReady.Count > 0)
                {
                    subset["notReadyAddresses"] = notReady;
                }
                subset["ports"] = ports;
                body["subsets"] = new JsonArray(subset);
            }
            if (existing is null)
            {
                cluster.Create(ResourceTypes.Endpoints, ns, body, new WriteOptions("kube-controller-manager"));
                managedEndpoints.Add($"{ns}/{name}");
                continue;
            }
            managedEndpoints.Add($"{ns}/{name}");
            var copy = existing.Clone();
            if (body["subsets"] is JsonNode subsets)
            {
                copy["subsets"] = subsets.DeepClone();
            }
            else
            {
                copy.Remove("subsets");
            }
            if (labels is { Count: > 0 })
            {
                copy.Ensure("metadata")["labels"] = labels.DeepClone();
            }
            WriteIfChanged(ResourceTypes.Endpoints, existing, copy);
        }
        foreach (var key in managedEndpoints.Where(k => !wanted.Contains(k)).ToList())
        {
            var parts = key.Split('/', 2);
            Store.Remove(ResourceTypes.Endpoints, parts[0], parts[1]);
            managedEndpoints.Remove(key);
        }
    }
}
