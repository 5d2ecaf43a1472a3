using Xunit;

namespace KubeFromScratch.Tests.Ssh;

/// <summary>
/// A fact that needs a local program (a POSIX shell, ssh-keygen) and is skipped, not failed, where it is absent,
/// such as on Windows build machines.
/// </summary>
internal sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(string path)
    {
        if (!File.Exists(path))
        {
            Skip = $"{path} is not installed here.";
        }
    }
}

/// <summary>The theory counterpart of <see cref="RequiresProgramFactAttribute"/>.</summary>
internal sealed class RequiresProgramTheoryAttribute : TheoryAttribute
{
    public RequiresProgramTheoryAttribute(string path)
    {
        if (!File.Exists(path))
        {
            Skip = $"{path} is not installed here.";
        }
    }
}
