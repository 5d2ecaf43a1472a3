using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeFromScratch.LabApiServer;

/// <summary>
/// Decodes application/vnd.kubernetes.protobuf request bodies into the JSON the rest of the server works with.
/// kubectl's typed clients (create deployment, run, create namespace ...) send protobuf and cannot fall back to JSON,
/// so the stand-in must read it. Field numbers come from ProtoDescriptors.json, extracted from the real kubectl's
/// embedded descriptors (tools/extract-proto-descriptors.py). Responses are always JSON, which those clients accept.
/// </summary>
public static class Protobuf
{
    /// <summary>The media type.</summary>
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [(byte)'k', (byte)'8', (byte)'s', 0];

    private sealed record Field(int Number, string Name, int Type, bool Repeated, string TypeName);

    private sealed record Message(bool IsMap, Dictionary<int, Field> Fields);

    private static readonly Lazy<Dictionary<string, Message>> Messages = new(Load);

    // Zero values that mean something (pointer fields in the Go types); other zero scalars are omitted, as omitempty would.
    private static readonly HashSet<string> KeepZero = new(StringComparer.Ordinal)
    {
        "replicas", "revisionHistoryLimit", "runAsUser", "runAsGroup", "fsGroup", "terminationGracePeriodSeconds", "progressDeadlineSeconds",
        "activeDeadlineSeconds", "priority", "tolerationSeconds", "defaultMode", "mode", "deletionGracePeriodSeconds", "gracePeriodSeconds",
        "automountServiceAccountToken", "enableServiceLinks", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot", "hostUsers",
        "setHostnameAsFQDN", "shareProcessNamespace", "optional", "immutable", "blockOwnerDeletion", "controller", "orphanDependents",
    };

    private static Dictionary<string, Message> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("KubeFromScratch.LabApiServer.ProtoDescriptors.json")
            ?? throw new InvalidOperationException("ProtoDescriptors.json is not embedded");
        using var doc = JsonDocument.Parse(stream);
        var result = new Dictionary<string, Message>(StringComparer.Ordinal);
        foreach (var m in doc.RootElement.EnumerateObject())
        {
            var fields = new Dictionary<int, Field>();
            foreach (var f in m.Value.GetProperty("fields").EnumerateArray())
            {
                var number = f[0].GetInt32();
                fields[number] = new Field(number, f[1].GetString()!, f[2].GetInt32(), f[3].GetInt32() == 3, f[4].GetString()!);
            }
            result[m.Name] = new Message(m.Value.GetProperty("map").GetBoolean(), fields);
        }
        return result;
    }

    /// <summary>Whether a body carries the protobuf envelope.</summary>
    public static bool IsEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>Decodes an enveloped object (runtime.Unknown with TypeMeta) into JSON with apiVersion and kind.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!IsEnvelope(body))
        {
            throw ApiException.BadRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        }
        var reader = new Reader(body[Magic.Length..].ToArray());
        string apiVersion = "", kind = "";
        byte[] raw = [];
        while (!reader.End)
        {
            var (number, wire) = reader.Tag();
            if (number == 1 && wire == 2)
            {
                var tm = new Reader(reader.Bytes());
                while (!tm.End)
                {
                    var (n, w) = tm.Tag();
                    if (n == 1 && w == 2)
                    {
                        apiVersion = Encoding.UTF8.GetString(tm.Bytes());
                    }
                    else if (n == 2 && w == 2)
                    {
                        kind = Encoding.UTF8.GetString(tm.Bytes());
                    }
                    else
                    {
                        tm.Skip(w);
                    }
                }
            }
            else if (number == 2 && wire == 2)
            {
                raw = reader.Bytes();
            }
            else
            {
                reader.Skip(wire);
            }
        }
        var group = apiVersion.Contains('/') ? apiVersion.Split('/')[0] : "";
        var package = group switch
        {
            "" => ".k8s.io.api.core.v1.",
            "apps" => ".k8s.io.api.apps.v1.",
            "rbac.authorization.k8s.io" => ".k8s.io.api.rbac.v1.",
            "meta.k8s.io" => ".k8s.io.apimachinery.pkg.apis.meta.v1.",
            _ => "",
        };
        var name = package + kind;
        if (package.Length == 0 || !Messages.Value.ContainsKey(name))
        {
            if (kind == "DeleteOptions")
            {
                name = ".k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions";
            }
            else
            {
                throw new ApiException(415, "UnsupportedMediaType", $"the lab API server cannot decode protobuf for {apiVersion}, Kind={kind}; send application/json");
            }
        }
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        if (DecodeMessage(name, raw) is JsonObject decoded)
        {
            foreach (var (k, v) in decoded.ToList())
            {
                decoded.Remove(k);
                obj[k] = v;
            }
        }
        return obj;
    }

    private static JsonNode? DecodeMessage(string name, byte[] bytes)
    {
        switch (name)
        {
            case ".k8s.io.apimachinery.pkg.apis.meta.v1.Time":
            case ".k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime":
                {
                    long seconds = 0;
                    var r = new Reader(bytes);
                    while (!r.End)
                    {
                        var (n, w) = r.Tag();
                        if (n == 1 && w == 0)
                        {
                            seconds = (long)r.Varint();
                        }
                        else
                        {
                            r.Skip(w);
                        }
                    }
                    return seconds == 0 ? null : JsonValue.Create(Json.Time(DateTimeOffset.FromUnixTimeSeconds(seconds)));
                }
            case ".k8s.io.apimachinery.pkg.api.resource.Quantity":
                return JsonValue.Create(FirstString(bytes));
            case ".k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                {
                    long type = 0, intVal = 0;
                    var strVal = "";
                    var r = new Reader(bytes);
                    while (!r.End)
                    {
                        var (n, w) = r.Tag();
                        switch (n)
                        {
                            case 1 when w == 0: type = (long)r.Varint(); break;
                            case 2 when w == 0: intVal = (int)r.Varint(); break;
                            case 3 when w == 2: strVal = Encoding.UTF8.GetString(r.Bytes()); break;
                            default: r.Skip(w); break;
                        }
                    }
                    return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create(intVal);
                }
            case ".k8s.io.apimachinery.pkg.runtime.RawExtension":
            case ".k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
                {
                    var raw = FirstBytes(bytes);
                    return raw.Length == 0 ? null : JsonNode.Parse(raw);
                }
        }
        if (!Messages.Value.TryGetValue(name, out var message))
        {
            return null;
        }
        var obj = new JsonObject();
        var reader = new Reader(bytes);
        while (!reader.End)
        {
            var (number, wire) = reader.Tag();
            if (!message.Fields.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }
            if (field.Repeated && field.Type is not (9 or 11 or 12) && wire == 2)
            {
                // Packed scalars.
                var packed = new Reader(reader.Bytes());
                var arr = obj[field.Name] as JsonArray ?? [];
                while (!packed.End)
                {
                    arr.Add(Scalar(field, packed, 0));
                }
                obj[field.Name] = arr;
                continue;
            }
            JsonNode? value;
            if (field.Type == 11)
            {
                var inner = reader.Bytes();
                if (Messages.Value.TryGetValue(field.TypeName, out var entry) && entry.IsMap)
                {
                    var (k, v) = MapEntry(entry, inner);
                    var map = obj[field.Name] as JsonObject ?? [];
                    map[k] = v;
                    obj[field.Name] = map;
                    continue;
                }
                value = DecodeMessage(field.TypeName, inner);
                if (value is null && !field.Repeated)
                {
                    continue;
                }
            }
            else
            {
                value = Scalar(field, reader, wire);
                if (!field.Repeated && IsZero(value) && !KeepZero.Contains(field.Name))
                {
                    continue;
                }
            }
            if (field.Repeated)
            {
                var arr = obj[field.Name] as JsonArray ?? [];
                arr.Add(value);
                obj[field.Name] = arr;
            }
            else
            {
                obj[field.Name] = value;
            }
        }
        return obj;
    }

    private static (string Key, JsonNode? Value) MapEntry(Message entry, byte[] bytes)
    {
        var key = "";
        JsonNode? value = null;
        var r = new Reader(bytes);
        while (!r.End)
        {
            var (n, w) = r.Tag();
            if (!entry.Fields.TryGetValue(n, out var f))
            {
                r.Skip(w);
                continue;
            }
            if (n == 1)
            {
                key = Scalar(f, r, w)?.ToString() ?? "";
            }
            else
            {
                value = f.Type == 11 ? DecodeMessage(f.TypeName, r.Bytes()) : Scalar(f, r, w);
            }
        }
        if (value is null && entry.Fields.TryGetValue(2, out var vf) && vf.Type == 9)
        {
            value = "";
        }
        return (key, value);
    }

    private static bool IsZero(JsonNode? v) => v switch
    {
        null => true,
        JsonValue jv when jv.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue jv when jv.TryGetValue<bool>(out var b) => !b,
        JsonValue jv when jv.TryGetValue<long>(out var l) => l == 0,
        JsonValue jv when jv.TryGetValue<double>(out var d) => d == 0,
        _ => false,
    };

    private static JsonNode? Scalar(Field f, Reader r, int wire)
    {
        switch (f.Type)
        {
            case 9: return Encoding.UTF8.GetString(r.Bytes());
            case 12: return Convert.ToBase64String(r.Bytes());
            case 8: return r.Varint() != 0;
            case 3 or 4 or 13 or 14: return (long)r.Varint();
            case 5: return (long)(int)r.Varint();
            case 17: { var u = (uint)r.Varint(); return (long)((int)(u >> 1) ^ -(int)(u & 1)); }
            case 18: { var u = r.Varint(); return (long)(u >> 1) ^ -(long)(u & 1); }
            case 1: return BitConverter.Int64BitsToDouble((long)r.Fixed64());
            case 2: return (double)BitConverter.Int32BitsToSingle((int)r.Fixed32());
            case 6 or 16: return (long)r.Fixed64();
            case 7 or 15: return (long)r.Fixed32();
            default:
                r.Skip(wire);
                return null;
        }
    }

    private static string FirstString(byte[] bytes) => Encoding.UTF8.GetString(FirstBytes(bytes));

    private static byte[] FirstBytes(byte[] bytes)
    {
        var r = new Reader(bytes);
        while (!r.End)
        {
            var (n, w) = r.Tag();
            if (n == 1 && w == 2)
            {
                return r.Bytes();
            }
            r.Skip(w);
        }
        return [];
    }

    private sealed class Reader
    {
        private readonly byte[] data;
        private int pos;

        public Reader(byte[] data) => this.data = data;

        public bool End => pos >= data.Length;

        public ulong Varint()
        {
            ulong result = 0;
            var shift = 0;
            while (true)
            {
                if (pos >= data.Length)
                {
                    throw ApiException.BadRequest("truncated protobuf body");
                }
                var b = data[pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
                shift += 7;
                if (shift > 63)
                {
                    throw ApiException.BadRequest("malformed protobuf varint");
                }
            }
        }

        public (int Number, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || pos + length > data.Length)
            {
                throw ApiException.BadRequest("truncated protobuf body");
            }
            var result = data.AsSpan(pos, length).ToArray();
            pos += length;
            return result;
        }

        public ulong Fixed64()
        {
            var v = BitConverter.ToUInt64(data, pos);
            pos += 8;
            return v;
        }

        public uint Fixed32()
        {
            var v = BitConverter.ToUInt32(data, pos);
            pos += 4;
            return v;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: pos += 8; break;
                case 2: Bytes(); break;
                case 5: pos += 4; break;
                default: throw ApiException.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
