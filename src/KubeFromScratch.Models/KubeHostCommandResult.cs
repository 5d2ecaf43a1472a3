namespace KubeFromScratch;

/// <summary>What one remote command did on one host.</summary>
public sealed class KubeHostCommandResult
{
    internal KubeHostCommandResult(string host, string command, int? exitCode, string[] output, string[] error,
        TimeSpan duration, bool timedOut)
    {
        Host = host;
        Command = command;
        ExitCode = exitCode;
        Output = output;
        Error = error;
        Duration = duration;
        TimedOut = timedOut;
    }

    /// <summary>The host's name.</summary>
    public string Host { get; }

    /// <summary>The command as given (before quoting or sudo wrapping).</summary>
    public string Command { get; }

    /// <summary>The remote exit status; null when the command was ended (timeout, Ctrl-C, lost connection).</summary>
    public int? ExitCode { get; }

    /// <summary>Standard output, one string per line.</summary>
    public string[] Output { get; }

    /// <summary>Standard error, one string per line.</summary>
    public string[] Error { get; }

    /// <summary>Wall-clock time the command took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Whether -TimeoutSec ended the command.</summary>
    public bool TimedOut { get; }

    /// <summary>True when the command exited with status 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <inheritdoc/>
    public override string ToString() => string.Join(Environment.NewLine, Output);
}
