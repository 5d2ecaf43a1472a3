using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Infrastructure;

/// <summary>
/// The state of one runspace: its connected hosts. Kept per runspace (never in a global variable), so two
/// runspaces (or ForEach-Object -Parallel) never share or clobber each other's connections; connections close
/// when their runspace closes.
/// </summary>
internal sealed class KubeSession
{
    private static readonly ConditionalWeakTable<Runspace, KubeSession> Sessions = new();
    private readonly ConcurrentDictionary<string, HostEntry> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The session of the runspace running the current pipeline.</summary>
    public static KubeSession Current
    {
        get
        {
            Runspace runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("KubeFromScratch cmdlets must run in a PowerShell runspace.");
            return Sessions.GetValue(runspace, r =>
            {
                var session = new KubeSession();
                r.StateChanged += (_, e) =>
                {
                    if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
                    {
                        session.CloseAll();
                    }
                };
                return session;
            });
        }
    }

    /// <summary>Hosts by name (core-01, core-02, ...), whatever order their connections completed in.</summary>
    public IReadOnlyList<HostEntry> Hosts => _hosts.Values.OrderBy(h => h.Host.Name, StringComparer.OrdinalIgnoreCase).ThenBy(h => h.Sequence).ToArray();

    private long _sequence;
    private KubeApiClient? _api;

    /// <summary>The Kubernetes API connection (Connect-KubeApi), or null.</summary>
    public KubeApiClient? Api => Volatile.Read(ref _api);

    /// <summary>Sets the API connection; the one it replaces is closed.</summary>
    public void SetApi(KubeApiClient? api) => Interlocked.Exchange(ref _api, api)?.Dispose();

    public bool TryGet(string name, out HostEntry entry) => _hosts.TryGetValue(name, out entry!);

    /// <summary>Adds or replaces a host; a replaced connection is closed.</summary>
    public HostEntry Add(SshHostConnection connection)
    {
        var spec = connection.Spec;
        var host = new KubeHost(spec.Name, spec.HostName, spec.Port, spec.UserName, spec.Role, spec.IdentityFile,
            connection.HostKeyAlgorithm, connection.HostKeyFingerprint, connection.ConnectedAt, () => connection.IsConnected);
        var entry = new HostEntry(host, connection, Interlocked.Increment(ref _sequence));
        _hosts.AddOrUpdate(spec.Name, entry, (_, old) =>
        {
            old.Connection.Dispose();
            return entry;
        });
        return entry;
    }

    public bool Remove(string name)
    {
        if (_hosts.TryRemove(name, out var entry))
        {
            entry.Connection.Dispose();
            return true;
        }

        return false;
    }

    private void CloseAll()
    {
        SetApi(null);
        foreach (var name in _hosts.Keys.ToArray())
        {
            Remove(name);
        }
    }
}

/// <summary>A connected host: the object users see and the connection behind it.</summary>
internal sealed record HostEntry(KubeHost Host, SshHostConnection Connection, long Sequence);
