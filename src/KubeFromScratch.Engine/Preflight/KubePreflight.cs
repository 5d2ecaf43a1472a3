using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KubeFromScratch.Engine.Kube;
using KubeFromScratch.Engine.Ssh;

namespace KubeFromScratch.Engine.Preflight;

/// <summary>A TCP port a Kubernetes component needs on a host.</summary>
/// <param name="Port">The port.</param>
/// <param name="Component">The component that listens on it (kube-apiserver, etcd, kubelet, ...).</param>
/// <param name="Purpose">What it is for, in a few words.</param>
public sealed record RequiredPort(int Port, string Component, string Purpose);

/// <summary>What the probe found on one host, before the checks judge it.</summary>
/// <param name="Host">The host's name in the session.</param>
/// <param name="Role">The role it is checked for (None counts as Worker).</param>
/// <param name="UserName">The remote user (whose sudo is checked).</param>
/// <param name="SudoPasswordGiven">Whether sudo was given a password.</param>
/// <param name="Probe">The probe's sections; null when the host could not be probed.</param>
/// <param name="Clock">The host's clock against this machine's; null when it could not be read.</param>
/// <param name="Failure">Why the host could not be probed; null when it was.</param>
/// <param name="Identification">What listeners of unknown owners answered (<see cref="KubePreflight.IdentifyScript"/>); null when none was asked.</param>
public sealed record PreflightHostProbe(string Host, KubeHostRole Role, string UserName, bool SudoPasswordGiven,
    PreflightProbe? Probe, ClockReading? Clock, KfsException? Failure, PreflightProbe? Identification = null);

/// <summary>
/// Checks hosts before Kubernetes is brought up on them: operating system and architecture, systemd, sudo, swap, the
/// components' ports, clocks, unique host names and machine ids, memory and the kernel's forwarding settings. Each
/// host is probed with one shell script over its SSH connection (one round trip; all hosts at once), and the checks
/// judge what the script printed, so they are testable on captured output.
/// </summary>
public static partial class KubePreflight
{
    [GeneratedRegex("\"gitVersion\"\\s*:\\s*\"(?<v>[^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex GitVersionPattern();

    [GeneratedRegex("\"etcdserver\"\\s*:\\s*\"(?<v>[^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex EtcdVersionPattern();

    /// <summary>The check that stands for a host that could not be probed at all.</summary>
    public const string ConnectionCheck = "Connection";

    /// <summary>The checks, in the order results are given for each host.</summary>
    public static IReadOnlyList<string> CheckNames { get; } =
        ["OperatingSystem", "Systemd", "Sudo", "Swap", "Ports", "Clock", "HostName", "MachineId", "Memory", "Sysctl"];

    private static readonly RequiredPort[] AllPorts =
    [
        new(2379, "etcd", "etcd clients"),
        new(2380, "etcd", "etcd peers"),
        new(6443, "kube-apiserver", "API server, secure"),
        new(8080, "kube-apiserver", "API server, insecure (the workshop's)"),
        new(10250, "kubelet", "kubelet API"),
        new(10256, "kube-proxy", "kube-proxy health"),
        new(10257, "kube-controller-manager", "controller manager, secure"),
        new(10259, "kube-scheduler", "scheduler, secure"),
    ];

    // What `ss -p` shows for each component: the kernel's comm, cut to 15 characters (kube-controller-manager is
    // "kube-controller"), and the 2016-era all-in-one hyperkube binary the workshop's image could run.
    private static readonly Dictionary<string, string[]> OwnProcessNames = new(StringComparer.Ordinal)
    {
        ["etcd"] = ["etcd"],
        ["kube-apiserver"] = ["kube-apiserver", "hyperkube"],
        ["kubelet"] = ["kubelet", "hyperkube"],
        ["kube-proxy"] = ["kube-proxy", "hyperkube"],
        ["kube-controller-manager"] = ["kube-controller", "kube-controller-manager", "hyperkube"],
        ["kube-scheduler"] = ["kube-scheduler", "hyperkube"],
    };

    /// <summary>The ports a host of this role needs free: every node the kubelet's and kube-proxy's; a master also etcd's and the control plane's.</summary>
    public static IReadOnlyList<RequiredPort> RequiredPorts(KubeHostRole role) =>
        role == KubeHostRole.Master ? AllPorts : AllPorts.Where(p => p.Component is "kubelet" or "kube-proxy").ToArray();

    /// <summary>
    /// The checks named (any case), in <see cref="CheckNames"/> order; every check when none is named. An unknown name
    /// is PreflightCheckUnknown.
    /// </summary>
    public static IReadOnlyList<string> SelectChecks(IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return CheckNames;
        }

        foreach (string name in names)
        {
            if (!CheckNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new KfsException("PreflightCheckUnknown", KfsErrorCategory.InvalidArgument, name,
                    $"There is no preflight check named '{name}'. The checks are: {string.Join(", ", CheckNames)}.");
            }
        }

        return CheckNames.Where(c => names.Contains(c, StringComparer.OrdinalIgnoreCase)).ToArray();
    }

    /// <summary>
    /// Probes every host at once and judges what each printed. The result is in host order (as given), and per host in
    /// <see cref="CheckNames"/> order. A host that cannot be probed (unreachable, lost, timed out) gets one result, the
    /// check named <see cref="ConnectionCheck"/> with Status Fail, whose detail is the error; the other hosts' results
    /// are complete, and the cross-host checks (clock, host name, machine id) compare the hosts that answered.
    /// </summary>
    /// <param name="hosts">The hosts' connections with the role each is to have (None: checked as a worker).</param>
    /// <param name="options">The checks to run, the sudo password, limits.</param>
    /// <param name="log">Receives what is sent where, for -Verbose (never the password).</param>
    /// <param name="cancellationToken">Ctrl-C: ends every probe at once.</param>
    public static async Task<IReadOnlyList<KubePreflightCheck>> CheckAsync(
        IReadOnlyList<(SshHostConnection Host, KubeHostRole Role)> hosts, PreflightOptions options, Action<string>? log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(options);
        var checks = SelectChecks(options.Checks);
        string script = ProbeScript(checks, options.SudoPassword is not null);
        string commandLine = "sh -c " + ShellQuote.Quote(script);
        byte[]? stdin = null;
        if (options.SudoPassword is { } password)
        {
            // The script's first `read` takes it from standard input: never on a command line, never logged.
            stdin = Encoding.UTF8.GetBytes(new System.Net.NetworkCredential(string.Empty, password).Password + "\n");
        }

        var probes = await Task.WhenAll(hosts.Select(h => ProbeAsync(h.Host, h.Role, commandLine, stdin, checks, options, log, cancellationToken)))
            .ConfigureAwait(false);
        return Evaluate(probes, checks, options);
    }

    /// <summary>Probes one host: the script over its connection, with the local clock read around the round trip.</summary>
    internal static async Task<PreflightHostProbe> ProbeAsync(SshHostConnection host, KubeHostRole role, string commandLine,
        byte[]? stdin, IReadOnlyList<string> checks, PreflightOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        string name = host.Spec.Name;
        string user = host.Spec.UserName;
        bool withPassword = stdin is not null;
        try
        {
            log?.Invoke($"{name}: preflight probe ({string.Join(", ", checks)}) as {user}{(withPassword ? ", sudo with the given password" : string.Empty)}");
            DateTimeOffset sent = options.Clock.GetUtcNow();
            var outcome = await host.RunAsync(commandLine, stdin, options.Timeout, cancellationToken, log).ConfigureAwait(false);
            DateTimeOffset received = options.Clock.GetUtcNow();
            if (outcome.TimedOut)
            {
                throw new KfsException("PreflightTimedOut", KfsErrorCategory.OperationTimeout, name,
                    $"The preflight probe on {name} did not finish within {options.Timeout.TotalSeconds:0} s and was ended. Check that the host is not overloaded (Invoke-KubeHostCommand {name} uptime), or allow more time (-TimeoutSec).");
            }

            var probe = PreflightProbe.Parse(outcome.Output);
            if (probe.Sections.Count == 0)
            {
                string why = outcome.Error.Trim();
                throw new KfsException("PreflightProbeFailed", KfsErrorCategory.FromStdErr, name,
                    $"The preflight probe on {name} printed nothing it could read (exit {outcome.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? outcome.ExitSignal}){(why.Length > 0 ? ": " + why : ".")} The host needs a POSIX sh for {user}.");
            }

            ClockReading? clock = ReadClock(name, probe, sent, received);
            if (checks.Contains("Clock") && clock is not null && clock.Uncertainty > options.MaxClockSkew / 4)
            {
                // The round trip was slow (a reconnect, a loaded host): the reading is too loose to judge a second
                // of skew. A bare `date` is quick; the tighter of the two readings counts.
                DateTimeOffset again = options.Clock.GetUtcNow();
                var quick = await host.RunAsync("sh -c " + ShellQuote.Quote(ClockOnlyScript), null, options.Timeout, cancellationToken, log)
                    .ConfigureAwait(false);
                DateTimeOffset back = options.Clock.GetUtcNow();
                if (!quick.TimedOut && ReadClock(name, PreflightProbe.Parse(quick.Output), again, back) is { } second && second.Uncertainty < clock.Uncertainty)
                {
                    clock = second;
                }
            }

            PreflightProbe? identification = null;
            if (checks.Contains("Ports") && PortsToIdentify(role, probe) is { Count: > 0 } unknown)
            {
                // Rare: a port is held by a process ss cannot name as one of ours; ask it what it is.
                log?.Invoke($"{name}: asking the listeners on {string.Join(", ", unknown.Select(u => u.Port))} what they are");
                var asked = await host.RunAsync("sh -c " + ShellQuote.Quote(IdentifyScript(unknown)), null, options.Timeout, cancellationToken, log)
                    .ConfigureAwait(false);
                identification = PreflightProbe.Parse(asked.Output);
            }

            return new PreflightHostProbe(name, role, user, withPassword, probe, clock, null, identification);
        }
        catch (KfsException ex)
        {
            return new PreflightHostProbe(name, role, user, withPassword, null, null, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong with this host, the others' results still count.
            return new PreflightHostProbe(name, role, user, withPassword, null, null,
                new KfsException("UnexpectedError", KfsErrorCategory.NotSpecified, name, $"Probing {name} failed unexpectedly: {ex.Message}", ex));
        }
    }

    /// <summary>The host's clock from the probe's first and last <c>date +%s.%N</c>, against the local instants around it.</summary>
    public static ClockReading? ReadClock(string host, PreflightProbe probe, DateTimeOffset localSent, DateTimeOffset localReceived)
    {
        if (probe["clock-start"] is { } start && probe["clock-end"] is { } end &&
            PreflightParsers.ParseEpoch(start.FirstLine) is { } remoteStart && PreflightParsers.ParseEpoch(end.FirstLine) is { } remoteEnd)
        {
            return ClockReading.FromRoundTrip(host, localSent, remoteStart, remoteEnd, localReceived);
        }

        return null;
    }

    // x NAME COMMAND...: a section, the command's output with its standard error, and its exit status (kept in $rc).
    // A newline before each marker ends output that lacks one; PreflightProbe drops the blank lines that leaves.
    private const string SectionFunction =
        "x() { n=$1; shift; printf \"\\n@@kfs %s\\n\" \"$n\"; \"$@\" 2>&1; rc=$?; printf \"\\n@@kfs-rc %s\\n\" \"$rc\"; }\n";

    private const string ClockOnlyScript = "printf '@@kfs clock-start\\n'; date +%s.%N; printf '@@kfs clock-end\\n'; date +%s.%N";

    /// <summary>
    /// The probe: one POSIX sh script that prints a section per fact (see <see cref="PreflightProbe"/>), reading only,
    /// in the C locale so that sudo, systemctl and ss answer in the words the checks know. It reads the clock first
    /// and last. It asks sudo only what the Sudo and Ports checks need (`true`, then `ss` for the owners of ports),
    /// with `-n` (never a prompt) or, given a password, with `-S` fed from the script's first line of input.
    /// </summary>
    public static string ProbeScript(IReadOnlyCollection<string> checks, bool sudoPassword)
    {
        bool Has(string check) => checks.Contains(check, StringComparer.OrdinalIgnoreCase);
        // Double quotes only: the script travels inside single quotes (ShellQuote) and stays readable in -Verbose.
        var s = new StringBuilder();
        s.Append("export LC_ALL=C; PATH=\"$PATH:/usr/sbin:/sbin\"\n");
        s.Append(SectionFunction);
        if (sudoPassword)
        {
            s.Append("IFS= read -r kfs_pw || true\n");
            s.Append("su_() { printf \"%s\\n\" \"$kfs_pw\" | sudo -S -p \"\" -- \"$@\"; }\n");
        }
        else
        {
            s.Append("su_() { sudo -n -- \"$@\"; }\n");
        }

        s.Append("x clock-start date +%s.%N\n");
        if (Has("OperatingSystem"))
        {
            s.Append("x uname uname -s -r -m\n");
            s.Append("osr() { cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release; }; x os-release osr\n");
        }

        if (Has("Systemd"))
        {
            s.Append("ini() { printf \"comm=%s\\n\" \"$(cat /proc/1/comm 2>/dev/null)\"; if [ -d /run/systemd/system ]; then echo run-systemd=yes; else echo run-systemd=no; fi; ");
            s.Append("printf \"version=%s\\n\" \"$(systemctl --version 2>/dev/null | head -n 1)\"; }; x init ini\n");
            s.Append("x system-state systemctl is-system-running\n");
            s.Append("x failed-units systemctl list-units --failed --plain --no-legend --no-pager\n");
        }

        if (Has("Swap"))
        {
            s.Append("x swaps cat /proc/swaps\n");
        }

        if (Has("HostName"))
        {
            s.Append("hn() { hostname 2>/dev/null || uname -n; }; x hostname hn\n");
        }

        if (Has("MachineId"))
        {
            s.Append("x machine-id cat /etc/machine-id\n");
        }

        if (Has("Memory"))
        {
            s.Append("x meminfo grep \"^MemTotal:\" /proc/meminfo\n");
        }

        if (Has("Sysctl"))
        {
            // bridge-nf-call-iptables exists only while br_netfilter is active (loaded or built in: a built-in one has
            // no /sys/module entry), so its absence is what says the module is missing.
            s.Append("sc() { for k in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do f=/proc/sys/$(echo \"$k\" | tr . /); ");
            s.Append("if [ -r \"$f\" ]; then printf \"%s=%s\\n\" \"$k\" \"$(cat \"$f\")\"; else printf \"%s=\\n\" \"$k\"; fi; done; }; x sysctl sc\n");
        }

        if (Has("Sudo") || Has("Ports"))
        {
            s.Append("x sudo su_ true\n");
        }

        if (Has("Ports"))
        {
            // As root ss sees every process's sockets; as the user only the user's own, so the owners of etcd's or
            // the API server's ports stay unknown.
            s.Append("if [ \"$rc\" = 0 ]; then x listen-root su_ ss -ltnpH; else x listen ss -ltnpH; fi\n");
        }

        s.Append("x clock-end date +%s.%N\n");
        return s.ToString();
    }

    /// <summary>
    /// Judges the probes: per host (in the order given) the selected checks in <see cref="CheckNames"/> order, or
    /// the one Connection failure of a host that could not be probed. Pure, for tests on captured output.
    /// </summary>
    public static IReadOnlyList<KubePreflightCheck> Evaluate(IReadOnlyList<PreflightHostProbe> hosts, IReadOnlyList<string> checks,
        PreflightOptions options)
    {
        var probed = hosts.Where(h => h.Probe is not null).ToList();
        var clocks = PreflightClock.Evaluate(probed.Where(h => h.Clock is not null).Select(h => h.Clock!).ToList(), options.MaxClockSkew)
            .ToDictionary(v => v.Host, StringComparer.Ordinal);
        // Only what was read can be a duplicate: an error message is nobody's name.
        var names = probed.Where(h => h.Probe!["hostname"] is { ExitCode: 0 }).Select(h => (h.Host, Value: h.Probe!["hostname"]!.FirstLine)).ToList();
        var machineIds = probed.Where(h => h.Probe!["machine-id"] is { ExitCode: 0 }).Select(h => (h.Host, Value: h.Probe!["machine-id"]!.FirstLine)).ToList();

        var results = new List<KubePreflightCheck>();
        foreach (var host in hosts)
        {
            if (host.Probe is not { } probe)
            {
                var failure = host.Failure ?? new KfsException("PreflightProbeFailed", KfsErrorCategory.NotSpecified, host.Host,
                    $"{host.Host} could not be probed.");
                results.Add(new KubePreflightCheck(host.Host, ConnectionCheck, KubePreflightStatus.Fail, failure.Message,
                    "Check that the host is up and reachable over SSH (Connect-KubeHost), then run the checks again.", failure));
                continue;
            }

            foreach (string check in checks)
            {
                results.Add(check switch
                {
                    "OperatingSystem" => CheckOperatingSystem(host.Host, probe),
                    "Systemd" => CheckSystemd(host.Host, probe),
                    "Sudo" => CheckSudo(host, probe),
                    "Swap" => CheckSwap(host.Host, probe),
                    "Ports" => CheckPorts(host, probe),
                    "Clock" => clocks.TryGetValue(host.Host, out var clock)
                        ? new KubePreflightCheck(host.Host, check, clock.Status, clock.Detail, clock.Hint)
                        : new KubePreflightCheck(host.Host, check, KubePreflightStatus.Warn,
                            $"The host's clock could not be read: date +%s.%N printed '{probe["clock-start"]?.FirstLine}'.",
                            "The clock check needs GNU date (coreutils) on the host."),
                    "HostName" => CheckHostName(host.Host, probe, names),
                    "MachineId" => CheckMachineId(host.Host, probe, machineIds),
                    "Memory" => CheckMemory(host.Host, probe, options.MinMemoryBytes),
                    "Sysctl" => CheckSysctl(host.Host, probe),
                    _ => throw new ArgumentOutOfRangeException(nameof(checks), check, "Not a preflight check."),
                });
            }
        }

        return results;
    }

    private static KubePreflightCheck Pass(string host, string check, string detail) =>
        new(host, check, KubePreflightStatus.Pass, detail, null);

    private static KubePreflightCheck Warn(string host, string check, string detail, string hint) =>
        new(host, check, KubePreflightStatus.Warn, detail, hint);

    private static KubePreflightCheck Fail(string host, string check, string detail, string hint) =>
        new(host, check, KubePreflightStatus.Fail, detail, hint);

    private static KubePreflightCheck Unreadable(string host, string check, string what, PreflightSection? section) =>
        Warn(host, check, section is null
                ? $"{what} was not read (the probe stopped early)."
                : $"{what} could not be read (exit {section.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): {Shorten(section.Text)}",
            "Run the check again; if it persists, look at the host with Invoke-KubeHostCommand.");

    /// <summary>Linux on amd64 or arm64, from `uname -s -r -m`, with the distribution from os-release.</summary>
    public static KubePreflightCheck CheckOperatingSystem(string host, PreflightProbe probe)
    {
        const string check = "OperatingSystem";
        var uname = probe["uname"];
        string[] f = uname?.FirstLine.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (uname is null || uname.ExitCode != 0 || f.Length < 3)
        {
            return Unreadable(host, check, "uname -s -r -m", uname);
        }

        var release = probe["os-release"] is { ExitCode: 0 } osr ? PreflightParsers.ParseOsRelease(osr.Text) : new Dictionary<string, string>();
        string distribution = release.TryGetValue("PRETTY_NAME", out var pretty) && pretty.Length > 0 ? pretty
            : release.TryGetValue("NAME", out var n) ? $"{n} {release.GetValueOrDefault("VERSION_ID")}".Trim()
            : "an unknown distribution (no os-release)";
        string kernel = f[0], version = f[1], machine = f[^1];
        if (kernel != "Linux")
        {
            return Fail(host, check, $"{kernel} {version} on {machine}: not Linux.",
                "Kubernetes nodes run Linux. Use a Linux host.");
        }

        if (PreflightParsers.KubeArchitecture(machine) is not { } arch)
        {
            return Fail(host, check, $"{distribution}, Linux {version} on {machine}: no Kubernetes binaries for this architecture.",
                "KubeFromScratch installs the linux/amd64 and linux/arm64 builds of Kubernetes: use an x86_64 or aarch64 host.");
        }

        return Pass(host, check, $"{distribution}, Linux {version}, {machine} ({arch})");
    }

    /// <summary>systemd is the init (/run/systemd/system, as sd_booted(3) decides) and systemctl answers.</summary>
    public static KubePreflightCheck CheckSystemd(string host, PreflightProbe probe)
    {
        const string check = "Systemd";
        if (probe["init"] is not { } initSection)
        {
            return Unreadable(host, check, "The init process", null);
        }

        var init = PreflightParsers.ParseKeyValues(initSection.Text);
        string comm = init.GetValueOrDefault("comm") is { Length: > 0 } c ? c : "unknown";
        string version = init.GetValueOrDefault("version") is { Length: > 0 } v ? v.Split(' ', 3) is [_, var number, ..] ? $"systemd {number}" : v : "systemd";
        const string needSystemd = "The kubelet, kube-proxy and etcd run as systemd units: use a host (or container) booted with systemd as PID 1.";
        if (init.GetValueOrDefault("run-systemd") != "yes")
        {
            return Fail(host, check, $"PID 1 is {comm}, not systemd (no /run/systemd/system).", needSystemd);
        }

        var state = probe["system-state"];
        string answer = state?.FirstLine ?? string.Empty;
        string failedUnits = string.Join(", ", (probe["failed-units"]?.Lines ?? [])
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty)
            .Where(u => u.Length > 0 && !u.StartsWith('●')));
        return answer switch
        {
            "running" => Pass(host, check, $"{version} is PID 1; systemctl says running"),
            "degraded" => Warn(host, check, $"{version} is PID 1, but the system is degraded: failed units {(failedUnits.Length > 0 ? failedUnits : "(none listed)")}",
                "Look at the failed units (systemctl --failed, journalctl -u UNIT) and fix them or clear them (sudo systemctl reset-failed): a failed Kubernetes unit would hide among them."),
            "starting" or "initializing" => Warn(host, check, $"{version} is PID 1 and still starting up ({answer}).",
                "Wait until systemctl is-system-running says running, then check again."),
            _ => Fail(host, check, $"{version} is PID 1, but systemctl is-system-running answers '{Shorten(state?.Text ?? "nothing")}'"
                    + (state?.ExitCode is { } rc ? $" (exit {rc})." : "."),
                answer is "maintenance" or "stopping" or "offline"
                    ? "The system is not in normal operation: bring it up normally (reboot), then check again."
                    : "systemctl must be able to reach systemd for the user and through sudo (D-Bus, /run/systemd/private): " + needSystemd),
        };
    }

    /// <summary>sudo works for the remote user: without a password, or with the one given.</summary>
    public static KubePreflightCheck CheckSudo(PreflightHostProbe host, PreflightProbe probe)
    {
        const string check = "Sudo";
        string user = host.UserName;
        var sudo = probe["sudo"];
        if (sudo is null)
        {
            return Unreadable(host.Host, check, "sudo", null);
        }

        if (sudo.ExitCode == 0)
        {
            return Pass(host.Host, check, host.SudoPasswordGiven ? $"sudo works for {user} with the password given" : $"sudo works for {user} without a password");
        }

        string text = sudo.Text;
        string nopasswd = $"'{user} ALL=(ALL) NOPASSWD: ALL' in /etc/sudoers.d/{user} (edit it with sudo visudo -f /etc/sudoers.d/{user})";
        if (sudo.ExitCode == 127 || text.Contains("sudo: not found", StringComparison.Ordinal) || text.Contains("sudo: command not found", StringComparison.Ordinal))
        {
            return Fail(host.Host, check, "sudo is not installed.",
                $"Install sudo (apt-get install sudo, dnf install sudo) and give {user} the right to use it: the installation runs systemctl, writes /etc and /opt as root.");
        }

        if (text.Contains("is not in the sudoers file", StringComparison.Ordinal) || text.Contains("is not allowed to", StringComparison.Ordinal)
            || text.Contains("may not run sudo", StringComparison.Ordinal))
        {
            return Fail(host.Host, check, $"{user} may not use sudo: {Shorten(text)}",
                $"Grant {user} sudo ({nopasswd}, or usermod -aG sudo {user}), or connect as a user who has it.");
        }

        if (host.SudoPasswordGiven && (text.Contains("incorrect password", StringComparison.Ordinal) || text.Contains("Sorry, try again", StringComparison.Ordinal)
            || text.Contains("no password was provided", StringComparison.Ordinal)))
        {
            return Fail(host.Host, check, $"sudo did not accept the password given for {user}.",
                $"-SudoCredential must hold {user}'s own password on the host.");
        }

        if (text.Contains("a password is required", StringComparison.Ordinal) || text.Contains("a terminal is required", StringComparison.Ordinal))
        {
            return Fail(host.Host, check, $"sudo asks {user} for a password.",
                $"Pass -SudoCredential (Get-Credential {user}), or let {user} use sudo without a password: {nopasswd}.");
        }

        return Fail(host.Host, check, $"sudo true failed (exit {sudo.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): {Shorten(text)}",
            $"Make sudo work for {user} on the host (sudo -n true must succeed, or -SudoCredential be given).");
    }

    /// <summary>No active swap area in /proc/swaps.</summary>
    public static KubePreflightCheck CheckSwap(string host, PreflightProbe probe)
    {
        const string check = "Swap";
        var section = probe["swaps"];
        if (section is not { ExitCode: 0 })
        {
            return Unreadable(host, check, "/proc/swaps", section);
        }

        var areas = PreflightParsers.ParseSwaps(section.Text);
        if (areas.Count == 0)
        {
            return Pass(host, check, "no swap in use");
        }

        string list = string.Join(", ", areas.Select(a => $"{a.FileName} ({a.Type}, {Size(a.SizeKiB * 1024)}, {Size(a.UsedKiB * 1024)} used)"));
        bool zram = areas.Any(a => a.FileName.StartsWith("/dev/zram", StringComparison.Ordinal));
        return Fail(host, check, $"swap is on: {list}",
            "Turn it off (sudo swapoff -a) and remove its line from /etc/fstab (or mask its .swap unit) so it stays off after a reboot" +
            (zram ? "; for zram, remove the zram generator's configuration (zram-generator, zram-tools)" : string.Empty) +
            ": the kubelet refuses to start while swap is on (failSwapOn, its default).");
    }

    /// <summary>
    /// The role's ports are free or held by the component that will listen there. Owners come from `ss -ltnpH` as
    /// root, which shows every process of the host; a port whose owner is not shown (ss ran without root, or the
    /// process lives outside the host's process namespace, as when the host is itself a container) or has a name no
    /// component has is judged by how it answers (<see cref="Identify"/>), when the component has a telling answer.
    /// </summary>
    public static KubePreflightCheck CheckPorts(PreflightHostProbe host, PreflightProbe probe)
    {
        const string check = "Ports";
        var role = host.Role == KubeHostRole.Master ? KubeHostRole.Master : KubeHostRole.Worker;
        bool asRoot = probe["listen-root"] is not null;
        var section = probe["listen-root"] ?? probe["listen"];
        if (section is null)
        {
            return Unreadable(host.Host, check, "The listening ports", null);
        }

        if (section.ExitCode != 0)
        {
            return section.ExitCode == 127 || section.Text.Contains("ss: not found", StringComparison.Ordinal)
                ? Warn(host.Host, check, "ss is not installed: the ports were not checked.", "Install iproute2 (it has ss), then check again.")
                : Unreadable(host.Host, check, "ss -ltnpH", section);
        }

        var sockets = PreflightParsers.ParseListeners(section.Text);
        var free = new List<int>();
        var ours = new List<(int Port, string Owner)>();
        var foreign = new List<(int Port, string Text)>();
        var hidden = new List<(int Port, string Text)>();
        foreach (var required in RequiredPorts(role))
        {
            var held = sockets.Where(s => s.Port == required.Port).ToList();
            if (held.Count == 0)
            {
                free.Add(required.Port);
                continue;
            }

            var owners = held.SelectMany(s => s.Processes).DistinctBy(p => p.Pid).ToList();
            var strangers = owners.Where(p => !OwnProcessNames[required.Component].Contains(p.Name, StringComparer.Ordinal)).ToList();
            if (owners.Count > 0 && strangers.Count == 0)
            {
                ours.Add((required.Port, owners.Any(o => o.Name == "hyperkube") ? $"{required.Component} (hyperkube)" : required.Component));
                continue;
            }

            string endpoints = string.Join(", ", held.Select(s => s.Endpoint).Distinct());
            string who = strangers.Count > 0 ? string.Join(", ", strangers.Select(p => $"{p.Name} (pid {p.Pid})")) : string.Empty;
            var answer = host.Identification is { } id ? Identify(id, required.Port) : null;
            if (answer?.Component == required.Component)
            {
                ours.Add((required.Port, $"{answer.Description}{(who.Length > 0 ? $", run as {who}" : string.Empty)}, known by its answer"));
                continue;
            }

            string answered = answer is null ? string.Empty : $"; it {answer.Description}";
            if (strangers.Count > 0)
            {
                foreign.Add((required.Port, $"{required.Port} ({required.Component}) in use by {who} on {endpoints}{answered}"));
            }
            else if (asRoot)
            {
                foreign.Add((required.Port, $"{required.Port} ({required.Component}) in use on {endpoints} by a process the host does not show even to root (one outside its process namespace){answered}"));
            }
            else
            {
                hidden.Add((required.Port, $"{required.Port} ({required.Component}) in use on {endpoints} (the owner shows only to root, and sudo did not work){answered}"));
            }
        }

        var parts = new List<string>();
        parts.AddRange(foreign.Select(f => f.Text));
        parts.AddRange(hidden.Select(h => h.Text));
        foreach (var group in ours.GroupBy(o => o.Owner))
        {
            parts.Add($"{Join(group.Select(o => o.Port))} in use by {group.Key} (ours)");
        }

        if (free.Count > 0)
        {
            parts.Add($"{Join(free)} free");
        }

        string detail = (host.Role == KubeHostRole.None ? "worker (no role given)" : role.ToString().ToLowerInvariant()) + ": " + string.Join("; ", parts);
        if (foreign.Count > 0)
        {
            return Fail(host.Host, check, detail,
                $"Stop or move what holds the port (sudo ss -ltnp 'sport = :{foreign[0].Port}' shows it; systemctl status PID names its unit): " +
                $"the {(role == KubeHostRole.Master ? "master's" : "node's")} components must bind these ports.");
        }

        if (hidden.Count > 0)
        {
            return Warn(host.Host, check, detail,
                "Make sudo work for the user (see the Sudo check) so that the owners of these ports can be seen, then check again.");
        }

        return Pass(host.Host, check, detail);
    }

    /// <summary>What a listener is, going by its answer: the component it is (or null) and a description.</summary>
    /// <param name="Component">kube-apiserver, etcd or kube-proxy, when the answer is one of theirs; else null.</param>
    /// <param name="Description">"a Kubernetes API server (v1.33.1)", "answers HTTP as SimpleHTTP/0.6 Python/3.11.7 (404 File not found)".</param>
    public sealed record ListenerAnswer(string? Component, string Description);

    // Only these components answer something no other program would, without credentials: the API server's and
    // etcd's /version, kube-proxy's /healthz. The kubelet, controller manager and scheduler ask for credentials.
    private static readonly Dictionary<string, string> IdentifyPath = new(StringComparer.Ordinal)
    {
        ["kube-apiserver"] = "/version",
        ["etcd"] = "/version",
        ["kube-proxy"] = "/healthz",
    };

    /// <summary>
    /// The held ports of the role to ask what holds them: those whose owner is not shown (to learn what it is, or at
    /// least how it answers), and those held by a process whose name no component has when the component answers
    /// tellingly (the API server under another name). Each comes with an address to ask (a wildcard listener is asked
    /// on loopback) and a path. Usually empty: then the probe was the only round trip.
    /// </summary>
    public static IReadOnlyList<(int Port, string Address, string Path)> PortsToIdentify(KubeHostRole role, PreflightProbe probe)
    {
        var section = probe["listen-root"] ?? probe["listen"];
        if (section is not { ExitCode: 0 })
        {
            return [];
        }

        var sockets = PreflightParsers.ParseListeners(section.Text);
        var targets = new List<(int, string, string)>();
        foreach (var required in RequiredPorts(role == KubeHostRole.Master ? role : KubeHostRole.Worker))
        {
            var held = sockets.Where(s => s.Port == required.Port).ToList();
            var owners = held.SelectMany(s => s.Processes).ToList();
            bool telling = IdentifyPath.TryGetValue(required.Component, out var path);
            if (held.Count == 0 || (owners.Count > 0 && (!telling || owners.All(p => OwnProcessNames[required.Component].Contains(p.Name, StringComparer.Ordinal)))))
            {
                continue;
            }

            string address = held[0].Address;
            int zone = address.IndexOf('%');
            address = zone >= 0 ? address[..zone] : address;
            address = address switch
            {
                "*" or "0.0.0.0" => "127.0.0.1",
                "::" => "::1",
                _ => address,
            };
            targets.Add((required.Port, address, path ?? "/"));
        }

        return targets;
    }

    /// <summary>
    /// The second round trip, only for <see cref="PortsToIdentify"/>: asks each listener over plain HTTP and over
    /// HTTPS (without verifying the certificate: only the answer's content is wanted), two seconds each, with curl.
    /// </summary>
    public static string IdentifyScript(IReadOnlyList<(int Port, string Address, string Path)> targets)
    {
        var s = new StringBuilder();
        s.Append("export LC_ALL=C\n").Append(SectionFunction);
        foreach (var (port, address, path) in targets)
        {
            string host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
            s.Append(CultureInfo.InvariantCulture, $"x id-{port}-http curl -sS -i -m 2 http://{host}:{port}{path}\n");
            s.Append(CultureInfo.InvariantCulture, $"x id-{port}-https curl -sS -i -k -m 2 https://{host}:{port}{path}\n");
        }

        return s.ToString();
    }

    /// <summary>What the listener on <paramref name="port"/> answered (from <see cref="IdentifyScript"/>), or null when it was not asked.</summary>
    public static ListenerAnswer? Identify(PreflightProbe identification, int port)
    {
        var plain = identification[$"id-{port}-http"];
        var tls = identification[$"id-{port}-https"];
        if (plain is null && tls is null)
        {
            return null;
        }

        ListenerAnswer? described = null;
        foreach (var section in new[] { plain, tls })
        {
            if (section is null)
            {
                continue;
            }

            if (section.ExitCode == 127 || section.Text.Contains("curl: not found", StringComparison.Ordinal))
            {
                return new ListenerAnswer(null, "could not be asked what it is (curl is not installed)");
            }

            var answer = ReadHttpAnswer(section.Text);
            if (answer?.Component is not null)
            {
                return answer;
            }

            described ??= answer;
        }

        return described ?? new ListenerAnswer(null, "does not answer HTTP or HTTPS");
    }

    /// <summary>Reads one answer as `curl -i` prints it: status line, headers, blank line, body. Null when it is not HTTP.</summary>
    public static ListenerAnswer? ReadHttpAnswer(string text)
    {
        string[] lines = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        int status = Array.FindIndex(lines, l => l.StartsWith("HTTP/", StringComparison.Ordinal));
        if (status < 0)
        {
            return null;
        }

        int blank = Array.FindIndex(lines, status, l => l.Length == 0);
        string body = blank < 0 ? string.Empty : string.Join('\n', lines.Skip(blank + 1));
        string statusText = lines[status].Split(' ', 2) is [_, var rest] ? rest.Trim() : lines[status];
        string? server = lines.Skip(status + 1).Take(blank < 0 ? lines.Length : blank - status - 1)
            .FirstOrDefault(l => l.StartsWith("Server:", StringComparison.OrdinalIgnoreCase))?[7..].Trim();

        if (GitVersionPattern().Match(body) is { Success: true } git)
        {
            return new ListenerAnswer("kube-apiserver", $"a Kubernetes API server ({git.Groups["v"].Value})");
        }

        if (EtcdVersionPattern().Match(body) is { Success: true } etcd)
        {
            return new ListenerAnswer("etcd", $"etcd {etcd.Groups["v"].Value}");
        }

        if (body.Contains("\"lastUpdated\"", StringComparison.Ordinal) && body.Contains("\"currentTime\"", StringComparison.Ordinal))
        {
            return new ListenerAnswer("kube-proxy", "kube-proxy (its /healthz)");
        }

        return new ListenerAnswer(null, server is { Length: > 0 }
            ? $"answers HTTP as {server} ({statusText})"
            : $"answers HTTP ({statusText})");
    }

    /// <summary>A host name the kubelet can register as a node, and no other host's.</summary>
    public static KubePreflightCheck CheckHostName(string host, PreflightProbe probe, IReadOnlyList<(string Host, string Value)> all)
    {
        const string check = "HostName";
        var section = probe["hostname"];
        string name = section?.FirstLine ?? string.Empty;
        if (section is not { ExitCode: 0 } || name.Length == 0)
        {
            return Unreadable(host, check, "The host name", section);
        }

        const string rename = "Give every host its own name (sudo hostnamectl set-hostname NAME) before its kubelet registers: the node is named after it.";
        string nodeName = name.ToLowerInvariant();
        if (nodeName is "localhost" or "localhost.localdomain")
        {
            return Fail(host, check, $"{name}: every such host would register as the same node", rename);
        }

        if (KubeNames.ValidateDns1123Subdomain(nodeName) is { } problem)
        {
            return Fail(host, check, $"{name} is not a node name: {problem}", rename);
        }

        var twins = all.Where(o => o.Host != host && string.Equals(o.Value, name, StringComparison.OrdinalIgnoreCase)).Select(o => o.Host).ToList();
        if (twins.Count > 0)
        {
            return Fail(host, check, $"{name}, the same as {Join(twins)}'s: the two would be one node", rename);
        }

        return Pass(host, check, all.Count > 1 ? $"{name} (unique)" : name);
    }

    /// <summary>
    /// /etc/machine-id is set and no other host's. Only its first 8 characters are shown: machine-id(5) asks that it
    /// be kept confidential.
    /// </summary>
    public static KubePreflightCheck CheckMachineId(string host, PreflightProbe probe, IReadOnlyList<(string Host, string Value)> all)
    {
        const string check = "MachineId";
        const string regenerate = "Give the host a new one: sudo rm /etc/machine-id && sudo systemd-machine-id-setup, then reboot it. " +
            "Hosts from one cloned image share it, and the kubelet reports it as the node's identity (systemUUID and machineID).";
        var section = probe["machine-id"];
        string id = section?.FirstLine ?? string.Empty;
        if (section is null)
        {
            return Unreadable(host, check, "/etc/machine-id", null);
        }

        if (section.ExitCode != 0 || id.Length == 0 || id == "uninitialized")
        {
            return Fail(host, check, section.ExitCode != 0 ? $"/etc/machine-id cannot be read: {Shorten(section.Text)}" : $"/etc/machine-id is {(id.Length == 0 ? "empty" : id)}",
                regenerate);
        }

        string shown = id.Length > 8 ? id[..8] + "…" : id;
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            return Fail(host, check, $"/etc/machine-id is not 32 lowercase hex digits: {shown}", regenerate);
        }

        var twins = all.Where(o => o.Host != host && o.Value == id).Select(o => o.Host).ToList();
        if (twins.Count > 0)
        {
            return Fail(host, check, $"{shown}, the same as {Join(twins)}'s", regenerate);
        }

        return Pass(host, check, all.Count > 1 ? $"{shown} (unique)" : shown);
    }

    /// <summary>At least <paramref name="minBytes"/> of memory.</summary>
    public static KubePreflightCheck CheckMemory(string host, PreflightProbe probe, long minBytes)
    {
        const string check = "Memory";
        var section = probe["meminfo"];
        if (section is not { ExitCode: 0 } || PreflightParsers.ParseMemTotal(section.Text) is not { } total)
        {
            return Unreadable(host, check, "MemTotal in /proc/meminfo", section);
        }

        return total < minBytes
            ? Warn(host, check, $"{Size(total)} of memory, less than {Size(minBytes)}",
                "Give the host more memory: the kubelet, kube-proxy and the container runtime need about 1 GiB on a node, and a master's etcd and API server more.")
            : Pass(host, check, $"{Size(total)} of memory");
    }

    /// <summary>IPv4 forwarding on and bridged traffic passed to iptables (br_netfilter), as pod networking needs.</summary>
    public static KubePreflightCheck CheckSysctl(string host, PreflightProbe probe)
    {
        const string check = "Sysctl";
        var section = probe["sysctl"];
        if (section is null)
        {
            return Unreadable(host, check, "The kernel's forwarding settings", null);
        }

        var v = PreflightParsers.ParseKeyValues(section.Text);
        string forward = v.GetValueOrDefault("net.ipv4.ip_forward", string.Empty);
        string bridge = v.GetValueOrDefault("net.bridge.bridge-nf-call-iptables", string.Empty);
        string detail = $"net.ipv4.ip_forward = {(forward.Length > 0 ? forward : "unknown")}; " +
            (bridge.Length > 0 ? $"net.bridge.bridge-nf-call-iptables = {bridge}" : "br_netfilter not loaded (no net.bridge.bridge-nf-call-iptables)");
        if (forward == "1" && bridge == "1")
        {
            return Pass(host, check, detail);
        }

        return Warn(host, check, detail,
            "Pods and services need both: sudo modprobe br_netfilter && sudo sysctl -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1; " +
            "to keep them after a reboot put br_netfilter in /etc/modules-load.d/kubernetes.conf and the two settings in /etc/sysctl.d/kubernetes.conf.");
    }

    /// <summary>"1.0 GiB", "512 MiB".</summary>
    public static string Size(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    private static string Join<T>(IEnumerable<T> items)
    {
        var list = items.Select(i => Convert.ToString(i, CultureInfo.InvariantCulture)!).ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1];
    }

    private static string Shorten(string text)
    {
        string oneLine = string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return oneLine.Length > 200 ? oneLine[..200] + "…" : oneLine;
    }
}
