using System.Globalization;
using System.Text;

namespace KubeFromScratch.Engine.Systemd;

/// <summary>One file Install-KubeUnit puts on a host.</summary>
public sealed record NodeFile(string Path, string Kind, string Content, int Mode);

/// <summary>What the node files are made from.</summary>
public sealed class NodeFileOptions
{
    /// <summary>The host's name in the cluster (the node name).</summary>
    public required string NodeName { get; init; }

    /// <summary>The address the node is reached at (--node-ip, --advertise-address).</summary>
    public required string NodeIp { get; init; }

    /// <summary>Master or Worker.</summary>
    public required KubeHostRole Role { get; init; }

    /// <summary>Kubernetes version, for the static pods' images.</summary>
    public required string KubernetesVersion { get; init; }

    /// <summary>The API server URL the kubelet and kube-proxy talk to.</summary>
    public required string ApiServerUrl { get; init; }

    /// <summary>Every etcd member's client URL (every master, for multi-master).</summary>
    public required IReadOnlyList<string> EtcdEndpoints { get; init; }

    /// <summary>Service addresses.</summary>
    public string ServiceClusterIpRange { get; init; } = "10.96.0.0/12";

    /// <summary>Pod addresses (Weave Net's default range).</summary>
    public string ClusterCidr { get; init; } = "10.32.0.0/12";

    /// <summary>Cluster DNS service address.</summary>
    public string ClusterDns { get; init; } = "10.96.0.10";

    /// <summary>Where the binaries are.</summary>
    public string BinDirectory { get; init; } = "/opt/bin";
}

/// <summary>
/// The systemd units, kubelet configuration and (on masters) static pod manifests for a node, with the flags current
/// Kubernetes takes: kubeconfig files instead of the deck's 2016 flags (--api-servers, --master, --config for the
/// manifest folder and --network-plugin are gone since 1.8 to 1.24). Unit names are the deck's: kube-kubelet and
/// kube-proxy.
/// </summary>
public static class NodeFiles
{
    /// <summary>The files for one node.</summary>
    public static IReadOnlyList<NodeFile> Render(NodeFileOptions o)
    {
        string version = Releases.ReleaseCatalog.NormalizeVersion(o.KubernetesVersion);
        var files = new List<NodeFile>
        {
            new("/etc/systemd/system/kube-kubelet.service", "Unit", KubeletUnit(o), 0x1A4),
            new("/etc/systemd/system/kube-proxy.service", "Unit", KubeProxyUnit(o), 0x1A4),
            new("/var/lib/kubelet/config.yaml", "Config", KubeletConfig(o), 0x1A4),
            new("/var/lib/kube-proxy/config.yaml", "Config", KubeProxyConfig(o), 0x1A4),
            new("/etc/kubernetes/kubelet.conf", "Kubeconfig", Kubeconfig(o.ApiServerUrl, $"system:node:{o.NodeName}", "kubelet"), 0x180),
            new("/etc/kubernetes/kube-proxy.conf", "Kubeconfig", Kubeconfig(o.ApiServerUrl, "system:kube-proxy", "kube-proxy"), 0x180),
        };

        if (o.Role == KubeHostRole.Master)
        {
            files.Add(new("/etc/kubernetes/manifests/kube-apiserver.yaml", "StaticPod", ApiServerPod(o, version), 0x180));
            files.Add(new("/etc/kubernetes/manifests/kube-controller-manager.yaml", "StaticPod", ControllerManagerPod(o, version), 0x180));
            files.Add(new("/etc/kubernetes/manifests/kube-scheduler.yaml", "StaticPod", SchedulerPod(version), 0x180));
            // The control plane on a master talks to its own API server.
            files.Add(new("/etc/kubernetes/controller-manager.conf", "Kubeconfig", Kubeconfig("https://127.0.0.1:6443", "system:kube-controller-manager", "controller-manager"), 0x180));
            files.Add(new("/etc/kubernetes/scheduler.conf", "Kubeconfig", Kubeconfig("https://127.0.0.1:6443", "system:kube-scheduler", "scheduler"), 0x180));
        }

        return files;
    }

    /// <summary>
    /// A kubeconfig naming the API server and the client certificate files that Install-KubeCertificate puts in
    /// /etc/kubernetes/pki (NAME.crt and NAME.key, signed by the cluster CA ca.crt).
    /// </summary>
    private static string Kubeconfig(string server, string user, string certificateName) => Lines(
        "# Written by KubeFromScratch Install-KubeUnit.",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: kubernetes",
        "    cluster:",
        "      certificate-authority: /etc/kubernetes/pki/ca.crt",
        $"      server: {server}",
        "users:",
        $"  - name: {user}",
        "    user:",
        $"      client-certificate: /etc/kubernetes/pki/{certificateName}.crt",
        $"      client-key: /etc/kubernetes/pki/{certificateName}.key",
        "contexts:",
        "  - name: default",
        "    context:",
        "      cluster: kubernetes",
        $"      user: {user}",
        "current-context: default");

    private static string KubeletUnit(NodeFileOptions o) => Lines(
        "# Written by KubeFromScratch Install-KubeUnit.",
        "[Unit]",
        "Description=Kubernetes kubelet",
        "Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        $"ExecStart={o.BinDirectory}/kubelet \\",
        "  --config=/var/lib/kubelet/config.yaml \\",
        "  --kubeconfig=/etc/kubernetes/kubelet.conf \\",
        $"  --hostname-override={o.NodeName} \\",
        $"  --node-ip={o.NodeIp}",
        "Restart=always",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target");

    private static string KubeProxyUnit(NodeFileOptions o) => Lines(
        "# Written by KubeFromScratch Install-KubeUnit.",
        "[Unit]",
        "Description=Kubernetes network proxy",
        "Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        $"ExecStart={o.BinDirectory}/kube-proxy \\",
        "  --config=/var/lib/kube-proxy/config.yaml \\",
        $"  --hostname-override={o.NodeName}",
        "Restart=always",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target");

    private static string KubeletConfig(NodeFileOptions o) => Lines(
        "# Written by KubeFromScratch Install-KubeUnit.",
        "apiVersion: kubelet.config.k8s.io/v1beta1",
        "kind: KubeletConfiguration",
        "staticPodPath: /etc/kubernetes/manifests",
        "authentication:",
        "  anonymous:",
        "    enabled: false",
        "  webhook:",
        "    enabled: true",
        "  x509:",
        "    clientCAFile: /etc/kubernetes/pki/ca.crt",
        "authorization:",
        "  mode: Webhook",
        "cgroupDriver: systemd",
        "clusterDomain: cluster.local",
        "clusterDNS:",
        $"  - {o.ClusterDns}",
        "healthzBindAddress: 0.0.0.0",
        "rotateCertificates: true");

    private static string KubeProxyConfig(NodeFileOptions o) => Lines(
        "# Written by KubeFromScratch Install-KubeUnit.",
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1",
        "kind: KubeProxyConfiguration",
        "clientConnection:",
        "  kubeconfig: /etc/kubernetes/kube-proxy.conf",
        "mode: iptables",
        $"clusterCIDR: {o.ClusterCidr}",
        "iptables:",
        "  masqueradeAll: true");

    private static string ApiServerPod(NodeFileOptions o, string version) => StaticPod("kube-apiserver", version, new[]
    {
        "kube-apiserver",
        $"--advertise-address={o.NodeIp}",
        "--allow-privileged=true",
        "--authorization-mode=Node,RBAC",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--enable-admission-plugins=NodeRestriction",
        $"--etcd-servers={string.Join(",", o.EtcdEndpoints)}",
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "--secure-port=6443",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        $"--service-cluster-ip-range={o.ServiceClusterIpRange}",
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    }, 6443, "/livez", "HTTPS");

    private static string ControllerManagerPod(NodeFileOptions o, string version) => StaticPod("kube-controller-manager", version, new[]
    {
        "kube-controller-manager",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1",
        "--allocate-node-cidrs=true",
        $"--cluster-cidr={o.ClusterCidr}",
        "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
        "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
        "--leader-elect=true",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt",
        "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        $"--service-cluster-ip-range={o.ServiceClusterIpRange}",
        "--use-service-account-credentials=true",
    }, 10257, "/healthz", "HTTPS");

    private static string SchedulerPod(string version) => StaticPod("kube-scheduler", version, new[]
    {
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--bind-address=127.0.0.1",
        "--leader-elect=true",
    }, 10259, "/healthz", "HTTPS");

    private static string StaticPod(string name, string version, IEnumerable<string> command, int probePort, string probePath, string scheme)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by KubeFromScratch Install-KubeUnit.\n");
        sb.Append("apiVersion: v1\nkind: Pod\nmetadata:\n");
        sb.Append(CultureInfo.InvariantCulture, $"  name: {name}\n  namespace: kube-system\n  labels:\n    component: {name}\n    tier: control-plane\n");
        sb.Append("spec:\n  hostNetwork: true\n  priorityClassName: system-node-critical\n  containers:\n");
        sb.Append(CultureInfo.InvariantCulture, $"    - name: {name}\n      image: registry.k8s.io/{name}:v{version}\n      command:\n");
        foreach (string arg in command)
        {
            sb.Append("        - ").Append(arg).Append('\n');
        }

        sb.Append(CultureInfo.InvariantCulture, $"      livenessProbe:\n        httpGet:\n          host: 127.0.0.1\n          path: {probePath}\n          port: {probePort}\n          scheme: {scheme}\n        initialDelaySeconds: 10\n        timeoutSeconds: 15\n");
        sb.Append("      volumeMounts:\n        - name: k8s-certs\n          mountPath: /etc/kubernetes\n          readOnly: true\n");
        sb.Append("  volumes:\n    - name: k8s-certs\n      hostPath:\n        path: /etc/kubernetes\n        type: Directory\n");
        return sb.ToString();
    }

    private static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";
}
