using System.Text.Json;

namespace KubeFromScratch.Engine.Cluster;

/// <summary>
/// What the last Install-KubeCluster run of a cluster got done, so a rerun after a failure resumes at the failed
/// phase. Kept per user (XDG state folder, or LocalApplicationData), one small JSON file per cluster name, written
/// atomically; a definition that changed since (another fingerprint) starts over.
/// </summary>
public sealed class ClusterState
{
    /// <summary>The definition's fingerprint when the phases below were done.</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Phases that completed in the last run that did not finish.</summary>
    public List<string> Done { get; set; } = new();

    /// <summary>The phase that failed, when one did.</summary>
    public string? Failed { get; set; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset Updated { get; set; }

    /// <summary>The folder the state files live in.</summary>
    public static string Directory
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable("KFS_STATE_DIR");
            if (!string.IsNullOrEmpty(overridden))
            {
                return overridden;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg
                : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            return Path.Combine(root, "kubefromscratch", "clusters");
        }
    }

    /// <summary>The state file of a cluster.</summary>
    public static string PathFor(string cluster) => Path.Combine(Directory, cluster + ".json");

    /// <summary>The saved state, or null when there is none (or it is unreadable: then a full run is the safe choice).</summary>
    public static ClusterState? Load(string cluster)
    {
        try
        {
            return JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(PathFor(cluster)));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the state atomically.</summary>
    public void Save(string cluster)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = PathFor(cluster);
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Updated = DateTimeOffset.Now;
        File.WriteAllText(temp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Forgets the cluster's state (after a run that finished).</summary>
    public static void Clear(string cluster)
    {
        try
        {
            File.Delete(PathFor(cluster));
        }
        catch (IOException)
        {
            // Nothing to forget.
        }
    }
}
