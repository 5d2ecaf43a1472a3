using System.Text;

namespace KubeFromScratch.Engine.Ssh;

/// <summary>
/// Quotes arguments for a POSIX shell. An SSH exec request carries one command string that the remote login shell
/// parses, so every argument built from data (file names, values from users) must be quoted or the shell will
/// split it, expand it, or run parts of it.
/// </summary>
public static class ShellQuote
{
    /// <summary>
    /// Returns <paramref name="value"/> wrapped in single quotes, with each embedded single quote written as
    /// <c>'\''</c>. Inside single quotes a POSIX shell treats every character literally (no <c>$</c>, backtick,
    /// backslash, glob or newline handling), so the shell hands the exact string to the program as one argument.
    /// The empty string becomes <c>''</c>, so it still occupies an argument slot.
    /// </summary>
    /// <param name="value">Any string without NUL characters.</param>
    /// <returns>The quoted word.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> contains a NUL character.</exception>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);

        // An argv entry is a C string: a NUL would silently truncate it on the remote side, so refuse it outright
        // rather than send something other than what the caller asked for.
        if (value.Contains('\0'))
        {
            throw new ArgumentException(
                "The value contains a NUL character, which cannot be passed as a command-line argument. " +
                "Remove it or send the data on standard input instead.", nameof(value));
        }

        var builder = new StringBuilder(value.Length + 2);
        builder.Append('\'');
        foreach (var c in value)
        {
            // A single quote cannot appear inside single quotes at all: close the quoted run, add an escaped
            // quote, and reopen.
            if (c == '\'')
            {
                builder.Append(@"'\''");
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append('\'');
        return builder.ToString();
    }

    /// <summary>
    /// Quotes each argument with <see cref="Quote"/> and joins them with single spaces, giving a command line the
    /// shell splits back into exactly these arguments.
    /// </summary>
    /// <param name="argv">The program and its arguments, in order.</param>
    /// <returns>The command line.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="argv"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">An item contains a NUL character.</exception>
    public static string Join(IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);

        var builder = new StringBuilder();
        foreach (var arg in argv)
        {
            if (arg is null)
            {
                throw new ArgumentNullException(nameof(argv), "The argument list contains a null item.");
            }

            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Quote(arg));
        }

        return builder.ToString();
    }
}
