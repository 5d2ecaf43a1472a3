using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KubeFromScratch.Engine.Kube;
using YamlDotNet.RepresentationModel;

namespace KubeFromScratch.Engine.Cluster;

/// <summary>One host of a cluster definition.</summary>
public sealed record ClusterHost(string Name, string Address, int Port, string User, string? IdentityFile, KubeHostRole Role);

/// <summary>
/// What Install-KubeCluster builds: hosts and roles, the Kubernetes version, where releases come from, the pod
/// network, certificates, and the smoke test. Read from a .psd1 (as a hashtable) or a YAML file, checked whole
/// before anything is done; every problem names its field.
/// </summary>
public sealed class ClusterDefinition
{
    /// <summary>The phases, in the order they run.</summary>
    public static readonly IReadOnlyList<string> Phases = new[]
    {
        "Connect", "Preflight", "Etcd", "Certificates", "Binaries", "Units", "Kubelet", "Proxy", "Network", "Cni", "SmokeTest",
    };

    /// <summary>The cluster's name (state and messages).</summary>
    public string Name { get; private init; } = "kubernetes";

    /// <summary>The Kubernetes release (1.33.1).</summary>
    public string KubernetesVersion { get; private init; } = "";

    /// <summary>The API server URL the nodes and this session use (default: https://FIRST-MASTER:6443).</summary>
    public Uri ApiServer { get; private init; } = null!;

    /// <summary>A connected host through whose SSH connection this session reaches the API (only port 22 open).</summary>
    public string? ApiViaHost { get; private init; }

    /// <summary>WeaveNet or None.</summary>
    public string NetworkProvider { get; private init; } = "WeaveNet";

    /// <summary>A release mirror laid out like dl.k8s.io and github.com (default: those sites).</summary>
    public Uri? ReleaseBaseUrl { get; private init; }

    /// <summary>The CNI plugins release.</summary>
    public string CniVersion { get; private init; } = "1.6.2";

    /// <summary>The CNI plugins to install (the workshop: loopback).</summary>
    public IReadOnlyList<string> CniPlugins { get; private init; } = new[] { "loopback" };

    /// <summary>Install: the module writes today's units; Image: the hosts' image has them (the deck's Vagrant box).</summary>
    public string Units { get; private init; } = "Install";

    /// <summary>Whether the Certificates phase issues and installs TLS certificates.</summary>
    public bool Certificates { get; private init; }

    /// <summary>Where the CA and certificates are kept on this machine.</summary>
    public string? CertificatePath { get; private init; }

    /// <summary>The hosts, masters first as given.</summary>
    public IReadOnlyList<ClusterHost> Hosts { get; private init; } = Array.Empty<ClusterHost>();

    /// <summary>The masters (etcd members).</summary>
    public IReadOnlyList<ClusterHost> Masters => Hosts.Where(h => h.Role == KubeHostRole.Master).ToArray();

    /// <summary>The workers.</summary>
    public IReadOnlyList<ClusterHost> Workers => Hosts.Where(h => h.Role != KubeHostRole.Master).ToArray();

    /// <summary>The etcd client URLs: every master's.</summary>
    public IReadOnlyList<string> EtcdEndpoints => Masters.Select(m => $"{(Certificates ? "https" : "http")}://{m.Address}:2379").ToArray();

    /// <summary>known_hosts for the hosts' keys (default: the user's).</summary>
    public string? KnownHostsFile { get; private init; }

    /// <summary>Trust a host key met for the first time (lab and fresh VMs).</summary>
    public bool AcceptNewHostKey { get; private init; }

    /// <summary>The smoke test's deployment (and service) name.</summary>
    public string SmokeTestName { get; private init; } = "my-nginx";

    /// <summary>The smoke test's image.</summary>
    public string SmokeTestImage { get; private init; } = "nginx";

    /// <summary>The smoke test's replicas.</summary>
    public int SmokeTestReplicas { get; private init; } = 2;

    /// <summary>The container port.</summary>
    public int SmokeTestPort { get; private init; } = 80;

    /// <summary>The service port.</summary>
    public int SmokeTestServicePort { get; private init; } = 8080;

    /// <summary>A hash of the definition's meaning, so a rerun knows whether it may resume.</summary>
    public string Fingerprint { get; private init; } = "";

    /// <summary>Where the definition came from.</summary>
    public string Source { get; private init; } = "";

    /// <summary>Reads a YAML definition.</summary>
    public static ClusterDefinition FromYaml(string text, string source, string? baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new KfsException("ClusterDefinitionInvalid", KfsErrorCategory.InvalidData, source,
                $"{source}: invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KfsException("ClusterDefinitionInvalid", KfsErrorCategory.InvalidData, source, $"{source}: a cluster definition is one YAML mapping (name:, hosts:, ...).");
        }

        return FromDictionary((IDictionary)ToPlain(root)!, source, baseDirectory);
    }

    private static object? ToPlain(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => ToPlain(kv.Value), StringComparer.OrdinalIgnoreCase),
        YamlSequenceNode seq => seq.Children.Select(ToPlain).ToArray(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };

    /// <summary>Reads a definition from nested dictionaries and lists (a .psd1's hashtable, or YAML).</summary>
    public static ClusterDefinition FromDictionary(IDictionary data, string source, string? baseDirectory)
    {
        var problems = new List<string>();
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Name", "KubernetesVersion", "ApiServer", "ApiViaHost", "NetworkProvider", "ReleaseBaseUrl", "Cni", "Units", "Certificates", "Hosts",
            "KnownHostsFile", "AcceptNewHostKey", "SmokeTest",
        };
        foreach (var key in data.Keys.Cast<object>().Select(k => k.ToString() ?? ""))
        {
            if (!known.Contains(key))
            {
                problems.Add($"'{key}' is not a field of a cluster definition (known: {string.Join(", ", known)}).");
            }
        }

        string? Text(IDictionary d, string key) => Get(d, key) is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        string? Path(IDictionary d, string key) => Text(d, key) is { Length: > 0 } p ? Resolve(p, baseDirectory) : null;

        string name = Text(data, "Name") ?? "kubernetes";
        if (KubeNames.ValidateDns1123Label(name) is { } nameProblem)
        {
            problems.Add($"Name: {nameProblem}");
        }

        string version = (Text(data, "KubernetesVersion") ?? "").TrimStart('v');
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^\d+\.\d+\.\d+$"))
        {
            problems.Add("KubernetesVersion: give a release such as 1.33.1.");
        }

        var hosts = new List<ClusterHost>();
        if (Get(data, "Hosts") is not IEnumerable hostList || hostList is string)
        {
            problems.Add("Hosts: list the hosts, each with Name, Address, User and Role (Master or Worker).");
        }
        else
        {
            int i = 0;
            foreach (var item in hostList)
            {
                i++;
                if (item is not IDictionary h)
                {
                    problems.Add($"Hosts[{i}]: each host is a mapping with Name, Address, User, Role.");
                    continue;
                }

                string? hostName = Text(h, "Name");
                string? address = Text(h, "Address") ?? Text(h, "HostName");
                string where = $"Hosts[{i}]{(hostName is null ? "" : $" ({hostName})")}";
                if (string.IsNullOrEmpty(hostName))
                {
                    problems.Add($"{where}: Name is missing.");
                }

                if (string.IsNullOrEmpty(address))
                {
                    problems.Add($"{where}: Address is missing.");
                }

                var role = KubeHostRole.Worker;
                if (Text(h, "Role") is { } roleText && !Enum.TryParse(roleText, ignoreCase: true, out role))
                {
                    problems.Add($"{where}: Role '{roleText}' is neither Master nor Worker.");
                }

                int port = 22;
                if (Text(h, "Port") is { } portText && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
                {
                    problems.Add($"{where}: Port '{portText}' is not a TCP port.");
                }

                hosts.Add(new ClusterHost(hostName ?? "", address ?? "", port, Text(h, "User") ?? Text(h, "UserName") ?? "core", Path(h, "IdentityFile"), role));
            }
        }

        foreach (var dup in hosts.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1 && g.Key.Length > 0))
        {
            problems.Add($"Hosts: the name '{dup.Key}' is given {dup.Count()} times.");
        }

        int masters = hosts.Count(h => h.Role == KubeHostRole.Master);
        if (hosts.Count > 0 && masters is not (1 or 3 or 5))
        {
            problems.Add($"Hosts: {masters} masters. Masters are etcd members, and etcd needs an odd number: 1, 3 (or 5).");
        }

        string network = Text(data, "NetworkProvider") ?? "WeaveNet";
        if (!network.Equals("WeaveNet", StringComparison.OrdinalIgnoreCase) && !network.Equals("None", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"NetworkProvider: '{network}' is not WeaveNet or None.");
        }

        string units = Text(data, "Units") ?? "Install";
        if (!units.Equals("Install", StringComparison.OrdinalIgnoreCase) && !units.Equals("Image", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Units: '{units}' is not Install (the module writes them) or Image (the hosts' image has them).");
        }

        Uri? Url(string key)
        {
            if (Text(data, key) is not { Length: > 0 } text)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            problems.Add($"{key}: '{text}' is not an http or https URL.");
            return null;
        }

        bool certificates = false;
        string? certificatePath = null;
        switch (Get(data, "Certificates"))
        {
            case null:
                break;
            case IDictionary c:
                certificates = Bool(Get(c, "Enabled") ?? true);
                certificatePath = Path(c, "Path");
                break;
            case var v:
                certificates = Bool(v);
                break;
        }

        var cni = Get(data, "Cni") as IDictionary;
        var smoke = Get(data, "SmokeTest") as IDictionary;
        var firstMaster = hosts.FirstOrDefault(h => h.Role == KubeHostRole.Master);
        var apiServer = Url("ApiServer") ?? (firstMaster is null ? null : new Uri($"https://{firstMaster.Address}:6443"));
        string? via = Text(data, "ApiViaHost");
        if (via is not null && hosts.All(h => !h.Name.Equals(via, StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add($"ApiViaHost: '{via}' is not one of the hosts.");
        }

        var definition = new ClusterDefinition
        {
            Name = name,
            KubernetesVersion = version,
            ApiServer = apiServer!,
            ApiViaHost = via,
            NetworkProvider = network.Equals("None", StringComparison.OrdinalIgnoreCase) ? "None" : "WeaveNet",
            ReleaseBaseUrl = Url("ReleaseBaseUrl"),
            CniVersion = (cni is null ? null : Text(cni, "Version"))?.TrimStart('v') ?? "1.6.2",
            CniPlugins = cni is not null && Get(cni, "Plugins") is IEnumerable plugins and not string
                ? plugins.Cast<object>().Select(p => p.ToString() ?? "").ToArray()
                : new[] { "loopback" },
            Units = units.Equals("Image", StringComparison.OrdinalIgnoreCase) ? "Image" : "Install",
            Certificates = certificates,
            CertificatePath = certificatePath ?? (certificates ? Resolve($"{name}-pki", baseDirectory) : null),
            Hosts = hosts.OrderBy(h => h.Role == KubeHostRole.Master ? 0 : 1).ToArray(),
            KnownHostsFile = Path(data, "KnownHostsFile"),
            AcceptNewHostKey = Get(data, "AcceptNewHostKey") is { } accept && Bool(accept),
            SmokeTestName = (smoke is null ? null : Text(smoke, "Name")) ?? "my-nginx",
            SmokeTestImage = (smoke is null ? null : Text(smoke, "Image")) ?? "nginx",
            SmokeTestReplicas = Int(smoke, "Replicas", 2, problems),
            SmokeTestPort = Int(smoke, "Port", 80, problems),
            SmokeTestServicePort = Int(smoke, "ServicePort", 8080, problems),
            Source = source,
        };

        if (problems.Count > 0)
        {
            throw new KfsException("ClusterDefinitionInvalid", KfsErrorCategory.InvalidData, source,
                $"{source} is not a usable cluster definition; nothing was done:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}");
        }

        return new ClusterDefinition(definition);
    }

    private ClusterDefinition()
    {
    }

    /// <summary>A copy carrying the fingerprint of what it defines.</summary>
    private ClusterDefinition(ClusterDefinition other)
    {
        Name = other.Name; KubernetesVersion = other.KubernetesVersion; ApiServer = other.ApiServer; ApiViaHost = other.ApiViaHost;
        NetworkProvider = other.NetworkProvider; ReleaseBaseUrl = other.ReleaseBaseUrl; CniVersion = other.CniVersion; CniPlugins = other.CniPlugins;
        Units = other.Units; Certificates = other.Certificates; CertificatePath = other.CertificatePath; Hosts = other.Hosts;
        KnownHostsFile = other.KnownHostsFile; AcceptNewHostKey = other.AcceptNewHostKey; SmokeTestName = other.SmokeTestName;
        SmokeTestImage = other.SmokeTestImage; SmokeTestReplicas = other.SmokeTestReplicas; SmokeTestPort = other.SmokeTestPort;
        SmokeTestServicePort = other.SmokeTestServicePort; Source = other.Source;
        Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            Name, KubernetesVersion, Api = ApiServer?.ToString(), ApiViaHost, NetworkProvider, Release = ReleaseBaseUrl?.ToString(), CniVersion, CniPlugins, Units,
            Certificates, CertificatePath, Hosts, SmokeTestName, SmokeTestImage, SmokeTestReplicas, SmokeTestPort, SmokeTestServicePort,
        }))))[..16].ToLowerInvariant();
    }

    private static object? Get(IDictionary d, string key)
    {
        foreach (DictionaryEntry e in d)
        {
            if (string.Equals(e.Key?.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                return e.Value;
            }
        }

        return null;
    }

    private static bool Bool(object value) => value switch
    {
        bool b => b,
        string s => s.Equals("true", StringComparison.OrdinalIgnoreCase) || s.Equals("yes", StringComparison.OrdinalIgnoreCase) || s == "1",
        _ => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
    };

    private static int Int(IDictionary? d, string key, int fallback, List<string> problems)
    {
        if (d is null || Get(d, key) is not { } value)
        {
            return fallback;
        }

        if (int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 65535)
        {
            return n;
        }

        problems.Add($"SmokeTest.{key}: '{value}' is not a positive number.");
        return fallback;
    }

    private static string Resolve(string path, string? baseDirectory)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        return System.IO.Path.IsPathRooted(path) || baseDirectory is null ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, path));
    }
}
