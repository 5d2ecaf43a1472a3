using k8s;
using k8s.Models;
using KubeFromScratch.Engine.KubeApi;
using Xunit;

namespace KubeFromScratch.Tests.KubeApi;

/// <summary>
/// Pins how API objects read as kubectl prints them: a node's STATUS and ROLES, a pod's READY, STATUS and RESTARTS
/// through its life (kubectl's printPod rules), a deployment's and a DaemonSet's READY.
/// </summary>
public sealed class KubeConvertTests
{
    private static V1Pod Pod(string json) => KubernetesJson.Deserialize<V1Pod>(json);

    private const string TwoContainers = """
        "spec": { "nodeName": "core-02", "containers": [ { "name": "weave", "image": "weave-kube:2.8.1" }, { "name": "weave-npc", "image": "weave-npc:2.8.1" } ] }
        """;

    [Fact]
    public void A_node_is_Ready_from_its_Ready_condition_and_takes_roles_from_labels()
    {
        var node = KubeConvert.Node(KubernetesJson.Deserialize<V1Node>("""
            { "metadata": { "name": "core-01", "creationTimestamp": "2026-11-27T10:00:00Z", "resourceVersion": "42",
                "labels": { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "", "kubernetes.io/hostname": "core-01" } },
              "status": { "addresses": [ { "type": "Hostname", "address": "core-01" }, { "type": "InternalIP", "address": "172.17.8.101" } ],
                "nodeInfo": { "kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12 (bookworm)" },
                "conditions": [ { "type": "MemoryPressure", "status": "False" }, { "type": "Ready", "status": "True", "lastHeartbeatTime": "2026-11-27T10:05:00Z" } ] } }
            """));

        Assert.Equal("Ready", node.Status);
        Assert.True(node.Ready);
        Assert.Equal(["control-plane", "master"], node.Roles);
        Assert.Equal("172.17.8.101", node.InternalIP);
        Assert.Equal("v1.33.1", node.Version);
        Assert.Equal("42", node.ResourceVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 10, 5, 0, TimeSpan.Zero), node.LastHeartbeatTime);
    }

    [Theory]
    [InlineData("""{ "type": "Ready", "status": "False" }""", false, "NotReady")]
    [InlineData("""{ "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown" }""", false, "NotReady")]
    [InlineData("""{ "type": "Ready", "status": "True" }""", true, "Ready,SchedulingDisabled")]
    public void A_node_not_Ready_or_cordoned_prints_as_kubectl_prints_it(string condition, bool cordoned, string status)
    {
        var node = KubeConvert.Node(KubernetesJson.Deserialize<V1Node>(
            $$"""{ "metadata": { "name": "n" }, "spec": { "unschedulable": {{(cordoned ? "true" : "false")}} }, "status": { "conditions": [ {{condition}} ] } }"""));
        Assert.Equal(status, node.Status);
    }

    [Fact]
    public void A_node_without_conditions_is_Unknown()
    {
        Assert.Equal("Unknown", KubeConvert.Node(KubernetesJson.Deserialize<V1Node>("""{ "metadata": { "name": "n" } }""")).Status);
    }

    [Fact]
    public void A_pod_whose_containers_are_being_created_shows_ContainerCreating()
    {
        var pod = KubeConvert.Pod(Pod($$"""
            { "metadata": { "name": "weave-net-abcde", "namespace": "kube-system" }, {{TwoContainers}},
              "status": { "phase": "Pending", "containerStatuses": [
                { "name": "weave", "ready": false, "restartCount": 0, "state": { "waiting": { "reason": "ContainerCreating" } } },
                { "name": "weave-npc", "ready": false, "restartCount": 0, "state": { "waiting": { "reason": "ContainerCreating" } } } ] } }
            """));
        Assert.Equal("ContainerCreating", pod.Status);
        Assert.Equal("0/2", pod.Ready);
        Assert.Equal("Pending", pod.Phase);
        Assert.Equal("core-02", pod.Node);
    }

    [Fact]
    public void A_running_pod_counts_ready_containers_and_sums_restarts()
    {
        var pod = KubeConvert.Pod(Pod($$"""
            { "metadata": { "name": "weave-net-abcde", "namespace": "kube-system",
                "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "DaemonSet", "name": "weave-net", "uid": "u", "controller": true } ] }, {{TwoContainers}},
              "status": { "phase": "Running", "podIP": "172.17.8.102", "containerStatuses": [
                { "name": "weave", "ready": true, "restartCount": 1, "state": { "running": { "startedAt": "2026-11-27T10:00:00Z" } } },
                { "name": "weave-npc", "ready": true, "restartCount": 2, "state": { "running": { "startedAt": "2026-11-27T10:00:00Z" } } } ] } }
            """));
        Assert.Equal("Running", pod.Status);
        Assert.Equal("2/2", pod.Ready);
        Assert.Equal(3, pod.Restarts);
        Assert.Equal("DaemonSet", pod.OwnerKind);
        Assert.Equal("weave-net", pod.OwnerName);
    }

    [Fact]
    public void A_crashing_container_shows_its_waiting_reason()
    {
        var pod = KubeConvert.Pod(Pod($$"""
            { "metadata": { "name": "p", "namespace": "default" }, {{TwoContainers}},
              "status": { "phase": "Running", "containerStatuses": [
                { "name": "weave", "ready": false, "restartCount": 5, "state": { "waiting": { "reason": "CrashLoopBackOff" } } },
                { "name": "weave-npc", "ready": true, "restartCount": 0, "state": { "running": {} } } ] } }
            """));
        Assert.Equal("CrashLoopBackOff", pod.Status);
        Assert.Equal("1/2", pod.Ready);
        Assert.Equal(5, pod.Restarts);
    }

    [Fact]
    public void A_finished_pod_shows_Completed_and_a_deleted_one_Terminating()
    {
        var done = KubeConvert.Pod(Pod("""
            { "metadata": { "name": "job" }, "spec": { "containers": [ { "name": "c" } ] },
              "status": { "phase": "Succeeded", "containerStatuses": [ { "name": "c", "ready": false, "restartCount": 0, "state": { "terminated": { "exitCode": 0, "reason": "Completed" } } } ] } }
            """));
        Assert.Equal("Completed", done.Status);

        var deleting = KubeConvert.Pod(Pod("""
            { "metadata": { "name": "p", "deletionTimestamp": "2026-11-27T10:00:00Z" }, "spec": { "containers": [ { "name": "c" } ] },
              "status": { "phase": "Running", "containerStatuses": [ { "name": "c", "ready": true, "restartCount": 0, "state": { "running": {} } } ] } }
            """));
        Assert.Equal("Terminating", deleting.Status);
    }

    [Fact]
    public void A_pod_in_its_init_containers_shows_Init_progress()
    {
        var pod = KubeConvert.Pod(Pod("""
            { "metadata": { "name": "weave-net-x" }, "spec": { "initContainers": [ { "name": "weave-init" } ], "containers": [ { "name": "weave" } ] },
              "status": { "phase": "Pending", "initContainerStatuses": [ { "name": "weave-init", "ready": false, "restartCount": 0, "state": { "running": {} } } ],
                "containerStatuses": [ { "name": "weave", "ready": false, "restartCount": 0, "state": { "waiting": { "reason": "PodInitializing" } } } ] } }
            """));
        Assert.Equal("Init:0/1", pod.Status);
    }

    [Fact]
    public void A_deployment_is_complete_only_when_the_controller_saw_its_spec_and_every_replica_is_ready()
    {
        var rolling = KubeConvert.Deployment(KubernetesJson.Deserialize<V1Deployment>("""
            { "metadata": { "name": "my-nginx", "namespace": "default", "generation": 2 }, "spec": { "replicas": 2, "selector": { "matchLabels": { "app": "my-nginx" } },
              "template": { "spec": { "containers": [ { "name": "nginx", "image": "nginx" } ] } } },
              "status": { "observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2 } }
            """));
        Assert.Equal("2/2", rolling.Ready);
        Assert.False(rolling.Complete);

        var done = KubeConvert.Deployment(KubernetesJson.Deserialize<V1Deployment>("""
            { "metadata": { "name": "my-nginx", "generation": 2 }, "spec": { "replicas": 2 },
              "status": { "observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2 } }
            """));
        Assert.True(done.Complete);
    }

    [Fact]
    public void A_DaemonSet_with_no_node_to_run_on_is_not_complete()
    {
        var none = KubeConvert.DaemonSet(KubernetesJson.Deserialize<V1DaemonSet>("""{ "metadata": { "name": "weave-net" }, "status": { "desiredNumberScheduled": 0 } }"""));
        Assert.Equal("0/0", none.Ready);
        Assert.False(none.Complete);

        var all = KubeConvert.DaemonSet(KubernetesJson.Deserialize<V1DaemonSet>("""
            { "metadata": { "name": "weave-net", "generation": 1 }, "status": { "observedGeneration": 1, "desiredNumberScheduled": 3, "currentNumberScheduled": 3,
              "numberReady": 3, "updatedNumberScheduled": 3, "numberAvailable": 3 } }
            """));
        Assert.Equal("3/3", all.Ready);
        Assert.True(all.Complete);
    }

    [Fact]
    public void A_NodePort_service_gives_one_url_per_node_with_an_InternalIP()
    {
        var service = KubeConvert.Service(KubernetesJson.Deserialize<V1Service>("""
            { "metadata": { "name": "my-nginx", "namespace": "default" },
              "spec": { "type": "NodePort", "clusterIP": "10.96.0.17", "selector": { "app": "my-nginx" },
                "ports": [ { "port": 8080, "targetPort": 80, "nodePort": 31234, "protocol": "TCP" } ] } }
            """));
        Assert.Equal("8080:31234/TCP", service.PortText);
        Assert.Equal(31234, service.NodePort);

        var nodes = new[] { "core-02:172.17.8.102", "core-01:172.17.8.101", "nowhere:" }.Select(n =>
        {
            var parts = n.Split(':');
            string addresses = parts[1].Length == 0 ? "[]" : $$"""[ { "type": "InternalIP", "address": "{{parts[1]}}" } ]""";
            return KubeConvert.Node(KubernetesJson.Deserialize<V1Node>($$"""{ "metadata": { "name": "{{parts[0]}}" }, "status": { "addresses": {{addresses}} } }"""));
        });
        var urls = KubeServiceUrls.For(service, nodes);
        Assert.Equal(["http://172.17.8.101:31234/", "http://172.17.8.102:31234/"], urls.Select(u => u.Url));
        Assert.All(urls, u => Assert.Null(u.Reachable));
    }

    [Fact]
    public void A_ClusterIP_service_has_no_url_and_says_how_to_get_one()
    {
        var service = KubeConvert.Service(KubernetesJson.Deserialize<V1Service>("""
            { "metadata": { "name": "db", "namespace": "default" }, "spec": { "type": "ClusterIP", "ports": [ { "port": 5432 } ] } }
            """));
        var ex = Assert.Throws<KfsException>(() => KubeServiceUrls.For(service, Array.Empty<KubeNode>()));
        Assert.Equal("KubeServiceNoNodePort", ex.ErrorId);
        Assert.Contains("-Type NodePort", ex.Message, StringComparison.Ordinal);
    }
}
