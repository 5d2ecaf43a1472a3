using KubeFromScratch.Engine.Kube;
using Xunit;
using static KubeFromScratch.Tests.Kube.KubeFixtures;

namespace KubeFromScratch.Tests.Kube;

/// <summary>Pins the order objects are applied in, the namespaces a manifest needs, and the kinds' URLs.</summary>
public sealed class KubeApplyOrderTests
{
    private static string Doc(string apiVersion, string kind, string name, string? ns = null) =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{name: {name}{(ns is null ? "" : ", namespace: " + ns)}}}\n";

    [Fact]
    public void Objects_are_sorted_namespaces_first_workloads_last_as_Helm_installs()
    {
        var objects = ReadText(string.Join("---\n",
            Doc("apps/v1", "Deployment", "web"),
            Doc("v1", "Service", "web"),
            Doc("networking.k8s.io/v1", "Ingress", "web"),
            Doc("v1", "ConfigMap", "web"),
            Doc("rbac.authorization.k8s.io/v1", "RoleBinding", "web"),
            Doc("v1", "ServiceAccount", "web"),
            Doc("v1", "Namespace", "demo"),
            Doc("batch/v1", "Job", "migrate"),
            Doc("v1", "Secret", "web"),
            Doc("rbac.authorization.k8s.io/v1", "ClusterRole", "web")));

        var sorted = KubeApplyOrder.Sort(objects);

        Assert.Equal(
            ["Namespace", "ServiceAccount", "Secret", "ConfigMap", "ClusterRole", "RoleBinding", "Service", "Deployment", "Job", "Ingress"],
            sorted.Select(o => o.Kind));
    }

    [Fact]
    public void Objects_of_one_kind_and_kinds_not_in_the_order_keep_the_manifests_order()
    {
        var objects = ReadText(string.Join("---\n",
            Doc("example.com/v1", "Widget", "first"),
            Doc("v1", "ConfigMap", "b"),
            Doc("v1", "Endpoints", "second"),
            Doc("v1", "ConfigMap", "a"),
            Doc("v1", "Node", "third")));

        var sorted = KubeApplyOrder.Sort(objects);

        Assert.Equal(["ConfigMap/b", "ConfigMap/a", "Widget/first", "Endpoints/second", "Node/third"],
            sorted.Select(o => $"{o.Kind}/{o.Name}"));
    }

    [Fact]
    public void The_order_lists_the_workshops_kinds_in_dependency_order()
    {
        string[] expected =
        [
            "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
            "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
            "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet",
            "Pod", "ReplicaSet", "Deployment", "StatefulSet", "Job", "CronJob", "Ingress",
        ];

        Assert.Equal(expected, KubeApplyOrder.KindOrder.Where(expected.Contains));
    }

    [Fact]
    public void A_manifest_tells_which_namespaces_it_creates_and_which_must_already_exist()
    {
        var objects = ReadText(string.Join("---\n",
            Doc("v1", "ConfigMap", "a", "team-a"),
            Doc("v1", "Namespace", "team-a"),
            Doc("v1", "ConfigMap", "b", "team-b"),
            Doc("apps/v1", "Deployment", "c"),
            Doc("rbac.authorization.k8s.io/v1", "ClusterRole", "d"),
            Doc("v1", "Namespace", "unused")),
            defaultNamespace: "kube-system");

        Assert.Equal(["team-a", "unused"], KubeApplyOrder.Namespaces(objects));
        Assert.Equal(["kube-system", "team-b"], KubeApplyOrder.RequiredNamespaces(objects));
    }

    [Theory]
    [InlineData("v1", "ServiceAccount", "kube-system", "weave-net", "/api/v1/namespaces/kube-system/serviceaccounts/weave-net")]
    [InlineData("rbac.authorization.k8s.io/v1", "ClusterRole", null, "weave-net", "/apis/rbac.authorization.k8s.io/v1/clusterroles/weave-net")]
    [InlineData("v1", "Namespace", null, "demo", "/api/v1/namespaces/demo")]
    [InlineData("v1", "Node", null, "core-01", "/api/v1/nodes/core-01")]
    [InlineData("apps/v1", "DaemonSet", "kube-system", "weave-net", "/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net")]
    [InlineData("networking.k8s.io/v1", "Ingress", "web", "site", "/apis/networking.k8s.io/v1/namespaces/web/ingresses/site")]
    public void Kinds_know_their_urls(string apiVersion, string kind, string? ns, string name, string path)
    {
        var known = KubeKinds.Find(apiVersion, kind);

        Assert.NotNull(known);
        Assert.Equal(path, known.ItemPath(ns, name));
        Assert.Equal(path[..path.LastIndexOf('/')], known.CollectionPath(ns));
    }

    [Fact]
    public void A_namespaced_kinds_url_needs_a_namespace()
    {
        Assert.Throws<ArgumentException>(() => KubeKinds.Find("v1", "ConfigMap")!.CollectionPath(null));
    }

    [Fact]
    public void The_registry_holds_every_kind_the_module_applies_once()
    {
        Assert.Equal(KubeKinds.All.Count, KubeKinds.All.Select(k => k.Kind).Distinct().Count());
        Assert.All(["Namespace", "ServiceAccount", "Secret", "ConfigMap", "Service", "Endpoints", "Pod", "Node", "Deployment",
                "ReplicaSet", "DaemonSet", "StatefulSet", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                "PodDisruptionBudget", "Job", "CronJob", "NetworkPolicy", "Ingress", "StorageClass", "CustomResourceDefinition"],
            kind => Assert.NotNull(KubeKinds.FindKind(kind)));
        Assert.False(KubeKinds.FindKind("Node")!.Namespaced);
        Assert.True(KubeKinds.FindKind("Endpoints")!.Namespaced);
    }
}
