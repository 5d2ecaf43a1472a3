using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// Manifests the module ships because their origin no longer serves them: Weave Net 2.8.1, the pod network of the
/// workshop (git.io/weave-kube and cloud.weave.works are gone; Weave Net is archived).
/// </summary>
public static class KubeManifests
{
    /// <summary>The Weave Net release the shipped manifest installs.</summary>
    public const string WeaveNetVersion = "2.8.1";

    /// <summary>The name Weave Net's release gave the manifest, used as its source in messages.</summary>
    public const string WeaveNetSource = "weave-daemonset-k8s-1.11.yaml (Weave Net 2.8.1)";

    /// <summary>
    /// SHA-256 of the shipped manifest's bytes, lower-case hex. Pinned so that an accidental edit of the manifest fails
    /// the tests instead of reaching clusters; change it only together with a deliberate change of the manifest.
    /// </summary>
    public const string WeaveNetSha256 = "ecf694903b18d36a663bed135dd58f5567c3a63da58592a80737cd3ad1886554";

    internal const string WeaveNetResource = "KubeFromScratch.Engine.Kube.Manifests.weave-daemonset-k8s-1.11.yaml";

    private static readonly Lazy<byte[]> WeaveNetBytes = new(() => ReadResource(WeaveNetResource));

    /// <summary>The Weave Net manifest: ServiceAccount, ClusterRole, ClusterRoleBinding, Role, RoleBinding, DaemonSet.</summary>
    public static string WeaveNet => Encoding.UTF8.GetString(WeaveNetBytes.Value);

    /// <summary>The SHA-256 of the manifest as shipped, computed now (compare with <see cref="WeaveNetSha256"/>).</summary>
    public static string ComputeWeaveNetSha256() => Convert.ToHexString(SHA256.HashData(WeaveNetBytes.Value)).ToLowerInvariant();

    /// <summary>The Weave Net manifest's objects, read and with the namespace default applied (it names its own).</summary>
    public static IReadOnlyList<KubeManifestObject> ReadWeaveNet() => KubeManifestReader.Read(WeaveNet, WeaveNetSource);

    private static byte[] ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The engine assembly lacks its embedded resource {name}; rebuild it.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
