using System.Globalization;

namespace KubeFromScratch;

/// <summary>The Kubernetes API this runspace talks to (Connect-KubeApi).</summary>
public sealed class KubeApiConnection
{
    internal KubeApiConnection(string server, string via, string? viaHost, string? context, string? user, string defaultNamespace,
        string serverVersion, string platform, bool tls, DateTimeOffset connectedAt)
    {
        Server = server;
        Via = via;
        ViaHost = viaHost;
        Context = context;
        User = user;
        Namespace = defaultNamespace;
        ServerVersion = serverVersion;
        Platform = platform;
        Tls = tls;
        ConnectedAt = connectedAt;
    }

    /// <summary>The API server URL (http://172.17.8.101:8080, https://10.0.0.1:6443).</summary>
    public string Server { get; }

    /// <summary>Direct, or Ssh when requests travel through a host's SSH connection.</summary>
    public string Via { get; }

    /// <summary>The host whose SSH connection carries the requests (Via Ssh).</summary>
    public string? ViaHost { get; }

    /// <summary>The kubeconfig context, when the connection came from a kubeconfig file.</summary>
    public string? Context { get; }

    /// <summary>The kubeconfig user entry, when any (its credentials are never shown).</summary>
    public string? User { get; }

    /// <summary>The namespace cmdlets use when none is given.</summary>
    public string Namespace { get; }

    /// <summary>The server's gitVersion (v1.33.1).</summary>
    public string ServerVersion { get; }

    /// <summary>The server's platform (linux/amd64).</summary>
    public string Platform { get; }

    /// <summary>Whether requests use TLS.</summary>
    public bool Tls { get; }

    /// <summary>When the connection was made.</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <inheritdoc/>
    public override string ToString() => Server;
}

/// <summary>A node as `kubectl get nodes` shows it.</summary>
public sealed class KubeNode
{
    internal KubeNode(string name, string status, bool ready, string[] roles, DateTimeOffset? created, string version, string? internalIP,
        string? osImage, string? kernelVersion, string? containerRuntime, bool unschedulable, DateTimeOffset? lastHeartbeat,
        IReadOnlyDictionary<string, string> labels, string resourceVersion)
    {
        Name = name;
        Status = status;
        Ready = ready;
        Roles = roles;
        CreationTimestamp = created;
        Version = version;
        InternalIP = internalIP;
        OSImage = osImage;
        KernelVersion = kernelVersion;
        ContainerRuntime = containerRuntime;
        Unschedulable = unschedulable;
        LastHeartbeatTime = lastHeartbeat;
        Labels = labels;
        ResourceVersion = resourceVersion;
    }

    /// <summary>The node name (the host name the kubelet registered).</summary>
    public string Name { get; }

    /// <summary>Ready, NotReady or Unknown, with ",SchedulingDisabled" when cordoned, as kubectl prints it.</summary>
    public string Status { get; }

    /// <summary>Whether the Ready condition is True.</summary>
    public bool Ready { get; }

    /// <summary>Roles from the node-role.kubernetes.io/ROLE labels.</summary>
    public string[] Roles { get; }

    /// <summary>When the node registered.</summary>
    public DateTimeOffset? CreationTimestamp { get; }

    /// <summary>Time since registration.</summary>
    public TimeSpan? Age => KubeAge.Since(CreationTimestamp);

    /// <summary>The kubelet version.</summary>
    public string Version { get; }

    /// <summary>The node's InternalIP address.</summary>
    public string? InternalIP { get; }

    /// <summary>The node's operating system image.</summary>
    public string? OSImage { get; }

    /// <summary>The node's kernel version.</summary>
    public string? KernelVersion { get; }

    /// <summary>The container runtime and its version.</summary>
    public string? ContainerRuntime { get; }

    /// <summary>Whether the node is cordoned.</summary>
    public bool Unschedulable { get; }

    /// <summary>When the kubelet last reported its Ready condition.</summary>
    public DateTimeOffset? LastHeartbeatTime { get; }

    /// <summary>The node's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The object's resourceVersion when read.</summary>
    public string ResourceVersion { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A pod as `kubectl get pods` shows it.</summary>
public sealed class KubePod
{
    internal KubePod(string name, string ns, string status, string phase, int readyContainers, int containers, int restarts, DateTimeOffset? created,
        string? node, string? podIP, string? hostIP, IReadOnlyDictionary<string, string> labels, string? ownerKind, string? ownerName)
    {
        Name = name;
        Namespace = ns;
        Status = status;
        Phase = phase;
        ReadyContainers = readyContainers;
        Containers = containers;
        Restarts = restarts;
        CreationTimestamp = created;
        Node = node;
        PodIP = podIP;
        HostIP = hostIP;
        Labels = labels;
        OwnerKind = ownerKind;
        OwnerName = ownerName;
    }

    /// <summary>The pod name.</summary>
    public string Name { get; }

    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The status kubectl prints: Running, Pending, ContainerCreating, Completed, Terminating ...</summary>
    public string Status { get; }

    /// <summary>The pod phase (Pending, Running, Succeeded, Failed, Unknown).</summary>
    public string Phase { get; }

    /// <summary>Ready containers.</summary>
    public int ReadyContainers { get; }

    /// <summary>All containers.</summary>
    public int Containers { get; }

    /// <summary>READY as kubectl prints it (2/2).</summary>
    public string Ready => $"{ReadyContainers}/{Containers}";

    /// <summary>Container restarts, summed.</summary>
    public int Restarts { get; }

    /// <summary>When the pod was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; }

    /// <summary>Time since creation.</summary>
    public TimeSpan? Age => KubeAge.Since(CreationTimestamp);

    /// <summary>The node the pod runs on.</summary>
    public string? Node { get; }

    /// <summary>The pod IP.</summary>
    public string? PodIP { get; }

    /// <summary>The IP of the node it runs on.</summary>
    public string? HostIP { get; }

    /// <summary>The pod's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The kind of the controller that owns the pod (ReplicaSet, DaemonSet).</summary>
    public string? OwnerKind { get; }

    /// <summary>The name of the controller that owns the pod.</summary>
    public string? OwnerName { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A Deployment as `kubectl get deployments` shows it.</summary>
public sealed class KubeDeployment
{
    internal KubeDeployment(string name, string ns, int replicas, int readyReplicas, int updatedReplicas, int availableReplicas, DateTimeOffset? created,
        string[] images, IReadOnlyDictionary<string, string> selector, long generation, long observedGeneration)
    {
        Name = name;
        Namespace = ns;
        Replicas = replicas;
        ReadyReplicas = readyReplicas;
        UpdatedReplicas = updatedReplicas;
        AvailableReplicas = availableReplicas;
        CreationTimestamp = created;
        Images = images;
        Selector = selector;
        Generation = generation;
        ObservedGeneration = observedGeneration;
    }

    /// <summary>The deployment name.</summary>
    public string Name { get; }

    /// <summary>Its namespace.</summary>
    public string Namespace { get; }

    /// <summary>Desired replicas.</summary>
    public int Replicas { get; }

    /// <summary>Ready replicas.</summary>
    public int ReadyReplicas { get; }

    /// <summary>READY as kubectl prints it (2/2).</summary>
    public string Ready => $"{ReadyReplicas}/{Replicas}";

    /// <summary>Replicas running the current template.</summary>
    public int UpdatedReplicas { get; }

    /// <summary>Available replicas.</summary>
    public int AvailableReplicas { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; }

    /// <summary>Time since creation.</summary>
    public TimeSpan? Age => KubeAge.Since(CreationTimestamp);

    /// <summary>The container images.</summary>
    public string[] Images { get; }

    /// <summary>The pod selector's matchLabels.</summary>
    public IReadOnlyDictionary<string, string> Selector { get; }

    /// <summary>The spec's generation.</summary>
    public long Generation { get; }

    /// <summary>The generation the controller has acted on.</summary>
    public long ObservedGeneration { get; }

    /// <summary>Whether every desired replica is ready and the controller has seen the latest spec.</summary>
    public bool Complete => ObservedGeneration >= Generation && ReadyReplicas >= Replicas && UpdatedReplicas >= Replicas && AvailableReplicas >= Replicas;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A DaemonSet as `kubectl get daemonsets` shows it.</summary>
public sealed class KubeDaemonSet
{
    internal KubeDaemonSet(string name, string ns, int desired, int current, int ready, int upToDate, int available, DateTimeOffset? created,
        string[] images, long generation, long observedGeneration)
    {
        Name = name;
        Namespace = ns;
        Desired = desired;
        Current = current;
        ReadyNumber = ready;
        UpToDate = upToDate;
        Available = available;
        CreationTimestamp = created;
        Images = images;
        Generation = generation;
        ObservedGeneration = observedGeneration;
    }

    /// <summary>The DaemonSet name.</summary>
    public string Name { get; }

    /// <summary>Its namespace.</summary>
    public string Namespace { get; }

    /// <summary>Nodes that should run its pod.</summary>
    public int Desired { get; }

    /// <summary>Nodes that run it.</summary>
    public int Current { get; }

    /// <summary>Nodes where it is ready.</summary>
    public int ReadyNumber { get; }

    /// <summary>READY as n/n.</summary>
    public string Ready => $"{ReadyNumber}/{Desired}";

    /// <summary>Nodes running the current template.</summary>
    public int UpToDate { get; }

    /// <summary>Nodes where it is available.</summary>
    public int Available { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; }

    /// <summary>Time since creation.</summary>
    public TimeSpan? Age => KubeAge.Since(CreationTimestamp);

    /// <summary>The container images.</summary>
    public string[] Images { get; }

    /// <summary>The spec's generation.</summary>
    public long Generation { get; }

    /// <summary>The generation the controller has acted on.</summary>
    public long ObservedGeneration { get; }

    /// <summary>Whether it runs, ready and current, on every node that should run it (at least one).</summary>
    public bool Complete => Desired > 0 && ObservedGeneration >= Generation && ReadyNumber >= Desired && UpToDate >= Desired && Available >= Desired;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>One port of a Service.</summary>
public sealed class KubeServicePort
{
    internal KubeServicePort(string? name, string protocol, int port, string targetPort, int? nodePort)
    {
        Name = name;
        Protocol = protocol;
        Port = port;
        TargetPort = targetPort;
        NodePort = nodePort;
    }

    /// <summary>The port's name, when it has one.</summary>
    public string? Name { get; }

    /// <summary>TCP, UDP or SCTP.</summary>
    public string Protocol { get; }

    /// <summary>The service port.</summary>
    public int Port { get; }

    /// <summary>The pods' port, a number or a named port.</summary>
    public string TargetPort { get; }

    /// <summary>The port opened on every node, for NodePort and LoadBalancer services.</summary>
    public int? NodePort { get; }

    /// <inheritdoc/>
    public override string ToString() => NodePort is { } n ? $"{Port}:{n}/{Protocol}" : $"{Port}/{Protocol}";
}

/// <summary>A Service as `kubectl get services` shows it.</summary>
public sealed class KubeService
{
    internal KubeService(string name, string ns, string type, string? clusterIP, string[] externalIPs, IReadOnlyList<KubeServicePort> ports,
        IReadOnlyDictionary<string, string> selector, DateTimeOffset? created)
    {
        Name = name;
        Namespace = ns;
        Type = type;
        ClusterIP = clusterIP;
        ExternalIPs = externalIPs;
        Ports = ports;
        Selector = selector;
        CreationTimestamp = created;
    }

    /// <summary>The service name.</summary>
    public string Name { get; }

    /// <summary>Its namespace.</summary>
    public string Namespace { get; }

    /// <summary>ClusterIP, NodePort, LoadBalancer or ExternalName.</summary>
    public string Type { get; }

    /// <summary>The cluster IP.</summary>
    public string? ClusterIP { get; }

    /// <summary>External IPs, when any.</summary>
    public string[] ExternalIPs { get; }

    /// <summary>The ports.</summary>
    public IReadOnlyList<KubeServicePort> Ports { get; }

    /// <summary>PORT(S) as kubectl prints them (8080:31234/TCP).</summary>
    public string PortText => Ports.Count == 0 ? "<none>" : string.Join(",", Ports);

    /// <summary>The first port's node port (the one the workshop opens in a browser).</summary>
    public int? NodePort => Ports.Select(p => p.NodePort).FirstOrDefault(p => p is not null);

    /// <summary>The pod selector.</summary>
    public IReadOnlyDictionary<string, string> Selector { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; }

    /// <summary>Time since creation.</summary>
    public TimeSpan? Age => KubeAge.Since(CreationTimestamp);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A URL at which a NodePort service answers: one per node and node port.</summary>
public sealed class KubeServiceUrl
{
    internal KubeServiceUrl(string service, string ns, string node, string address, int nodePort, int port, string protocol,
        bool? reachable = null, int? statusCode = null, TimeSpan? latency = null, string? error = null)
    {
        Service = service;
        Namespace = ns;
        Node = node;
        Address = address;
        NodePort = nodePort;
        Port = port;
        Protocol = protocol;
        Reachable = reachable;
        StatusCode = statusCode;
        Latency = latency;
        Error = error;
    }

    /// <summary>The service name.</summary>
    public string Service { get; }

    /// <summary>The service's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The node the URL points at.</summary>
    public string Node { get; }

    /// <summary>The node's InternalIP.</summary>
    public string Address { get; }

    /// <summary>The node port.</summary>
    public int NodePort { get; }

    /// <summary>The service port it belongs to.</summary>
    public int Port { get; }

    /// <summary>The port's protocol.</summary>
    public string Protocol { get; }

    /// <summary>http://ADDRESS:NODEPORT/</summary>
    public string Url => $"http://{(Address.Contains(':') ? $"[{Address}]" : Address)}:{NodePort.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>Whether an HTTP GET got an answer (Test-KubeServiceUrl); empty until tested.</summary>
    public bool? Reachable { get; }

    /// <summary>The HTTP status code of the answer (Test-KubeServiceUrl).</summary>
    public int? StatusCode { get; }

    /// <summary>How long the answer took (Test-KubeServiceUrl).</summary>
    public TimeSpan? Latency { get; }

    /// <summary>Why there was no answer (Test-KubeServiceUrl).</summary>
    public string? Error { get; }

    internal KubeServiceUrl WithResult(bool reachable, int? statusCode, TimeSpan? latency, string? error) =>
        new(Service, Namespace, Node, Address, NodePort, Port, Protocol, reachable, statusCode, latency, error);

    /// <inheritdoc/>
    public override string ToString() => Url;
}

/// <summary>What Publish-KubeManifest did with one object of a manifest.</summary>
public sealed class KubeAppliedObject
{
    internal KubeAppliedObject(string apiVersion, string kind, string? ns, string name, string action, string? resourceVersion, string? uid, string source)
    {
        ApiVersion = apiVersion;
        Kind = kind;
        Namespace = ns;
        Name = name;
        Action = action;
        ResourceVersion = resourceVersion;
        Uid = uid;
        Source = source;
    }

    /// <summary>The object's apiVersion.</summary>
    public string ApiVersion { get; }

    /// <summary>The object's kind.</summary>
    public string Kind { get; }

    /// <summary>Its namespace (empty for cluster-scoped kinds).</summary>
    public string? Namespace { get; }

    /// <summary>Its name.</summary>
    public string Name { get; }

    /// <summary>created, configured or unchanged, as kubectl apply says.</summary>
    public string Action { get; }

    /// <summary>The resourceVersion the server gave it.</summary>
    public string? ResourceVersion { get; }

    /// <summary>The object's uid.</summary>
    public string? Uid { get; }

    /// <summary>Where the manifest came from (path, URL or "string").</summary>
    public string Source { get; }

    /// <summary>kind/name as kubectl names it (serviceaccount/weave-net).</summary>
    public string Reference => $"{Kind.ToLowerInvariant()}/{Name}";

    /// <inheritdoc/>
    public override string ToString() => $"{Reference} {Action}";
}

/// <summary>Formats ages as kubectl does (45s, 12m, 3h4m, 5d, 2y30d).</summary>
public static class KubeAge
{
    /// <summary>The time since <paramref name="created"/>, never negative.</summary>
    public static TimeSpan? Since(DateTimeOffset? created) =>
        created is { } c ? (DateTimeOffset.UtcNow - c) is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : null;

    /// <summary>kubectl's human duration (k8s.io/apimachinery/pkg/util/duration.HumanDuration).</summary>
    public static string Format(TimeSpan? age)
    {
        if (age is not { } d)
        {
            return "<unknown>";
        }

        long seconds = (long)d.TotalSeconds;
        if (seconds < 0)
        {
            return "<invalid>";
        }

        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        if (seconds < 120)
        {
            return $"{I(seconds)}s";
        }

        long minutes = seconds / 60;
        if (minutes < 10)
        {
            long s = seconds % 60;
            return s == 0 ? $"{I(minutes)}m" : $"{I(minutes)}m{I(s)}s";
        }

        if (minutes < 180)
        {
            return $"{I(minutes)}m";
        }

        long hours = seconds / 3600;
        if (hours < 8)
        {
            long m = minutes % 60;
            return m == 0 ? $"{I(hours)}h" : $"{I(hours)}h{I(m)}m";
        }

        if (hours < 48)
        {
            return $"{I(hours)}h";
        }

        if (hours < 24 * 8)
        {
            long h = hours % 24;
            return h == 0 ? $"{I(hours / 24)}d" : $"{I(hours / 24)}d{I(h)}h";
        }

        if (hours < 24 * 365 * 2)
        {
            return $"{I(hours / 24)}d";
        }

        if (hours < 24 * 365 * 8)
        {
            long dy = hours / 24 % 365;
            return dy == 0 ? $"{I(hours / 24 / 365)}y" : $"{I(hours / 24 / 365)}y{I(dy)}d";
        }

        return $"{I(hours / 24 / 365)}y";
    }
}

/// <summary>One phase of Install-KubeCluster: what it did, on which hosts, how long it took.</summary>
public sealed class KubeClusterStep
{
    internal KubeClusterStep(string cluster, int number, string phase, string host, bool changed, TimeSpan duration, string status, string detail, string? error)
    {
        Cluster = cluster;
        Number = number;
        Phase = phase;
        Host = host;
        Changed = changed;
        Duration = duration;
        Status = status;
        Detail = detail;
        Error = error;
    }

    /// <summary>The cluster's name.</summary>
    public string Cluster { get; }

    /// <summary>The phase's place in the run (1 = Connect).</summary>
    public int Number { get; }

    /// <summary>Connect, Preflight, Etcd, Certificates, Binaries, Units, Kubelet, Proxy, Network, Cni or SmokeTest.</summary>
    public string Phase { get; }

    /// <summary>The hosts the phase acted on (core-01,core-02), or the API.</summary>
    public string Host { get; }

    /// <summary>Whether the phase changed anything (false: everything was already as defined).</summary>
    public bool Changed { get; }

    /// <summary>How long the phase took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Done, Unchanged, Skipped, WhatIf or Failed.</summary>
    public string Status { get; }

    /// <summary>What the phase found or did, in a line.</summary>
    public string Detail { get; }

    /// <summary>Why the phase failed.</summary>
    public string? Error { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Phase}: {Status}";
}
