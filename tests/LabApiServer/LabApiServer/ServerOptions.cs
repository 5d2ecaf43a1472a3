namespace KubeFromScratch.LabApiServer;

/// <summary>Command-line settings of the stand-in.</summary>
public sealed class ServerOptions
{
    /// <summary>Listen URLs, as --urls (default http://127.0.0.1:8080).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long a node may go without a status heartbeat before it turns NotReady (the real default is 40 s).</summary>
    public TimeSpan NodeGrace { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Controller loop period.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a scheduled pod stays Pending (ContainerCreating) before it runs.</summary>
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How many events the watch window keeps; a watch from an older resourceVersion gets 410 Expired.</summary>
    public int WatchWindow { get; set; } = 4096;

    /// <summary>Logs every request to the console when set.</summary>
    public bool Verbose { get; set; }

    /// <summary>Parses the command line; unknown options are an error so typos do not go unnoticed.</summary>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var o = new ServerOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            var eq = a.IndexOf('=');
            var name = eq > 0 ? a[..eq] : a;
            string Value() => eq > 0 ? a[(eq + 1)..] : (++i < args.Count ? args[i] : throw new ArgumentException($"{name} needs a value"));
            switch (name)
            {
                case "--urls": o.Urls = Value(); break;
                case "--node-grace-seconds": o.NodeGrace = TimeSpan.FromSeconds(double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--tick-ms": o.Tick = TimeSpan.FromMilliseconds(double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--pod-start-ms": o.PodStartDelay = TimeSpan.FromMilliseconds(double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--watch-window": o.WatchWindow = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--verbose": o.Verbose = true; break;
                default: throw new ArgumentException($"unknown option {a} (known: --urls, --node-grace-seconds, --tick-ms, --pod-start-ms, --watch-window, --verbose)");
            }
        }
        return o;
    }
}
