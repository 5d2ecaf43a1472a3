using System.Globalization;

namespace KubeFromScratch.Engine.Preflight;

/// <summary>
/// One host's clock read against this machine's: how far ahead (positive) or behind it is, and how precisely that is
/// known.
/// </summary>
/// <param name="Host">The host's name.</param>
/// <param name="Offset">The host's clock minus this machine's.</param>
/// <param name="Uncertainty">The offset is known to within this much either way (half the network's part of the round trip).</param>
public sealed record ClockReading(string Host, TimeSpan Offset, TimeSpan Uncertainty)
{
    /// <summary>
    /// Reads the offset as NTP does from four instants: this machine sent the probe at <paramref name="localSent"/>, the
    /// host read its clock when the probe started (<paramref name="remoteStart"/>) and when it ended
    /// (<paramref name="remoteEnd"/>), and this machine had the answer at <paramref name="localReceived"/>. The host's
    /// readings lie between the local ones in real time, so with symmetric network delays the offset is the mean of
    /// (remoteStart - localSent) and (remoteEnd - localReceived): the midpoint of the round trip, net of the time the
    /// probe itself ran on the host. The error cannot exceed half the round trip minus that run time.
    /// </summary>
    public static ClockReading FromRoundTrip(string host, DateTimeOffset localSent, DateTimeOffset remoteStart,
        DateTimeOffset remoteEnd, DateTimeOffset localReceived)
    {
        long sendLeg = (remoteStart - localSent).Ticks;
        long receiveLeg = (remoteEnd - localReceived).Ticks;
        var offset = TimeSpan.FromTicks((sendLeg + receiveLeg) / 2);
        var network = (localReceived - localSent) - (remoteEnd - remoteStart);
        var uncertainty = TimeSpan.FromTicks(Math.Max(0, network.Ticks / 2));
        return new ClockReading(host, offset, uncertainty);
    }
}

/// <summary>The verdict on one host's clock.</summary>
/// <param name="Host">The host's name.</param>
/// <param name="Status">Fail: off from the other hosts; Warn: in step with them but off from this machine.</param>
/// <param name="Detail">What was measured, in words.</param>
/// <param name="Hint">What to do, unless it passed.</param>
public sealed record ClockVerdict(string Host, KubePreflightStatus Status, string Detail, string? Hint);

/// <summary>
/// Compares the hosts' clocks with each other and with this machine. Pure: it takes readings, so tests can feed it
/// readings taken from real hosts with an offset added, which no container's clock can be made to have (the clock is
/// the kernel's, shared by every container on a machine).
/// </summary>
public static class PreflightClock
{
    /// <summary>What the hint says when clocks disagree.</summary>
    public const string TimeSyncHint =
        "Turn on time synchronisation on every host and on this machine (timedatectl set-ntp true, with systemd-timesyncd or chrony) " +
        "and wait until timedatectl shows 'System clock synchronized: yes'. etcd and the API server need the hosts' clocks within a second " +
        "of each other, and a certificate is not valid yet on a host whose clock is behind the machine that made it.";

    /// <summary>
    /// The verdict per reading, in the order given. A host more than <paramref name="maxSkew"/> from other hosts fails,
    /// but only the hosts to blame do: while some pair is too far apart, the hosts at odds with the most others (of
    /// those, the ones farthest from the median) are set aside as failed, so one wrong clock among three fails alone.
    /// When two hosts are apart and nothing says which is right, both fail. A host in step with the others but more
    /// than <paramref name="maxSkew"/> from this machine gets a warning: this machine makes the certificates.
    /// </summary>
    public static IReadOnlyList<ClockVerdict> Evaluate(IReadOnlyList<ClockReading> readings, TimeSpan maxSkew)
    {
        bool Apart(ClockReading a, ClockReading b) => (a.Offset - b.Offset).Duration() > maxSkew;

        var failed = new HashSet<ClockReading>();
        var remaining = readings.ToList();
        while (true)
        {
            var conflicts = remaining.ToDictionary(r => r, r => remaining.Count(o => !ReferenceEquals(o, r) && Apart(r, o)));
            int most = conflicts.Count == 0 ? 0 : conflicts.Values.Max();
            if (most == 0)
            {
                break;
            }

            var median = Median(remaining.Select(r => r.Offset));
            var worst = conflicts.Where(c => c.Value == most).Select(c => c.Key).ToList();
            var farthest = worst.MaxBy(r => (r.Offset - median).Duration())!;
            var distance = (farthest.Offset - median).Duration();
            // Readings closer than their precision cannot be told apart: such a tie fails both, not whichever
            // happened to read a few microseconds farther.
            foreach (var r in worst.Where(r => distance - (r.Offset - median).Duration() <= r.Uncertainty + farthest.Uncertainty))
            {
                failed.Add(r);
                remaining.Remove(r);
            }
        }

        var verdicts = new List<ClockVerdict>(readings.Count);
        foreach (var r in readings)
        {
            string local = $"{Describe(r.Offset, "this machine")} (±{Seconds(r.Uncertainty)} s)";
            if (failed.Contains(r))
            {
                var others = readings.Where(o => !ReferenceEquals(o, r) && Apart(r, o)).ToList();
                string apart = string.Join(", ", others.Take(3).Select(o => Describe(r.Offset - o.Offset, o.Host)));
                if (others.Count > 3)
                {
                    apart += $" and {others.Count - 3} more hosts";
                }

                verdicts.Add(new ClockVerdict(r.Host, KubePreflightStatus.Fail,
                    $"{apart}: more than {Seconds(maxSkew)} s apart; {local}", TimeSyncHint));
                continue;
            }

            var peers = readings.Where(o => !ReferenceEquals(o, r) && !failed.Contains(o)).ToList();
            string peerText = peers.Count == 0
                ? string.Empty
                : $"within {Seconds(peers.Max(o => (o.Offset - r.Offset).Duration()))} s of {(peers.Count == 1 ? peers[0].Host : "the other hosts")}; ";
            if (r.Offset.Duration() > maxSkew)
            {
                verdicts.Add(new ClockVerdict(r.Host, KubePreflightStatus.Warn,
                    $"{peerText}{local}: more than {Seconds(maxSkew)} s from this machine", TimeSyncHint));
            }
            else
            {
                verdicts.Add(new ClockVerdict(r.Host, KubePreflightStatus.Pass, $"{peerText}{local}", null));
            }
        }

        return verdicts;
    }

    /// <summary>"0.003 s ahead of core-01", "2.500 s behind this machine", "in step with core-02".</summary>
    public static string Describe(TimeSpan difference, string other) => difference.Ticks switch
    {
        > 0 => $"{Seconds(difference)} s ahead of {other}",
        < 0 => $"{Seconds(difference.Duration())} s behind {other}",
        _ => $"in step with {other}",
    };

    /// <summary>Seconds with three decimals (milliseconds), invariant culture.</summary>
    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : TimeSpan.FromTicks((sorted[mid - 1].Ticks + sorted[mid].Ticks) / 2);
    }
}
