using KubeFromScratch.Engine.Preflight;

namespace KubeFromScratch.Tests.Preflight;

/// <summary>What the probe printed on the lab's hosts (Fixtures/preflight, see its README), read as the engine reads it.</summary>
internal static class PreflightFixtures
{
    internal static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "preflight", name));

    /// <summary>The sections of NAME.stdout.</summary>
    internal static PreflightProbe Probe(string name) => PreflightProbe.Parse(Read(name + ".stdout"));

    /// <summary>This machine's clock just before and just after the capture of NAME (NAME.local).</summary>
    internal static (DateTimeOffset Sent, DateTimeOffset Received) Local(string name)
    {
        string[] lines = Read(name + ".local").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (PreflightParsers.ParseEpoch(lines[0])!.Value, PreflightParsers.ParseEpoch(lines[1])!.Value);
    }

    /// <summary>
    /// A host's probe as CheckAsync builds it: the capture NAME, its clock reading from NAME.local, and, when
    /// given, the identification capture.
    /// </summary>
    internal static PreflightHostProbe Host(string name, string host, KubeHostRole role, string user = "core",
        bool password = false, string? identification = null)
    {
        var probe = Probe(name);
        var (sent, received) = Local(name);
        return new PreflightHostProbe(host, role, user, password, probe, KubePreflight.ReadClock(host, probe, sent, received), null,
            identification is null ? null : Probe(identification));
    }

    /// <summary>The lab as it comes: core-01 the master (its API stand-in identified), core-02 and core-03 workers.</summary>
    internal static PreflightHostProbe[] LabAsItComes() =>
    [
        Host("core-01.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"),
        Host("core-02.probe", "core-02", KubeHostRole.Worker),
        Host("core-03.probe", "core-03", KubeHostRole.Worker),
    ];

    internal static IReadOnlyList<KubePreflightCheck> Evaluate(params PreflightHostProbe[] hosts) =>
        KubePreflight.Evaluate(hosts, KubePreflight.CheckNames, new PreflightOptions());

    internal static KubePreflightCheck Result(IReadOnlyList<KubePreflightCheck> results, string host, string check) =>
        results.Single(r => r.Host == host && r.Check == check);

    /// <summary>A probe made of the given sections (name, text, exit code), for faults the lab cannot produce.</summary>
    internal static PreflightProbe Sections(params (string Name, string Text, int ExitCode)[] sections) =>
        PreflightProbe.Parse(string.Concat(sections.Select(s => $"\n@@kfs {s.Name}\n{s.Text}\n@@kfs-rc {s.ExitCode}\n")));

    /// <summary>The capture NAME with one section's text and exit code replaced.</summary>
    internal static PreflightProbe Replace(string name, string section, string text, int exitCode = 0)
    {
        var probe = Probe(name);
        return PreflightProbe.Parse(string.Concat(probe.Sections.Select(s =>
            s.Key == section ? $"\n@@kfs {s.Key}\n{text}\n@@kfs-rc {exitCode}\n" : $"\n@@kfs {s.Key}\n{s.Value.Text}\n@@kfs-rc {s.Value.ExitCode}\n")));
    }
}
