using System.Diagnostics;
using System.Text;
using Xunit;

namespace KubeFromScratch.Tests.Ssh;

/// <summary>Runs a local program for tests that use real OpenSSH tools or a real shell as the referee.</summary>
internal static class LocalProcess
{
    /// <summary>The result of a finished process.</summary>
    internal sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs the program with an argv (no shell in between) and waits for it to finish.</summary>
    internal static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");

        // Read both streams concurrently so a full stderr pipe cannot stall the process.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within 30 seconds.");
        }

        return new Result(process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs the program and fails the test if it exits non-zero.</summary>
    internal static string RunChecked(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        Assert.True(result.ExitCode == 0,
            $"{fileName} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StdErr}");
        return result.StdOut;
    }
}
