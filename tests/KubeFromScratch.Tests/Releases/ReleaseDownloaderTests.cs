using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using KubeFromScratch.Engine.Releases;
using KubeFromScratch.Tests.Etcd;
using KubeFromScratch.Tests.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Releases;

/// <summary>
/// The release cache against a release server on loopback: one download per file, verified against the published
/// .sha256, and nothing left behind in the cache by a download that is corrupt, missing or interrupted.
/// </summary>
public sealed class ReleaseDownloaderTests : IDisposable
{
    private const string KubeletPath = "/release/v1.33.1/bin/linux/amd64/kubelet";

    private readonly TempDirectory _cache = new();
    private readonly ConcurrentDictionary<string, (int Status, byte[] Body)> _routes = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly byte[] _kubelet = RandomNumberGenerator.GetBytes(300_000);
    private readonly LoopbackServer _server;
    private string? _tricklePath;

    public ReleaseDownloaderTests()
    {
        _server = new LoopbackServer(async (stream, ct) =>
        {
            while (await Http11.ReadRequestAsync(stream, ct) is { } request)
            {
                _requests.Enqueue(request.Path);
                if (request.Path == _tricklePath)
                {
                    // Promise a megabyte, then send a kilobyte every 50 ms until the client gives up.
                    await Http11.WriteHeadAsync(stream, 200, 1_000_000, ct, "application/octet-stream");
                    while (true)
                    {
                        await stream.WriteAsync(new byte[1024], ct);
                        await stream.FlushAsync(ct);
                        await Task.Delay(50, ct);
                    }
                }

                var (status, body) = _routes.TryGetValue(request.Path, out var route) ? route : (404, "404 Not Found\n"u8.ToArray());
                await Http11.WriteResponseAsync(stream, status, body, ct, "application/octet-stream");
            }
        });
        _routes[KubeletPath] = (200, _kubelet);
    }

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
    }

    private Uri Kubelet => new($"{_server.BaseUrl}{KubeletPath}");

    private string Hex(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    private void PublishChecksum(string text) => _routes[KubeletPath + ".sha256"] = (200, Encoding.ASCII.GetBytes(text));

    private int FileRequests => _requests.Count(p => p == KubeletPath);

    private List<string> FilesInCache() => Directory.EnumerateFiles(_cache.Path, "*", SearchOption.AllDirectories).ToList();

    [Fact]
    public async Task A_file_is_downloaded_once_verified_and_then_served_from_the_cache()
    {
        PublishChecksum($"{Hex(_kubelet)}  kubelet\n");
        using var downloader = new ReleaseDownloader(_cache.Path);

        var first = await downloader.GetAsync(Kubelet, checksumRequired: true, null, CancellationToken.None);
        var second = await downloader.GetAsync(Kubelet, checksumRequired: true, null, CancellationToken.None);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.True(first.ChecksumPublished);
        Assert.Equal(Hex(_kubelet), first.Sha256);
        Assert.Equal(first.Path, second.Path);
        Assert.Equal(Path.Combine(_cache.Path, $"127.0.0.1_{_server.Port}", "release", "v1.33.1", "bin", "linux", "amd64", "kubelet"), first.Path);
        Assert.Equal(_kubelet, File.ReadAllBytes(first.Path));
        Assert.Equal(1, FileRequests);
        Assert.Equal([first.Path], FilesInCache());
    }

    [Fact]
    public async Task A_bare_checksum_as_dl_k8s_io_publishes_it_is_read_too()
    {
        PublishChecksum(Hex(_kubelet).ToUpperInvariant());
        using var downloader = new ReleaseDownloader(_cache.Path);

        var release = await downloader.GetAsync(Kubelet, checksumRequired: true, null, CancellationToken.None);

        Assert.Equal(Hex(_kubelet), release.Sha256);
    }

    [Fact]
    public async Task Progress_reports_every_byte_against_the_announced_length()
    {
        PublishChecksum($"{Hex(_kubelet)}  kubelet\n");
        using var downloader = new ReleaseDownloader(_cache.Path);
        var reports = new List<(long Done, long? Total)>();

        await downloader.GetAsync(Kubelet, true, (done, total) => reports.Add((done, total)), CancellationToken.None);

        Assert.Equal((_kubelet.LongLength, (long?)_kubelet.LongLength), reports[^1]);
        Assert.Equal(reports.Select(r => r.Done).Order(), reports.Select(r => r.Done));
    }

    [Fact]
    public async Task A_download_that_does_not_match_its_checksum_fails_and_leaves_nothing_in_the_cache()
    {
        string wrong = Hex(Encoding.ASCII.GetBytes("something else"));
        PublishChecksum($"{wrong}  kubelet\n");
        using var downloader = new ReleaseDownloader(_cache.Path);

        var error = await Assert.ThrowsAsync<KfsException>(() => downloader.GetAsync(Kubelet, true, null, CancellationToken.None));

        Assert.Equal("ChecksumMismatch", error.ErrorId);
        Assert.Contains(wrong, error.Message);
        Assert.Contains(Hex(_kubelet), error.Message);
        Assert.Equal(1, FileRequests);
        Assert.Empty(FilesInCache());
    }

    [Fact]
    public async Task A_damaged_cached_copy_is_downloaded_again()
    {
        PublishChecksum($"{Hex(_kubelet)}  kubelet\n");
        using var downloader = new ReleaseDownloader(_cache.Path);
        var first = await downloader.GetAsync(Kubelet, true, null, CancellationToken.None);
        File.WriteAllText(first.Path, "truncated");

        var again = await downloader.GetAsync(Kubelet, true, null, CancellationToken.None);

        Assert.False(again.FromCache);
        Assert.Equal(_kubelet, File.ReadAllBytes(again.Path));
        Assert.Equal(2, FileRequests);
    }

    [Fact]
    public async Task Without_a_published_checksum_a_required_check_fails_before_downloading()
    {
        using var downloader = new ReleaseDownloader(_cache.Path);

        var error = await Assert.ThrowsAsync<KfsException>(() => downloader.GetAsync(Kubelet, true, null, CancellationToken.None));

        Assert.Equal("ChecksumNotPublished", error.ErrorId);
        Assert.Equal(Kubelet + ".sha256", error.Target);
        Assert.Equal(0, FileRequests);
        Assert.Empty(FilesInCache());
    }

    [Fact]
    public async Task Without_a_published_checksum_an_optional_check_downloads_and_says_none_was_published()
    {
        using var downloader = new ReleaseDownloader(_cache.Path);

        var release = await downloader.GetAsync(Kubelet, checksumRequired: false, null, CancellationToken.None);

        Assert.False(release.ChecksumPublished);
        Assert.False(release.FromCache);
        Assert.Equal(Hex(_kubelet), release.Sha256);
        Assert.Equal(_kubelet, File.ReadAllBytes(release.Path));
    }

    [Fact]
    public async Task A_checksum_file_without_a_SHA_256_is_invalid()
    {
        PublishChecksum("<html>Not here</html>");
        using var downloader = new ReleaseDownloader(_cache.Path);

        var error = await Assert.ThrowsAsync<KfsException>(() => downloader.GetAsync(Kubelet, false, null, CancellationToken.None));

        Assert.Equal("ChecksumInvalid", error.ErrorId);
        Assert.Equal(0, FileRequests);
    }

    [Fact]
    public async Task A_release_the_server_does_not_have_is_not_found()
    {
        var missing = new Uri($"{_server.BaseUrl}/release/v9.9.9/bin/linux/amd64/kubelet");
        _routes["/release/v9.9.9/bin/linux/amd64/kubelet.sha256"] = (200, Encoding.ASCII.GetBytes(Hex(_kubelet)));
        using var downloader = new ReleaseDownloader(_cache.Path);

        var error = await Assert.ThrowsAsync<KfsException>(() => downloader.GetAsync(missing, true, null, CancellationToken.None));

        Assert.Equal("ReleaseNotFound", error.ErrorId);
        Assert.Contains("HTTP 404", error.Message);
        Assert.Empty(FilesInCache());
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_unreachable()
    {
        using var closed = new ClosedPort();
        var nowhere = new Uri($"{closed.BaseUrl}{KubeletPath}");
        using var downloader = new ReleaseDownloader(_cache.Path);

        var error = await Assert.ThrowsAsync<KfsException>(() => downloader.GetAsync(nowhere, true, null, CancellationToken.None));

        Assert.Equal("ReleaseServerUnreachable", error.ErrorId);
    }

    [Fact]
    public async Task Cancelling_in_the_middle_of_a_download_leaves_no_partial_file()
    {
        _tricklePath = KubeletPath;
        PublishChecksum($"{Hex(_kubelet)}  kubelet\n");
        using var downloader = new ReleaseDownloader(_cache.Path);
        using var cancel = new CancellationTokenSource();
        long received = 0;

        // Ctrl-C once the first bytes are in (and a .part file exists).
        var download = downloader.GetAsync(Kubelet, true, (done, _) =>
        {
            received = done;
            if (done >= 2048)
            {
                cancel.Cancel();
            }
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.InRange(received, 2048, 999_999);
        Assert.Empty(FilesInCache());
    }
}
