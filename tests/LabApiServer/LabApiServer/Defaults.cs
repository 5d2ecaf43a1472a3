using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>The real API's defaulting for the fields a workshop looks at, so -o yaml reads like a real cluster's.</summary>
public static class Defaults
{
    /// <summary>Fills defaults in place for a kind.</summary>
    public static void Apply(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Pods)
        {
            PodSpec(obj.Ensure("spec"));
        }
        else if (type == ResourceTypes.Deployments)
        {
            var spec = obj.Ensure("spec");
            spec["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            var strategy = spec.Ensure("strategy");
            strategy["type"] ??= "RollingUpdate";
            if (strategy.Str("type") == "RollingUpdate")
            {
                var ru = strategy.Ensure("rollingUpdate");
                ru["maxUnavailable"] ??= "25%";
                ru["maxSurge"] ??= "25%";
            }
            Template(spec);
        }
        else if (type == ResourceTypes.ReplicaSets)
        {
            var spec = obj.Ensure("spec");
            spec["replicas"] ??= 1;
            Template(spec);
        }
        else if (type == ResourceTypes.DaemonSets)
        {
            var spec = obj.Ensure("spec");
            spec["revisionHistoryLimit"] ??= 10;
            var strategy = spec.Ensure("updateStrategy");
            strategy["type"] ??= "RollingUpdate";
            if (strategy.Str("type") == "RollingUpdate")
            {
                var ru = strategy.Ensure("rollingUpdate");
                ru["maxUnavailable"] ??= 1;
                ru["maxSurge"] ??= 0;
            }
            Template(spec);
        }
        else if (type == ResourceTypes.Services)
        {
            Service(obj.Ensure("spec"));
        }
        else if (type == ResourceTypes.Namespaces)
        {
            var name = obj.Str("metadata", "name") ?? "";
            obj.Ensure("metadata", "labels")["kubernetes.io/metadata.name"] = name;
            var spec = obj.Ensure("spec");
            spec["finalizers"] ??= new JsonArray("kubernetes");
            obj.Ensure("status")["phase"] ??= "Active";
        }
        else if (type == ResourceTypes.RoleBindings || type == ResourceTypes.ClusterRoleBindings)
        {
            foreach (var s in obj.Arr("subjects").Objects())
            {
                if (s.Str("kind") is "User" or "Group")
                {
                    s["apiGroup"] ??= "rbac.authorization.k8s.io";
                }
            }
        }
    }

    private static void Template(JsonObject spec)
    {
        var template = spec.Ensure("template");
        template.Ensure("metadata");
        PodSpec(template.Ensure("spec"));
    }

    /// <summary>PodSpec defaults (SetDefaults_PodSpec, SetDefaults_Container, ports' protocol, hostNetwork host ports).</summary>
    public static void PodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= "default-scheduler";
        var hostNetwork = spec.Bool("hostNetwork") == true;
        foreach (var field in new[] { "initContainers", "containers" })
        {
            foreach (var c in spec.Arr(field).Objects())
            {
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
                c["resources"] ??= new JsonObject();
                var image = c.Str("image") ?? "";
                var tagPart = image.Contains('@') ? "digest" : image[(image.LastIndexOf('/') + 1)..];
                c["imagePullPolicy"] ??= tagPart.Contains(':') && !tagPart.EndsWith(":latest", StringComparison.Ordinal) || tagPart == "digest" ? "IfNotPresent" : "Always";
                foreach (var p in c.Arr("ports").Objects())
                {
                    p["protocol"] ??= "TCP";
                    if (hostNetwork)
                    {
                        p["hostPort"] ??= p["containerPort"]?.DeepClone();
                    }
                }
                foreach (var e in c.Arr("env").Objects())
                {
                    if (e.Obj("valueFrom", "fieldRef") is JsonObject fr)
                    {
                        fr["apiVersion"] ??= "v1";
                    }
                }
            }
        }
        foreach (var v in spec.Arr("volumes").Objects())
        {
            if (v.Obj("hostPath") is JsonObject hp)
            {
                hp["type"] ??= "";
            }
        }
    }

    /// <summary>Service defaults (type, session affinity, protocol, targetPort, traffic policies, IP families).</summary>
    public static void Service(JsonObject spec)
    {
        spec["type"] ??= "ClusterIP";
        var type = spec.Str("type");
        if (type == "ExternalName")
        {
            return;
        }
        spec["sessionAffinity"] ??= "None";
        foreach (var p in spec.Arr("ports").Objects())
        {
            p["protocol"] ??= "TCP";
            p["targetPort"] ??= p["port"]?.DeepClone();
        }
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        if (type is "NodePort" or "LoadBalancer")
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
        }
        else
        {
            spec.Remove("externalTrafficPolicy");
        }
    }
}
