using KubeFromScratch.Engine.Preflight;
using Xunit;
using static KubeFromScratch.Tests.Preflight.PreflightFixtures;

namespace KubeFromScratch.Tests.Preflight;

/// <summary>
/// Pins how clocks are read and compared. A container's clock cannot be set apart from its machine's (the realtime
/// clock is not namespaced), so besides the lab's real readings (and one taken through a date that adds 5 s), the
/// comparison is fed real readings with offsets added: the fake skew goes into the engine's comparison, nowhere else.
/// </summary>
public sealed class PreflightClockTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static ClockReading Reading(string name, string host)
    {
        var probe = Probe(name);
        var (sent, received) = Local(name);
        return KubePreflight.ReadClock(host, probe, sent, received)!;
    }

    private static ClockReading[] LabReadings() =>
        [Reading("core-01.probe", "core-01"), Reading("core-02.probe", "core-02"), Reading("core-03.probe", "core-03")];

    private static ClockReading Shift(ClockReading r, double seconds) => r with { Offset = r.Offset + TimeSpan.FromSeconds(seconds) };

    [Fact]
    public void The_offset_is_the_round_trips_midpoint_less_the_time_the_probe_ran()
    {
        var t0 = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        // The host is 2 s ahead; 50 ms each way on the network; the probe ran 300 ms.
        var r = ClockReading.FromRoundTrip("h", t0, t0.AddMilliseconds(2050), t0.AddMilliseconds(2350), t0.AddMilliseconds(400));

        Assert.Equal(TimeSpan.FromSeconds(2), r.Offset);
        Assert.Equal(TimeSpan.FromMilliseconds(50), r.Uncertainty);

        // Asymmetric legs (all 100 ms of network on the way out) move the estimate by at most the uncertainty.
        var skewed = ClockReading.FromRoundTrip("h", t0, t0.AddMilliseconds(2100), t0.AddMilliseconds(2400), t0.AddMilliseconds(400));
        Assert.True((skewed.Offset - TimeSpan.FromSeconds(2)).Duration() <= skewed.Uncertainty);
    }

    [Fact]
    public void The_lab_hosts_clocks_are_the_machines_own_within_the_measurements_precision()
    {
        foreach (var r in LabReadings())
        {
            Assert.InRange(r.Uncertainty, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
            Assert.InRange(r.Offset.Duration(), TimeSpan.Zero, r.Uncertainty + TimeSpan.FromMilliseconds(5));
        }
    }

    [Fact]
    public void The_lab_as_it_comes_passes_with_the_offsets_and_their_precision_in_the_detail()
    {
        var verdicts = PreflightClock.Evaluate(LabReadings(), Second);

        Assert.All(verdicts, v => Assert.Equal(KubePreflightStatus.Pass, v.Status));
        Assert.All(verdicts, v => Assert.Matches(@"^within 0\.0\d\d s of the other hosts; (0\.\d{3} s (ahead of|behind) this machine|in step with this machine) \(±0\.\d{3} s\)$", v.Detail));
    }

    [Fact]
    public void A_host_whose_date_reads_5_s_ahead_fails_alone_naming_the_hosts_it_is_ahead_of()
    {
        // Captured through a date in /usr/local/bin that adds 5 s (capture.sh): the engine's own reading of it.
        var ahead = Reading("core-03.clock-ahead.probe", "core-03");
        Assert.InRange(ahead.Offset, TimeSpan.FromSeconds(4.9), TimeSpan.FromSeconds(5.1));

        var results = Evaluate(
            Host("core-01.probe", "core-01", KubeHostRole.Master, identification: "core-01.identify-8080"),
            Host("core-02.probe", "core-02", KubeHostRole.Worker),
            Host("core-03.clock-ahead.probe", "core-03", KubeHostRole.Worker));

        var clock = Result(results, "core-03", "Clock");
        Assert.Equal(KubePreflightStatus.Fail, clock.Status);
        Assert.Matches(@"^5\.0\d\d s ahead of core-01, 5\.0\d\d s ahead of core-02: more than 1\.000 s apart; 5\.0\d\d s ahead of this machine \(±0\.\d{3} s\)$", clock.Detail);
        Assert.Contains("timedatectl set-ntp true", clock.Hint);
        Assert.Contains("chrony", clock.Hint);
        Assert.Equal(KubePreflightStatus.Pass, Result(results, "core-01", "Clock").Status);
        Assert.Matches(@"^within 0\.0\d\d s of core-02; ", Result(results, "core-01", "Clock").Detail);
    }

    [Fact]
    public void One_host_injected_3_s_behind_fails_alone()
    {
        var r = LabReadings();
        var verdicts = PreflightClock.Evaluate([r[0], Shift(r[1], -3), r[2]], Second);

        Assert.Equal([KubePreflightStatus.Pass, KubePreflightStatus.Fail, KubePreflightStatus.Pass], verdicts.Select(v => v.Status));
        Assert.Matches(@"^\d\.\d{3} s behind core-01, \d\.\d{3} s behind core-03: more than 1\.000 s apart; ", verdicts[1].Detail);
    }

    [Fact]
    public void Two_hosts_apart_with_nothing_to_say_which_is_right_both_fail()
    {
        var r = LabReadings();
        var verdicts = PreflightClock.Evaluate([r[0], Shift(r[1], 1.5)], Second);

        Assert.All(verdicts, v => Assert.Equal(KubePreflightStatus.Fail, v.Status));
        Assert.StartsWith("1.5", verdicts[0].Detail);
        Assert.Contains("behind core-02", verdicts[0].Detail);
        Assert.Contains("ahead of core-01", verdicts[1].Detail);
    }

    [Fact]
    public void A_spread_with_a_middle_host_fails_both_ends_and_keeps_the_middle()
    {
        var r = LabReadings();
        var verdicts = PreflightClock.Evaluate([r[0], Shift(r[1], 0.8), Shift(r[2], 1.6)], Second);

        Assert.Equal([KubePreflightStatus.Fail, KubePreflightStatus.Pass, KubePreflightStatus.Fail], verdicts.Select(v => v.Status));
    }

    [Fact]
    public void Hosts_in_step_with_each_other_but_not_with_this_machine_warn()
    {
        var verdicts = PreflightClock.Evaluate(LabReadings().Select(r => Shift(r, -4)).ToList(), Second);

        Assert.All(verdicts, v => Assert.Equal(KubePreflightStatus.Warn, v.Status));
        Assert.All(verdicts, v => Assert.Matches(@"^within 0\.0\d\d s of the other hosts; \d\.\d{3} s behind this machine \(±0\.\d{3} s\): more than 1\.000 s from this machine$", v.Detail));
        Assert.Contains("not valid yet", verdicts[0].Hint);
    }

    [Fact]
    public void A_single_host_is_compared_with_this_machine_only()
    {
        var alone = LabReadings()[0];
        Assert.Equal(KubePreflightStatus.Pass, Assert.Single(PreflightClock.Evaluate([alone], Second)).Status);
        Assert.Equal(KubePreflightStatus.Warn, Assert.Single(PreflightClock.Evaluate([Shift(alone, 2)], Second)).Status);
        Assert.Empty(PreflightClock.Evaluate([], Second));
    }

    [Fact]
    public void Offsets_just_inside_the_limit_pass_and_a_larger_limit_is_honoured()
    {
        var r = LabReadings();
        var exactly = r.Select((x, i) => x with { Offset = TimeSpan.FromMilliseconds(i * 500) }).ToList();

        Assert.All(PreflightClock.Evaluate(exactly, Second), v => Assert.Equal(KubePreflightStatus.Pass, v.Status));
        Assert.All(PreflightClock.Evaluate([r[0], Shift(r[1], 3)], TimeSpan.FromSeconds(5)), v => Assert.NotEqual(KubePreflightStatus.Fail, v.Status));
    }

    [Fact]
    public void Seconds_and_directions_read_in_the_invariant_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("1.250 s ahead of core-02", PreflightClock.Describe(TimeSpan.FromMilliseconds(1250), "core-02"));
            Assert.Equal("0.004 s behind this machine", PreflightClock.Describe(TimeSpan.FromMilliseconds(-4), "this machine"));
            Assert.Equal("in step with core-01", PreflightClock.Describe(TimeSpan.Zero, "core-01"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }
}
