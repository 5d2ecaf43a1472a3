using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeFromScratch.LabApiServer;

/// <summary>A running stand-in: the web application, its cluster state and the controller loop. Tests start it in-process.</summary>
public sealed class LabServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private LabServer(WebApplication app, Cluster cluster, Controllers controllers)
    {
        this.app = app;
        Cluster = cluster;
        Controllers = controllers;
        loop = controllers.RunAsync(stop.Token);
    }

    /// <summary>The cluster state.</summary>
    public Cluster Cluster { get; }

    /// <summary>The controllers (tests may call Tick to avoid waiting).</summary>
    public Controllers Controllers { get; }

    /// <summary>The first bound address, e.g. http://127.0.0.1:38123 (the real port when 0 was asked for).</summary>
    public string Address { get; private set; } = "";

    /// <summary>Builds and starts the server with the given options.</summary>
    public static async Task<LabServer> StartAsync(ServerOptions options, CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls.Split(';', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Information : LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Watches stay open for as long as kubectl keeps them.
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
            k.Limits.MinResponseDataRate = null;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var cluster = new Cluster(options);
        var controllers = new Controllers(cluster);
        var handler = new ApiHandler(cluster);
        if (options.Verbose)
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("requests");
            app.Use(async (ctx, next) =>
            {
                await next();
                log.LogInformation("{Method} {Path}{Query} -> {Status} ({Type})", ctx.Request.Method, ctx.Request.Path, ctx.Request.QueryString, ctx.Response.StatusCode, ctx.Request.ContentType);
            });
        }
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancel);
        var server = new LabServer(app, cluster, controllers);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        server.Address = addresses?.FirstOrDefault() ?? options.Urls;
        return server;
    }

    /// <summary>Waits until the host stops (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync() => app.WaitForShutdownAsync();

    /// <summary>Stops the loop and the web server.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        await app.StopAsync();
        await app.DisposeAsync();
        stop.Dispose();
    }
}
