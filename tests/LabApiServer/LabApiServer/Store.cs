using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KubeFromScratch.LabApiServer;

/// <summary>One change, as a watch delivers it.</summary>
/// <param name="Rv">The global resourceVersion of the change.</param>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="ResourceKey">The resource's store key.</param>
/// <param name="Object">The object after the change (for DELETED: the last state, carrying the deletion's resourceVersion).</param>
/// <param name="Old">The object before the change, for selector transitions; null for ADDED.</param>
public sealed record WatchEvent(long Rv, string Type, string ResourceKey, JsonObject Object, JsonObject? Old);

/// <summary>A live watch: receives every event of one resource; filtering happens on the reader's side.</summary>
public sealed class Watcher
{
    /// <summary>The resource key watched.</summary>
    public required string ResourceKey { get; init; }

    /// <summary>Events in order; unbounded because lab traffic is small.</summary>
    public Channel<WatchEvent> Events { get; } = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource dropped = new();

    /// <summary>Cancelled when the lab fault hook drops every watch (<see cref="Store.DropWatches"/>): the stream's
    /// connection must then end abruptly, as a dropped connection would.</summary>
    public CancellationToken Dropped => dropped.Token;

    internal void Drop() => dropped.Cancel();
}

/// <summary>
/// The in-memory object store: one global resourceVersion counter (like etcd's revision), objects by resource,
/// namespace and name, a bounded event window for watch resumption, and the live watchers.
/// Stored objects are never mutated after they are stored: writers store fresh copies, so readers may share them.
/// </summary>
public sealed class Store
{
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> data = new(StringComparer.Ordinal);
    private readonly LinkedList<WatchEvent> window = new();
    private readonly List<Watcher> watchers = [];
    private readonly int windowSize;
    private long compactedRv;

    /// <summary>Creates a store keeping the last <paramref name="windowSize"/> events for watch resumption.</summary>
    public Store(int windowSize) => this.windowSize = Math.Max(16, windowSize);

    /// <summary>The lock every compound operation takes (Monitor is re-entrant).</summary>
    public object Sync { get; } = new();

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion { get; private set; }

    private static string ItemKey(string? ns, string name) => $"{ns ?? ""}/{name}";

    private SortedDictionary<string, JsonObject> Table(ResourceType type)
    {
        if (!data.TryGetValue(type.Key, out var table))
        {
            table = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            data[type.Key] = table;
        }
        return table;
    }

    /// <summary>The stored object (shared, do not mutate), or null.</summary>
    public JsonObject? Peek(ResourceType type, string? ns, string name)
    {
        lock (Sync)
        {
            return Table(type).TryGetValue(ItemKey(type.Namespaced ? ns : null, name), out var o) ? o : null;
        }
    }

    /// <summary>Stored objects of a resource (shared, do not mutate), optionally in one namespace, in key order.</summary>
    public List<JsonObject> Snapshot(ResourceType type, string? ns = null)
    {
        lock (Sync)
        {
            var table = Table(type);
            if (string.IsNullOrEmpty(ns) || !type.Namespaced)
            {
                return [.. table.Values];
            }
            var prefix = ns + "/";
            return [.. table.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value)];
        }
    }

    /// <summary>Stores a new object: stamps resourceVersion, and emits ADDED.</summary>
    public JsonObject Add(ResourceType type, JsonObject obj)
    {
        lock (Sync)
        {
            var meta = obj.Ensure("metadata");
            var key = ItemKey(type.Namespaced ? meta.Str("namespace") : null, meta.Str("name") ?? "");
            var table = Table(type);
            if (table.ContainsKey(key))
            {
                throw ApiException.AlreadyExists(type, meta.Str("name") ?? "");
            }
            var rv = ++ResourceVersion;
            meta["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            table[key] = obj;
            Publish(new WatchEvent(rv, "ADDED", type.Key, obj, null));
            return obj;
        }
    }

    /// <summary>Replaces an object; a write that changes nothing keeps the old resourceVersion, as the real server does.</summary>
    public JsonObject Replace(ResourceType type, JsonObject obj)
    {
        lock (Sync)
        {
            var meta = obj.Ensure("metadata");
            var name = meta.Str("name") ?? "";
            var key = ItemKey(type.Namespaced ? meta.Str("namespace") : null, name);
            var table = Table(type);
            if (!table.TryGetValue(key, out var old))
            {
                throw ApiException.NotFound(type, name);
            }
            meta["resourceVersion"] = old.Str("metadata", "resourceVersion");
            if (Json.Same(old, obj))
            {
                return old;
            }
            var rv = ++ResourceVersion;
            meta["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            table[key] = obj;
            Publish(new WatchEvent(rv, "MODIFIED", type.Key, obj, old));
            return obj;
        }
    }

    /// <summary>Removes an object and emits DELETED; returns the last state, or null when absent.</summary>
    public JsonObject? Remove(ResourceType type, string? ns, string name)
    {
        lock (Sync)
        {
            var key = ItemKey(type.Namespaced ? ns : null, name);
            var table = Table(type);
            if (!table.Remove(key, out var old))
            {
                return null;
            }
            var rv = ++ResourceVersion;
            var gone = old.Clone();
            gone.Ensure("metadata")["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Publish(new WatchEvent(rv, "DELETED", type.Key, gone, old));
            return gone;
        }
    }

    private void Publish(WatchEvent e)
    {
        window.AddLast(e);
        while (window.Count > windowSize)
        {
            compactedRv = window.First!.Value.Rv;
            window.RemoveFirst();
        }
        foreach (var w in watchers)
        {
            if (w.ResourceKey == e.ResourceKey)
            {
                w.Events.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromRv"/> null the caller sends the current state itself; otherwise every
    /// retained event after it is queued first. Throws 410 Expired when events after it have left the window.
    /// </summary>
    public Watcher Subscribe(ResourceType type, long? fromRv)
    {
        lock (Sync)
        {
            if (fromRv is long from && from < compactedRv)
            {
                throw ApiException.Expired(from, compactedRv + 1);
            }
            var w = new Watcher { ResourceKey = type.Key };
            if (fromRv is long since)
            {
                foreach (var e in window)
                {
                    if (e.Rv > since && e.ResourceKey == type.Key)
                    {
                        w.Events.Writer.TryWrite(e);
                    }
                }
            }
            watchers.Add(w);
            return w;
        }
    }

    /// <summary>How many watches are open.</summary>
    public int OpenWatches
    {
        get
        {
            lock (Sync)
            {
                return watchers.Count;
            }
        }
    }

    /// <summary>
    /// Lab fault hook: drops every open watch at once (their connections are aborted, not ended cleanly) and returns
    /// how many there were. Clients see what a dropped connection shows them and must watch again.
    /// </summary>
    public int DropWatches()
    {
        List<Watcher> open;
        lock (Sync)
        {
            open = [.. watchers];
            watchers.Clear();
        }
        // Not by completing their channels: that would end the streams cleanly, which is not the fault.
        foreach (var w in open)
        {
            w.Drop();
        }
        return open.Count;
    }

    /// <summary>Ends a watch.</summary>
    public void Unsubscribe(Watcher w)
    {
        lock (Sync)
        {
            watchers.Remove(w);
            w.Events.Writer.TryComplete();
        }
    }
}
