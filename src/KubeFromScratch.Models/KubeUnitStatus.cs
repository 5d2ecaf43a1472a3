namespace KubeFromScratch;

/// <summary>The state of one systemd unit on one host, from `systemctl show` properties.</summary>
public sealed class KubeUnitStatus
{
    internal KubeUnitStatus(string host, string unit, string description, string loadState, string activeState, string subState,
        string enabled, int? mainPid, DateTimeOffset? since, string result, bool changed)
    {
        Host = host;
        Unit = unit;
        Description = description;
        LoadState = loadState;
        ActiveState = activeState;
        SubState = subState;
        Enabled = enabled;
        MainPid = mainPid;
        Since = since;
        Result = result;
        Changed = changed;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>Unit name (kube-kubelet.service).</summary>
    public string Unit { get; }

    /// <summary>The unit's description.</summary>
    public string Description { get; }

    /// <summary>loaded, not-found, masked, error.</summary>
    public string LoadState { get; }

    /// <summary>active, inactive, activating, deactivating, failed.</summary>
    public string ActiveState { get; }

    /// <summary>running, dead, exited, failed, auto-restart, ...</summary>
    public string SubState { get; }

    /// <summary>The unit file state: enabled, disabled, static, masked, ...</summary>
    public string Enabled { get; }

    /// <summary>Main process id while running.</summary>
    public int? MainPid { get; }

    /// <summary>When it entered the active state.</summary>
    public DateTimeOffset? Since { get; }

    /// <summary>The result of the last run: success, exit-code, signal, ...</summary>
    public string Result { get; }

    /// <summary>Whether this call changed the unit (started, stopped, enabled it).</summary>
    public bool Changed { get; }

    /// <summary>True when active and running (or exited successfully for oneshot units).</summary>
    public bool IsActive => ActiveState == "active";

    /// <inheritdoc/>
    public override string ToString() => $"{Host} {Unit} {ActiveState} ({SubState})";
}

/// <summary>One journal entry from one host.</summary>
public sealed class KubeJournalEntry
{
    internal KubeJournalEntry(string host, DateTimeOffset time, string unit, int priority, string message, string? identifier, int? pid)
    {
        Host = host;
        Time = time;
        Unit = unit;
        Priority = priority;
        Message = message;
        Identifier = identifier;
        Pid = pid;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>When the entry was written (the journal's realtime timestamp).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The unit it belongs to.</summary>
    public string Unit { get; }

    /// <summary>syslog priority: 0 emerg ... 6 info, 7 debug.</summary>
    public int Priority { get; }

    /// <summary>The message.</summary>
    public string Message { get; }

    /// <summary>SYSLOG_IDENTIFIER (the program name).</summary>
    public string? Identifier { get; }

    /// <summary>The process id that wrote it.</summary>
    public int? Pid { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Time:MMM dd HH:mm:ss} {Host} {Identifier}[{Pid}]: {Message}";
}
