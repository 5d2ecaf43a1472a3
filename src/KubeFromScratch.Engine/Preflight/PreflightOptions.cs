using System.Security;

namespace KubeFromScratch.Engine.Preflight;

/// <summary>What <see cref="KubePreflight.CheckAsync"/> checks and how.</summary>
public sealed class PreflightOptions
{
    /// <summary>The checks to run (names from <see cref="KubePreflight.CheckNames"/>, any case); null or empty: all.</summary>
    public IReadOnlyCollection<string>? Checks { get; init; }

    /// <summary>The sudo password, for hosts whose sudo asks for one; null: sudo must work without a password.</summary>
    public SecureString? SudoPassword { get; init; }

    /// <summary>How long one host's probe may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far apart clocks may be: etcd warns about members more than a second apart, and a certificate made on one
    /// machine is "not yet valid" on another whose clock is behind.
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Below this much memory the Memory check warns.</summary>
    public long MinMemoryBytes { get; init; } = 1L << 30;

    /// <summary>This machine's clock, against which the hosts' clocks are read (the system clock unless a test shifts it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
