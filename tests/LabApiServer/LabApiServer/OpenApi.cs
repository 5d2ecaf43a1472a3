using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>
/// OpenAPI v3 documents, minimal but valid: a schema per served kind with its x-kubernetes-group-version-kind, the
/// strategic-merge extensions kubectl's apply needs (patch merge keys and strategies), and per-resource PATCH
/// operations that declare the fieldValidation parameter, so kubectl validates on the server (as with a real 1.27+
/// server) instead of wanting the v2 document.
/// </summary>
public static class OpenApi
{
    private const string Meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private const string Core = "io.k8s.api.core.v1.";
    private const string Apps = "io.k8s.api.apps.v1.";
    private const string Rbac = "io.k8s.api.rbac.v1.";

    private static readonly Lazy<Dictionary<string, string>> Documents = new(Build);

    /// <summary>The index: paths to each group version's document, with a content hash as the real server sends.</summary>
    public static string Index()
    {
        var paths = new JsonObject();
        foreach (var (key, doc) in Documents.Value.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(doc)));
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }
        return Json.Write(new JsonObject { ["paths"] = paths });
    }

    /// <summary>The document of a group version path such as api/v1 or apis/apps/v1, or null.</summary>
    public static string? Document(string key) => Documents.Value.GetValueOrDefault(key);

    // ------------------------------------------------------------------ schema helpers

    private static JsonObject Str(string? format = null)
    {
        var s = new JsonObject { ["type"] = "string" };
        if (format is not null)
        {
            s["format"] = format;
        }
        return s;
    }

    private static JsonObject Int() => new() { ["type"] = "integer", ["format"] = "int32" };

    private static JsonObject Long() => new() { ["type"] = "integer", ["format"] = "int64" };

    private static JsonObject Bool() => new() { ["type"] = "boolean" };

    private static JsonObject IntOrString() => new() { ["type"] = "string", ["format"] = "int-or-string", ["x-kubernetes-int-or-string"] = true };

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    private static JsonObject Map(JsonObject value) => new() { ["type"] = "object", ["additionalProperties"] = value };

    private static JsonObject StrMap() => Map(Str());

    private static JsonObject Any() => new() { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };

    private static JsonObject List(JsonObject items, string? mergeKey = null, string? strategy = null, string listType = "atomic", params string[] mapKeys)
    {
        var s = new JsonObject { ["type"] = "array", ["items"] = items };
        if (mergeKey is not null)
        {
            s["x-kubernetes-patch-merge-key"] = mergeKey;
        }
        if (strategy is not null)
        {
            s["x-kubernetes-patch-strategy"] = strategy;
        }
        s["x-kubernetes-list-type"] = listType;
        if (mapKeys.Length > 0)
        {
            s["x-kubernetes-list-map-keys"] = new JsonArray([.. mapKeys.Select(k => (JsonNode)k)]);
        }
        return s;
    }

    private static JsonObject StrList() => List(Str());

    private static JsonObject Obj(params (string Name, JsonObject Schema)[] props)
    {
        var p = new JsonObject();
        foreach (var (name, schema) in props)
        {
            p[name] = schema;
        }
        return new JsonObject { ["type"] = "object", ["properties"] = p };
    }

    private static JsonObject Kind(string group, string kind, string version, params (string Name, JsonObject Schema)[] props)
    {
        var all = new List<(string, JsonObject)> { ("apiVersion", Str()), ("kind", Str()), ("metadata", Ref(Meta + "ObjectMeta")) };
        all.AddRange(props);
        var s = Obj([.. all]);
        s["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });
        return s;
    }

    private static Dictionary<string, JsonObject> Schemas()
    {
        var s = new Dictionary<string, JsonObject>(StringComparer.Ordinal)
        {
            // meta/v1
            [Meta + "ObjectMeta"] = Obj(("annotations", StrMap()), ("creationTimestamp", Str("date-time")), ("deletionGracePeriodSeconds", Long()), ("deletionTimestamp", Str("date-time")),
                ("finalizers", List(Str(), null, "merge", "set")), ("generateName", Str()), ("generation", Long()), ("labels", StrMap()),
                ("managedFields", List(Ref(Meta + "ManagedFieldsEntry"))), ("name", Str()), ("namespace", Str()),
                ("ownerReferences", List(Ref(Meta + "OwnerReference"), "uid", "merge", "map", "uid")), ("resourceVersion", Str()), ("selfLink", Str()), ("uid", Str())),
            [Meta + "ManagedFieldsEntry"] = Obj(("apiVersion", Str()), ("fieldsType", Str()), ("fieldsV1", Any()), ("manager", Str()), ("operation", Str()), ("subresource", Str()), ("time", Str("date-time"))),
            [Meta + "OwnerReference"] = Obj(("apiVersion", Str()), ("blockOwnerDeletion", Bool()), ("controller", Bool()), ("kind", Str()), ("name", Str()), ("uid", Str())),
            [Meta + "LabelSelector"] = Obj(("matchExpressions", List(Ref(Meta + "LabelSelectorRequirement"))), ("matchLabels", StrMap())),
            [Meta + "LabelSelectorRequirement"] = Obj(("key", Str()), ("operator", Str()), ("values", StrList())),
            [Meta + "Patch"] = new JsonObject { ["type"] = "object", ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." },
            [Meta + "Status"] = Obj(("apiVersion", Str()), ("code", Int()), ("details", Any()), ("kind", Str()), ("message", Str()), ("metadata", Any()), ("reason", Str()), ("status", Str())),

            // core/v1: pods and what templates use
            [Core + "Pod"] = Kind("", "Pod", "v1", ("spec", Ref(Core + "PodSpec")), ("status", Ref(Core + "PodStatus"))),
            [Core + "PodTemplateSpec"] = Obj(("metadata", Ref(Meta + "ObjectMeta")), ("spec", Ref(Core + "PodSpec"))),
            [Core + "PodSpec"] = Obj(("activeDeadlineSeconds", Long()), ("affinity", Any()), ("automountServiceAccountToken", Bool()),
                ("containers", List(Ref(Core + "Container"), "name", "merge", "map", "name")), ("dnsConfig", Any()), ("dnsPolicy", Str()), ("enableServiceLinks", Bool()),
                ("hostAliases", List(Any(), "ip", "merge", "map", "ip")), ("hostIPC", Bool()), ("hostNetwork", Bool()), ("hostPID", Bool()), ("hostname", Str()),
                ("imagePullSecrets", List(Ref(Core + "LocalObjectReference"), "name", "merge", "map", "name")),
                ("initContainers", List(Ref(Core + "Container"), "name", "merge", "map", "name")), ("nodeName", Str()), ("nodeSelector", StrMap()),
                ("preemptionPolicy", Str()), ("priority", Int()), ("priorityClassName", Str()), ("restartPolicy", Str()), ("schedulerName", Str()),
                ("securityContext", Ref(Core + "PodSecurityContext")), ("serviceAccount", Str()), ("serviceAccountName", Str()), ("subdomain", Str()),
                ("terminationGracePeriodSeconds", Long()), ("tolerations", List(Ref(Core + "Toleration"))),
                ("volumes", List(Ref(Core + "Volume"), "name", "merge,retainKeys", "map", "name"))),
            [Core + "PodStatus"] = Obj(("conditions", List(Any(), "type", "merge", "map", "type")), ("containerStatuses", List(Any())), ("hostIP", Str()),
                ("phase", Str()), ("podIP", Str()), ("podIPs", List(Any(), "ip", "merge", "map", "ip")), ("qosClass", Str()), ("reason", Str()), ("message", Str()), ("startTime", Str("date-time"))),
            [Core + "Container"] = Obj(("args", StrList()), ("command", StrList()), ("env", List(Ref(Core + "EnvVar"), "name", "merge", "map", "name")),
                ("envFrom", List(Any())), ("image", Str()), ("imagePullPolicy", Str()), ("lifecycle", Any()), ("livenessProbe", Ref(Core + "Probe")), ("name", Str()),
                ("ports", List(Ref(Core + "ContainerPort"), "containerPort", "merge", "map", "containerPort", "protocol")), ("readinessProbe", Ref(Core + "Probe")),
                ("resources", Ref(Core + "ResourceRequirements")), ("securityContext", Ref(Core + "SecurityContext")), ("startupProbe", Ref(Core + "Probe")),
                ("stdin", Bool()), ("terminationMessagePath", Str()), ("terminationMessagePolicy", Str()), ("tty", Bool()),
                ("volumeMounts", List(Ref(Core + "VolumeMount"), "mountPath", "merge", "map", "mountPath")), ("workingDir", Str())),
            [Core + "ContainerPort"] = Obj(("containerPort", Int()), ("hostIP", Str()), ("hostPort", Int()), ("name", Str()), ("protocol", Str())),
            [Core + "EnvVar"] = Obj(("name", Str()), ("value", Str()), ("valueFrom", Ref(Core + "EnvVarSource"))),
            [Core + "EnvVarSource"] = Obj(("configMapKeyRef", Any()), ("fieldRef", Ref(Core + "ObjectFieldSelector")), ("resourceFieldRef", Any()), ("secretKeyRef", Any())),
            [Core + "ObjectFieldSelector"] = Obj(("apiVersion", Str()), ("fieldPath", Str())),
            [Core + "VolumeMount"] = Obj(("mountPath", Str()), ("mountPropagation", Str()), ("name", Str()), ("readOnly", Bool()), ("subPath", Str())),
            [Core + "Volume"] = Obj(("configMap", Any()), ("emptyDir", Any()), ("hostPath", Ref(Core + "HostPathVolumeSource")), ("name", Str()),
                ("persistentVolumeClaim", Any()), ("projected", Any()), ("secret", Any())),
            [Core + "HostPathVolumeSource"] = Obj(("path", Str()), ("type", Str())),
            [Core + "Probe"] = Obj(("exec", Any()), ("failureThreshold", Int()), ("httpGet", Ref(Core + "HTTPGetAction")), ("initialDelaySeconds", Int()),
                ("periodSeconds", Int()), ("successThreshold", Int()), ("tcpSocket", Any()), ("timeoutSeconds", Int())),
            [Core + "HTTPGetAction"] = Obj(("host", Str()), ("httpHeaders", List(Any())), ("path", Str()), ("port", IntOrString()), ("scheme", Str())),
            [Core + "ResourceRequirements"] = Obj(("limits", StrMap()), ("requests", StrMap())),
            [Core + "SecurityContext"] = Obj(("allowPrivilegeEscalation", Bool()), ("capabilities", Ref(Core + "Capabilities")), ("privileged", Bool()),
                ("readOnlyRootFilesystem", Bool()), ("runAsGroup", Long()), ("runAsNonRoot", Bool()), ("runAsUser", Long()), ("seLinuxOptions", Ref(Core + "SELinuxOptions"))),
            [Core + "Capabilities"] = Obj(("add", StrList()), ("drop", StrList())),
            [Core + "PodSecurityContext"] = Obj(("fsGroup", Long()), ("runAsGroup", Long()), ("runAsNonRoot", Bool()), ("runAsUser", Long()),
                ("seLinuxOptions", Ref(Core + "SELinuxOptions")), ("supplementalGroups", List(Long()))),
            [Core + "SELinuxOptions"] = Obj(("level", Str()), ("role", Str()), ("type", Str()), ("user", Str())),
            [Core + "Toleration"] = Obj(("effect", Str()), ("key", Str()), ("operator", Str()), ("tolerationSeconds", Long()), ("value", Str())),
            [Core + "LocalObjectReference"] = Obj(("name", Str())),
            [Core + "ObjectReference"] = Obj(("apiVersion", Str()), ("fieldPath", Str()), ("kind", Str()), ("name", Str()), ("namespace", Str()), ("resourceVersion", Str()), ("uid", Str())),

            // core/v1: the other kinds
            [Core + "Node"] = Kind("", "Node", "v1", ("spec", Ref(Core + "NodeSpec")), ("status", Ref(Core + "NodeStatus"))),
            [Core + "NodeSpec"] = Obj(("podCIDR", Str()), ("podCIDRs", List(Str(), null, "merge", "set")), ("providerID", Str()), ("taints", List(Ref(Core + "Taint"))), ("unschedulable", Bool())),
            [Core + "Taint"] = Obj(("effect", Str()), ("key", Str()), ("timeAdded", Str("date-time")), ("value", Str())),
            [Core + "NodeStatus"] = Obj(("addresses", List(Ref(Core + "NodeAddress"), "type", "merge", "map", "type")), ("allocatable", StrMap()), ("capacity", StrMap()),
                ("conditions", List(Ref(Core + "NodeCondition"), "type", "merge", "map", "type")), ("daemonEndpoints", Any()), ("images", List(Any())),
                ("nodeInfo", Ref(Core + "NodeSystemInfo")), ("phase", Str())),
            [Core + "NodeAddress"] = Obj(("address", Str()), ("type", Str())),
            [Core + "NodeCondition"] = Obj(("lastHeartbeatTime", Str("date-time")), ("lastTransitionTime", Str("date-time")), ("message", Str()), ("reason", Str()), ("status", Str()), ("type", Str())),
            [Core + "NodeSystemInfo"] = Obj(("architecture", Str()), ("bootID", Str()), ("containerRuntimeVersion", Str()), ("kernelVersion", Str()), ("kubeProxyVersion", Str()),
                ("kubeletVersion", Str()), ("machineID", Str()), ("operatingSystem", Str()), ("osImage", Str()), ("systemUUID", Str())),
            [Core + "Service"] = Kind("", "Service", "v1", ("spec", Ref(Core + "ServiceSpec")), ("status", Any())),
            [Core + "ServiceSpec"] = Obj(("clusterIP", Str()), ("clusterIPs", List(Str())), ("externalIPs", StrList()), ("externalName", Str()), ("externalTrafficPolicy", Str()),
                ("internalTrafficPolicy", Str()), ("ipFamilies", StrList()), ("ipFamilyPolicy", Str()), ("loadBalancerIP", Str()),
                ("ports", List(Ref(Core + "ServicePort"), "port", "merge", "map", "port", "protocol")), ("selector", StrMap()), ("sessionAffinity", Str()), ("type", Str())),
            [Core + "ServicePort"] = Obj(("appProtocol", Str()), ("name", Str()), ("nodePort", Int()), ("port", Int()), ("protocol", Str()), ("targetPort", IntOrString())),
            [Core + "Endpoints"] = Kind("", "Endpoints", "v1", ("subsets", List(Ref(Core + "EndpointSubset")))),
            [Core + "EndpointSubset"] = Obj(("addresses", List(Ref(Core + "EndpointAddress"))), ("notReadyAddresses", List(Ref(Core + "EndpointAddress"))), ("ports", List(Ref(Core + "EndpointPort")))),
            [Core + "EndpointAddress"] = Obj(("hostname", Str()), ("ip", Str()), ("nodeName", Str()), ("targetRef", Ref(Core + "ObjectReference"))),
            [Core + "EndpointPort"] = Obj(("appProtocol", Str()), ("name", Str()), ("port", Int()), ("protocol", Str())),
            [Core + "Namespace"] = Kind("", "Namespace", "v1", ("spec", Obj(("finalizers", StrList()))), ("status", Obj(("conditions", List(Any())), ("phase", Str())))),
            [Core + "ServiceAccount"] = Kind("", "ServiceAccount", "v1", ("automountServiceAccountToken", Bool()),
                ("imagePullSecrets", List(Ref(Core + "LocalObjectReference"))), ("secrets", List(Ref(Core + "ObjectReference"), "name", "merge"))),
            [Core + "ConfigMap"] = Kind("", "ConfigMap", "v1", ("binaryData", StrMap()), ("data", StrMap()), ("immutable", Bool())),
            [Core + "Secret"] = Kind("", "Secret", "v1", ("data", StrMap()), ("immutable", Bool()), ("stringData", StrMap()), ("type", Str())),
            [Core + "Event"] = Kind("", "Event", "v1", ("count", Int()), ("firstTimestamp", Str("date-time")), ("involvedObject", Ref(Core + "ObjectReference")),
                ("lastTimestamp", Str("date-time")), ("message", Str()), ("reason", Str()), ("source", Any()), ("type", Str())),

            // apps/v1
            [Apps + "Deployment"] = Kind("apps", "Deployment", "v1", ("spec", Ref(Apps + "DeploymentSpec")), ("status", Ref(Apps + "DeploymentStatus"))),
            [Apps + "DeploymentSpec"] = Obj(("minReadySeconds", Int()), ("paused", Bool()), ("progressDeadlineSeconds", Int()), ("replicas", Int()), ("revisionHistoryLimit", Int()),
                ("selector", Ref(Meta + "LabelSelector")), ("strategy", Ref(Apps + "DeploymentStrategy")), ("template", Ref(Core + "PodTemplateSpec"))),
            [Apps + "DeploymentStrategy"] = Obj(("rollingUpdate", Obj(("maxSurge", IntOrString()), ("maxUnavailable", IntOrString()))), ("type", Str())),
            [Apps + "DeploymentStatus"] = Obj(("availableReplicas", Int()), ("collisionCount", Int()), ("conditions", List(Any(), "type", "merge", "map", "type")),
                ("observedGeneration", Long()), ("readyReplicas", Int()), ("replicas", Int()), ("unavailableReplicas", Int()), ("updatedReplicas", Int())),
            [Apps + "ReplicaSet"] = Kind("apps", "ReplicaSet", "v1", ("spec", Ref(Apps + "ReplicaSetSpec")), ("status", Ref(Apps + "ReplicaSetStatus"))),
            [Apps + "ReplicaSetSpec"] = Obj(("minReadySeconds", Int()), ("replicas", Int()), ("selector", Ref(Meta + "LabelSelector")), ("template", Ref(Core + "PodTemplateSpec"))),
            [Apps + "ReplicaSetStatus"] = Obj(("availableReplicas", Int()), ("conditions", List(Any(), "type", "merge", "map", "type")), ("fullyLabeledReplicas", Int()),
                ("observedGeneration", Long()), ("readyReplicas", Int()), ("replicas", Int())),
            [Apps + "DaemonSet"] = Kind("apps", "DaemonSet", "v1", ("spec", Ref(Apps + "DaemonSetSpec")), ("status", Ref(Apps + "DaemonSetStatus"))),
            [Apps + "DaemonSetSpec"] = Obj(("minReadySeconds", Int()), ("revisionHistoryLimit", Int()), ("selector", Ref(Meta + "LabelSelector")),
                ("template", Ref(Core + "PodTemplateSpec")), ("updateStrategy", Obj(("rollingUpdate", Obj(("maxSurge", IntOrString()), ("maxUnavailable", IntOrString()))), ("type", Str())))),
            [Apps + "DaemonSetStatus"] = Obj(("collisionCount", Int()), ("conditions", List(Any(), "type", "merge", "map", "type")), ("currentNumberScheduled", Int()),
                ("desiredNumberScheduled", Int()), ("numberAvailable", Int()), ("numberMisscheduled", Int()), ("numberReady", Int()), ("numberUnavailable", Int()),
                ("observedGeneration", Long()), ("updatedNumberScheduled", Int())),

            // rbac.authorization.k8s.io/v1
            [Rbac + "PolicyRule"] = Obj(("apiGroups", StrList()), ("nonResourceURLs", StrList()), ("resourceNames", StrList()), ("resources", StrList()), ("verbs", StrList())),
            [Rbac + "Subject"] = Obj(("apiGroup", Str()), ("kind", Str()), ("name", Str()), ("namespace", Str())),
            [Rbac + "RoleRef"] = Obj(("apiGroup", Str()), ("kind", Str()), ("name", Str())),
            [Rbac + "Role"] = Kind("rbac.authorization.k8s.io", "Role", "v1", ("rules", List(Ref(Rbac + "PolicyRule")))),
            [Rbac + "ClusterRole"] = Kind("rbac.authorization.k8s.io", "ClusterRole", "v1", ("aggregationRule", Any()), ("rules", List(Ref(Rbac + "PolicyRule")))),
            [Rbac + "RoleBinding"] = Kind("rbac.authorization.k8s.io", "RoleBinding", "v1", ("roleRef", Ref(Rbac + "RoleRef")), ("subjects", List(Ref(Rbac + "Subject")))),
            [Rbac + "ClusterRoleBinding"] = Kind("rbac.authorization.k8s.io", "ClusterRoleBinding", "v1", ("roleRef", Ref(Rbac + "RoleRef")), ("subjects", List(Ref(Rbac + "Subject")))),
        };
        return s;
    }

    private static string SchemaName(ResourceType t) => t.Group switch
    {
        "" => Core + t.Kind,
        "apps" => Apps + t.Kind,
        _ => Rbac + t.Kind,
    };

    private static string OperationId(string verb, ResourceType t)
    {
        var gv = t.Group switch { "" => "CoreV1", "apps" => "AppsV1", _ => "RbacAuthorizationV1" };
        return $"{verb}{gv}{(t.Namespaced ? "Namespaced" : "")}{t.Kind}";
    }

    private static JsonObject QueryParam(string name, string type, string description)
        => new() { ["name"] = name, ["in"] = "query", ["description"] = description, ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true } };

    private static JsonObject Gvk(ResourceType t) => new() { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version };

    private static JsonObject Ok(string schema) => new()
    {
        ["200"] = new JsonObject
        {
            ["description"] = "OK",
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schema) } },
        },
    };

    private static JsonObject PathItem(ResourceType t)
    {
        var schema = SchemaName(t);
        var patchBody = new JsonObject();
        foreach (var media in new[] { "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json" })
        {
            patchBody[media] = new JsonObject { ["schema"] = Ref(Meta + "Patch") };
        }
        var parameters = new JsonArray(
            new JsonObject { ["name"] = "name", ["in"] = "path", ["description"] = $"name of the {t.Kind}", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        if (t.Namespaced)
        {
            parameters.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["description"] = "object name and auth scope, such as for teams and projects", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }
        return new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["description"] = $"read the specified {t.Kind}",
                ["operationId"] = OperationId("read", t),
                ["responses"] = Ok(schema),
                ["x-kubernetes-action"] = "get",
                ["x-kubernetes-group-version-kind"] = Gvk(t),
            },
            ["put"] = new JsonObject
            {
                ["description"] = $"replace the specified {t.Kind}",
                ["operationId"] = OperationId("replace", t),
                ["parameters"] = new JsonArray(
                    QueryParam("dryRun", "string", "When present, indicates that modifications should not be persisted."),
                    QueryParam("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."),
                    QueryParam("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.")),
                ["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schema) } }, ["required"] = true },
                ["responses"] = Ok(schema),
                ["x-kubernetes-action"] = "put",
                ["x-kubernetes-group-version-kind"] = Gvk(t),
            },
            ["patch"] = new JsonObject
            {
                ["description"] = $"partially update the specified {t.Kind}",
                ["operationId"] = OperationId("patch", t),
                ["parameters"] = new JsonArray(
                    QueryParam("dryRun", "string", "When present, indicates that modifications should not be persisted."),
                    QueryParam("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."),
                    QueryParam("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."),
                    QueryParam("force", "boolean", "Force is going to \"force\" Apply requests.")),
                ["requestBody"] = new JsonObject { ["content"] = patchBody, ["required"] = true },
                ["responses"] = Ok(schema),
                ["x-kubernetes-action"] = "patch",
                ["x-kubernetes-group-version-kind"] = Gvk(t),
            },
            ["parameters"] = parameters,
        };
    }

    private static Dictionary<string, string> Build()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        var schemas = Schemas();
        foreach (var (group, version) in ResourceTypes.GroupVersions)
        {
            var paths = new JsonObject();
            foreach (var t in ResourceTypes.AllTypes.Where(t => t.Group == group && t.Version == version))
            {
                var item = t.Namespaced
                    ? $"{t.GroupVersionPath}/namespaces/{{namespace}}/{t.Plural}/{{name}}"
                    : $"{t.GroupVersionPath}/{t.Plural}/{{name}}";
                paths[item] = PathItem(t);
            }
            var components = new JsonObject();
            foreach (var (name, schema) in schemas.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                components[name] = schema.DeepClone();
            }
            var doc = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Discovery.GitVersion },
                ["paths"] = paths,
                ["components"] = new JsonObject { ["schemas"] = components },
            };
            var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            docs[key] = Json.Write(doc);
        }
        return docs;
    }
}
