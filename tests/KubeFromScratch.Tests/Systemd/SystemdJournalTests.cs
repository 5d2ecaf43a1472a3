using System.Diagnostics;
using System.Text;
using KubeFromScratch.Engine.Systemd;
using KubeFromScratch.Tests.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Systemd;

/// <summary>
/// Pins how Get-KubeJournal reads `journalctl -o json` (real lines from the lab's core-01, plus hand-made lines for
/// binary and repeated fields, see Fixtures/systemd/README.md), and that following the journal leaves nothing running
/// once our side hangs up.
/// </summary>
public sealed class SystemdJournalTests
{
    private static List<KubeJournalEntry> Entries(string fixture) =>
        SystemdUnitsTests.Fixture(fixture).Split('\n')
            .Select(l => SystemdJournal.ParseLine("core-01", l))
            .OfType<KubeJournalEntry>()
            .ToList();

    // ---- Real lines -------------------------------------------------------------------------------------------------

    [Fact]
    public void Every_line_of_real_output_is_an_entry()
    {
        Assert.Equal(20, Entries("core-01.journal-ssh.stdout").Count);
        Assert.Equal(103, Entries("core-01.journal-etcd.stdout").Count);
    }

    [Fact]
    public void A_real_entry_has_its_time_to_the_microsecond_unit_priority_pid_program_and_message()
    {
        var first = Entries("core-01.journal-ssh.stdout")[0];

        // __REALTIME_TIMESTAMP 1795779643241209 µs.
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795779643241).AddTicks(2090), first.Time);
        Assert.Equal(TimeSpan.Zero, first.Time.Offset);
        Assert.Equal("core-01", first.Host);
        Assert.Equal("ssh.service", first.Unit);
        Assert.Equal(6, first.Priority);
        Assert.Equal(148, first.Pid);
        Assert.Equal("sshd", first.Identifier);
        Assert.Equal("pam_unix(sshd:session): session opened for user core(uid=1000) by (uid=0)", first.Message);
    }

    [Fact]
    public void Priorities_come_through_as_journald_wrote_them()
    {
        var entries = Entries("core-01.journal-ssh.stdout");

        Assert.Equal([3, 5, 6, 7], entries.Select(e => e.Priority).Distinct().Order());
        Assert.Equal("pam_env(sshd:session): Unable to open env file: /etc/default/locale: No such file or directory",
            entries.First(e => e.Priority == 3).Message);
        Assert.Equal("sudo", entries.Single(e => e.Priority == 5).Identifier);
    }

    [Fact]
    public void Entries_come_in_time_order()
    {
        var times = Entries("core-01.journal-ssh.stdout").Select(e => e.Time).ToList();

        Assert.Equal(times.Order(), times);
        Assert.True(times[^1] > times[0]);
    }

    [Fact]
    public void Systemds_own_lines_about_a_unit_belong_to_that_unit_not_to_init_scope()
    {
        var entries = Entries("core-01.journal-etcd.stdout");

        var started = entries.Single(e => e.Message == "Started etcd.service - etcd - highly-available key value store.");
        Assert.Equal(("systemd", 1), (started.Identifier, started.Pid));
        Assert.Equal("etcd.service", started.Unit);
        Assert.All(entries, e => Assert.Equal("etcd.service", e.Unit));
    }

    // ---- Hand-made lines (journalctl's JSON for binary and repeated fields) -----------------------------------------

    [Fact]
    public void Binary_and_repeated_fields_read_as_text()
    {
        var entries = SystemdUnitsTests.Fixture("handmade.journal-binary-and-repeated.jsonl").Split('\n')
            .Where(l => l.Length > 0)
            .Select(l => SystemdJournal.ParseLine("core-01", l))
            .ToList();

        Assert.Equal(
            [
                "caf\uFFFD au lait", // not UTF-8: the bad byte becomes U+FFFD
                "\u001b[31mred\u001b[0m", // control characters kept as they are
                "first value", // a repeated field gives its first value
                "bin\uFFFD", // ...also when that value is binary
                "", // too large for journalctl to print (null)
            ], entries.Select(e => e!.Message));
        Assert.All(entries, e => Assert.Equal("kube-kubelet.service", e!.Unit));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-- No entries --")]
    [InlineData("Hint: You are currently not seeing messages from other users and the system.")]
    [InlineData("{\"MESSAGE\":\"cut off")]
    [InlineData("{\"MESSAGE\":\"x\",\"__REALTIME_TIMESTAMP\":\"soon\"}")]
    public void Lines_that_are_not_entries_are_null(string line)
    {
        Assert.Null(SystemdJournal.ParseLine("core-01", line));
    }

    [Fact]
    public void Missing_fields_get_the_defaults_of_a_plain_info_line()
    {
        var entry = SystemdJournal.ParseLine("core-01", "{\"MESSAGE\":\"hello\",\"__REALTIME_TIMESTAMP\":\"1000000\"}")!;

        Assert.Equal((6, (int?)null, (string?)null, ""), (entry.Priority, entry.Pid, entry.Identifier, entry.Unit));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1), entry.Time);
    }

    // ---- The command line -------------------------------------------------------------------------------------------

    [RequiresProgramFact("/bin/sh")]
    public void Reading_passes_units_lines_and_since_as_single_arguments()
    {
        var since = new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero);
        string command = SystemdJournal.Command(["kube-kubelet.service", "odd unit;reboot.service"], 50, since, follow: false);

        var result = LocalProcess.Run("/bin/sh", ["-c", "journalctl() { printf '[%s]\\n' \"$@\"; }\n" + command]);

        Assert.Equal(
            [
                "[--no-pager]", "[-o]", "[json]",
                "[--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_PID,__REALTIME_TIMESTAMP]",
                "[-u]", "[kube-kubelet.service]", "[-u]", "[odd unit;reboot.service]", "[-n]", "[50]",
                "[--since]", $"[@{since.ToUnixTimeSeconds()}]",
            ], result.StdOut.TrimEnd('\n').Split('\n'));
    }

    /// <summary>Runs a follow command line under /bin/sh with a stand-in journalctl that prints a line every 100 ms.</summary>
    private sealed class StandIn : IDisposable
    {
        private readonly TempDirectory _temp = new();

        public StandIn()
        {
            Marker = "kfs-follow-" + Guid.NewGuid().ToString("N") + ".service";
            string bin = Path.Combine(_temp.Path, "bin");
            Directory.CreateDirectory(bin);
            string journalctl = Path.Combine(bin, "journalctl");
            File.WriteAllText(journalctl,
                "#!/bin/sh\nwhile :; do echo '{\"MESSAGE\":\"tick\",\"__REALTIME_TIMESTAMP\":\"1795779643241209\"}'; sleep 0.1; done\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(journalctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Bin = bin;
        }

        public string Marker { get; }

        public string Bin { get; }

        public Process Start(string shell, string commandLine)
        {
            var info = new ProcessStartInfo(shell)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                StandardOutputEncoding = new UTF8Encoding(false),
            };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(commandLine);
            info.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
            return Process.Start(info)!;
        }

        /// <summary>Processes whose command line carries the marker (the stand-in is given it as its unit).</summary>
        public List<int> Running() =>
            Directory.EnumerateDirectories("/proc")
                .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0, Dir: d))
                .Where(p => p.Pid > 0)
                .Where(p =>
                {
                    try
                    {
                        return File.ReadAllText(Path.Combine(p.Dir, "cmdline")).Contains(Marker, StringComparison.Ordinal);
                    }
                    catch (IOException)
                    {
                        return false; // gone meanwhile
                    }
                    catch (UnauthorizedAccessException)
                    {
                        return false;
                    }
                })
                .Select(p => p.Pid)
                .ToList();

        public async Task<bool> GoneWithinAsync(TimeSpan time)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < time)
            {
                if (Running().Count == 0)
                {
                    return true;
                }

                await Task.Delay(20);
            }

            return Running().Count == 0;
        }

        public void Dispose()
        {
            // Only our own processes carry the marker.
            foreach (int pid in Running())
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // Already gone.
                }
            }

            _temp.Dispose();
        }
    }

    private static async Task ReadTwoEntriesAsync(Process shell)
    {
        for (int i = 0; i < 2; i++)
        {
            var line = await shell.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(SystemdJournal.ParseLine("core-01", line!));
        }
    }

    [RequiresProgramFact("/bin/sh")]
    public Task Following_stops_journalctl_when_our_side_closes_standard_input() => FollowAndHangUpAsync("/bin/sh");

    [RequiresProgramFact("/bin/bash")]
    public Task Following_stops_journalctl_when_our_side_closes_standard_input_under_bash_too() => FollowAndHangUpAsync("/bin/bash");

    private static async Task FollowAndHangUpAsync(string shellPath)
    {
        using var standIn = new StandIn();
        using var shell = standIn.Start(shellPath, SystemdJournal.Command([standIn.Marker], 10, null, follow: true));
        await ReadTwoEntriesAsync(shell);
        Assert.NotEmpty(standIn.Running());

        shell.StandardInput.Close();

        Assert.True(await standIn.GoneWithinAsync(TimeSpan.FromSeconds(1)), "journalctl still runs after standard input closed");
        Assert.True(shell.WaitForExit(1000), "the shell did not end");
    }

    [RequiresProgramFact("/bin/sh")]
    public async Task Without_the_watchdog_journalctl_would_outlive_the_closed_input()
    {
        // The referee for the test above: the same stand-in, followed plainly, is not stopped by closing stdin.
        using var standIn = new StandIn();
        using var shell = standIn.Start("/bin/sh", SystemdJournal.Command([standIn.Marker], 10, null, follow: false) + " -f");
        await ReadTwoEntriesAsync(shell);

        shell.StandardInput.Close();

        Assert.False(await standIn.GoneWithinAsync(TimeSpan.FromSeconds(1)));
        shell.Kill(entireProcessTree: true);
    }
}
