using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Tests.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Systemd;

/// <summary>
/// Pins how Get-KubeUnit reads `systemctl show` (real output from the lab's core-01, Fixtures/systemd) and how unit
/// names reach the remote shell.
/// </summary>
public sealed class SystemdUnitsTests
{
    internal static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "systemd", name));

    private static IReadOnlyList<KubeUnitStatus> Statuses(string text) =>
        SystemdUnits.ParseShow(text).Select(b => SystemdUnits.ToStatus("core-01", b)).ToList();

    // ---- systemctl show ---------------------------------------------------------------------------------------------

    [Fact]
    public void Show_gives_one_block_per_unit_in_the_order_asked_for()
    {
        var blocks = SystemdUnits.ParseShow(Fixture("core-01.show-ssh-nonexistent-etcd.stdout"));

        Assert.Equal(["ssh.service", "nonexistent.service", "etcd.service"], blocks.Select(b => b["Id"]));
        Assert.All(blocks, b => Assert.Equal(9, b.Count));
    }

    [Fact]
    public void A_running_service_reads_as_loaded_active_running_enabled_with_its_pid_and_start_time()
    {
        var ssh = Statuses(Fixture("core-01.show-ssh-nonexistent-etcd.stdout"))[0];

        Assert.Equal("core-01", ssh.Host);
        Assert.Equal("ssh.service", ssh.Unit);
        Assert.Equal("OpenBSD Secure Shell server", ssh.Description);
        Assert.Equal(("loaded", "active", "running", "enabled"), (ssh.LoadState, ssh.ActiveState, ssh.SubState, ssh.Enabled));
        Assert.Equal(37, ssh.MainPid);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 11, 40, 19, TimeSpan.Zero), ssh.Since);
        Assert.Equal("success", ssh.Result);
        Assert.True(ssh.IsActive);
        Assert.False(ssh.Changed);
    }

    [Fact]
    public void A_unit_that_does_not_exist_reads_as_not_found_without_pid_or_start_time()
    {
        var missing = Statuses(Fixture("core-01.show-ssh-nonexistent-etcd.stdout"))[1];

        Assert.Equal("nonexistent.service", missing.Unit);
        Assert.Equal(("not-found", "inactive", "dead", ""), (missing.LoadState, missing.ActiveState, missing.SubState, missing.Enabled));
        Assert.Null(missing.MainPid);
        Assert.Null(missing.Since);
        Assert.False(missing.IsActive);
    }

    [Fact]
    public void Etcd_reads_with_its_own_pid_and_start_time()
    {
        var etcd = Statuses(Fixture("core-01.show-ssh-nonexistent-etcd.stdout"))[2];

        Assert.Equal("etcd - highly-available key value store", etcd.Description);
        Assert.Equal(29, etcd.MainPid);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795779621), etcd.Since);
    }

    [Fact]
    public void Windows_line_ends_read_the_same()
    {
        string text = Fixture("core-01.show-ssh-nonexistent-etcd.stdout");

        var crlf = Statuses(text.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(Statuses(text).Select(s => s.ToString() + s.Since + s.MainPid), crlf.Select(s => s.ToString() + s.Since + s.MainPid));
    }

    [Fact]
    public void A_value_with_an_equals_sign_is_kept_whole()
    {
        var block = Assert.Single(SystemdUnits.ParseShow("Id=a.service\nDescription=key=value store\n"));

        Assert.Equal("key=value store", block["Description"]);
    }

    [Fact]
    public void Empty_output_is_no_units()
    {
        Assert.Empty(SystemdUnits.ParseShow(string.Empty));
        Assert.Empty(SystemdUnits.ParseShow("\n\n"));
    }

    // ---- Timestamps -------------------------------------------------------------------------------------------------

    [Fact]
    public void The_human_timestamp_and_the_unix_one_of_the_same_unit_are_the_same_instant()
    {
        // Both captured from core-01's ssh.service: with --timestamp=unix and without.
        string unix = SystemdUnits.ParseShow(Fixture("core-01.show-ssh-nonexistent-etcd.stdout"))[0]["ActiveEnterTimestamp"];
        string human = SystemdUnits.ParseShow(Fixture("core-01.show-human-timestamp.stdout"))[0]["ActiveEnterTimestamp"];
        Assert.Equal(("@1795779619", "Fri 2026-11-27 11:40:19 UTC"), (unix, human));

        Assert.Equal(SystemdUnits.ParseTimestamp(unix), SystemdUnits.ParseTimestamp(human));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795779619), SystemdUnits.ParseTimestamp(human));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("n/a")]
    [InlineData("@0")]
    [InlineData("yesterday")]
    [InlineData("@-5")]
    public void No_timestamp_is_null(string value)
    {
        Assert.Null(SystemdUnits.ParseTimestamp(value));
    }

    [Fact]
    public void A_unix_timestamp_is_seconds_since_the_epoch()
    {
        Assert.Equal(new DateTimeOffset(2025, 11, 27, 11, 13, 48, TimeSpan.Zero), SystemdUnits.ParseTimestamp("@1764242028"));
    }

    // ---- Unit names -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("kube-kubelet", "kube-kubelet.service")]
    [InlineData("kube-kubelet.service", "kube-kubelet.service")]
    [InlineData("etcd.socket", "etcd.socket")]
    [InlineData("multi-user.target", "multi-user.target")]
    [InlineData("logrotate.timer", "logrotate.timer")]
    [InlineData("var-lib-etcd.mount", "var-lib-etcd.mount")]
    [InlineData("kube-proxy.v2", "kube-proxy.v2.service")]
    public void A_bare_name_gets_service_added_as_systemctl_does(string unit, string expected)
    {
        Assert.Equal(expected, SystemdUnits.Normalize(unit));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("/etc/systemd/system/etcd.service")]
    [InlineData("../etcd")]
    [InlineData("etcd\n")]
    [InlineData("etcd\u0000.service")]
    [InlineData("etcd\u001b[31m")]
    public void Paths_and_control_characters_are_not_unit_names(string unit)
    {
        var error = Assert.Throws<KfsException>(() => SystemdUnits.Normalize(unit));

        Assert.Equal("UnitNameInvalid", error.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidArgument, error.Category);
    }

    [RequiresProgramFact("/bin/sh")]
    public void Show_passes_each_unit_name_to_systemctl_as_one_argument_whatever_it_holds()
    {
        using var temp = new TempDirectory();
        string marker = temp.File("pwned");
        File.WriteAllText(temp.File("a-file"), string.Empty); // so an unquoted * would expand to something
        string[] units = ["kube-kubelet.service", "my unit.service", $"x;touch {marker};.service", "it's.service", "$(touch " + marker + ").service", "*"];

        // systemctl replaced by a function that prints each argument it gets on a line of its own, in brackets.
        string script = "systemctl() { printf '[%s]\\n' \"$@\"; }\n" + SystemdUnits.ShowCommand(units);
        var result = LocalProcess.Run("/bin/sh", ["-c", script], temp.Path);

        Assert.Equal(0, result.ExitCode);
        string[] expected =
        [
            "[show]", "[--timestamp=unix]",
            "[--property=Id,Description,LoadState,ActiveState,SubState,UnitFileState,MainPID,ActiveEnterTimestamp,Result]", "[--]",
            .. units.Select(u => $"[{u}]"),
        ];
        Assert.Equal(expected, result.StdOut.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(marker), "a unit name ran a command");
    }
}
