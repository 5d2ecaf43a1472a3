using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>Label keys and values as the API server validates them (apimachinery's IsQualifiedName and IsValidLabelValue).</summary>
public static partial class KubeLabels
{
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    /// <summary>Null when <paramref name="key"/> is a valid label key ([prefix/]name), else why not.</summary>
    public static string? ValidateKey(string key)
    {
        string name = key;
        int slash = key.IndexOf('/');
        if (slash >= 0)
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !Subdomain().IsMatch(prefix))
            {
                return "the prefix before '/' must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters).";
            }
        }

        if (name.Length == 0 || name.Length > 63 || !QualifiedNamePart().IsMatch(name))
        {
            return "the name must be 1-63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit.";
        }

        return null;
    }

    /// <summary>Null when <paramref name="value"/> is a valid label value (empty allowed), else why not.</summary>
    public static string? ValidateValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && QualifiedNamePart().IsMatch(value))
            ? null
            : "a label value must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit.";

    /// <summary>Null when <paramref name="name"/> is a valid port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and single '-', with a letter), else why not.</summary>
    public static string? ValidatePortName(string name) =>
        name.Length is > 0 and <= 15 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && name.Any(c => c is >= 'a' and <= 'z')
            && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal)
            ? null
            : "a port name has at most 15 characters: lowercase letters, digits and single '-' (not first or last), with at least one letter.";
}
