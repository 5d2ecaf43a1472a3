using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeFromScratch.Engine.Kube;

/// <summary>What a plain YAML scalar turned out to be.</summary>
internal enum KubeYamlScalarType
{
    Null,
    Bool,
    Int,
    Float,
    String,
    Merge,
}

/// <summary>
/// Resolves plain (unquoted) YAML scalars the way Kubernetes' own YAML reader does (sigs.k8s.io/yaml over go-yaml v2,
/// which kubectl uses), so that a manifest means here what it means to kubectl:
/// <list type="bullet">
/// <item>null: empty, ~, null, Null, NULL;</item>
/// <item>booleans: true/false in three casings, and YAML 1.1's yes/no, on/off, y/n, which go-yaml v2 still reads as
/// booleans (kubectl sends `hostNetwork: yes` as true, and `value: yes` as a boolean the API server refuses for a
/// string field);</item>
/// <item>integers as Go's strconv.ParseInt(s, 0, 64) reads them after '_' is removed: decimal, 0x hex, 0o and 0b,
/// and a leading 0 for octal, so `defaultMode: 0644` is 420 as the file mode intends (the YAML 1.2 core schema would
/// make it 644); too large for int64 then uint64, then a float;</item>
/// <item>floats: [-+]?(.digits|digits[.digits])([eE][-+]?digits)?; .inf and .nan are refused, because JSON cannot
/// carry them and kubectl fails on them too;</item>
/// <item>timestamps and everything else: the text as a string.</item>
/// </list>
/// </summary>
internal static partial class KubeYamlScalars
{
    private static readonly Dictionary<string, (KubeYamlScalarType Type, bool Value)> Words = new(StringComparer.Ordinal)
    {
        ["y"] = (KubeYamlScalarType.Bool, true), ["Y"] = (KubeYamlScalarType.Bool, true),
        ["yes"] = (KubeYamlScalarType.Bool, true), ["Yes"] = (KubeYamlScalarType.Bool, true), ["YES"] = (KubeYamlScalarType.Bool, true),
        ["true"] = (KubeYamlScalarType.Bool, true), ["True"] = (KubeYamlScalarType.Bool, true), ["TRUE"] = (KubeYamlScalarType.Bool, true),
        ["on"] = (KubeYamlScalarType.Bool, true), ["On"] = (KubeYamlScalarType.Bool, true), ["ON"] = (KubeYamlScalarType.Bool, true),
        ["n"] = (KubeYamlScalarType.Bool, false), ["N"] = (KubeYamlScalarType.Bool, false),
        ["no"] = (KubeYamlScalarType.Bool, false), ["No"] = (KubeYamlScalarType.Bool, false), ["NO"] = (KubeYamlScalarType.Bool, false),
        ["false"] = (KubeYamlScalarType.Bool, false), ["False"] = (KubeYamlScalarType.Bool, false), ["FALSE"] = (KubeYamlScalarType.Bool, false),
        ["off"] = (KubeYamlScalarType.Bool, false), ["Off"] = (KubeYamlScalarType.Bool, false), ["OFF"] = (KubeYamlScalarType.Bool, false),
        [""] = (KubeYamlScalarType.Null, false), ["~"] = (KubeYamlScalarType.Null, false),
        ["null"] = (KubeYamlScalarType.Null, false), ["Null"] = (KubeYamlScalarType.Null, false), ["NULL"] = (KubeYamlScalarType.Null, false),
        ["<<"] = (KubeYamlScalarType.Merge, false),
    };

    private static readonly HashSet<string> NonFinite = new(StringComparer.Ordinal)
    {
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    };

    // go-yaml v2's yamlStyleFloat.
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    // What Go's strconv.ParseFloat takes for a text starting with '.' (the only form go-yaml v2 tries there).
    [GeneratedRegex(@"^\.[0-9]+([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DotFloatPattern();

    /// <summary>
    /// The JSON value of a plain scalar. Throws <see cref="FormatException"/> for .inf and .nan, which JSON cannot
    /// hold.
    /// </summary>
    internal static (KubeYamlScalarType Type, JsonNode? Value) ResolvePlain(string text)
    {
        if (Words.TryGetValue(text, out var word))
        {
            return word.Type switch
            {
                KubeYamlScalarType.Bool => (KubeYamlScalarType.Bool, JsonValue.Create(word.Value)),
                KubeYamlScalarType.Merge => (KubeYamlScalarType.Merge, JsonValue.Create(text)),
                _ => (KubeYamlScalarType.Null, null),
            };
        }

        if (NonFinite.Contains(text))
        {
            throw new FormatException(
                $"{text} is a floating-point infinity or NaN, which JSON (and so the Kubernetes API) cannot carry");
        }

        char first = text[0];
        if (first == '.')
        {
            // go-yaml tries only a float here; Go's ParseFloat refuses what overflows, and so do we.
            if (DotFloatPattern().IsMatch(text) && TryFiniteDouble(text, out double d))
            {
                return (KubeYamlScalarType.Float, JsonValue.Create(d));
            }
        }
        else if (first is '+' or '-' || char.IsAsciiDigit(first))
        {
            string plain = text.Replace("_", string.Empty, StringComparison.Ordinal);
            if (TryParseGoInt(plain, out BigInteger value))
            {
                if (value >= long.MinValue && value <= long.MaxValue)
                {
                    return (KubeYamlScalarType.Int, JsonValue.Create((long)value));
                }

                // Go's ParseUint takes no sign, so only an unsigned text reaches uint64.
                if (value > 0 && value <= ulong.MaxValue && first is not ('+' or '-'))
                {
                    return (KubeYamlScalarType.Int, JsonValue.Create((ulong)value));
                }
            }

            if (FloatPattern().IsMatch(plain) && TryFiniteDouble(plain, out double f))
            {
                return (KubeYamlScalarType.Float, JsonValue.Create(f));
            }
        }

        return (KubeYamlScalarType.String, JsonValue.Create(text));
    }

    /// <summary>What a scalar resolved as, in words, for messages.</summary>
    internal static string Describe(KubeYamlScalarType type, JsonNode? value) => type switch
    {
        KubeYamlScalarType.Null => "null",
        KubeYamlScalarType.Bool => $"the boolean {value!.ToJsonString()}",
        KubeYamlScalarType.Int => $"the integer {value!.ToJsonString()}",
        KubeYamlScalarType.Float => $"the number {value!.ToJsonString()}",
        _ => "a string",
    };

    private static bool TryFiniteDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>
    /// Go's strconv.ParseInt(s, 0, ...) syntax without the range check: an optional sign, then 0x/0X hex, 0o/0O octal,
    /// 0b/0B binary, a leading 0 for octal, or decimal.
    /// </summary>
    private static bool TryParseGoInt(string s, out BigInteger value)
    {
        value = BigInteger.Zero;

        // Nothing longer fits in 64 bits even in binary with its prefix and sign; stop before the arithmetic grows.
        if (s.Length > 67)
        {
            return false;
        }

        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            i = 1;
        }

        if (i >= s.Length)
        {
            return false;
        }

        int radix = 10;
        if (s[i] == '0' && i + 1 < s.Length)
        {
            switch (s[i + 1])
            {
                case 'x' or 'X':
                    radix = 16;
                    i += 2;
                    break;
                case 'o' or 'O':
                    radix = 8;
                    i += 2;
                    break;
                case 'b' or 'B':
                    radix = 2;
                    i += 2;
                    break;
                default:
                    radix = 8;
                    i += 1;
                    break;
            }

            if (i >= s.Length)
            {
                return false;
            }
        }

        for (; i < s.Length; i++)
        {
            int digit = s[i] switch
            {
                >= '0' and <= '9' => s[i] - '0',
                >= 'a' and <= 'f' => s[i] - 'a' + 10,
                >= 'A' and <= 'F' => s[i] - 'A' + 10,
                _ => int.MaxValue,
            };
            if (digit >= radix)
            {
                return false;
            }

            value = value * radix + digit;
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }
}
