using KubeFromScratch.Engine.Kube;
using Xunit;

namespace KubeFromScratch.Tests.Kube;

/// <summary>Manifests under Fixtures/kube (see its README) and helpers the manifest tests share.</summary>
internal static class KubeFixtures
{
    internal static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kube", name));

    internal static IReadOnlyList<KubeManifestObject> ReadText(string yaml, string defaultNamespace = "default") =>
        KubeManifestReader.Read(yaml, "test.yaml", defaultNamespace);

    internal static KubeManifestObject Single(string yaml) => Assert.Single(ReadText(yaml));

    /// <summary>The ManifestInvalidYaml refusal of <paramref name="yaml"/>.</summary>
    internal static KfsException Refusal(string yaml)
    {
        var e = Assert.Throws<KfsException>(() => ReadText(yaml));
        Assert.Equal("ManifestInvalidYaml", e.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, e.Category);
        return e;
    }

    /// <summary>The problems Validate finds in <paramref name="yaml"/>.</summary>
    internal static IReadOnlyList<KfsException> Problems(string yaml) => KubeManifestValidator.Validate(ReadText(yaml));
}
