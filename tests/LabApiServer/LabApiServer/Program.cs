using KubeFromScratch.LabApiServer;

// Entry point: parse --urls/--node-grace-seconds, start, and run until stopped. State lives in memory only.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("usage: LabApiServer [--urls http://IP:PORT] [--node-grace-seconds 40] [--watch-window 4096] [--tick-ms 200] [--pod-start-ms 400] [--verbose]");
    return 0;
}

ServerOptions options;
try
{
    options = ServerOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"LabApiServer: {ex.Message}");
    return 2;
}

await using var server = await LabServer.StartAsync(options);
Console.WriteLine($"LabApiServer {Discovery.GitVersion} listening on {server.Address} (node grace {options.NodeGrace.TotalSeconds:0.###}s)");
await server.WaitForShutdownAsync();
return 0;
