using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace KubeFromScratch.LabApiServer.Tests;

/// <summary>Result of one kubectl run.</summary>
/// <param name="ExitCode">Process exit code.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// One stand-in API server started in-process on 127.0.0.1 with an ephemeral port, plus the real kubectl pointed at it
/// through a private kubeconfig and discovery cache, so tests never read the user's ~/.kube.
/// </summary>
public sealed class LabHost : IAsyncDisposable
{
    private readonly string dir;

    private LabHost(LabServer server, string dir)
    {
        Server = server;
        this.dir = dir;
        Http = new HttpClient { BaseAddress = new Uri(server.Address), Timeout = TimeSpan.FromSeconds(30) };
        File.WriteAllText(Path.Combine(dir, "config"), $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: lab
              cluster:
                server: {{server.Address}}
            contexts:
            - name: lab
              context:
                cluster: lab
                user: lab
            users:
            - name: lab
              user: {}
            current-context: lab
            """);
    }

    /// <summary>The server.</summary>
    public LabServer Server { get; }

    /// <summary>A client for raw API calls, as the kubelet stand-in (curl) makes them.</summary>
    public HttpClient Http { get; }

    /// <summary>The real kubectl v1.33.1: KFS_LAB_KUBECTL, or kubectl.1.33 beside the machine's kubectl launcher.</summary>
    public static string Kubectl133 => Environment.GetEnvironmentVariable("KFS_LAB_KUBECTL") is { Length: > 0 } path ? path : Beside("kubectl.1.33");

    /// <summary>The real kubectl v1.32 beside the launcher.</summary>
    public static string Kubectl132 => Beside("kubectl.1.32");

    private static string Beside(string name)
    {
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var launcher = Path.Combine(d, "kubectl");
            if (File.Exists(launcher))
            {
                var target = new FileInfo(launcher).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? launcher;
                var candidate = Path.Combine(Path.GetDirectoryName(target)!, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new FileNotFoundException($"{name} not found beside kubectl on PATH (set KFS_LAB_KUBECTL for v1.33)");
    }

    /// <summary>Starts a server with test-friendly timings.</summary>
    public static async Task<LabHost> StartAsync(double nodeGraceSeconds = 40, int watchWindow = 10000)
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            NodeGrace = TimeSpan.FromSeconds(nodeGraceSeconds),
            Tick = TimeSpan.FromMilliseconds(100),
            PodStartDelay = TimeSpan.FromMilliseconds(200),
            WatchWindow = watchWindow,
        };
        var server = await LabServer.StartAsync(options);
        var dir = Directory.CreateTempSubdirectory("labapiserver-test-").FullName;
        return new LabHost(server, dir);
    }

    /// <summary>Runs kubectl v1.33 with the lab's kubeconfig.</summary>
    public Task<KubectlResult> Kubectl(params string[] args) => Run(Kubectl133, args);

    /// <summary>Runs kubectl v1.32 with the lab's kubeconfig.</summary>
    public Task<KubectlResult> Kubectl132Run(params string[] args) => Run(Kubectl132, args);

    private async Task<KubectlResult> Run(string exe, string[] args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(Path.Combine(dir, "config"));
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(dir, "cache-" + Path.GetFileName(exe)));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = dir;
        psi.Environment.Remove("KUBECONFIG");
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return new KubectlResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl v1.33 with a manifest on standard input (-f -).</summary>
    public Task<KubectlResult> KubectlStdin(string stdin, params string[] args) => Run(Kubectl133, args, stdin);

    /// <summary>Registers a node exactly as the README tells the kubelet stand-in to (POST /api/v1/nodes).</summary>
    public async Task RegisterNodeAsync(string name, string ip)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$$"""
            {"apiVersion":"v1","kind":"Node",
             "metadata":{"name":"{{{name}}}","labels":{"kubernetes.io/hostname":"{{{name}}}","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64"}},
             "status":{"capacity":{"cpu":"2","memory":"2048Mi","pods":"110"},"allocatable":{"cpu":"2","memory":"1948Mi","pods":"110"},
               "addresses":[{"type":"InternalIP","address":"{{{ip}}}"},{"type":"Hostname","address":"{{{name}}}"}],
               "nodeInfo":{"kubeletVersion":"v1.33.1","kubeProxyVersion":"v1.33.1","osImage":"Debian GNU/Linux 12 (bookworm)","kernelVersion":"6.1.0-lab","containerRuntimeVersion":"containerd://1.7.24","operatingSystem":"linux","architecture":"amd64"},
               "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{{now}}}","lastTransitionTime":"{{{now}}}"}]}}
            """;
        using var response = await Http.PostAsync("/api/v1/nodes", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(201, (int)response.StatusCode);
    }

    /// <summary>Sends one heartbeat exactly as the README tells the kubelet stand-in to (PATCH nodes/NAME/status).</summary>
    public async Task HeartbeatAsync(string name)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$$"""{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{{now}}}"}]}}""";
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/strategic-merge-patch+json");
        using var response = await Http.PatchAsync($"/api/v1/nodes/{name}/status", content);
        Assert.Equal(200, (int)response.StatusCode);
    }

    /// <summary>Registers core-01..core-0N at 172.17.8.101.. like the workshop's VMs.</summary>
    public async Task RegisterWorkshopNodesAsync(int count = 3)
    {
        for (var i = 1; i <= count; i++)
        {
            await RegisterNodeAsync($"core-0{i}", $"172.17.8.10{i}");
        }
    }

    /// <summary>Polls until the check passes (returns null) or the timeout passes; returns the last failure text.</summary>
    public static async Task<string?> Eventually(Func<Task<string?>> check, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        string? last;
        do
        {
            last = await check();
            if (last is null)
            {
                return null;
            }
            await Task.Delay(150);
        }
        while (DateTime.UtcNow < until);
        return last;
    }

    /// <summary>Splits kubectl table output into rows of cells (whitespace-separated; no cell here contains spaces).</summary>
    public static List<string[]> Rows(string output)
        => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    /// <summary>Stops the server and removes the temp folder.</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A kubectl cache file still being written; the temp folder is cleaned by the OS eventually.
        }
    }
}
