using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>
/// Server-side printing (meta.k8s.io/v1 Table) with the real printers' columns and cell formats, so kubectl get
/// prints what it prints against a real cluster. Priority-1 columns appear with -o wide.
/// </summary>
public static class TablePrinter
{
    private sealed record Column(string Name, string Type, string Description, int Priority = 0, string Format = "");

    private static readonly Column NameCol = new("Name", "string", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, "name");
    private static readonly Column AgeCol = new("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.");

    private static Column[] ColumnsFor(ResourceType t)
    {
        if (t == ResourceTypes.Nodes)
        {
            return [NameCol, new("Status", "string", "The status of the node"), new("Roles", "string", "The roles of the node"), AgeCol, new("Version", "string", "Kubelet Version reported by the node."),
                new("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1), new("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
                new("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1), new("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
                new("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1)];
        }
        if (t == ResourceTypes.Pods)
        {
            return [NameCol, new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."), new("Status", "string", "The aggregate status of the containers in this pod."),
                new("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."), AgeCol,
                new("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1), new("Node", "string", "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", 1),
                new("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
                new("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1)];
        }
        if (t == ResourceTypes.Services)
        {
            return [NameCol, new("Type", "string", "Type determines how the Service is exposed."), new("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
                new("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."), new("Port(s)", "string", "The list of ports that are exposed by this service."), AgeCol,
                new("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1)];
        }
        if (t == ResourceTypes.Deployments)
        {
            return [NameCol, new("Ready", "string", "Number of the pod with ready state"), new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."), AgeCol,
                new("Containers", "string", "Names of each container in the template.", 1), new("Images", "string", "Images referenced by each container in the template.", 1), new("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1)];
        }
        if (t == ResourceTypes.DaemonSets)
        {
            return [NameCol, new("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
                new("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                new("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                new("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
                new("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
                new("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."), AgeCol,
                new("Containers", "string", "Names of each container in the template.", 1), new("Images", "string", "Images referenced by each container in the template.", 1), new("Selector", "string", "A label query over pods that are managed by the daemon set.", 1)];
        }
        if (t == ResourceTypes.ReplicaSets)
        {
            return [NameCol, new("Desired", "integer", "Replicas is the number of desired pods."), new("Current", "integer", "Replicas is the most recently observed number of replicas."),
                new("Ready", "integer", "The number of ready replicas for this replica set."), AgeCol,
                new("Containers", "string", "Names of each container in the template.", 1), new("Images", "string", "Images referenced by each container in the template.", 1), new("Selector", "string", "Selector is a label query over pods that should match the replica count.", 1)];
        }
        if (t == ResourceTypes.Namespaces)
        {
            return [NameCol, new("Status", "string", "The status of the namespace"), AgeCol];
        }
        if (t == ResourceTypes.Endpoints)
        {
            return [NameCol, new("Endpoints", "string", "Endpoints of the service"), AgeCol];
        }
        if (t == ResourceTypes.ServiceAccounts)
        {
            return [NameCol, new("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AgeCol];
        }
        if (t == ResourceTypes.ConfigMaps)
        {
            return [NameCol, new("Data", "string", "Data contains the configuration data."), AgeCol];
        }
        if (t == ResourceTypes.Roles || t == ResourceTypes.ClusterRoles)
        {
            return [NameCol, new("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.")];
        }
        if (t == ResourceTypes.RoleBindings || t == ResourceTypes.ClusterRoleBindings)
        {
            return [NameCol, new("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."), AgeCol,
                new("Users", "string", "Users in the roleBinding", 1), new("Groups", "string", "Groups in the roleBinding", 1), new("ServiceAccounts", "string", "ServiceAccounts in the roleBinding", 1)];
        }
        return [NameCol, AgeCol];
    }

    /// <summary>Builds a Table of objects. includeObject: None, Metadata (default) or Object.</summary>
    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> objects, string resourceVersion, string? includeObject, DateTimeOffset now, bool withColumns = true)
    {
        var columns = ColumnsFor(type);
        var defs = new JsonArray();
        foreach (var c in columns)
        {
            defs.Add(new JsonObject { ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority });
        }
        var rows = new JsonArray();
        foreach (var o in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray([.. Cells(type, o, now)]) };
            switch (includeObject)
            {
                case "None":
                    row["object"] = null;
                    break;
                case "Object":
                    row["object"] = WithType(type, o);
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = o["metadata"]?.DeepClone(),
                    };
                    break;
            }
            rows.Add(row);
        }
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        };
        if (withColumns)
        {
            table["columnDefinitions"] = defs;
        }
        table["rows"] = rows;
        return table;
    }

    private static JsonObject WithType(ResourceType type, JsonObject o)
    {
        var copy = o.Clone();
        copy["kind"] = type.Kind;
        copy["apiVersion"] = type.ApiVersion;
        return copy;
    }

    /// <summary>kubectl's duration.HumanDuration, which the real AGE column uses.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60 * 2)
        {
            return $"{seconds}s";
        }
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3)
        {
            return $"{minutes}m";
        }
        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            var dy = (hours / 24) % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }

    private static string Age(JsonObject o, DateTimeOffset now)
        => Json.ParseTime(o.Str("metadata", "creationTimestamp")) is DateTimeOffset t ? HumanDuration(now - t) : "<unknown>";

    private static string OrNone(string? s) => string.IsNullOrEmpty(s) ? "<none>" : s;

    private static string Selector(JsonObject? sel)
    {
        if (sel is null)
        {
            return "<none>";
        }
        var parts = sel.StringMap("matchLabels").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        foreach (var e in sel.Arr("matchExpressions").Objects())
        {
            var values = string.Join(",", (e.Arr("values") ?? []).Select(v => v?.GetValue<string>()));
            parts.Add(e.Str("operator") switch
            {
                "In" => $"{e.Str("key")} in ({values})",
                "NotIn" => $"{e.Str("key")} notin ({values})",
                "Exists" => e.Str("key") ?? "",
                "DoesNotExist" => $"!{e.Str("key")}",
                _ => "",
            });
        }
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }

    private static string MapSelector(Dictionary<string, string> map)
        => map.Count == 0 ? "<none>" : string.Join(",", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static (string Containers, string Images) ContainersImages(JsonObject? podSpec)
    {
        var cs = podSpec.Arr("containers").Objects().ToList();
        return (string.Join(",", cs.Select(c => c.Str("name"))), string.Join(",", cs.Select(c => c.Str("image"))));
    }

    private static IEnumerable<JsonNode?> Cells(ResourceType t, JsonObject o, DateTimeOffset now)
    {
        var name = o.Str("metadata", "name") ?? "";
        if (t == ResourceTypes.Nodes)
        {
            return NodeCells(o, name, now);
        }
        if (t == ResourceTypes.Pods)
        {
            return PodCells(o, name, now);
        }
        if (t == ResourceTypes.Services)
        {
            return ServiceCells(o, name, now);
        }
        if (t == ResourceTypes.Deployments)
        {
            var (c, i) = ContainersImages(o.Obj("spec", "template", "spec"));
            return [name, $"{o.Int("status", "readyReplicas") ?? 0}/{o.Int("spec", "replicas") ?? 0}", o.Int("status", "updatedReplicas") ?? 0, o.Int("status", "availableReplicas") ?? 0, Age(o, now), c, i, Selector(o.Obj("spec", "selector"))];
        }
        if (t == ResourceTypes.DaemonSets)
        {
            var (c, i) = ContainersImages(o.Obj("spec", "template", "spec"));
            return [name, o.Int("status", "desiredNumberScheduled") ?? 0, o.Int("status", "currentNumberScheduled") ?? 0, o.Int("status", "numberReady") ?? 0,
                o.Int("status", "updatedNumberScheduled") ?? 0, o.Int("status", "numberAvailable") ?? 0, MapSelector(o.StringMap("spec", "template", "spec", "nodeSelector")), Age(o, now), c, i, Selector(o.Obj("spec", "selector"))];
        }
        if (t == ResourceTypes.ReplicaSets)
        {
            var (c, i) = ContainersImages(o.Obj("spec", "template", "spec"));
            return [name, o.Int("spec", "replicas") ?? 0, o.Int("status", "replicas") ?? 0, o.Int("status", "readyReplicas") ?? 0, Age(o, now), c, i, Selector(o.Obj("spec", "selector"))];
        }
        if (t == ResourceTypes.Namespaces)
        {
            return [name, o.Str("status", "phase") ?? "Active", Age(o, now)];
        }
        if (t == ResourceTypes.Endpoints)
        {
            return [name, EndpointsText(o), Age(o, now)];
        }
        if (t == ResourceTypes.ServiceAccounts)
        {
            return [name, (o.Arr("secrets")?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), Age(o, now)];
        }
        if (t == ResourceTypes.ConfigMaps)
        {
            return [name, ((o.Obj("data")?.Count ?? 0) + (o.Obj("binaryData")?.Count ?? 0)).ToString(System.Globalization.CultureInfo.InvariantCulture), Age(o, now)];
        }
        if (t == ResourceTypes.Roles || t == ResourceTypes.ClusterRoles)
        {
            return [name, o.Str("metadata", "creationTimestamp")];
        }
        if (t == ResourceTypes.RoleBindings || t == ResourceTypes.ClusterRoleBindings)
        {
            var subjects = o.Arr("subjects").Objects().ToList();
            string Of(string kind) => string.Join(", ", subjects.Where(s => s.Str("kind") == kind).Select(s => kind == "ServiceAccount" ? $"{s.Str("namespace")}/{s.Str("name")}" : s.Str("name")));
            return [name, $"{o.Str("roleRef", "kind")}/{o.Str("roleRef", "name")}", Age(o, now), Of("User"), Of("Group"), Of("ServiceAccount")];
        }
        return [name, Age(o, now)];
    }

    private static IEnumerable<JsonNode?> NodeCells(JsonObject o, string name, DateTimeOffset now)
    {
        var status = new List<string>();
        var ready = o.Arr("status", "conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready");
        if (ready is not null)
        {
            status.Add(ready.Str("status") == "True" ? "Ready" : "NotReady");
        }
        if (status.Count == 0)
        {
            status.Add("Unknown");
        }
        if (o.Bool("spec", "unschedulable") == true)
        {
            status.Add("SchedulingDisabled");
        }
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in o.StringMap("metadata", "labels"))
        {
            if (k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            {
                roles.Add(k["node-role.kubernetes.io/".Length..]);
            }
            else if (k == "kubernetes.io/role")
            {
                roles.Add(v);
            }
        }
        var addresses = o.Arr("status", "addresses").Objects().ToList();
        string Address(string type) => OrNone(addresses.FirstOrDefault(a => a.Str("type") == type).Str("address"));
        return [name, string.Join(",", status), roles.Count == 0 ? "<none>" : string.Join(",", roles), Age(o, now), o.Str("status", "nodeInfo", "kubeletVersion") ?? "",
            Address("InternalIP"), Address("ExternalIP"), OrNone(o.Str("status", "nodeInfo", "osImage")), OrNone(o.Str("status", "nodeInfo", "kernelVersion")), OrNone(o.Str("status", "nodeInfo", "containerRuntimeVersion"))];
    }

    /// <summary>The pod STATUS column: phase, or the first waiting/terminated reason, or Terminating.</summary>
    public static string PodStatus(JsonObject o)
    {
        var reason = o.Str("status", "reason") ?? o.Str("status", "phase") ?? "Pending";
        var statuses = o.Arr("status", "containerStatuses").Objects().ToList();
        var hasRunning = false;
        foreach (var cs in statuses.AsEnumerable().Reverse())
        {
            if (cs.Str("state", "waiting", "reason") is string w && w.Length > 0)
            {
                reason = w;
            }
            else if (cs.Str("state", "terminated", "reason") is string t && t.Length > 0)
            {
                reason = t;
            }
            else if (cs.Obj("state", "running") is not null && cs.Bool("ready") == true)
            {
                hasRunning = true;
            }
        }
        if (reason == "Completed" && hasRunning)
        {
            reason = "Running";
        }
        if (o.Str("metadata", "deletionTimestamp") is not null)
        {
            reason = "Terminating";
        }
        return reason;
    }

    private static IEnumerable<JsonNode?> PodCells(JsonObject o, string name, DateTimeOffset now)
    {
        var total = o.Arr("spec", "containers")?.Count ?? 0;
        var statuses = o.Arr("status", "containerStatuses").Objects().ToList();
        var ready = statuses.Count(s => s.Bool("ready") == true);
        var restarts = statuses.Sum(s => s.Int("restartCount") ?? 0);
        return [name, $"{ready}/{total}", PodStatus(o), restarts.ToString(System.Globalization.CultureInfo.InvariantCulture), Age(o, now),
            OrNone(o.Str("status", "podIP")), OrNone(o.Str("spec", "nodeName")), OrNone(o.Str("status", "nominatedNodeName")), "<none>"];
    }

    private static IEnumerable<JsonNode?> ServiceCells(JsonObject o, string name, DateTimeOffset now)
    {
        var type = o.Str("spec", "type") ?? "ClusterIP";
        var clusterIp = o.Str("spec", "clusterIP");
        var external = (o.Arr("spec", "externalIPs") ?? []).Select(n => n?.GetValue<string>() ?? "").ToList();
        string externalText = type switch
        {
            "ExternalName" => o.Str("spec", "externalName") ?? "<none>",
            "LoadBalancer" => external.Count > 0 ? string.Join(",", external) : "<pending>",
            _ => external.Count > 0 ? string.Join(",", external) : "<none>",
        };
        var ports = o.Arr("spec", "ports").Objects().Select(p =>
        {
            var np = p.Int("nodePort") ?? 0;
            return np > 0 ? $"{p.Int("port")}:{np}/{p.Str("protocol") ?? "TCP"}" : $"{p.Int("port")}/{p.Str("protocol") ?? "TCP"}";
        }).ToList();
        return [name, type, string.IsNullOrEmpty(clusterIp) ? "<none>" : clusterIp, externalText, ports.Count == 0 ? "<none>" : string.Join(",", ports), Age(o, now), MapSelector(o.StringMap("spec", "selector"))];
    }

    private static string EndpointsText(JsonObject o)
    {
        var list = new List<string>();
        foreach (var subset in o.Arr("subsets").Objects())
        {
            var ports = subset.Arr("ports").Objects().ToList();
            foreach (var a in subset.Arr("addresses").Objects())
            {
                if (ports.Count == 0)
                {
                    list.Add(a.Str("ip") ?? "");
                }
                foreach (var p in ports)
                {
                    list.Add($"{a.Str("ip")}:{p.Int("port")}");
                }
            }
        }
        if (list.Count == 0)
        {
            return "<none>";
        }
        return list.Count > 3 ? string.Join(",", list.Take(3)) + $" + {list.Count - 3} more..." : string.Join(",", list);
    }
}
