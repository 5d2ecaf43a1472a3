using System.Security;
using System.Text;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>A command line ready to send, and what to write to its input (kept apart so it is never logged).</summary>
public sealed record PreparedCommand(string CommandLine, byte[]? Stdin);

/// <summary>
/// Wraps commands for sudo and recognises sudo's refusals. Every value placed into a command line goes through
/// <see cref="ShellQuote"/>; the user's own command text is passed to <c>sh -c</c> as one quoted argument.
/// </summary>
public static class RemoteCommand
{
    /// <summary>Prepares <paramref name="command"/>, optionally through sudo (non-interactive unless a password is given).</summary>
    public static PreparedCommand Prepare(string command, bool sudo, SecureString? sudoPassword)
    {
        if (!sudo)
        {
            return new PreparedCommand(command, null);
        }

        if (sudoPassword is null)
        {
            // -n: never prompt; a password requirement becomes an error we can name instead of a hang.
            return new PreparedCommand($"sudo -n -- sh -c {ShellQuote.Quote(command)}", null);
        }

        // -S reads the password from standard input; -p '' keeps sudo's prompt out of the output.
        string password = new System.Net.NetworkCredential(string.Empty, sudoPassword).Password;
        return new PreparedCommand($"sudo -S -p '' -- sh -c {ShellQuote.Quote(command)}", Encoding.UTF8.GetBytes(password + "\n"));
    }

    /// <summary>
    /// Turns sudo's own refusal (as opposed to the command's failure) into a named error, or returns null.
    /// </summary>
    public static KfsException? SudoRefusal(RemoteCommandOutcome outcome, string hostName, string userName)
    {
        if (outcome.ExitCode != 1)
        {
            return null;
        }

        string err = outcome.Error;
        if (err.Contains("a password is required", StringComparison.Ordinal) ||
            err.Contains("a terminal is required", StringComparison.Ordinal))
        {
            return new KfsException("SudoPasswordRequired", KfsErrorCategory.PermissionDenied, hostName,
                $"sudo on {hostName} asks {userName} for a password. Pass -SudoCredential (Get-Credential {userName}), or allow passwordless sudo for {userName} on the host.");
        }

        if (err.Contains("incorrect password", StringComparison.Ordinal) || err.Contains("Sorry, try again", StringComparison.Ordinal))
        {
            return new KfsException("SudoPasswordWrong", KfsErrorCategory.AuthenticationError, hostName,
                $"sudo on {hostName} did not accept the password given with -SudoCredential for {userName}.");
        }

        if (err.Contains("is not in the sudoers file", StringComparison.Ordinal) ||
            err.Contains("is not allowed to", StringComparison.Ordinal) ||
            err.Contains("may not run sudo", StringComparison.Ordinal))
        {
            return new KfsException("SudoDenied", KfsErrorCategory.PermissionDenied, hostName,
                $"{userName} may not use sudo on {hostName}. Connect as a user with sudo rights, or grant {userName} sudo on the host.");
        }

        return null;
    }

    /// <summary>Splits command output into lines without a trailing empty line.</summary>
    public static string[] Lines(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Array.Empty<string>();
        }

        string trimmed = text.EndsWith('\n') ? text[..^1] : text;
        return trimmed.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }
}
