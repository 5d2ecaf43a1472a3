using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeFromScratch.Engine.Inventory;

/// <summary>
/// Reads a host inventory: a small YAML file naming the hosts of a cluster, how to reach them and their roles,
/// for hosts that Vagrant did not make ("any IaaS"):
/// <code>
/// defaults: { user: core, identityFile: ~/.ssh/id_ed25519 }
/// hosts:
///   - { name: core-01, hostName: 172.17.8.101, role: Master }
///   - { name: core-02, hostName: 172.17.8.102, role: Worker }
/// </code>
/// </summary>
public static class HostInventory
{
    private static readonly string[] HostKeys = { "name", "hostName", "port", "user", "identityFile", "role" };

    private static readonly string[] DefaultKeys = { "port", "user", "identityFile", "role" };

    /// <summary>Parses inventory text; relative identity files are taken from <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<KubeHostSpec> Parse(string text, string source, string baseDirectory)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw Invalid(source, ex.Start, $"it is not valid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this, without a position, on some broken input (an unclosed '[' for one).
            throw Invalid(source, null, "it is not valid YAML (check that every '[', '{' and quote is closed).", ex);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Invalid(source, null, "it must be a mapping with a 'hosts' list.");
        }

        var defaults = Child(root, "defaults") as YamlMappingNode;
        foreach (var key in defaults?.Children.Keys.OfType<YamlScalarNode>() ?? Enumerable.Empty<YamlScalarNode>())
        {
            // A misspelt default would otherwise be ignored without a word, and every host would quietly go without it.
            if (!DefaultKeys.Contains(key.Value, StringComparer.OrdinalIgnoreCase))
            {
                throw Invalid(source, key.Start, $"'{key.Value}' is not a default setting. Use {string.Join(", ", DefaultKeys)}.");
            }
        }

        if (Child(root, "hosts") is not YamlSequenceNode hosts || hosts.Children.Count == 0)
        {
            throw Invalid(source, root.Start, "it has no 'hosts' list. List each host under 'hosts:' with at least its hostName.");
        }

        var result = new List<KubeHostSpec>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in hosts.Children)
        {
            if (node is not YamlMappingNode host)
            {
                throw Invalid(source, node.Start, "each entry under 'hosts' must be a mapping (name, hostName, port, user, identityFile, role).");
            }

            foreach (var key in host.Children.Keys.OfType<YamlScalarNode>())
            {
                if (!HostKeys.Contains(key.Value, StringComparer.OrdinalIgnoreCase))
                {
                    throw Invalid(source, key.Start, $"'{key.Value}' is not a host setting. Use {string.Join(", ", HostKeys)}.");
                }
            }

            string? hostName = Scalar(host, "hostName") ?? Scalar(host, "name");
            if (string.IsNullOrWhiteSpace(hostName))
            {
                throw Invalid(source, host.Start, "a host has neither 'hostName' nor 'name'. Give its address in 'hostName'.");
            }

            string name = Scalar(host, "name") ?? hostName;
            if (!names.Add(name))
            {
                throw Invalid(source, host.Start, $"the name '{name}' is used twice. Host names must be unique.");
            }

            string portText = Scalar(host, "port") ?? (defaults is null ? null : Scalar(defaults, "port")) ?? "22";
            if (!int.TryParse(portText, out int port) || port is < 1 or > 65535)
            {
                throw Invalid(source, host.Start, $"the port '{portText}' of {name} is not a port number (1-65535).");
            }

            string user = Scalar(host, "user") ?? (defaults is null ? null : Scalar(defaults, "user")) ?? Environment.UserName;
            string? identity = Scalar(host, "identityFile") ?? (defaults is null ? null : Scalar(defaults, "identityFile"));
            string roleText = Scalar(host, "role") ?? (defaults is null ? null : Scalar(defaults, "role")) ?? "None";
            if (!Enum.TryParse(roleText, ignoreCase: true, out KubeHostRole role) || !Enum.IsDefined(role))
            {
                throw Invalid(source, host.Start, $"the role '{roleText}' of {name} is not Master or Worker.");
            }

            result.Add(new KubeHostSpec(name, hostName, port, user, ResolvePath(identity, baseDirectory), role, source));
        }

        return result;
    }

    private static string? ResolvePath(string? path, string baseDirectory)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        return Path.GetFullPath(path, baseDirectory);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && string.Equals(s.Value, key, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    private static KfsException Invalid(string source, Mark? at, string what, Exception? inner = null)
    {
        string where = at is { } m ? $" (line {m.Line}, column {m.Column})" : string.Empty;
        return new KfsException("InventoryInvalid", KfsErrorCategory.InvalidData, source,
            $"The inventory '{source}'{where} cannot be used: {what}", inner);
    }
}
