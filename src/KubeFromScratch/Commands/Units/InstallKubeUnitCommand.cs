using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using KubeFromScratch.Engine.Ssh;
using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Units;

/// <summary>
/// <para type="synopsis">Writes the kubelet and kube-proxy systemd units (and on masters the control plane's static pods) with current Kubernetes flags, then reloads systemd.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "KubeUnit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Name")]
[OutputType(typeof(KubeNodeFile))]
public sealed class InstallKubeUnitCommand : NamedHostCmdlet
{
    /// <summary>Master or Worker for every targeted host; default: each host's own Role from Connect-KubeHost.</summary>
    [Parameter]
    public KubeHostRole? Role { get; set; }

    /// <summary>Kubernetes version, for the control plane images (1.33.1).</summary>
    [Parameter(Mandatory = true)]
    [Alias("Version")]
    public string KubernetesVersion { get; set; } = string.Empty;

    /// <summary>API server URL (default https://FIRST-MASTER:6443).</summary>
    [Parameter]
    public Uri? ApiServer { get; set; }

    /// <summary>etcd client URLs (default: http://MASTER:2379 for every connected master).</summary>
    [Parameter]
    public string[]? EtcdEndpoint { get; set; }

    /// <summary>The sudo password, for hosts that ask for one.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SudoCredential { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        DefaultToAllHosts();
        var masters = Session.Hosts.Where(h => h.Host.Role == KubeHostRole.Master).Select(h => h.Host).ToList();
        string? api = ApiServer?.ToString().TrimEnd('/') ?? (masters.Count > 0 ? $"https://{masters[0].HostName}:6443" : null);
        var etcd = EtcdEndpoint ?? masters.Select(m => $"http://{m.HostName}:2379").ToArray();

        var plans = new List<(HostEntry Entry, IReadOnlyList<NodeFile> Files)>();
        foreach (var entry in Targets)
        {
            var role = Role ?? entry.Host.Role;
            if (role == KubeHostRole.None)
            {
                WriteError(Error("HostRoleMissing", ErrorCategory.InvalidArgument, entry.Host.Name,
                    $"{entry.Host.Name} has no role. Connect it with -Role Master or -Role Worker, or pass -Role here."));
                continue;
            }

            if (api is null || (role == KubeHostRole.Master && etcd.Length == 0))
            {
                ThrowTerminatingError(Error("ApiServerUnknown", ErrorCategory.InvalidArgument, entry.Host.Name,
                    "No master is connected, so the API server and etcd endpoints are unknown. Connect the masters with -Role Master, or pass -ApiServer and -EtcdEndpoint."));
                return;
            }

            try
            {
                plans.Add((entry, NodeFiles.Render(new NodeFileOptions
                {
                    NodeName = entry.Host.Name,
                    NodeIp = entry.Host.HostName,
                    Role = role,
                    KubernetesVersion = KubernetesVersion,
                    ApiServerUrl = api,
                    EtcdEndpoints = etcd,
                })));
            }
            catch (KfsException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }
        }

        // 1. What is on the hosts now (one command per host), so -WhatIf can say exactly what would change.
        var current = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        RunParallel(plans, 32, async (plan, queue, token) =>
        {
            string paths = ShellQuote.Join(plan.Files.Select(f => f.Path));
            // Through sudo: static pod manifests and kubeconfigs are root-only, and an unread file would look changed.
            var probe = RemoteCommand.Prepare($"for f in {paths}; do [ -f \"$f\" ] && sha256sum -- \"$f\"; done; true", true, SudoCredential?.Password);
            var outcome = await plan.Entry.Connection.RunAsync(probe.CommandLine, probe.Stdin, TimeSpan.FromSeconds(30), token, queue.WriteVerbose).ConfigureAwait(false);
            if (RemoteCommand.SudoRefusal(outcome, plan.Entry.Host.Name, plan.Entry.Host.UserName) is { } refusal)
            {
                throw refusal;
            }

            var sums = RemoteCommand.Lines(outcome.Output).Select(l => l.Split("  ", 2)).Where(p => p.Length == 2).ToDictionary(p => p[1], p => p[0]);
            lock (current)
            {
                current[plan.Entry.Host.Name] = sums;
            }
        });

        // 2. Decide on this thread (ShouldProcess), file by file.
        var work = new List<(HostEntry Entry, List<(NodeFile File, string Sha, bool Write)> Files)>();
        foreach (var (entry, files) in plans)
        {
            if (!current.TryGetValue(entry.Host.Name, out var sums))
            {
                continue;
            }

            var decided = new List<(NodeFile, string, bool)>();
            foreach (var file in files)
            {
                string sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(file.Content))).ToLowerInvariant();
                bool differs = !sums.TryGetValue(file.Path, out var existing) || existing != sha;
                bool write = differs && ShouldProcess($"{file.Path} on {entry.Host.Name}", sums.ContainsKey(file.Path) ? $"Update {file.Kind}" : $"Create {file.Kind}");
                if (!differs)
                {
                    WriteVerbose($"{entry.Host.Name}: {file.Path} is already up to date.");
                }

                decided.Add((file, sha, write));
            }

            work.Add((entry, decided));
        }

        // 3. Write what changed, then daemon-reload where a unit changed.
        string scratch = Path.Combine(Path.GetTempPath(), "kfs-units-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(scratch);
        try
        {
            RunParallel(work, 32, async (item, queue, token) =>
            {
                bool unitChanged = false;
                foreach (var (file, sha, write) in item.Files)
                {
                    if (write)
                    {
                        string local = Path.Combine(scratch, $"{item.Entry.Host.Name}-{Path.GetFileName(file.Path)}");
                        await File.WriteAllTextAsync(local, file.Content, new UTF8Encoding(false), token).ConfigureAwait(false);
                        string dir = file.Path[..file.Path.LastIndexOf('/')];
                        var mkdir = RemoteCommand.Prepare($"install -d -m 0755 -- {ShellQuote.Quote(dir)}", true, SudoCredential?.Password);
                        var made = await item.Entry.Connection.RunAsync(mkdir.CommandLine, mkdir.Stdin, TimeSpan.FromSeconds(30), token).ConfigureAwait(false);
                        if (RemoteCommand.SudoRefusal(made, item.Entry.Host.Name, item.Entry.Host.UserName) is { } refusal)
                        {
                            throw refusal;
                        }

                        await SshFileTransfer.UploadAsync(item.Entry.Connection, local, file.Path, file.Mode, sudo: true, SudoCredential?.Password, "root:root", null, token).ConfigureAwait(false);
                        unitChanged |= file.Kind == "Unit";
                    }

                    queue.WriteObject(new KubeNodeFile(item.Entry.Host.Name, file.Path, file.Kind, sha, write));
                }

                if (unitChanged)
                {
                    var reload = RemoteCommand.Prepare("systemctl daemon-reload", true, SudoCredential?.Password);
                    var outcome = await item.Entry.Connection.RunAsync(reload.CommandLine, reload.Stdin, TimeSpan.FromSeconds(60), token, queue.WriteVerbose).ConfigureAwait(false);
                    if (outcome.ExitCode != 0)
                    {
                        throw new KfsException("DaemonReloadFailed", KfsErrorCategory.InvalidOperation, item.Entry.Host.Name,
                            $"systemctl daemon-reload failed on {item.Entry.Host.Name}: {outcome.Error.Trim()}");
                    }
                }
            });
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
