using Xunit;

namespace KubeFromScratch.Tests.Etcd;

/// <summary>
/// Tests that assert how long something takes (one timeout, not three) run on their own, after the parallel ones,
/// so a busy two-core build machine cannot starve the loopback servers into a false timeout.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "Timing-sensitive";
}
