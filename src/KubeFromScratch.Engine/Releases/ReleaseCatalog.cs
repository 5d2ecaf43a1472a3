using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Releases;

/// <summary>
/// Where releases live, laid out as upstream publishes them: Kubernetes binaries at
/// dl.k8s.io/release/vX.Y.Z/bin/linux/ARCH/NAME, CNI plugins at
/// github.com/containernetworking/plugins/releases/download/vX.Y.Z/cni-plugins-linux-ARCH-vX.Y.Z.tgz. A mirror
/// (-BaseUrl) keeps the same paths under its own root.
/// </summary>
public static partial class ReleaseCatalog
{
    /// <summary>The official Kubernetes download site.</summary>
    public static readonly Uri KubernetesBaseUrl = new("https://dl.k8s.io/");

    /// <summary>The official home of the CNI plugins' releases.</summary>
    public static readonly Uri CniBaseUrl = new("https://github.com/");

    /// <summary>Kubernetes components published as single binaries.</summary>
    public static readonly IReadOnlyList<string> Components = new[]
    {
        "kubelet", "kube-proxy", "kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubeadm",
    };

    /// <summary>Checks a version string and returns it without a leading v.</summary>
    public static string NormalizeVersion(string version)
    {
        var match = VersionPattern().Match(version.Trim());
        if (!match.Success)
        {
            throw new KfsException("VersionInvalid", KfsErrorCategory.InvalidArgument, version,
                $"'{version}' is not a release version. Give it as MAJOR.MINOR.PATCH, e.g. 1.33.1 or v1.33.1.");
        }

        return match.Groups[1].Value;
    }

    /// <summary>Checks a component name.</summary>
    public static string CheckComponent(string component)
    {
        string? known = Components.FirstOrDefault(c => string.Equals(c, component, StringComparison.OrdinalIgnoreCase));
        return known ?? throw new KfsException("UnknownComponent", KfsErrorCategory.InvalidArgument, component,
            $"'{component}' is not a Kubernetes component this module installs. Use one of: {string.Join(", ", Components)}.");
    }

    /// <summary>The URL of a Kubernetes binary.</summary>
    public static Uri KubernetesBinary(Uri? baseUrl, string component, string version, string arch = "amd64") =>
        new(EnsureSlash(baseUrl ?? KubernetesBaseUrl), $"release/v{NormalizeVersion(version)}/bin/linux/{arch}/{CheckComponent(component)}");

    /// <summary>The URL of the CNI plugins tarball (or the deck's legacy cni-v0.3.0.tgz for versions before 0.6).</summary>
    public static Uri CniTarball(Uri? baseUrl, string version, string arch = "amd64")
    {
        string v = NormalizeVersion(version);
        var root = EnsureSlash(baseUrl ?? CniBaseUrl);
        return IsLegacyCni(v)
            ? new Uri(root, $"containernetworking/cni/releases/download/v{v}/cni-v{v}.tgz")
            : new Uri(root, $"containernetworking/plugins/releases/download/v{v}/cni-plugins-linux-{arch}-v{v}.tgz");
    }

    /// <summary>Versions before 0.6 shipped the plugins in the cni repository's own tarball, with no checksum.</summary>
    public static bool IsLegacyCni(string version)
    {
        var v = Version.Parse(NormalizeVersion(version).Split('-')[0]);
        return v < new Version(0, 6, 0);
    }

    /// <summary>
    /// Extracts the named files from a .tgz (either layout: files at the archive root or under ./) into
    /// <paramref name="directory"/>. Unknown names are an error listing what the archive holds.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ExtractAsync(string tarball, IReadOnlyCollection<string> names, string directory,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var available = new SortedSet<string>(StringComparer.Ordinal);
        await using (var file = File.OpenRead(tarball))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var reader = new TarReader(gzip))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name.Contains('/'))
                {
                    continue;
                }

                available.Add(name);
                if (names.Contains(name) && entry.DataStream is { } data)
                {
                    string target = System.IO.Path.Combine(directory, name);
                    await using (var output = File.Create(target))
                    {
                        await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    }

                    found[name] = target;
                }
            }
        }

        var missing = names.Where(n => !found.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new KfsException("CniPluginNotFound", KfsErrorCategory.ObjectNotFound, string.Join(", ", missing),
                $"{System.IO.Path.GetFileName(tarball)} has no plugin named {string.Join(", ", missing)}. It holds: {string.Join(", ", available)}.");
        }

        return found;
    }

    private static Uri EnsureSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    [GeneratedRegex(@"^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$")]
    private static partial Regex VersionPattern();
}
