namespace KubeFromScratch.Tests.Etcd;

/// <summary>The real etcd answers captured from the lab (Fixtures/etcd, see its README).</summary>
internal static class EtcdFixtures
{
    /// <summary>The deck's member ids, as etcdctl prints them.</summary>
    internal const string Core01 = "6ae27f9fa2984b1d";
    internal const string Core02 = "25d6ce33763c5524";
    internal const string Core03 = "ff32f4b39b9c47bd";

    internal static readonly string[] States = ["all-up", "one-down", "two-down"];

    /// <summary>The stdout of one capture, e.g. ("one-down", "http", "health").</summary>
    internal static string Stdout(string state, string source, string command) => Read($"{state}.{source}.{command}.stdout");

    internal static int ExitCode(string state, string source, string command) =>
        int.Parse(Read($"{state}.{source}.{command}.rc").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    internal static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "etcd", name));
}
