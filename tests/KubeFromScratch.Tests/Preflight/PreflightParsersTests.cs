using KubeFromScratch.Engine.Preflight;
using Xunit;
using static KubeFromScratch.Tests.Preflight.PreflightFixtures;

namespace KubeFromScratch.Tests.Preflight;

/// <summary>
/// Pins how the preflight probe's output is read: the probe script itself (what is captured is what is sent), its
/// sections, and each file or command it prints (os-release, /proc/swaps, ss -ltnpH, /proc/meminfo, date), on the
/// lab hosts' real output and on the odd forms other hosts print.
/// </summary>
public sealed class PreflightParsersTests
{
    // ---- The probe script -------------------------------------------------------------------------------------------

    [Fact]
    public void The_captured_probe_scripts_are_exactly_what_the_engine_sends()
    {
        // The fixtures were captured by running these files (capture.sh); a changed script needs a new capture.
        Assert.Equal(Read("probe.sh"), KubePreflight.ProbeScript(KubePreflight.CheckNames, sudoPassword: false));
        Assert.Equal(Read("probe-sudo-password.sh"), KubePreflight.ProbeScript(KubePreflight.CheckNames, sudoPassword: true));
    }

    [Fact]
    public void The_probe_holds_no_single_quote_so_it_travels_verbatim_inside_sh_c_quotes()
    {
        foreach (bool password in new[] { false, true })
        {
            Assert.DoesNotContain('\'', KubePreflight.ProbeScript(KubePreflight.CheckNames, password));
        }
    }

    [Fact]
    public void The_probe_asks_sudo_nothing_unless_the_Sudo_or_Ports_check_needs_it()
    {
        string swapOnly = KubePreflight.ProbeScript(["Swap"], sudoPassword: false);
        Assert.Contains("x swaps cat /proc/swaps", swapOnly);
        Assert.DoesNotContain("x sudo", swapOnly);
        Assert.DoesNotContain("ss -ltnpH", swapOnly);
        Assert.DoesNotContain("os-release", swapOnly);

        string ports = KubePreflight.ProbeScript(["Ports"], sudoPassword: false);
        Assert.Contains("x sudo su_ true", ports);
        Assert.Contains("x listen-root su_ ss -ltnpH", ports);
        Assert.Contains("su_() { sudo -n -- \"$@\"; }", ports);
    }

    [Fact]
    public void With_a_password_sudo_reads_it_from_the_scripts_first_input_line_never_from_the_command_line()
    {
        string script = KubePreflight.ProbeScript(["Sudo"], sudoPassword: true);
        Assert.StartsWith("export LC_ALL=C", script);
        Assert.Contains("IFS= read -r kfs_pw || true", script);
        Assert.Contains("printf \"%s\\n\" \"$kfs_pw\" | sudo -S -p \"\" -- \"$@\"", script);
        Assert.DoesNotContain("sudo -n", script);
    }

    [Fact]
    public void The_clock_is_read_first_and_last_whatever_the_checks()
    {
        string[] lines = KubePreflight.ProbeScript(["Memory"], sudoPassword: false).TrimEnd('\n').Split('\n');
        Assert.Equal("x clock-start date +%s.%N", lines.First(l => l.StartsWith("x ", StringComparison.Ordinal)));
        Assert.Equal("x clock-end date +%s.%N", lines[^1]);
    }

    // ---- Sections ---------------------------------------------------------------------------------------------------

    [Fact]
    public void A_probe_splits_into_its_sections_with_their_exit_codes()
    {
        var probe = Probe("core-01.probe");

        Assert.Equal(["clock-start", "uname", "os-release", "init", "system-state", "failed-units", "swaps", "hostname", "machine-id",
                "meminfo", "sysctl", "sudo", "listen-root", "clock-end"],
            probe.Sections.Keys.OrderBy(k => Read("core-01.probe.stdout").IndexOf("@@kfs " + k + "\n", StringComparison.Ordinal)));
        Assert.All(probe.Sections.Values, s => Assert.Equal(0, s.ExitCode));
        Assert.Equal("core-01", probe["hostname"]!.Text);
        Assert.Equal(string.Empty, probe["failed-units"]!.Text);
        Assert.Empty(probe["failed-units"]!.Lines);
        Assert.Equal(string.Empty, probe["sudo"]!.Text);
        Assert.Null(probe["listen"]);
    }

    [Fact]
    public void A_failing_command_keeps_its_standard_error_and_exit_code()
    {
        var sudo = Probe("core-01.nosudo.probe")["sudo"]!;
        Assert.Equal(1, sudo.ExitCode);
        Assert.Equal("sudo: a password is required", sudo.Text);

        var state = Probe("core-02.degraded.probe")["system-state"]!;
        Assert.Equal((1, "degraded"), (state.ExitCode, state.Text));
    }

    [Fact]
    public void A_probe_cut_short_keeps_what_it_printed_and_has_no_exit_code_for_the_last_section()
    {
        var probe = PreflightProbe.Parse("garbage before\n@@kfs hostname\ncore-01\n@@kfs-rc 0\n\n@@kfs swaps\nFilename Type\n");

        Assert.Equal(("core-01", (int?)0), (probe["hostname"]!.Text, probe["hostname"]!.ExitCode));
        Assert.Equal(("Filename Type", (int?)null), (probe["swaps"]!.Text, probe["swaps"]!.ExitCode));
        Assert.Equal(2, probe.Sections.Count);
        Assert.Empty(PreflightProbe.Parse("sh: 1: Syntax error\n").Sections);
    }

    // ---- os-release and uname ---------------------------------------------------------------------------------------

    [Fact]
    public void The_lab_hosts_os_release_reads_as_Debian_12_bookworm()
    {
        var release = PreflightParsers.ParseOsRelease(Probe("core-01.probe")["os-release"]!.Text);

        Assert.Equal("Debian GNU/Linux 12 (bookworm)", release["PRETTY_NAME"]);
        Assert.Equal(("debian", "12", "bookworm"), (release["ID"], release["VERSION_ID"], release["VERSION_CODENAME"]));
        Assert.Equal("https://www.debian.org/", release["HOME_URL"]);
    }

    [Fact]
    public void Os_release_values_follow_shell_quoting_and_comments_are_skipped()
    {
        var release = PreflightParsers.ParseOsRelease(
            "# a comment\nNAME='Single Quoted'\nPRETTY_NAME=\"Say \\\"hi\\\" for \\$5 \\\\ more\"\nID=plain\n\nnot a pair\nVARIANT=\"\"\r\n");

        Assert.Equal("Single Quoted", release["NAME"]);
        Assert.Equal("Say \"hi\" for $5 \\ more", release["PRETTY_NAME"]);
        Assert.Equal("plain", release["ID"]);
        Assert.Equal(string.Empty, release["VARIANT"]);
        Assert.Equal(4, release.Count);
    }

    [Theory]
    [InlineData("x86_64", "amd64")]
    [InlineData("aarch64", "arm64")]
    [InlineData("arm64", "arm64")]
    [InlineData("armv7l", null)]
    [InlineData("ppc64le", null)]
    [InlineData("s390x", null)]
    [InlineData("i686", null)]
    public void Machine_names_map_to_the_architectures_whose_binaries_are_installed(string machine, string? expected) =>
        Assert.Equal(expected, PreflightParsers.KubeArchitecture(machine));

    // ---- /proc/swaps ------------------------------------------------------------------------------------------------

    [Fact]
    public void No_swap_is_the_header_line_alone()
    {
        Assert.Equal("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority", Probe("core-01.probe")["swaps"]!.Text);
        Assert.Empty(PreflightParsers.ParseSwaps(Probe("core-01.probe")["swaps"]!.Text));
    }

    [Fact]
    public void A_real_swap_file_reads_with_its_size_use_and_priority()
    {
        var area = Assert.Single(PreflightParsers.ParseSwaps(Read("swaps-with-swapfile.txt")));

        Assert.Equal(new SwapArea("/var/tmp/kfs-capture-swap", "file", 16380, 8, -2), area);
    }

    [Fact]
    public void Swap_names_with_blanks_come_escaped_and_are_unescaped()
    {
        var areas = PreflightParsers.ParseSwaps(
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda2                               partition\t2097148\t\t0\t\t-2\n/swap\\040file                            file\t\t1048572\t\t1024\t\t-3\n/dev/zram0                              partition\t4194300\t\t0\t\t100\n");

        Assert.Equal(["/dev/sda2", "/swap file", "/dev/zram0"], areas.Select(a => a.FileName));
        Assert.Equal([2097148L, 1048572L, 4194300L], areas.Select(a => a.SizeKiB));
        Assert.Equal([-2, -3, 100], areas.Select(a => a.Priority));
        Assert.Equal("a\\b\tc d\\x", PreflightParsers.UnescapeOctal("a\\134b\\011c\\040d\\x"));
    }

    // ---- ss -ltnpH --------------------------------------------------------------------------------------------------

    [Fact]
    public void Ss_as_root_names_every_owner_but_not_a_process_outside_the_hosts_view()
    {
        var sockets = PreflightParsers.ParseListeners(Probe("core-01.probe")["listen-root"]!.Text);

        Assert.Equal(["0.0.0.0:22", "172.17.8.101:8080", "172.17.8.101:2380", "172.17.8.101:2379", "127.0.0.1:2379", "[::]:22"],
            sockets.Select(s => s.Endpoint));
        Assert.All(sockets.Where(s => s.Port is 2379 or 2380), s => Assert.Equal("etcd", Assert.Single(s.Processes).Name));
        Assert.Equal("sshd", sockets[0].Processes[0].Name);
        // The API server stand-in runs on the lab machine inside core-01's network namespace: the socket shows,
        // its process does not, not even to root.
        Assert.Empty(sockets.Single(s => s.Port == 8080).Processes);
        Assert.Equal("::", sockets[^1].Address);
    }

    [Fact]
    public void Ss_without_root_shows_the_sockets_but_no_other_users_owners()
    {
        var sockets = PreflightParsers.ParseListeners(Probe("core-01.nosudo.probe")["listen"]!.Text);

        Assert.Equal(6, sockets.Count);
        Assert.All(sockets, s => Assert.Empty(s.Processes));
    }

    [Fact]
    public void A_foreign_sshd_on_the_schedulers_port_shows_with_its_pid_on_both_address_families()
    {
        var sockets = PreflightParsers.ParseListeners(Probe("core-01.foreign-sshd.probe")["listen-root"]!.Text)
            .Where(s => s.Port == 10259).ToList();

        Assert.Equal(["0.0.0.0:10259", "[::]:10259"], sockets.Select(s => s.Endpoint));
        Assert.All(sockets, s => Assert.Equal("sshd", Assert.Single(s.Processes).Name));
        Assert.Equal(sockets[0].Processes[0].Pid, sockets[1].Processes[0].Pid);
    }

    [Fact]
    public void Ss_address_forms_and_several_owners_are_read()
    {
        var sockets = PreflightParsers.ParseListeners(string.Join('\n',
            "LISTEN 0      4096               *:10250            *:*    users:((\"kubelet\",pid=812,fd=21))",
            "LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:((\"systemd-resolve\",pid=401,fd=14))",
            "LISTEN 0      128    [fe80::1%eth0]:22           [::]:*",
            "LISTEN 0      511          0.0.0.0:10259      0.0.0.0:*    users:((\"nginx\",pid=1200,fd=6),(\"nginx\",pid=1199,fd=6))",
            "LISTEN 0      4096   [::ffff:127.0.0.1]:10257       *:*    users:((\"kube-controller\",pid=77,fd=3))",
            "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
            "ESTAB  0      0      172.17.8.101:22 172.17.8.1:50000",
            "LISTEN garbage",
            ""));

        Assert.Equal(["*:10250", "127.0.0.53%lo:53", "[fe80::1%eth0]:22", "0.0.0.0:10259", "[::ffff:127.0.0.1]:10257"], sockets.Select(s => s.Endpoint));
        Assert.Equal([10250, 53, 22, 10259, 10257], sockets.Select(s => s.Port));
        Assert.Equal(new ListenerProcess("kubelet", 812), sockets[0].Processes.Single());
        Assert.Equal("systemd-resolve", sockets[1].Processes.Single().Name);
        Assert.Empty(sockets[2].Processes);
        Assert.Equal([1200, 1199], sockets[3].Processes.Select(p => p.Pid));
        Assert.Equal("kube-controller", sockets[4].Processes.Single().Name);
    }

    // ---- /proc/meminfo, sysctl, date --------------------------------------------------------------------------------

    [Fact]
    public void MemTotal_is_read_in_bytes()
    {
        Assert.Equal(24683620L * 1024, PreflightParsers.ParseMemTotal(Probe("core-01.probe")["meminfo"]!.Text));
        Assert.Null(PreflightParsers.ParseMemTotal("MemFree: 1 kB\n"));
    }

    [Fact]
    public void The_lab_forwards_bridged_traffic_to_iptables_but_not_IPv4()
    {
        var values = PreflightParsers.ParseKeyValues(Probe("core-01.probe")["sysctl"]!.Text);

        Assert.Equal("0", values["net.ipv4.ip_forward"]);
        Assert.Equal("1", values["net.bridge.bridge-nf-call-iptables"]);
    }

    [Theory]
    [InlineData("1795790067.159688083", 1795790067L, 1596880L)]
    [InlineData("1795790067.1", 1795790067L, 1000000L)]
    [InlineData("1795790067", 1795790067L, 0L)]
    [InlineData("1795790067.N", 1795790067L, 0L)] // BusyBox date without %N
    [InlineData("  1795790067.000000001\n", 1795790067L, 0L)]
    public void Date_is_read_to_the_tick_without_floating_point(string text, long seconds, long ticks) =>
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(ticks), PreflightParsers.ParseEpoch(text));

    [Theory]
    [InlineData("")]
    [InlineData("date: invalid date")]
    [InlineData("-5.2")]
    [InlineData("99999999999999.5")]
    public void A_date_that_is_not_epoch_seconds_is_null(string text) => Assert.Null(PreflightParsers.ParseEpoch(text));

    // ---- Listener answers (curl -i) ---------------------------------------------------------------------------------

    [Fact]
    public void The_API_server_stand_ins_version_reads_as_a_Kubernetes_API_server()
    {
        var answer = KubePreflight.Identify(Probe("core-01.identify-8080"), 8080);

        Assert.Equal(new KubePreflight.ListenerAnswer("kube-apiserver", "a Kubernetes API server (v1.33.1-lab-standin)"), answer);
    }

    [Fact]
    public void Etcds_version_on_client_and_peer_ports_reads_as_etcd_and_a_failed_https_attempt_does_not_matter()
    {
        var probe = Probe("core-01.nosudo.identify");

        Assert.Equal(35, probe["id-2379-https"]!.ExitCode);
        Assert.Equal(new KubePreflight.ListenerAnswer("etcd", "etcd 3.4.23"), KubePreflight.Identify(probe, 2379));
        Assert.Equal(new KubePreflight.ListenerAnswer("etcd", "etcd 3.4.23"), KubePreflight.Identify(probe, 2380));
        Assert.Null(KubePreflight.Identify(probe, 10250));
    }

    [Fact]
    public void Pythons_http_server_reads_as_what_its_Server_header_says()
    {
        var answer = KubePreflight.Identify(Probe("core-02.foreign-python.identify"), 10250);

        Assert.NotNull(answer);
        Assert.Null(answer.Component);
        Assert.Matches(@"^answers HTTP as SimpleHTTP/0\.6 Python/3\.\d+\.\d+ \(200 OK\)$", answer.Description);
    }

    [Fact]
    public void Answers_other_than_HTTP_and_a_missing_curl_say_so()
    {
        Assert.Null(KubePreflight.ReadHttpAnswer("curl: (7) Failed to connect to 127.0.0.1 port 10250: Connection refused"));
        Assert.Equal(new KubePreflight.ListenerAnswer(null, "does not answer HTTP or HTTPS"), KubePreflight.Identify(
            Sections(("id-10250-http", "curl: (52) Empty reply from server", 52), ("id-10250-https", "curl: (35) error", 35)), 10250));
        Assert.Equal(new KubePreflight.ListenerAnswer(null, "could not be asked what it is (curl is not installed)"), KubePreflight.Identify(
            Sections(("id-8080-http", "sh: 1: curl: not found", 127), ("id-8080-https", "sh: 1: curl: not found", 127)), 8080));
        Assert.Equal(new KubePreflight.ListenerAnswer("kube-proxy", "kube-proxy (its /healthz)"), KubePreflight.ReadHttpAnswer(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"lastUpdated\": \"2026-11-27 14:00:00\",\"currentTime\": \"2026-11-27 14:00:01\"}"));
        Assert.Equal(new KubePreflight.ListenerAnswer(null, "answers HTTP (400 Bad Request)"), KubePreflight.ReadHttpAnswer(
            "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"));
    }
}
