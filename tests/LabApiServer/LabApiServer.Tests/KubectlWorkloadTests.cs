using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>The workshop's workload steps, with kubectl's own output as the referee.</summary>
public sealed class KubectlWorkloadTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public async Task ApplyWeaveManifest_DaemonSetReadyOnEveryNode()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(3);

        // kubectl's default validation (strict, server-side via the OpenAPI v3 fieldValidation parameter).
        var r = await lab.Kubectl("apply", "-f", Fixture("weave-net.yaml"));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        Assert.Equal(
            [
                "serviceaccount/weave-net created",
                "clusterrole.rbac.authorization.k8s.io/weave-net created",
                "clusterrolebinding.rbac.authorization.k8s.io/weave-net created",
                "role.rbac.authorization.k8s.io/weave-net created",
                "rolebinding.rbac.authorization.k8s.io/weave-net created",
                "daemonset.apps/weave-net created",
            ],
            r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var failure = await LabHost.Eventually(async () =>
        {
            var ds = await lab.Kubectl("get", "ds", "-n", "kube-system");
            var rows = LabHost.Rows(ds.Stdout);
            if (rows.Count < 2 || rows[0][1] != "DESIRED")
            {
                return ds.ToString();
            }
            // NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE
            var w = rows[1];
            return w[0] == "weave-net" && w[1] == "3" && w[2] == "3" && w[3] == "3" && w[4] == "3" && w[5] == "3" && w[6] == "<none>" ? null : ds.ToString();
        });
        Assert.Null(failure);

        var pods = await lab.Kubectl("get", "pods", "--namespace=kube-system", "-o", "wide");
        var podRows = LabHost.Rows(pods.Stdout);
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"], podRows[0]);
        Assert.Equal(3, podRows.Count - 1);
        Assert.All(podRows.Skip(1), c =>
        {
            Assert.StartsWith("weave-net-", c[0]);
            Assert.Equal("2/2", c[1]);
            Assert.Equal("Running", c[2]);
            Assert.Equal("0", c[3]);
            Assert.StartsWith("172.17.8.10", c[5]); // hostNetwork: the pod IP is the node's
        });
        Assert.Equal(["core-01", "core-02", "core-03"], podRows.Skip(1).Select(c => c[6]).Order());

        var again = await lab.Kubectl("apply", "-f", Fixture("weave-net.yaml"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("daemonset.apps/weave-net unchanged", again.Stdout);

        // A changed manifest: kubectl computes a strategic merge patch from the served OpenAPI v3 schema, with no warning.
        var changed = File.ReadAllText(Fixture("weave-net.yaml")).Replace("cpu: 50m", "cpu: 60m").Replace("containerPort: 6784", "containerPort: 6785");
        var patched = await lab.KubectlStdin(changed, "apply", "-f", "-");
        Assert.True(patched.ExitCode == 0, patched.ToString());
        Assert.Equal("", patched.Stderr);
        Assert.Contains("daemonset.apps/weave-net configured", patched.Stdout);
        var ports = await lab.Kubectl("get", "ds", "weave-net", "-n", "kube-system", "-o", "jsonpath={.spec.template.spec.containers[0].ports[*].containerPort}");
        Assert.Equal("6783 6785", ports.Stdout);
    }

    [Fact]
    public async Task GetPodsInKubeSystem_EmptyThenListed()
    {
        await using var lab = await LabHost.StartAsync();

        var empty = await lab.Kubectl("get", "pods", "-n", "kube-system");
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Equal("No resources found in kube-system namespace.\n", empty.Stderr);

        var all = await lab.Kubectl("get", "ns");
        Assert.Equal(["default", "kube-node-lease", "kube-public", "kube-system"], LabHost.Rows(all.Stdout).Skip(1).Select(c => c[0]));
        Assert.All(LabHost.Rows(all.Stdout).Skip(1), c => Assert.Equal("Active", c[1]));
    }

    [Fact]
    public async Task CreateExposeAndDeleteDeployment_LikeTheWorkshop()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(3);

        // kubectl's typed client sends this one as protobuf.
        var create = await lab.Kubectl("create", "deployment", "my-nginx", "--image=nginx", "--replicas=2", "--port=80");
        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Equal("deployment.apps/my-nginx created\n", create.Stdout);

        var failure = await LabHost.Eventually(async () =>
        {
            var d = await lab.Kubectl("get", "deployment", "my-nginx");
            var rows = LabHost.Rows(d.Stdout);
            return rows.Count == 2 && rows[0].SequenceEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]) && rows[1][1] == "2/2" && rows[1][2] == "2" && rows[1][3] == "2" ? null : d.ToString();
        });
        Assert.Null(failure);

        var rs = await lab.Kubectl("get", "rs");
        var rsRows = LabHost.Rows(rs.Stdout);
        Assert.Equal(["NAME", "DESIRED", "CURRENT", "READY", "AGE"], rsRows[0]);
        Assert.Matches("^my-nginx-[bcdfghjklmnpqrstvwxz2456789]+$", rsRows[1][0]);
        Assert.Equal(["2", "2", "2"], rsRows[1][1..4]);

        var pods = await lab.Kubectl("get", "pods", "-o", "wide");
        var podRows = LabHost.Rows(pods.Stdout).Skip(1).ToList();
        Assert.Equal(2, podRows.Count);
        Assert.All(podRows, c => Assert.Equal(["1/1", "Running"], c[1..3]));
        Assert.Equal(2, podRows.Select(c => c[6]).Distinct().Count()); // round-robin over the Ready nodes

        var expose = await lab.Kubectl("expose", "deployment", "my-nginx", "--port=8080", "--target-port=80", "--type=NodePort");
        Assert.True(expose.ExitCode == 0, expose.ToString());
        Assert.Equal("service/my-nginx exposed\n", expose.Stdout);

        var yaml = await lab.Kubectl("get", "-o", "yaml", "service/my-nginx");
        Assert.True(yaml.ExitCode == 0, yaml.ToString());
        var nodePortLine = yaml.Stdout.Split('\n').Single(l => l.Contains("nodePort:"));
        var nodePort = int.Parse(nodePortLine.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(nodePort, 30000, 32767);
        Assert.Contains("type: NodePort", yaml.Stdout);
        Assert.Contains("targetPort: 80", yaml.Stdout);
        Assert.Contains("port: 8080", yaml.Stdout);

        var svc = LabHost.Rows((await lab.Kubectl("get", "svc", "my-nginx")).Stdout);
        Assert.Equal(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], svc[0]);
        Assert.Equal("NodePort", svc[1][1]);
        Assert.StartsWith("10.", svc[1][2]);
        Assert.Equal("<none>", svc[1][3]);
        Assert.Equal($"8080:{nodePort}/TCP", svc[1][4]);

        failure = await LabHost.Eventually(async () =>
        {
            var ep = await lab.Kubectl("get", "endpoints", "my-nginx", "--no-headers");
            var cells = LabHost.Rows(ep.Stdout);
            return cells.Count == 1 && cells[0][1].Split(',').Length == 2 && cells[0][1].Split(',').All(a => a.EndsWith(":80", StringComparison.Ordinal)) ? null : ep.ToString();
        });
        Assert.Null(failure);

        var delete = await lab.Kubectl("delete", "deployment", "my-nginx");
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Equal("deployment.apps \"my-nginx\" deleted\n", delete.Stdout);
        failure = await LabHost.Eventually(async () =>
        {
            var left = await lab.Kubectl("get", "deployments,replicasets,pods", "-l", "app=my-nginx");
            return left.Stdout.Length == 0 && left.Stderr == "No resources found in default namespace.\n" ? null : left.ToString();
        });
        Assert.Null(failure);
    }

    [Fact]
    public async Task ScaleDeployment_ThroughTheScaleSubresource()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(2);
        Assert.Equal(0, (await lab.Kubectl("create", "deployment", "web", "--image=nginx:1.25")).ExitCode);

        var scale = await lab.Kubectl("scale", "deployment", "web", "--replicas=3");
        Assert.True(scale.ExitCode == 0, scale.ToString());
        Assert.Equal("deployment.apps/web scaled\n", scale.Stdout);

        var failure = await LabHost.Eventually(async () =>
        {
            var d = await lab.Kubectl("get", "deploy", "web", "--no-headers");
            return LabHost.Rows(d.Stdout) is [[_, "3/3", "3", "3", _]] ? null : d.ToString();
        });
        Assert.Null(failure);
    }

    [Fact]
    public async Task ApplyServerSide_CreatesThenUpdates()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(1);
        const string manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: ssa
              labels: {app: ssa}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: ssa}
              template:
                metadata:
                  labels: {app: ssa}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    ports:
                    - containerPort: 80
            """;
        var first = await lab.KubectlStdin(manifest, "apply", "--server-side", "-f", "-");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("deployment.apps/ssa serverside-applied\n", first.Stdout);

        var second = await lab.KubectlStdin(manifest.Replace("replicas: 1", "replicas: 2"), "apply", "--server-side", "-f", "-");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("deployment.apps/ssa serverside-applied\n", second.Stdout);

        var managers = await lab.Kubectl("get", "deploy", "ssa", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}/{.spec.replicas}");
        Assert.Equal("kubectl/Apply/2", managers.Stdout);
    }

    [Fact]
    public async Task ApplyDeploymentAndService_ClientSide_CreatedUnchangedConfigured()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(2);
        var path = Fixture("web.yaml");

        var first = await lab.Kubectl("apply", "-f", path);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("deployment.apps/web created\nservice/web created\n", first.Stdout);

        var same = await lab.Kubectl("apply", "-f", path);
        Assert.Equal("deployment.apps/web unchanged\nservice/web unchanged\n", same.Stdout);

        var changed = File.ReadAllText(path).Replace("value: \"1\"", "value: \"2\"").Replace("replicas: 2", "replicas: 3");
        var third = await lab.KubectlStdin(changed, "apply", "-f", "-");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Equal("", third.Stderr);
        Assert.Equal("deployment.apps/web configured\nservice/web unchanged\n", third.Stdout);
        var env = await lab.Kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].env[0].value}/{.metadata.generation}");
        Assert.Equal("3/2/2", env.Stdout);

        var svc = await lab.Kubectl("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}");
        Assert.Equal("30080", svc.Stdout);
    }

    [Fact]
    public async Task Selectors_LabelAndField()
    {
        await using var lab = await LabHost.StartAsync();
        await lab.RegisterWorkshopNodesAsync(2);
        Assert.Equal(0, (await lab.Kubectl("run", "a", "--image=nginx", "--labels=tier=front,app=x")).ExitCode);
        Assert.Equal(0, (await lab.Kubectl("run", "b", "--image=nginx", "--labels=tier=back")).ExitCode);
        Assert.Null(await LabHost.Eventually(async () =>
        {
            var r = await lab.Kubectl("get", "pods", "--field-selector=status.phase=Running", "--no-headers");
            return LabHost.Rows(r.Stdout).Count == 2 ? null : r.ToString();
        }));

        async Task<string> Names(params string[] args)
            => string.Join(",", LabHost.Rows((await lab.Kubectl(["get", "pods", "--no-headers", .. args])).Stdout).Select(c => c[0]));

        Assert.Equal("a", await Names("-l", "tier=front"));
        Assert.Equal("a", await Names("-l", "tier==front"));
        Assert.Equal("b", await Names("-l", "tier!=front"));
        Assert.Equal("a,b", await Names("-l", "tier in (front,back)"));
        Assert.Equal("b", await Names("-l", "tier notin (front)"));
        Assert.Equal("a", await Names("-l", "app"));
        Assert.Equal("b", await Names("-l", "!app"));
        Assert.Equal("a", await Names("--field-selector", "metadata.name=a"));
        Assert.Equal("a,b", await Names("--field-selector", "metadata.namespace=default"));
        var nodeOfA = (await lab.Kubectl("get", "pod", "a", "-o", "jsonpath={.spec.nodeName}")).Stdout;
        Assert.Contains("a", (await Names("--field-selector", $"spec.nodeName={nodeOfA}")).Split(','));
        Assert.Equal("", await Names("--field-selector", "status.phase=Pending"));
    }
}
