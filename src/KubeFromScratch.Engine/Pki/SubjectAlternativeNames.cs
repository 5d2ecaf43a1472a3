using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// The DNS names and IP addresses a certificate is valid for: validated, de-duplicated (DNS names without regard
/// to case), and in a stable order so the same request always yields the same certificate contents.
/// </summary>
internal sealed class SubjectAlternativeNames
{
    private readonly List<string> _dnsNames = [];
    private readonly List<IPAddress> _addresses = [];

    /// <summary>DNS names in the order added.</summary>
    internal IReadOnlyList<string> DnsNames => _dnsNames;

    /// <summary>IP addresses in the order added.</summary>
    internal IReadOnlyList<IPAddress> IPAddresses => _addresses;

    /// <summary>Whether there is no name at all.</summary>
    internal bool IsEmpty => _dnsNames.Count == 0 && _addresses.Count == 0;

    /// <summary>
    /// Adds a name given as a DNS name. An IP address given here is taken as an address, because people list
    /// "core-01, 10.0.0.11" together and both mean the same host.
    /// </summary>
    /// <exception cref="KfsException">InvalidSubjectAlternativeName.</exception>
    internal void AddName(string value)
    {
        var trimmed = value.Trim();
        if (TryParseAddress(trimmed, out var address))
        {
            AddAddress(address);
            return;
        }

        var name = trimmed.TrimEnd('.');
        if (!IsDnsName(name))
        {
            throw Invalid(value, "is neither a DNS name (letters, digits, '-' and '.', labels of 1-63 characters, " +
                "an optional leading '*.') nor an IP address");
        }

        if (!_dnsNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            _dnsNames.Add(name);
        }
    }

    /// <summary>Adds a name given as an IP address.</summary>
    /// <exception cref="KfsException">InvalidSubjectAlternativeName.</exception>
    internal void AddIPAddress(string value)
    {
        if (!TryParseAddress(value.Trim(), out var address))
        {
            throw Invalid(value, "is not an IP address");
        }

        AddAddress(address);
    }

    /// <summary>Adds an address.</summary>
    internal void AddAddress(IPAddress address)
    {
        if (!_addresses.Contains(address))
        {
            _addresses.Add(address);
        }
    }

    /// <summary>The extension to put in the certificate.</summary>
    internal X509Extension ToExtension()
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var name in _dnsNames)
        {
            builder.AddDnsName(name);
        }

        foreach (var address in _addresses)
        {
            builder.AddIpAddress(address);
        }

        return builder.Build(critical: false);
    }

    /// <summary>Reads the names of a certificate's SAN extension; empty lists when it has none.</summary>
    internal static (string[] DnsNames, IPAddress[] Addresses) Read(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                var san = extension as X509SubjectAlternativeNameExtension
                    ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                return ([.. san.EnumerateDnsNames()], [.. san.EnumerateIPAddresses()]);
            }
        }

        return ([], []);
    }

    /// <summary>Parses an IP address strictly: dotted quads or IPv6 text, not the legacy "10.1" or "167772161" forms.</summary>
    internal static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse accepts "10.1" and "12345" as IPv4; in a certificate those are surely host names.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.ScopeId != 0)
        {
            return false; // A zone (%eth0) has no meaning in a certificate.
        }

        address = parsed;
        return true;
    }

    /// <summary>Whether a name is a DNS name a certificate can carry (RFC 1123 labels, optional leading wildcard).</summary>
    internal static bool IsDnsName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (i == 0 && label == "*" && labels.Length > 2)
            {
                continue;
            }

            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static KfsException Invalid(string value, string why) =>
        new("InvalidSubjectAlternativeName", KfsErrorCategory.InvalidArgument, value,
            $"'{value}' {why}. Give host names as -DnsName and addresses as -IPAddress.");
}
