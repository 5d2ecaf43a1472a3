using KubeFromScratch.Engine.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Ssh;

/// <summary>
/// Pins shell quoting by letting a real POSIX shell parse the result: the program must receive exactly the string,
/// and nothing in it may run.
/// </summary>
public sealed class ShellQuoteTests : IDisposable
{
    private const string Shell = "/bin/sh";

    // Every side effect an injection could cause lands in this directory, so "nothing was created" is checkable.
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Plain_word_is_wrapped_in_single_quotes()
    {
        Assert.Equal("'kubelet'", ShellQuote.Quote("kubelet"));
    }

    [Fact]
    public void Empty_string_stays_an_argument()
    {
        Assert.Equal("''", ShellQuote.Quote(""));
    }

    [Fact]
    public void Single_quote_is_closed_escaped_and_reopened()
    {
        Assert.Equal(@"'it'\''s'", ShellQuote.Quote("it's"));
    }

    [Fact]
    public void Nul_character_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ShellQuote.Quote("a\0b"));
        Assert.Equal("value", ex.ParamName);
    }

    [Fact]
    public void Null_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ShellQuote.Quote(null!));
        Assert.Throws<ArgumentNullException>(() => ShellQuote.Join(null!));
        Assert.Throws<ArgumentNullException>(() => ShellQuote.Join(["a", null!]));
    }

    [Fact]
    public void Join_quotes_each_argument_and_separates_with_one_space()
    {
        Assert.Equal(@"'systemctl' 'restart' 'my unit' ''\'''", ShellQuote.Join(["systemctl", "restart", "my unit", "'"]));
    }

    [Fact]
    public void Join_of_nothing_is_empty()
    {
        Assert.Equal("", ShellQuote.Join([]));
    }

    public static TheoryData<string> NastyStrings()
    {
        return new TheoryData<string>
        {
            "",
            "two words",
            "  leading and trailing  ",
            "it's",
            "'",
            "''",
            "'\\''",
            "say \"hi\"",
            "a; touch PWNED_DIR/semicolon",
            "$(touch PWNED_DIR/dollar)",
            "`touch PWNED_DIR/backtick`",
            "${HOME}",
            "$HOME",
            "line one\nline two",
            "trailing newline\n",
            "tab\there",
            "*",
            "?",
            "[a-z]*",
            "~",
            "~root",
            "-n",
            "--help",
            "-e \\n",
            "back\\slash",
            "a | touch PWNED_DIR/pipe",
            "a && touch PWNED_DIR/and",
            "> PWNED_DIR/redirect",
            "#not a comment",
            "!",
            "héllo ✓ 日本",
        };
    }

    [RequiresProgramTheory(Shell)]
    [MemberData(nameof(NastyStrings))]
    public void Quoted_string_reaches_the_program_unchanged_and_runs_nothing(string template)
    {
        var value = template.Replace("PWNED_DIR", _temp.Path, StringComparison.Ordinal);

        // A file in the working directory makes an unquoted '*' visibly expand; HOME makes '~' visibly expand.
        File.WriteAllText(_temp.File("marker"), "");

        var result = LocalProcess.Run(Shell, ["-c", "printf '%s\\n' " + ShellQuote.Quote(value)], _temp.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(value + "\n", result.StdOut);
        Assert.Equal(["marker"], Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName));
    }

    [RequiresProgramFact(Shell)]
    public void Joined_command_line_splits_back_into_the_same_arguments()
    {
        var pwned = _temp.File("pwned");
        string[] argv =
        [
            "printf", "<%s>\\n", "", "two words", "it's", "$(touch " + pwned + ")", "`touch " + pwned + "`",
            "a\nb", "*", "~", "-x", "; touch " + pwned,
        ];

        var result = LocalProcess.Run(Shell, ["-c", ShellQuote.Join(argv)], _temp.Path);

        Assert.Equal(0, result.ExitCode);
        var expected = string.Concat(argv.Skip(2).Select(a => "<" + a + ">\n"));
        Assert.Equal(expected, result.StdOut);
        Assert.False(File.Exists(pwned), "A quoted argument was executed by the shell.");
    }
}
