using System.Text.Json.Nodes;
using KubeFromScratch.Engine.Kube;
using Xunit;

namespace KubeFromScratch.Tests.Kube;

/// <summary>
/// Pins the Weave Net 2.8.1 manifest the module ships in place of the dead git.io/weave-kube: byte for byte (its
/// SHA-256), and what the cluster gets from it.
/// </summary>
public sealed class WeaveNetManifestTests
{
    private static readonly IReadOnlyList<KubeManifestObject> Objects = KubeManifests.ReadWeaveNet();

    private static JsonObject DaemonSet => Objects.Single(o => o.Kind == "DaemonSet").Body;

    private static JsonObject PodSpec => DaemonSet["spec"]!["template"]!["spec"]!.AsObject();

    private static JsonObject Container(string name) =>
        PodSpec["containers"]!.AsArray().Concat(PodSpec["initContainers"]!.AsArray())
            .Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    private static string[] Mounts(string container) =>
        Container(container)["volumeMounts"]!.AsArray().Select(m => $"{m!["name"]}:{m["mountPath"]}").ToArray();

    [Fact]
    public void The_shipped_manifest_is_byte_for_byte_the_pinned_one()
    {
        Assert.Equal(KubeManifests.WeaveNetSha256, KubeManifests.ComputeWeaveNetSha256());
    }

    [Fact]
    public void It_reads_as_the_six_objects_of_the_release_and_validates_clean()
    {
        Assert.Equal(
            ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"],
            Objects.Select(o => o.Kind));
        Assert.All(Objects, o => Assert.Equal("weave-net", o.Name));
        Assert.Equal([1, 2, 3, 4, 5, 6], Objects.Select(o => o.DocumentIndex));
        Assert.Empty(KubeManifestValidator.Validate(Objects));
        Assert.Equal(["kube-system"], KubeApplyOrder.RequiredNamespaces(Objects));
        Assert.Empty(KubeApplyOrder.Namespaces(Objects));
    }

    [Fact]
    public void It_sorts_account_then_cluster_rbac_then_namespace_rbac_then_the_DaemonSet()
    {
        var sorted = KubeApplyOrder.Sort(Objects.Reverse());

        Assert.Equal(
            ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"],
            sorted.Select(o => o.Kind));
    }

    [Fact]
    public void Its_objects_live_where_the_release_puts_them()
    {
        Assert.Equal(
            [
                "/api/v1/namespaces/kube-system/serviceaccounts/weave-net",
                "/apis/rbac.authorization.k8s.io/v1/clusterroles/weave-net",
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/weave-net",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/weave-net",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/weave-net",
                "/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net",
            ],
            Objects.Select(o => o.ItemPath));
    }

    [Fact]
    public void The_ClusterRole_lets_weave_watch_pods_namespaces_nodes_and_policies_and_update_node_status()
    {
        var rules = Objects.Single(o => o.Kind == "ClusterRole").Body["rules"]!.ToJsonString();

        Assert.Equal(
            """[{"apiGroups":[""],"resources":["pods","namespaces","nodes"],"verbs":["get","list","watch"]},""" +
            """{"apiGroups":["extensions"],"resources":["networkpolicies"],"verbs":["get","list","watch"]},""" +
            """{"apiGroups":["networking.k8s.io"],"resources":["networkpolicies"],"verbs":["get","list","watch"]},""" +
            """{"apiGroups":[""],"resources":["nodes/status"],"verbs":["patch","update"]}]""",
            rules);
    }

    [Fact]
    public void The_Role_lets_weave_keep_its_own_ConfigMap()
    {
        var rules = Objects.Single(o => o.Kind == "Role").Body["rules"]!.ToJsonString();

        Assert.Equal(
            """[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["weave-net"],"verbs":["get","update"]},""" +
            """{"apiGroups":[""],"resources":["configmaps"],"verbs":["create"]}]""",
            rules);
    }

    [Fact]
    public void The_bindings_bind_the_weave_net_account()
    {
        foreach (var kind in new[] { "ClusterRoleBinding", "RoleBinding" })
        {
            var body = Objects.Single(o => o.Kind == kind).Body;
            Assert.Equal("""[{"kind":"ServiceAccount","name":"weave-net","namespace":"kube-system"}]""", body["subjects"]!.ToJsonString());
            Assert.Equal(kind.Replace("Binding", string.Empty, StringComparison.Ordinal), body["roleRef"]!["kind"]!.GetValue<string>());
        }
    }

    [Fact]
    public void The_DaemonSet_runs_weave_and_weave_npc_2_8_1_on_the_host_network_of_every_node()
    {
        Assert.Equal("apps/v1", DaemonSet["apiVersion"]!.GetValue<string>());
        Assert.Equal("""{"matchLabels":{"name":"weave-net"}}""", DaemonSet["spec"]!["selector"]!.ToJsonString());
        Assert.Equal(5, DaemonSet["spec"]!["minReadySeconds"]!.GetValue<long>());
        Assert.Equal("RollingUpdate", DaemonSet["spec"]!["updateStrategy"]!["type"]!.GetValue<string>());
        Assert.True(PodSpec["hostNetwork"]!.GetValue<bool>());
        Assert.False(PodSpec["hostPID"]!.GetValue<bool>());
        Assert.Equal("ClusterFirstWithHostNet", PodSpec["dnsPolicy"]!.GetValue<string>());
        Assert.Equal("Always", PodSpec["restartPolicy"]!.GetValue<string>());
        Assert.Equal("system-node-critical", PodSpec["priorityClassName"]!.GetValue<string>());
        Assert.Equal("weave-net", PodSpec["serviceAccountName"]!.GetValue<string>());
        Assert.Equal("""{"seLinuxOptions":{}}""", PodSpec["securityContext"]!.ToJsonString());
        Assert.Equal("""[{"effect":"NoSchedule","operator":"Exists"},{"effect":"NoExecute","operator":"Exists"}]""",
            PodSpec["tolerations"]!.ToJsonString());

        Assert.Equal("docker.io/weaveworks/weave-kube:2.8.1", Container("weave")["image"]!.GetValue<string>());
        Assert.Equal("docker.io/weaveworks/weave-npc:2.8.1", Container("weave-npc")["image"]!.GetValue<string>());
        Assert.Equal("docker.io/weaveworks/weave-kube:2.8.1", Container("weave-init")["image"]!.GetValue<string>());
        Assert.All(["weave", "weave-npc", "weave-init"], c => Assert.True(Container(c)["securityContext"]!["privileged"]!.GetValue<bool>()));
        Assert.All(["weave", "weave-npc", "weave-init"], c => Assert.False(Container(c).ContainsKey("imagePullPolicy")));
    }

    [Fact]
    public void The_weave_container_launches_after_the_init_container_and_reports_ready_on_its_status_page()
    {
        var weave = Container("weave");

        Assert.Equal("""["/home/weave/launch.sh"]""", weave["command"]!.ToJsonString());
        Assert.Equal(
            """[{"name":"INIT_CONTAINER","value":"true"},{"name":"HOSTNAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}}]""",
            weave["env"]!.ToJsonString());
        Assert.Equal("""{"httpGet":{"host":"127.0.0.1","path":"/status","port":6784}}""", weave["readinessProbe"]!.ToJsonString());
        Assert.Equal("""{"requests":{"cpu":"50m"}}""", weave["resources"]!.ToJsonString());
        Assert.Equal(["weavedb:/weavedb", "dbus:/host/var/lib/dbus", "cni-machine-id:/host/etc/machine-id", "xtables-lock:/run/xtables.lock"],
            Mounts("weave"));

        var init = Container("weave-init");
        Assert.Equal("""["/home/weave/init.sh"]""", init["command"]!.ToJsonString());
        Assert.Null(init["env"]);
        Assert.Equal(["cni-bin:/host/opt", "cni-bin2:/host/home", "cni-conf:/host/etc", "lib-modules:/lib/modules", "xtables-lock:/run/xtables.lock"],
            Mounts("weave-init"));

        var npc = Container("weave-npc");
        Assert.Equal("""[{"name":"HOSTNAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}}]""", npc["env"]!.ToJsonString());
        Assert.Equal("""{"requests":{"cpu":"50m"}}""", npc["resources"]!.ToJsonString());
        Assert.Equal(["xtables-lock:/run/xtables.lock"], Mounts("weave-npc"));
    }

    [Fact]
    public void The_volumes_are_the_host_paths_weave_installs_into_and_keeps_its_state_in()
    {
        var volumes = PodSpec["volumes"]!.AsArray().Select(v => $"{v!["name"]}:{v["hostPath"]!["path"]}{(v["hostPath"]!["type"] is { } t ? ":" + t : "")}");

        Assert.Equal(
            ["weavedb:/var/lib/weave", "cni-bin:/opt", "cni-bin2:/home", "cni-conf:/etc", "cni-machine-id:/etc/machine-id",
             "dbus:/var/lib/dbus", "lib-modules:/lib/modules", "xtables-lock:/run/xtables.lock:FileOrCreate"],
            volumes);
    }

    [Fact]
    public void The_header_says_what_it_is_and_which_ports_weave_needs()
    {
        string text = KubeManifests.WeaveNet;

        Assert.StartsWith("# Weave Net 2.8.1", text);
        Assert.Contains("6783/tcp", text);
        Assert.Contains("6783-6784/udp", text);
        Assert.Contains("6781-6782/tcp", text);
        Assert.DoesNotMatch("(?m)^kind: List", text);
        Assert.DoesNotContain("\r", text);
    }
}
