namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>Rejections with the real server's codes and messages, as kubectl prints them.</summary>
public sealed class KubectlErrorTests
{
    private const string Subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string Label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    [Fact]
    public async Task InvalidNames_AreRejectedWithKubectlsText()
    {
        await using var lab = await LabHost.StartAsync();

        var deploy = await lab.Kubectl("create", "deployment", "My_Nginx", "--image=nginx");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal($"error: failed to create deployment: Deployment.apps \"My_Nginx\" is invalid: metadata.name: Invalid value: \"My_Nginx\": {Subdomain}\n", deploy.Stderr);

        var ns = await lab.Kubectl("create", "namespace", "Lab.NS");
        Assert.Equal(1, ns.ExitCode);
        Assert.Equal($"The Namespace \"Lab.NS\" is invalid: metadata.name: Invalid value: \"Lab.NS\": {Label}\n", ns.Stderr);

        var svc = await lab.KubectlStdin("""
            apiVersion: v1
            kind: Service
            metadata: {name: 1st-svc}
            spec:
              ports: [{port: 80}]
            """, "apply", "-f", "-");
        Assert.Equal(1, svc.ExitCode);
        Assert.Contains("The Service \"1st-svc\" is invalid: metadata.name: Invalid value: \"1st-svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", svc.Stderr);
    }

    [Fact]
    public async Task NodePort_OutOfRangeOrTaken_Is422()
    {
        await using var lab = await LabHost.StartAsync();

        var low = await lab.Kubectl("create", "service", "nodeport", "low", "--tcp=80:80", "--node-port=80");
        Assert.Equal(1, low.ExitCode);
        Assert.Equal("error: failed to create NodePort service: Service \"low\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767\n", low.Stderr);

        var first = await lab.Kubectl("create", "service", "nodeport", "first", "--tcp=80:80", "--node-port=30080");
        Assert.True(first.ExitCode == 0, first.ToString());

        var taken = await lab.KubectlStdin("""
            apiVersion: v1
            kind: Service
            metadata: {name: second}
            spec:
              type: NodePort
              selector: {app: x}
              ports: [{port: 80, nodePort: 30080}]
            """, "apply", "-f", "-");
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("The Service \"second\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated", taken.Stderr);

        // The port comes free with its service.
        Assert.Equal(0, (await lab.Kubectl("delete", "svc", "first")).ExitCode);
        var reuse = await lab.Kubectl("create", "service", "nodeport", "third", "--tcp=80:80", "--node-port=30080");
        Assert.True(reuse.ExitCode == 0, reuse.ToString());
    }

    [Fact]
    public async Task NotFound_AlreadyExists_Conflict()
    {
        await using var lab = await LabHost.StartAsync();

        var missing = await lab.Kubectl("get", "deployment", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error from server (NotFound): deployments.apps \"nope\" not found\n", missing.Stderr);

        Assert.Equal(0, (await lab.Kubectl("create", "configmap", "cfg", "--from-literal=a=1")).ExitCode);
        var again = await lab.Kubectl("create", "configmap", "cfg", "--from-literal=a=1");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("error: failed to create configmap: configmaps \"cfg\" already exists\n", again.Stderr);

        var current = (await lab.Kubectl("get", "configmap", "cfg", "-o", "jsonpath={.metadata.resourceVersion}")).Stdout;
        Assert.Equal(0, (await lab.Kubectl("label", "configmap", "cfg", "x=y")).ExitCode);
        var stale = await lab.KubectlStdin($$$"""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","resourceVersion":"{{{current}}}"},"data":{"a":"2"}}
            """, "replace", "-f", "-");
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again", stale.Stderr);

        var ns = await lab.Kubectl("run", "p", "--image=nginx", "-n", "nowhere");
        Assert.Equal(1, ns.ExitCode);
        Assert.Contains("namespaces \"nowhere\" not found", ns.Stderr);

        var system = await lab.Kubectl("delete", "namespace", "kube-system");
        Assert.Equal(1, system.ExitCode);
        Assert.Contains("Error from server (Forbidden): namespaces \"kube-system\" is forbidden: this namespace may not be deleted", system.Stderr);
    }

    [Fact]
    public async Task RawErrors_HaveStatusBodiesAndCodes()
    {
        await using var lab = await LabHost.StartAsync();

        using var badJson = await lab.Http.PostAsync("/api/v1/namespaces/default/configmaps", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)badJson.StatusCode);
        Assert.Contains("\"reason\":\"BadRequest\"", await badJson.Content.ReadAsStringAsync());

        using var put = await lab.Http.PutAsync("/api/v1/namespaces/default/configmaps", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(405, (int)put.StatusCode);
        Assert.Contains("\"reason\":\"MethodNotAllowed\"", await put.Content.ReadAsStringAsync());

        using var unknown = await lab.Http.GetAsync("/api/v1/widgets");
        Assert.Equal(404, (int)unknown.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", await unknown.Content.ReadAsStringAsync());
    }
}
