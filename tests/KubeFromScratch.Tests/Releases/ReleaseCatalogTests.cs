using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using KubeFromScratch.Engine.Releases;
using KubeFromScratch.Tests.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Releases;

/// <summary>Pins where Install-KubeBinary and Install-CniPlugin look for releases, and how the CNI tarball is unpacked.</summary>
public sealed class ReleaseCatalogTests
{
    // ---- URLs -------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1.33.1")]
    [InlineData("v1.33.1")]
    [InlineData(" v1.33.1 ")]
    public void Kubernetes_binaries_come_from_dl_k8s_io_by_version_and_architecture(string version)
    {
        Assert.Equal("https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubelet",
            ReleaseCatalog.KubernetesBinary(null, "kubelet", version).AbsoluteUri);
        Assert.Equal("https://dl.k8s.io/release/v1.33.1/bin/linux/arm64/kube-apiserver",
            ReleaseCatalog.KubernetesBinary(null, "kube-apiserver", version, "arm64").AbsoluteUri);
    }

    [Theory]
    [InlineData("http://mirror.lab:8080/k8s")]
    [InlineData("http://mirror.lab:8080/k8s/")]
    public void A_mirror_keeps_the_official_paths_under_its_own_root_with_or_without_the_trailing_slash(string mirror)
    {
        Assert.Equal("http://mirror.lab:8080/k8s/release/v1.33.1/bin/linux/amd64/kubectl",
            ReleaseCatalog.KubernetesBinary(new Uri(mirror), "kubectl", "1.33.1").AbsoluteUri);
        Assert.Equal("http://mirror.lab:8080/k8s/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz",
            ReleaseCatalog.CniTarball(new Uri(mirror), "1.7.1").AbsoluteUri);
    }

    [Fact]
    public void A_mirror_at_the_root_of_its_host_works_too()
    {
        Assert.Equal("http://10.0.0.1/release/v1.33.1/bin/linux/amd64/kubelet",
            ReleaseCatalog.KubernetesBinary(new Uri("http://10.0.0.1"), "kubelet", "1.33.1").AbsoluteUri);
    }

    [Fact]
    public void CNI_plugins_come_from_the_plugins_repositorys_releases()
    {
        Assert.Equal("https://github.com/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz",
            ReleaseCatalog.CniTarball(null, "v1.7.1").AbsoluteUri);
        Assert.Equal("https://github.com/containernetworking/plugins/releases/download/v0.6.0/cni-plugins-linux-arm-v0.6.0.tgz",
            ReleaseCatalog.CniTarball(null, "0.6.0", "arm").AbsoluteUri);
    }

    [Fact]
    public void The_decks_CNI_0_3_0_comes_from_the_cni_repositorys_own_tarball()
    {
        Assert.Equal("https://github.com/containernetworking/cni/releases/download/v0.3.0/cni-v0.3.0.tgz",
            ReleaseCatalog.CniTarball(null, "0.3.0").AbsoluteUri);
        Assert.Equal("http://mirror.lab/gh/containernetworking/cni/releases/download/v0.3.0/cni-v0.3.0.tgz",
            ReleaseCatalog.CniTarball(new Uri("http://mirror.lab/gh"), "v0.3.0").AbsoluteUri);
    }

    [Theory]
    [InlineData("0.3.0", true)]
    [InlineData("0.5.2", true)]
    [InlineData("0.6.0", false)]
    [InlineData("0.6.0-rc1", false)]
    [InlineData("1.7.1", false)]
    public void Only_CNI_versions_before_0_6_are_legacy(string version, bool legacy)
    {
        Assert.Equal(legacy, ReleaseCatalog.IsLegacyCni(version));
    }

    // ---- Versions and components ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("1.33.1", "1.33.1")]
    [InlineData("v1.33.1", "1.33.1")]
    [InlineData("1.33.1-rc.0", "1.33.1-rc.0")]
    [InlineData("v1.34.0-alpha.2", "1.34.0-alpha.2")]
    public void A_version_is_MAJOR_MINOR_PATCH_with_an_optional_v_and_prerelease(string version, string expected)
    {
        Assert.Equal(expected, ReleaseCatalog.NormalizeVersion(version));
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("latest")]
    [InlineData("stable-1.33")]
    [InlineData("1.33.1; rm -rf /")]
    [InlineData("1.33.1/../../evil")]
    [InlineData("1.33.1-")]
    [InlineData("")]
    public void Anything_else_is_not_a_version(string version)
    {
        var error = Assert.Throws<KfsException>(() => ReleaseCatalog.NormalizeVersion(version));

        Assert.Equal("VersionInvalid", error.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidArgument, error.Category);
        Assert.Equal(version, error.Target);
    }

    [Fact]
    public void A_bad_version_never_reaches_a_URL()
    {
        var error = Assert.Throws<KfsException>(() => ReleaseCatalog.KubernetesBinary(null, "kubelet", "1.33.1; rm -rf /"));

        Assert.Equal("VersionInvalid", error.ErrorId);
    }

    [Theory]
    [InlineData("kubelet", "kubelet")]
    [InlineData("KUBE-PROXY", "kube-proxy")]
    [InlineData("kube-controller-manager", "kube-controller-manager")]
    public void Known_components_are_found_whatever_their_case(string component, string expected)
    {
        Assert.Equal(expected, ReleaseCatalog.CheckComponent(component));
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("kubelet.exe")]
    [InlineData("../kubelet")]
    public void Unknown_components_are_refused_with_the_list_of_known_ones(string component)
    {
        var error = Assert.Throws<KfsException>(() => ReleaseCatalog.CheckComponent(component));

        Assert.Equal("UnknownComponent", error.ErrorId);
        Assert.Contains("kubelet, kube-proxy, kubectl, kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm", error.Message);
    }

    // ---- Extracting the CNI tarball ---------------------------------------------------------------------------------

    /// <summary>Writes a .tgz with the given regular files (and a directory entry), names exactly as given.</summary>
    private static string Tarball(TempDirectory temp, params string[] names)
    {
        string path = temp.File("cni.tgz");
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Gnu);
        if (names[0].StartsWith("./", StringComparison.Ordinal))
        {
            writer.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "./")); // as `tar -C dir -czf x.tgz .` writes it
        }

        foreach (string name in names)
        {
            var entry = new GnuTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("binary of " + name.TrimStart('.', '/'))),
            };
            writer.WriteEntry(entry);
        }

        return path;
    }

    [Theory]
    [InlineData("")]
    [InlineData("./")]
    public async Task The_named_plugins_are_extracted_from_either_layout(string prefix)
    {
        using var temp = new TempDirectory();
        string tarball = Tarball(temp, $"{prefix}bridge", $"{prefix}loopback", $"{prefix}host-local", $"{prefix}LICENSE");
        string target = temp.File("out");

        var found = await ReleaseCatalog.ExtractAsync(tarball, ["bridge", "loopback"], target, CancellationToken.None);

        Assert.Equal(["bridge", "loopback"], found.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(target, "bridge"), found["bridge"]);
        Assert.Equal("binary of loopback", File.ReadAllText(found["loopback"]));
        Assert.Equal(["bridge", "loopback"], Directory.GetFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Files_in_subdirectories_are_not_plugins()
    {
        using var temp = new TempDirectory();
        string tarball = Tarball(temp, "bridge", "docs/bridge.md");

        var error = await Assert.ThrowsAsync<KfsException>(() =>
            ReleaseCatalog.ExtractAsync(tarball, ["bridge.md"], temp.File("out"), CancellationToken.None));

        Assert.Equal("It holds: bridge.", error.Message[error.Message.IndexOf("It holds", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task An_unknown_plugin_is_not_found_and_the_error_lists_what_the_tarball_holds()
    {
        using var temp = new TempDirectory();
        string tarball = Tarball(temp, "./loopback", "./bridge", "./host-local");

        var error = await Assert.ThrowsAsync<KfsException>(() =>
            ReleaseCatalog.ExtractAsync(tarball, ["bridge", "flannel", "weave"], temp.File("out"), CancellationToken.None));

        Assert.Equal("CniPluginNotFound", error.ErrorId);
        Assert.Equal(KfsErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("flannel, weave", error.Target);
        Assert.Equal("cni.tgz has no plugin named flannel, weave. It holds: bridge, host-local, loopback.", error.Message);
    }
}
