using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using KubeFromScratch.Engine.Kube;
using KubeFromScratch.Engine.KubeApi;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Kube;

/// <summary>
/// <para type="synopsis">Applies a multi-document YAML manifest to the cluster, as kubectl apply does: validated whole first, then applied in dependency order.</para>
/// </summary>
[Cmdlet(VerbsData.Publish, "KubeManifest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Content")]
[OutputType(typeof(KubeAppliedObject))]
public sealed class PublishKubeManifestCommand : KubeApiCmdlet
{
    private readonly List<(string Text, string Source)> _manifests = new();

    /// <summary>Manifest files (YAML or JSON); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A URL to download the manifest from (http or https).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Uri")]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>The manifest text itself (Get-Content -Raw, a here-string).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Content")]
    [AllowEmptyString]
    public string Content { get; set; } = string.Empty;

    /// <summary>The expected SHA-256 of a downloaded manifest; a mismatch applies nothing.</summary>
    [Parameter(ParameterSetName = "Uri")]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>The namespace for namespaced objects that name none (default: the connection's).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case "Path":
                foreach (string pattern in Path)
                {
                    Collection<string> resolved;
                    try
                    {
                        resolved = GetResolvedProviderPathFromPSPath(pattern, out _);
                    }
                    catch (ItemNotFoundException ex)
                    {
                        ThrowTerminatingError(new ErrorRecord(ex, "ManifestNotFound", ErrorCategory.ObjectNotFound, pattern));
                        return;
                    }

                    if (resolved.Count == 0)
                    {
                        ThrowTerminatingError(Error("ManifestNotFound", ErrorCategory.ObjectNotFound, pattern,
                            $"No file matches '{pattern}'. Nothing was applied."));
                    }

                    foreach (string file in resolved)
                    {
                        _manifests.Add((Manifests.ReadFile(this, file), file));
                    }
                }

                break;
            case "Uri":
                _manifests.Add((Manifests.Download(this, Uri!, Sha256), Uri!.ToString()));
                break;
            default:
                _manifests.Add((Content, "the -Content string"));
                break;
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var objects = Manifests.ReadAll(this, _manifests, NamespaceOr(Namespace));
        foreach (var applied in Manifests.Apply(this, objects))
        {
            WriteObject(applied);
        }
    }
}

/// <summary>
/// <para type="synopsis">Installs the Weave Net pod network (the workshop's kubectl create -f weave-kube) from the manifest the module ships, and waits for it on every node.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "WeaveNet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Shipped")]
[OutputType(typeof(KubeAppliedObject), typeof(KubeDaemonSet))]
public sealed class InstallWeaveNetCommand : KubeApiCmdlet
{
    /// <summary>Another Weave Net manifest file, instead of the shipped 2.8.1 one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>A URL to download another Weave Net manifest from.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Uri")]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>The expected SHA-256 of the -Uri manifest.</summary>
    [Parameter(ParameterSetName = "Uri")]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>Wait until the weave-net DaemonSet runs ready on every node.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        (string Text, string Source) manifest;
        switch (ParameterSetName)
        {
            case "Path":
                string file = GetUnresolvedProviderPathFromPSPath(Path!);
                if (!File.Exists(file))
                {
                    ThrowTerminatingError(Error("ManifestNotFound", ErrorCategory.ObjectNotFound, file, $"The manifest '{file}' does not exist."));
                }

                manifest = (Manifests.ReadFile(this, file), file);
                break;
            case "Uri":
                manifest = (Manifests.Download(this, Uri!, Sha256), Uri!.ToString());
                break;
            default:
                string actual = KubeManifests.ComputeWeaveNetSha256();
                if (actual != KubeManifests.WeaveNetSha256)
                {
                    ThrowTerminatingError(Error("ManifestChecksumMismatch", ErrorCategory.SecurityError, KubeManifests.WeaveNetSource,
                        $"The shipped Weave Net manifest's SHA-256 is {actual}, not the pinned {KubeManifests.WeaveNetSha256}: the module's files were altered. Reinstall the module."));
                }

                WriteVerbose($"Weave Net {KubeManifests.WeaveNetVersion} manifest shipped with the module, SHA-256 {actual} (pinned).");
                manifest = (KubeManifests.WeaveNet, KubeManifests.WeaveNetSource);
                break;
        }

        var objects = Manifests.ReadAll(this, new[] { manifest }, "kube-system");
        var daemonSet = objects.FirstOrDefault(o => o.Kind == "DaemonSet");
        if (daemonSet is null)
        {
            ThrowTerminatingError(Error("WeaveManifestInvalid", ErrorCategory.InvalidData, manifest.Source,
                $"{manifest.Source} has no DaemonSet, so it cannot be a Weave Net manifest. Nothing was applied."));
        }

        var applied = Manifests.Apply(this, objects);
        foreach (var item in applied)
        {
            WriteObject(item);
        }

        if (!Wait || applied.Count != objects.Count)
        {
            return;
        }

        string ns = daemonSet!.Namespace ?? "kube-system";
        string name = daemonSet.Name!;
        KubeDaemonSet? last = null;
        try
        {
            var ready = WaitFor(TimeoutSec, "WeaveNetWaitTimeout",
                () => $"DaemonSet {ns}/{name} is {(last is null ? "not there" : $"{last.ReadyNumber}/{last.Desired} ready")}. Check that the nodes are Ready (Get-KubeNode) and the pods (Get-KubePod -Namespace {ns})",
                (watcher, queue, token) => watcher.WaitForDaemonSetAsync(ns, name, d =>
                {
                    last = d;
                    queue.WriteProgress(new ProgressRecord(70, $"Waiting for DaemonSet {name}", d is null ? "not created yet" : $"{d.ReadyNumber} of {d.Desired} nodes ready")
                    {
                        PercentComplete = d is null || d.Desired == 0 ? 0 : Math.Min(100, d.ReadyNumber * 100 / d.Desired),
                    });
                }, queue.WriteVerbose, token));
            WriteProgress(new ProgressRecord(70, $"Waiting for DaemonSet {name}", "done") { RecordType = ProgressRecordType.Completed });
            WriteObject(ready);
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }
}

/// <summary>Reading, checking and applying manifests: what Publish-KubeManifest and Install-WeaveNet share.</summary>
internal static class Manifests
{
    /// <summary>Reads a manifest file; a folder or an unreadable file stops the cmdlet with ManifestReadFailed.</summary>
    public static string ReadFile(KubeCmdlet cmdlet, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new KfsException("ManifestReadFailed", KfsErrorCategory.ReadError, path,
                $"'{path}' cannot be read as a manifest ({ex.Message}). Give the path of a YAML or JSON file. Nothing was applied.", ex),
                "ManifestReadFailed", ErrorCategory.ReadError, path));
            throw;
        }
    }

    /// <summary>Downloads a manifest (checked against <paramref name="sha256"/> when given); failures stop the cmdlet.</summary>
    public static string Download(KubeCmdlet cmdlet, Uri uri, string? sha256)
    {
        if (uri.Scheme != System.Uri.UriSchemeHttp && uri.Scheme != System.Uri.UriSchemeHttps)
        {
            cmdlet.ThrowTerminatingError(KubeCmdlet.Error("ManifestUriInvalid", ErrorCategory.InvalidArgument, uri, $"'{uri}' is not an http or https URL. For a file, use -Path."));
        }

        byte[] bytes;
        try
        {
            bytes = cmdlet.RunPlain(async token =>
            {
                using var http = new HttpClient(new SocketsHttpHandler { UseProxy = true }) { Timeout = TimeSpan.FromSeconds(60) };
                using var response = await http.GetAsync(uri, token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new KfsException("ManifestDownloadFailed", KfsErrorCategory.ResourceUnavailable, uri.ToString(),
                        $"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}. Check the URL, or download the manifest and pass -Path.");
                }

                return await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            });
        }
        catch (HttpRequestException ex)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new KfsException("ManifestDownloadFailed", KfsErrorCategory.ConnectionError, uri.ToString(),
                $"{uri} cannot be reached ({ex.Message}). Download the manifest elsewhere and pass -Path.", ex), "ManifestDownloadFailed", ErrorCategory.ConnectionError, uri));
            throw;
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new KfsException("ManifestDownloadFailed", KfsErrorCategory.OperationTimeout, uri.ToString(),
                $"{uri} did not send the manifest within 60 s. Download it elsewhere and pass -Path.", ex), "ManifestDownloadFailed", ErrorCategory.OperationTimeout, uri));
            throw;
        }
        catch (KfsException ex)
        {
            cmdlet.ThrowTerminatingError(KubeCmdlet.ToErrorRecord(ex));
            throw;
        }

        if (sha256 is not null)
        {
            string actual = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            {
                cmdlet.ThrowTerminatingError(KubeCmdlet.Error("ManifestChecksumMismatch", ErrorCategory.SecurityError, uri,
                    $"{uri} has SHA-256 {actual}, not the expected {sha256.ToLowerInvariant()}. Nothing was applied; check where the manifest comes from."));
            }

            cmdlet.WriteVerbose($"{uri}: SHA-256 {actual} matches.");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Reads and validates every manifest before anything is sent: each problem is an error record, and any problem
    /// stops the cmdlet with nothing applied. Namespaces the objects need must exist or be created by the manifest.
    /// </summary>
    public static IReadOnlyList<KubeManifestObject> ReadAll(KubeCmdlet cmdlet, IEnumerable<(string Text, string Source)> manifests, string defaultNamespace)
    {
        var objects = new List<KubeManifestObject>();
        var problems = new List<KfsException>();
        foreach (var (text, source) in manifests)
        {
            try
            {
                objects.AddRange(KubeManifestReader.Read(text, source, defaultNamespace));
            }
            catch (KfsException ex)
            {
                problems.Add(ex);
            }
        }

        if (problems.Count == 0)
        {
            problems.AddRange(KubeManifestValidator.Validate(objects));
        }

        if (problems.Count == 0)
        {
            IReadOnlyList<string> missing = Array.Empty<string>();
            try
            {
                missing = cmdlet.RunApi((r, _, token) => new KubeApplier(r.Api).MissingNamespacesAsync(objects, token));
            }
            catch (KfsException ex)
            {
                cmdlet.ThrowTerminatingError(KubeCmdlet.ToErrorRecord(ex));
            }

            foreach (string ns in missing)
            {
                var users = objects.Where(o => o.Namespace == ns).ToList();
                problems.Add(new KfsException("ManifestNamespaceMissing", KfsErrorCategory.ObjectNotFound, ns,
                    $"Namespace '{ns}' does not exist, and {users.Count} object(s) of the manifest go into it ({string.Join(", ", users.Take(3))}, at {users[0].Location}). Create it first (a Namespace object in the manifest, or kubectl create namespace {ns}), or pass -Namespace."));
            }
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems.Skip(problems.Count == 1 ? 1 : 0))
            {
                cmdlet.WriteError(KubeCmdlet.ToErrorRecord(problem));
            }

            if (problems.Count == 1)
            {
                cmdlet.ThrowTerminatingError(KubeCmdlet.ToErrorRecord(problems[0]));
            }

            cmdlet.ThrowTerminatingError(KubeCmdlet.Error("ManifestInvalid", ErrorCategory.InvalidData, null,
                $"The manifest has {problems.Count} problems (listed above). Nothing was applied; fix them and run it again."));
        }

        if (objects.Count == 0)
        {
            cmdlet.WriteWarning("The manifest holds no objects; nothing to apply.");
        }

        return KubeApplyOrder.Sort(objects);
    }

    /// <summary>Applies the objects in order, each after ShouldProcess (with -WhatIf: what would be created or changed, found by a dry run).</summary>
    public static IReadOnlyList<KubeAppliedObject> Apply(KubeCmdlet cmdlet, IReadOnlyList<KubeManifestObject> objects)
    {
        var applied = new List<KubeAppliedObject>();
        bool whatIf = cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter { IsPresent: true }
            || cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };
        for (int i = 0; i < objects.Count; i++)
        {
            var obj = objects[i];
            string target = obj.Namespace is null ? $"{obj.ResourceName}" : $"{obj.ResourceName} in namespace {obj.Namespace}";
            string action = "Apply";
            if (whatIf)
            {
                try
                {
                    action = cmdlet.RunApi((r, _, token) => new KubeApplier(r.Api).PlanAsync(obj, token)) switch
                    {
                        "create" => "Create",
                        "configure" => "Change",
                        _ => "Leave unchanged",
                    };
                }
                catch (KfsException ex)
                {
                    cmdlet.WriteError(KubeCmdlet.ToErrorRecord(ex));
                    continue;
                }
            }

            if (!cmdlet.ShouldProcess(target, action))
            {
                continue;
            }

            cmdlet.WriteProgress(new ProgressRecord(71, "Applying the manifest", $"{obj.ResourceName} ({i + 1} of {objects.Count})")
            {
                PercentComplete = i * 100 / objects.Count,
            });
            try
            {
                applied.Add(cmdlet.RunApi((r, _, token) => new KubeApplier(r.Api).ApplyAsync(obj, token)));
            }
            catch (KfsException ex)
            {
                cmdlet.WriteError(KubeCmdlet.ToErrorRecord(new KfsException(ex.ErrorId, ex.Category, obj.ToString(),
                    $"{obj.ResourceName} ({obj.Location}) was not applied: {ex.Message}", ex)));
            }
        }

        cmdlet.WriteProgress(new ProgressRecord(71, "Applying the manifest", "done") { RecordType = ProgressRecordType.Completed });
        return applied;
    }
}
