using KubeFromScratch.Engine.Preflight;
using Xunit;
using static KubeFromScratch.Tests.Preflight.PreflightFixtures;

namespace KubeFromScratch.Tests.Preflight;

/// <summary>
/// Pins the verdicts on what the lab's hosts really printed (Fixtures/preflight): as they come, and with each fault
/// the lab could be given (no sudo, a foreign listener, a degraded system, a cloned machine id, a clock read 5 s
/// ahead), plus the faults no lab host can have (another OS or architecture, no systemd, swap, bad host names),
/// made by replacing one section of a real capture.
/// </summary>
public sealed class PreflightChecksTests
{
    private static readonly KubePreflightStatus Pass = KubePreflightStatus.Pass;
    private static readonly KubePreflightStatus Warn = KubePreflightStatus.Warn;
    private static readonly KubePreflightStatus Fail = KubePreflightStatus.Fail;

    private static PreflightHostProbe With(PreflightHostProbe host, PreflightProbe probe) => host with { Probe = probe };

    // ---- The lab as it comes ----------------------------------------------------------------------------------------

    [Fact]
    public void The_lab_as_it_comes_fails_nothing_and_only_warns_about_ip_forward()
    {
        var results = Evaluate(LabAsItComes());

        Assert.Equal(30, results.Count);
        Assert.Equal(Enumerable.Repeat(new[] { "core-01", "core-02", "core-03" }, 1).SelectMany(h => h).SelectMany(h => Enumerable.Repeat(h, 10)),
            results.Select(r => r.Host));
        Assert.Equal(Enumerable.Repeat(KubePreflight.CheckNames, 3).SelectMany(c => c), results.Select(r => r.Check));
        Assert.DoesNotContain(results, r => r.Status == Fail);
        Assert.All(results.Where(r => r.Status == Warn), r => Assert.Equal("Sysctl", r.Check));
        Assert.All(results.Where(r => r.Status == Pass), r => Assert.Null(r.Hint));
        Assert.All(results.Where(r => r.Status != Pass), r => Assert.False(string.IsNullOrWhiteSpace(r.Hint)));
        Assert.All(results, r => Assert.Null(r.Failure));
    }

    [Fact]
    public void The_lab_hosts_read_as_Debian_12_on_amd64_with_systemd_running()
    {
        var results = Evaluate(LabAsItComes());

        var os = Result(results, "core-02", "OperatingSystem");
        Assert.Equal(Pass, os.Status);
        Assert.Matches(@"^Debian GNU/Linux 12 \(bookworm\), Linux \S+, x86_64 \(amd64\)$", os.Detail);
        Assert.Equal("systemd 252 is PID 1; systemctl says running", Result(results, "core-02", "Systemd").Detail);
        Assert.Equal("sudo works for core without a password", Result(results, "core-02", "Sudo").Detail);
        Assert.Equal("no swap in use", Result(results, "core-02", "Swap").Detail);
        Assert.Equal("23.5 GiB of memory", Result(results, "core-02", "Memory").Detail);
        Assert.Equal("core-02 (unique)", Result(results, "core-02", "HostName").Detail);
        Assert.Matches(@"^[0-9a-f]{8}… \(unique\)$", Result(results, "core-02", "MachineId").Detail);
    }

    [Fact]
    public void A_masters_ports_held_by_etcd_and_the_API_server_are_ours_and_a_workers_are_free()
    {
        var results = Evaluate(LabAsItComes());

        var master = Result(results, "core-01", "Ports");
        Assert.Equal(Pass, master.Status);
        Assert.Equal("master: 2379 and 2380 in use by etcd (ours); 8080 in use by a Kubernetes API server (v1.33.1-lab-standin), known by its answer (ours); " +
            "6443, 10250, 10256, 10257 and 10259 free", master.Detail);
        Assert.Equal("worker: 10250 and 10256 free", Result(results, "core-02", "Ports").Detail);
        // core-02 runs etcd too, but a worker does not need etcd's ports.
        Assert.Equal(Pass, Result(results, "core-02", "Ports").Status);
    }

    [Fact]
    public void A_worker_checked_as_a_master_finds_its_etcd_ours_and_the_rest_free()
    {
        var results = Evaluate(Host("core-02.probe", "core-02", KubeHostRole.Master));

        Assert.Equal("master: 2379 and 2380 in use by etcd (ours); 6443, 8080, 10250, 10256, 10257 and 10259 free", Result(results, "core-02", "Ports").Detail);
    }

    [Fact]
    public void A_host_without_a_role_is_checked_as_a_worker()
    {
        var results = Evaluate(Host("core-01.probe", "core-01", KubeHostRole.None));

        Assert.Equal("worker (no role given): 10250 and 10256 free", Result(results, "core-01", "Ports").Detail);
    }

    [Fact]
    public void Without_asking_the_listener_the_API_servers_hidden_owner_would_be_a_foreign_process()
    {
        // What the check would say if the identification round trip had not happened: as root, ss shows no owner.
        var result = Result(Evaluate(Host("core-01.probe", "core-01", KubeHostRole.Master)), "core-01", "Ports");

        Assert.Equal(Fail, result.Status);
        Assert.StartsWith("master: 8080 (kube-apiserver) in use on 172.17.8.101:8080 by a process the host does not show even to root", result.Detail);
    }

    // ---- Ports: foreign listeners -----------------------------------------------------------------------------------

    [Fact]
    public void A_foreign_listener_the_host_cannot_name_fails_with_how_it_answers()
    {
        var results = Evaluate(Host("core-02.foreign-python.probe", "core-02", KubeHostRole.Worker, identification: "core-02.foreign-python.identify"));

        var ports = Result(results, "core-02", "Ports");
        Assert.Equal(Fail, ports.Status);
        Assert.Matches(@"^worker: 10250 \(kubelet\) in use on 172\.17\.8\.102:10250 by a process the host does not show even to root \(one outside its process namespace\); " +
            @"it answers HTTP as SimpleHTTP/0\.6 Python/3\.\d+\.\d+ \(200 OK\); 10256 free$", ports.Detail);
        Assert.Contains("sudo ss -ltnp 'sport = :10250'", ports.Hint);
    }

    [Fact]
    public void A_foreign_listener_the_host_names_fails_naming_it()
    {
        var results = Evaluate(Host("core-01.foreign-sshd.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"));

        var ports = Result(results, "core-01", "Ports");
        Assert.Equal(Fail, ports.Status);
        Assert.Matches(@"^master: 10259 \(kube-scheduler\) in use by sshd \(pid \d+\) on 0\.0\.0\.0:10259, \[::\]:10259; " +
            @"2379 and 2380 in use by etcd \(ours\); 8080 in use by a Kubernetes API server \(v1\.33\.1-lab-standin\), known by its answer \(ours\); " +
            @"6443, 10250, 10256 and 10257 free$", ports.Detail);
        Assert.Contains("'sport = :10259'", ports.Hint);
        // A worker does not need 10259: the same host is fine as a worker.
        Assert.Equal(Pass, Result(Evaluate(Host("core-01.foreign-sshd.probe", "core-01", KubeHostRole.Worker)), "core-01", "Ports").Status);
    }

    [Fact]
    public void Our_components_pass_under_their_truncated_names_and_as_hyperkube()
    {
        var probe = Replace("core-02.probe", "listen-root", string.Join('\n',
            "LISTEN 0 4096 *:10250 *:* users:((\"kubelet\",pid=812,fd=21))",
            "LISTEN 0 4096 *:10256 *:* users:((\"hyperkube\",pid=813,fd=9))",
            "LISTEN 0 4096 *:10257 *:* users:((\"kube-controller\",pid=814,fd=3))",
            "LISTEN 0 4096 *:10259 *:* users:((\"kube-scheduler\",pid=815,fd=3))",
            "LISTEN 0 4096 *:6443 *:* users:((\"kube-apiserver\",pid=816,fd=3))",
            "LISTEN 0 4096 *:8080 *:* users:((\"kube-apiserver\",pid=816,fd=4))",
            "LISTEN 0 4096 *:2379 *:* users:((\"etcd\",pid=817,fd=3))",
            "LISTEN 0 4096 *:2380 *:* users:((\"etcd\",pid=817,fd=4))"));
        var host = With(Host("core-02.probe", "core-02", KubeHostRole.Master), probe);

        Assert.Empty(KubePreflight.PortsToIdentify(KubeHostRole.Master, probe));
        var ports = Result(Evaluate(host), "core-02", "Ports");
        Assert.Equal(Pass, ports.Status);
        Assert.Equal("master: 2379 and 2380 in use by etcd (ours); 6443 and 8080 in use by kube-apiserver (ours); 10250 in use by kubelet (ours); " +
            "10256 in use by kube-proxy (hyperkube) (ours); 10257 in use by kube-controller-manager (ours); 10259 in use by kube-scheduler (ours)", ports.Detail);
    }

    [Fact]
    public void One_of_our_components_on_another_components_port_is_foreign_there()
    {
        var probe = Replace("core-02.probe", "listen-root", "LISTEN 0 4096 *:10250 *:* users:((\"etcd\",pid=29,fd=3))");
        var ports = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Ports");

        Assert.Equal((Fail, "worker: 10250 (kubelet) in use by etcd (pid 29) on *:10250; 10256 free"), (ports.Status, ports.Detail));
    }

    // ---- Ports and Sudo without sudo --------------------------------------------------------------------------------

    [Fact]
    public void Without_sudo_the_sudo_check_fails_asking_for_SudoCredential_and_the_ports_are_told_by_their_answers()
    {
        var results = Evaluate(Host("core-01.nosudo.probe", "core-01", KubeHostRole.Master, user: "nosudo", identification: "core-01.nosudo.identify"));

        var sudo = Result(results, "core-01", "Sudo");
        Assert.Equal((Fail, "sudo asks nosudo for a password."), (sudo.Status, sudo.Detail));
        Assert.Contains("-SudoCredential", sudo.Hint);
        Assert.Contains("nosudo ALL=(ALL) NOPASSWD: ALL", sudo.Hint);

        var ports = Result(results, "core-01", "Ports");
        Assert.Equal(Pass, ports.Status);
        Assert.Equal("master: 2379 and 2380 in use by etcd 3.4.23, known by its answer (ours); 8080 in use by a Kubernetes API server (v1.33.1-lab-standin), known by its answer (ours); " +
            "6443, 10250, 10256, 10257 and 10259 free", ports.Detail);
    }

    [Fact]
    public void Without_sudo_a_held_port_nobody_can_tell_warns()
    {
        var results = Evaluate(Host("core-01.nosudo.probe", "core-01", KubeHostRole.Master, user: "nosudo"));

        var ports = Result(results, "core-01", "Ports");
        Assert.Equal(Warn, ports.Status);
        Assert.StartsWith("master: 2379 (etcd) in use on 172.17.8.101:2379, 127.0.0.1:2379 (the owner shows only to root, and sudo did not work)", ports.Detail);
        Assert.Contains("Sudo check", ports.Hint);
    }

    [Fact]
    public void A_user_without_sudo_rights_fails_with_the_hint_to_grant_them()
    {
        var sudo = Result(Evaluate(Host("core-01.nosudo-password.probe", "core-01", KubeHostRole.Worker, user: "nosudo", password: true)), "core-01", "Sudo");

        Assert.Equal((Fail, "nosudo may not use sudo: nosudo is not in the sudoers file."), (sudo.Status, sudo.Detail));
        Assert.StartsWith("Grant nosudo sudo", sudo.Hint);
    }

    [Fact]
    public void A_wrong_sudo_password_fails_as_such()
    {
        var sudo = Result(Evaluate(Host("core-01.nosudo-wrong-password.probe", "core-01", KubeHostRole.Worker, user: "nosudo", password: true)), "core-01", "Sudo");

        Assert.Equal((Fail, "sudo did not accept the password given for nosudo."), (sudo.Status, sudo.Detail));
        Assert.Contains("-SudoCredential", sudo.Hint);
    }

    [Fact]
    public void A_password_given_where_none_is_needed_passes_and_ss_runs_as_root()
    {
        var results = Evaluate(Host("core-01.password-unneeded.probe", "core-01", KubeHostRole.Worker, password: true));

        Assert.Equal((Pass, "sudo works for core with the password given"), (Result(results, "core-01", "Sudo").Status, Result(results, "core-01", "Sudo").Detail));
        Assert.NotNull(Probe("core-01.password-unneeded.probe")["listen-root"]);
    }

    [Fact]
    public void A_host_without_sudo_fails_with_the_hint_to_install_it()
    {
        var probe = Replace("core-02.probe", "sudo", "sh: 1: sudo: not found", 127);
        var sudo = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Sudo");

        Assert.Equal((Fail, "sudo is not installed."), (sudo.Status, sudo.Detail));
        Assert.StartsWith("Install sudo", sudo.Hint);
    }

    // ---- Systemd ----------------------------------------------------------------------------------------------------

    [Fact]
    public void A_degraded_system_warns_naming_its_failed_units()
    {
        var systemd = Result(Evaluate(Host("core-02.degraded.probe", "core-02", KubeHostRole.Worker)), "core-02", "Systemd");

        Assert.Equal((Warn, "systemd 252 is PID 1, but the system is degraded: failed units kfs-capture-false.service"), (systemd.Status, systemd.Detail));
        Assert.Contains("systemctl --failed", systemd.Hint);
    }

    [Fact]
    public void A_host_not_booted_with_systemd_fails()
    {
        var probe = Replace("core-02.probe", "init", "comm=dumb-init\nrun-systemd=no\nversion=");
        var systemd = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Systemd");

        Assert.Equal((Fail, "PID 1 is dumb-init, not systemd (no /run/systemd/system)."), (systemd.Status, systemd.Detail));
        Assert.Contains("booted with systemd as PID 1", systemd.Hint);
    }

    [Fact]
    public void A_systemctl_that_cannot_reach_systemd_fails_quoting_it()
    {
        var probe = Replace("core-02.probe", "system-state", "Failed to connect to bus: No such file or directory", 1);
        var systemd = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Systemd");

        Assert.Equal(Fail, systemd.Status);
        Assert.Equal("systemd 252 is PID 1, but systemctl is-system-running answers 'Failed to connect to bus: No such file or directory' (exit 1).", systemd.Detail);
    }

    [Fact]
    public void A_system_still_starting_warns()
    {
        var probe = Replace("core-02.probe", "system-state", "starting", 1);

        Assert.Equal(Warn, Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Systemd").Status);
    }

    // ---- Operating system -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("FreeBSD 14.1-RELEASE amd64", "FreeBSD 14.1-RELEASE on amd64: not Linux.")]
    [InlineData("Linux 6.1.0-rpi7-rpi-v7 armv7l", "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-rpi7-rpi-v7 on armv7l: no Kubernetes binaries for this architecture.")]
    [InlineData("Linux 6.1.0-ppc64le ppc64le", "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-ppc64le on ppc64le: no Kubernetes binaries for this architecture.")]
    public void Another_kernel_or_architecture_fails(string uname, string detail)
    {
        var probe = Replace("core-02.probe", "uname", uname);
        var os = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "OperatingSystem");

        Assert.Equal((Fail, detail), (os.Status, os.Detail));
    }

    [Fact]
    public void An_arm64_host_passes_and_one_without_os_release_still_does()
    {
        var probe = Replace(
            "core-02.probe", "uname", "Linux 6.8.0-1012-raspi aarch64");
        var os = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "OperatingSystem");
        Assert.Equal((Pass, "Debian GNU/Linux 12 (bookworm), Linux 6.8.0-1012-raspi, aarch64 (arm64)"), (os.Status, os.Detail));

        var noRelease = Replace("core-02.probe", "os-release", "cat: /usr/lib/os-release: No such file or directory", 1);
        var os2 = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), noRelease)), "core-02", "OperatingSystem");
        Assert.Equal(Pass, os2.Status);
        Assert.StartsWith("an unknown distribution (no os-release), Linux", os2.Detail);
    }

    // ---- Swap -------------------------------------------------------------------------------------------------------

    [Fact]
    public void Swap_on_fails_with_the_hint_to_turn_it_off_and_out_of_fstab()
    {
        // No lab host can turn swap on (systemd-nspawn forbids swapon); the swap area is a real one, captured once.
        var probe = Replace("core-02.probe", "swaps", Read("swaps-with-swapfile.txt").TrimEnd('\n'));
        var swap = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Swap");

        Assert.Equal((Fail, "swap is on: /var/tmp/kfs-capture-swap (file, 16 MiB, 0 MiB used)"), (swap.Status, swap.Detail));
        Assert.Contains("sudo swapoff -a", swap.Hint);
        Assert.Contains("/etc/fstab", swap.Hint);
        Assert.Contains("failSwapOn", swap.Hint);
        Assert.DoesNotContain("zram", swap.Hint);
    }

    [Fact]
    public void Zram_swap_gets_the_zram_hint_too()
    {
        var probe = Replace("core-02.probe", "swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t4194300\t\t0\t\t100");
        var swap = Result(Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe)), "core-02", "Swap");

        Assert.Equal("swap is on: /dev/zram0 (partition, 4.0 GiB, 0 MiB used)", swap.Detail);
        Assert.Contains("zram generator", swap.Hint);
    }

    // ---- Host names and machine ids ---------------------------------------------------------------------------------

    [Fact]
    public void A_cloned_machine_id_fails_on_both_hosts_naming_the_other()
    {
        var results = Evaluate(
            Host("core-01.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"),
            Host("core-02.probe", "core-02", KubeHostRole.Worker),
            Host("core-03.duplicate-machine-id.probe", "core-03", KubeHostRole.Worker));

        Assert.Equal(Pass, Result(results, "core-01", "MachineId").Status);
        var on02 = Result(results, "core-02", "MachineId");
        var on03 = Result(results, "core-03", "MachineId");
        Assert.Equal(Fail, on02.Status);
        Assert.Equal(Fail, on03.Status);
        Assert.Matches(@"^[0-9a-f]{8}…, the same as core-03's$", on02.Detail);
        Assert.Matches(@"^[0-9a-f]{8}…, the same as core-02's$", on03.Detail);
        Assert.Contains("sudo rm /etc/machine-id && sudo systemd-machine-id-setup", on03.Hint);
        // The id itself stays private: only its first 8 characters show.
        string id = Probe("core-02.probe")["machine-id"]!.Text;
        Assert.DoesNotContain(id, on02.Detail);
        Assert.StartsWith(id[..8], on02.Detail);
        // The host names are still unique.
        Assert.Equal(Pass, Result(results, "core-03", "HostName").Status);
    }

    [Fact]
    public void A_duplicate_host_name_fails_on_both_and_case_does_not_make_it_unique()
    {
        var probe = Replace("core-03.probe", "hostname", "CORE-02");
        var results = Evaluate(Host("core-02.probe", "core-02", KubeHostRole.Worker), With(Host("core-03.probe", "core-03", KubeHostRole.Worker), probe));

        Assert.Equal((Fail, "core-02, the same as core-03's: the two would be one node"), (Result(results, "core-02", "HostName").Status, Result(results, "core-02", "HostName").Detail));
        Assert.Equal((Fail, "CORE-02, the same as core-02's: the two would be one node"), (Result(results, "core-03", "HostName").Status, Result(results, "core-03", "HostName").Detail));
        Assert.Contains("hostnamectl set-hostname", Result(results, "core-03", "HostName").Hint);
    }

    [Theory]
    [InlineData("localhost", "localhost: every such host would register as the same node")]
    [InlineData("core_03", "core_03 is not a node name: ")]
    [InlineData("-core", "-core is not a node name: ")]
    public void A_host_name_that_cannot_be_a_node_name_fails(string name, string detailStart)
    {
        var probe = Replace("core-03.probe", "hostname", name);
        var check = Result(Evaluate(With(Host("core-03.probe", "core-03", KubeHostRole.Worker), probe)), "core-03", "HostName");

        Assert.Equal(Fail, check.Status);
        Assert.StartsWith(detailStart, check.Detail);
    }

    [Theory]
    [InlineData("", 0, "/etc/machine-id is empty")]
    [InlineData("uninitialized", 0, "/etc/machine-id is uninitialized")]
    [InlineData("cat: /etc/machine-id: No such file or directory", 1, "/etc/machine-id cannot be read: cat: /etc/machine-id: No such file or directory")]
    [InlineData("ABCDEF", 0, "/etc/machine-id is not 32 lowercase hex digits: ABCDEF")]
    public void A_machine_id_that_is_not_set_fails(string text, int exitCode, string detail)
    {
        var probe = Replace("core-03.probe", "machine-id", text, exitCode);
        var check = Result(Evaluate(With(Host("core-03.probe", "core-03", KubeHostRole.Worker), probe)), "core-03", "MachineId");

        Assert.Equal((Fail, detail), (check.Status, check.Detail));
        Assert.Contains("systemd-machine-id-setup", check.Hint);
    }

    // ---- Memory and sysctl ------------------------------------------------------------------------------------------

    [Fact]
    public void Less_than_a_GiB_of_memory_warns()
    {
        var probe = Replace("core-03.probe", "meminfo", "MemTotal:         524288 kB");
        var memory = Result(Evaluate(With(Host("core-03.probe", "core-03", KubeHostRole.Worker), probe)), "core-03", "Memory");

        Assert.Equal((Warn, "512 MiB of memory, less than 1.0 GiB"), (memory.Status, memory.Detail));
    }

    [Fact]
    public void Forwarding_off_warns_with_the_lines_to_run_and_both_on_passes()
    {
        var lab = Result(Evaluate(Host("core-03.probe", "core-03", KubeHostRole.Worker)), "core-03", "Sysctl");
        Assert.Equal((Warn, "net.ipv4.ip_forward = 0; net.bridge.bridge-nf-call-iptables = 1"), (lab.Status, lab.Detail));
        Assert.Contains("sysctl -w net.ipv4.ip_forward=1", lab.Hint);
        Assert.Contains("/etc/modules-load.d/", lab.Hint);

        var noModule = Replace("core-03.probe", "sysctl", "net.ipv4.ip_forward=1\nnet.bridge.bridge-nf-call-iptables=");
        var missing = Result(Evaluate(With(Host("core-03.probe", "core-03", KubeHostRole.Worker), noModule)), "core-03", "Sysctl");
        Assert.Equal((Warn, "net.ipv4.ip_forward = 1; br_netfilter not loaded (no net.bridge.bridge-nf-call-iptables)"), (missing.Status, missing.Detail));
        Assert.Contains("modprobe br_netfilter", missing.Hint);

        var good = Replace("core-03.probe", "sysctl", "net.ipv4.ip_forward=1\nnet.bridge.bridge-nf-call-iptables=1");
        Assert.Equal(Pass, Result(Evaluate(With(Host("core-03.probe", "core-03", KubeHostRole.Worker), good)), "core-03", "Sysctl").Status);
    }

    // ---- Hosts that could not be probed, sections missing -----------------------------------------------------------

    [Fact]
    public void A_host_that_could_not_be_probed_is_one_Connection_failure_carrying_its_error_and_the_others_are_complete()
    {
        var unreachable = new KfsException("HostUnreachable", KfsErrorCategory.ConnectionError, "core-03",
            "No SSH answer from 172.17.8.103:22 within 3 s.");
        var results = Evaluate(
            Host("core-01.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"),
            Host("core-02.probe", "core-02", KubeHostRole.Worker),
            new PreflightHostProbe("core-03", KubeHostRole.Worker, "core", false, null, null, unreachable));

        Assert.Equal(21, results.Count);
        var connection = Assert.Single(results, r => r.Host == "core-03");
        Assert.Equal((KubePreflight.ConnectionCheck, Fail, unreachable.Message), (connection.Check, connection.Status, connection.Detail));
        Assert.Same(unreachable, connection.Failure);
        Assert.Equal(Pass, Result(results, "core-02", "Clock").Status);
        Assert.Equal("core-02 (unique)", Result(results, "core-02", "HostName").Detail);
    }

    [Fact]
    public void Only_the_checks_asked_for_come_back_in_the_fixed_order()
    {
        var results = KubePreflight.Evaluate(LabAsItComes(), KubePreflight.SelectChecks(["machineid", "Swap"]), new PreflightOptions());

        Assert.Equal(["Swap", "MachineId", "Swap", "MachineId", "Swap", "MachineId"], results.Select(r => r.Check));
    }

    [Fact]
    public void A_section_the_probe_did_not_print_warns_instead_of_guessing()
    {
        var probe = PreflightProbe.Parse(Read("core-02.probe.stdout").Split("\n@@kfs meminfo")[0]);
        // Cut after the host name: the clock's second reading is missing too, so there is no clock reading.
        var results = Evaluate(With(Host("core-02.probe", "core-02", KubeHostRole.Worker), probe) with { Clock = null });

        Assert.Equal(Pass, Result(results, "core-02", "HostName").Status);
        Assert.Equal((Warn, "MemTotal in /proc/meminfo was not read (the probe stopped early)."),
            (Result(results, "core-02", "Memory").Status, Result(results, "core-02", "Memory").Detail));
        Assert.Equal(Warn, Result(results, "core-02", "Sudo").Status);
        Assert.Equal(Warn, Result(results, "core-02", "Clock").Status);
        Assert.Null(KubePreflight.ReadClock("core-02", probe, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
    }

    // ---- Selection and ports ----------------------------------------------------------------------------------------

    [Fact]
    public void Check_names_are_taken_in_any_case_and_an_unknown_one_is_refused()
    {
        Assert.Equal(KubePreflight.CheckNames, KubePreflight.SelectChecks(null));
        Assert.Equal(KubePreflight.CheckNames, KubePreflight.SelectChecks([]));
        Assert.Equal(["Sudo", "Clock"], KubePreflight.SelectChecks(["clock", "SUDO", "Clock"]));

        var e = Assert.Throws<KfsException>(() => KubePreflight.SelectChecks(["Swap", "Selinux"]));
        Assert.Equal(("PreflightCheckUnknown", KfsErrorCategory.InvalidArgument, (object?)"Selinux"), (e.ErrorId, e.Category, e.Target));
        Assert.Contains("OperatingSystem, Systemd, Sudo, Swap, Ports, Clock, HostName, MachineId, Memory, Sysctl", e.Message);
    }

    [Fact]
    public void A_worker_needs_the_kubelets_and_kube_proxys_ports_and_a_master_the_control_planes_too()
    {
        Assert.Equal([10250, 10256], KubePreflight.RequiredPorts(KubeHostRole.Worker).Select(p => p.Port));
        Assert.Equal([10250, 10256], KubePreflight.RequiredPorts(KubeHostRole.None).Select(p => p.Port));
        Assert.Equal([2379, 2380, 6443, 8080, 10250, 10256, 10257, 10259], KubePreflight.RequiredPorts(KubeHostRole.Master).Select(p => p.Port));
    }

    [Fact]
    public void Only_listeners_whose_owner_is_hidden_or_may_be_ours_under_another_name_are_asked_and_the_scripts_are_the_captured_ones()
    {
        Assert.Equal(Read("identify-core-01-8080.sh"),
            KubePreflight.IdentifyScript(KubePreflight.PortsToIdentify(KubeHostRole.Master, Probe("core-01.probe"))));
        Assert.Equal(Read("identify-core-01-nosudo.sh"),
            KubePreflight.IdentifyScript(KubePreflight.PortsToIdentify(KubeHostRole.Master, Probe("core-01.nosudo.probe"))));
        Assert.Equal(Read("identify-core-02-10250.sh"),
            KubePreflight.IdentifyScript(KubePreflight.PortsToIdentify(KubeHostRole.Worker, Probe("core-02.foreign-python.probe"))));

        Assert.Empty(KubePreflight.PortsToIdentify(KubeHostRole.Worker, Probe("core-02.probe")));
        Assert.Empty(KubePreflight.PortsToIdentify(KubeHostRole.Master, Probe("core-02.probe")));
        // sshd on the scheduler's port is named, and a scheduler has no telling answer: nothing to ask.
        Assert.Equal([8080], KubePreflight.PortsToIdentify(KubeHostRole.Master, Probe("core-01.foreign-sshd.probe")).Select(t => t.Port));
        // A process under another name on the API server's port may be the API server: it is asked.
        var dotnet = Replace("core-02.probe", "listen-root", "LISTEN 0 512 0.0.0.0:8080 0.0.0.0:* users:((\"dotnet\",pid=4242,fd=200))");
        Assert.Equal([(8080, "127.0.0.1", "/version")], KubePreflight.PortsToIdentify(KubeHostRole.Master, dotnet));
        var ipv6 = Replace("core-02.probe", "listen-root", "LISTEN 0 512 [::]:10250 [::]:*");
        Assert.EndsWith("\nx id-10250-http curl -sS -i -m 2 http://[::1]:10250/\nx id-10250-https curl -sS -i -k -m 2 https://[::1]:10250/\n",
            KubePreflight.IdentifyScript(KubePreflight.PortsToIdentify(KubeHostRole.Worker, ipv6)));
    }

    [Fact]
    public void A_process_under_another_name_that_answers_as_the_API_server_is_ours()
    {
        var probe = Replace("core-01.probe", "listen-root", "LISTEN 0 512 172.17.8.101:8080 0.0.0.0:* users:((\"dotnet\",pid=4242,fd=200))");
        var host = With(Host("core-01.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"), probe);

        var ports = Result(Evaluate(host), "core-01", "Ports");
        Assert.Equal(Pass, ports.Status);
        Assert.Equal("master: 8080 in use by a Kubernetes API server (v1.33.1-lab-standin), run as dotnet (pid 4242), known by its answer (ours); " +
            "2379, 2380, 6443, 10250, 10256, 10257 and 10259 free", ports.Detail);
    }
}
