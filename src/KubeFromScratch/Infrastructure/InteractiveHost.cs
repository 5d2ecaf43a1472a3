using System.Management.Automation;

namespace KubeFromScratch.Infrastructure;

/// <summary>Tells whether a person can answer prompts in this session.</summary>
internal static class InteractiveHost
{
    /// <summary>
    /// True in a console session someone types into: not started with -NonInteractive, input not redirected, and a
    /// host that has a user interface. Scripts, CI and Pester runs are non-interactive, so unknown host keys are
    /// refused there rather than waiting for an answer that never comes.
    /// </summary>
    public static bool IsInteractive(PSCmdlet cmdlet)
    {
        if (cmdlet.Host?.UI is null || Console.IsInputRedirected)
        {
            return false;
        }

        foreach (string arg in Environment.GetCommandLineArgs())
        {
            string a = arg.TrimStart('-', '/');
            if (a.Length >= 4 && "noninteractive".StartsWith(a, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
