using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Kube;

/// <summary>
/// The name rules the API server applies (k8s.io/apimachinery validation), so that a bad name is refused before
/// anything is sent. Each check returns why the value is not valid, or null when it is.
/// </summary>
public static partial class KubeNames
{
    /// <summary>The longest DNS label (RFC 1123 and RFC 1035).</summary>
    public const int LabelMaxLength = 63;

    /// <summary>The longest DNS subdomain (RFC 1123).</summary>
    public const int SubdomainMaxLength = 253;

    /// <summary>
    /// The longest CronJob name: the controller appends an 11-character suffix to name its Jobs, which must stay
    /// valid labels.
    /// </summary>
    public const int CronJobMaxLength = 52;

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainPattern();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelPattern();

    /// <summary>
    /// A lowercase RFC 1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric): what namespaces
    /// and metadata.namespace must be.
    /// </summary>
    public static string? ValidateDns1123Label(string? value) =>
        Check(value, "a lowercase RFC 1123 label", LabelMaxLength, Dns1123LabelPattern(),
            "consist of lower case alphanumeric characters or '-', and start and end with an alphanumeric character " +
            "(e.g. 'my-name' or '123-abc')");

    /// <summary>
    /// A lowercase RFC 1123 subdomain (at most 253 of a-z, 0-9, '-' and '.', each dot-separated part starting and ending
    /// alphanumeric): what most object names must be (Deployment, ConfigMap, Pod, ...).
    /// </summary>
    public static string? ValidateDns1123Subdomain(string? value) =>
        Check(value, "a lowercase RFC 1123 subdomain", SubdomainMaxLength, Dns1123SubdomainPattern(),
            "consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric " +
            "character (e.g. 'my-name' or 'example.com')");

    /// <summary>
    /// An RFC 1035 label (at most 63 of a-z, 0-9 and '-', starting with a letter, ending alphanumeric): what Service
    /// names must be, because a Service name becomes a DNS name and an environment variable prefix.
    /// </summary>
    public static string? ValidateDns1035Label(string? value) =>
        Check(value, "an RFC 1035 label", LabelMaxLength, Dns1035LabelPattern(),
            "consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an " +
            "alphanumeric character (e.g. 'my-name' or 'abc-123')");

    /// <summary>
    /// A name that is one URL path segment: not '.' or '..', without '/' or '%'. What RBAC names must be, which is why
    /// they may hold ':' (system:node-proxier).
    /// </summary>
    public static string? ValidatePathSegmentName(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "the name is empty";
        }

        if (value is "." or "..")
        {
            return $"'{value}' is not a valid name: it may not be '.' or '..'";
        }

        var problems = new List<string>();
        if (value.Contains('/', StringComparison.Ordinal))
        {
            problems.Add("it may not contain '/'");
        }

        if (value.Contains('%', StringComparison.Ordinal))
        {
            problems.Add("it may not contain '%'");
        }

        return problems.Count == 0 ? null : $"'{value}' is not a valid name: {string.Join("; ", problems)}";
    }

    /// <summary>
    /// The rule the API server applies to metadata.name of this kind: Namespace a DNS-1123 label, Service a DNS-1035
    /// label, RBAC kinds a path segment, CronJob a subdomain of at most 52 characters, everything else a DNS-1123
    /// subdomain.
    /// </summary>
    public static string? ValidateObjectName(string? kind, string? name) => kind switch
    {
        "Namespace" => ValidateDns1123Label(name),
        "Service" => ValidateDns1035Label(name),
        "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding" => ValidatePathSegmentName(name),
        "CronJob" => ValidateDns1123Subdomain(name) ?? (name!.Length > CronJobMaxLength
            ? $"'{name}' is {name.Length} characters; a CronJob name must be no more than {CronJobMaxLength}, because its Jobs are named after it"
            : null),
        _ => ValidateDns1123Subdomain(name),
    };

    private static string? Check(string? value, string what, int maxLength, Regex pattern, string rule)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "the name is empty";
        }

        var problems = new List<string>();
        if (value.Length > maxLength)
        {
            problems.Add($"it is {value.Length} characters and must be no more than {maxLength}");
        }

        if (!pattern.IsMatch(value))
        {
            problems.Add($"it must {rule}");
        }

        return problems.Count == 0 ? null : $"'{value}' is not {what}: {string.Join("; ", problems)}";
    }
}
