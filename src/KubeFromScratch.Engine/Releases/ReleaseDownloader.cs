using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Releases;

/// <summary>A file downloaded once to the local cache and checked against its published SHA-256.</summary>
public sealed record CachedRelease(Uri Url, string Path, string Sha256, bool ChecksumPublished, bool FromCache);

/// <summary>
/// Downloads release files once per client into a per-user cache, verified against the `.sha256` published beside
/// them, so hosts without internet get exactly the bytes the project released. A download that does not match its
/// checksum, or is interrupted, leaves nothing in the cache.
/// </summary>
public sealed partial class ReleaseDownloader : IDisposable
{
    private static readonly SemaphoreSlim CacheLock = new(1, 1);
    private readonly HttpClient _http;

    /// <summary>Creates a downloader writing into <paramref name="cacheDirectory"/> (default: the per-user cache).</summary>
    public ReleaseDownloader(string? cacheDirectory = null)
    {
        CacheDirectory = cacheDirectory ?? DefaultCacheDirectory;
        _http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>~/.cache/kubefromscratch/releases on Unix, %LOCALAPPDATA%\KubeFromScratch\releases on Windows.</summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("KFS_RELEASE_CACHE") is { Length: > 0 } overridden
            ? overridden
            : OperatingSystem.IsWindows()
                ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "KubeFromScratch", "releases")
                : System.IO.Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
                    : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "kubefromscratch", "releases");

    /// <summary>Where files are kept.</summary>
    public string CacheDirectory { get; }

    /// <summary>
    /// Returns the verified local copy of <paramref name="url"/>, downloading it if the cache lacks it. When
    /// <paramref name="checksumRequired"/> is false and no .sha256 is published, the file's own hash is recorded
    /// and the caller should warn.
    /// </summary>
    public async Task<CachedRelease> GetAsync(Uri url, bool checksumRequired, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        string local = System.IO.Path.Combine(CacheDirectory, url.Host + (url.IsDefaultPort ? string.Empty : "_" + url.Port),
            System.IO.Path.Combine(url.AbsolutePath.TrimStart('/').Split('/').Select(Uri.UnescapeDataString).Select(SafeSegment).ToArray()));
        string? published = await GetPublishedChecksumAsync(url, checksumRequired, cancellationToken).ConfigureAwait(false);

        await CacheLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(local))
            {
                string cached = await HashAsync(local, cancellationToken).ConfigureAwait(false);
                if (published is null || string.Equals(cached, published, StringComparison.OrdinalIgnoreCase))
                {
                    return new CachedRelease(url, local, cached, published is not null, FromCache: true);
                }

                // The release moved on, or the cache was damaged: fetch again.
                File.Delete(local);
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(local)!);
            string temp = local + ".part-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                using (var response = await SendAsync(url, cancellationToken).ConfigureAwait(false))
                {
                    long? total = response.Content.Headers.ContentLength;
                    await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    await using var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                    var buffer = new byte[81920];
                    long done = 0;
                    int n;
                    while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        done += n;
                        progress?.Invoke(done, total);
                    }
                }

                string actual = await HashAsync(temp, cancellationToken).ConfigureAwait(false);
                if (published is not null && !string.Equals(actual, published, StringComparison.OrdinalIgnoreCase))
                {
                    throw new KfsException("ChecksumMismatch", KfsErrorCategory.InvalidData, url.ToString(),
                        $"{url} has SHA-256 {actual}, but its published checksum is {published}. The download is corrupt or was tampered with; nothing was installed. Check the mirror (-BaseUrl) and try again.");
                }

                File.Move(temp, local, overwrite: true);
                return new CachedRelease(url, local, actual, published is not null, FromCache: false);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
        finally
        {
            CacheLock.Release();
        }
    }

    private async Task<string?> GetPublishedChecksumAsync(Uri url, bool required, CancellationToken cancellationToken)
    {
        var sumUrl = new Uri(url + ".sha256");
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(sumUrl, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(sumUrl, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                if (!required && response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    return null;
                }

                throw new KfsException("ChecksumNotPublished", KfsErrorCategory.ObjectNotFound, sumUrl.ToString(),
                    $"No checksum is published at {sumUrl} (HTTP {(int)response.StatusCode}). Without it the download cannot be verified; check -Version and -BaseUrl.");
            }

            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var match = Sha256Pattern().Match(text);
            if (!match.Success)
            {
                throw new KfsException("ChecksumInvalid", KfsErrorCategory.InvalidData, sumUrl.ToString(),
                    $"{sumUrl} does not hold a SHA-256 (64 hex digits).");
            }

            return match.Value.ToLowerInvariant();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(url, ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new KfsException("ReleaseNotFound", KfsErrorCategory.ObjectNotFound, url.ToString(),
                $"{url} answered HTTP {(int)response.StatusCode}. Check -Version (is there such a release?) and -BaseUrl.");
        }

        return response;
    }

    private static KfsException Unreachable(Uri url, Exception ex) =>
        new("ReleaseServerUnreachable", KfsErrorCategory.ConnectionError, url.ToString(),
            $"{url.GetLeftPart(UriPartial.Authority)} cannot be reached ({ex.Message}). Check the network, or use a mirror with -BaseUrl.", ex);

    /// <summary>SHA-256 of a file as lower-case hex.</summary>
    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
    }

    private static string SafeSegment(string segment) => segment is "." or ".." ? "_" : string.Concat(segment.Select(c => System.IO.Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));

    [GeneratedRegex("\\b[0-9a-fA-F]{64}\\b")]
    private static partial Regex Sha256Pattern();

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();
}
