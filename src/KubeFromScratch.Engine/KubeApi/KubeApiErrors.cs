using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json.Nodes;

namespace KubeFromScratch.Engine.KubeApi;

/// <summary>Turns API server answers and transport failures into error ids that say what to do.</summary>
public static class KubeApiErrors
{
    /// <summary>The API server's Status object (reason, message, causes) behind a failed request, as a KfsException.</summary>
    public static KfsException FromStatus(HttpStatusCode status, string? body, string what, Uri server)
    {
        string? reason = null;
        string? message = null;
        var causes = new List<string>();
        try
        {
            if (!string.IsNullOrWhiteSpace(body) && JsonNode.Parse(body) is JsonObject s && s["kind"]?.GetValue<string>() == "Status")
            {
                reason = s["reason"]?.GetValue<string>();
                message = s["message"]?.GetValue<string>();
                if (s["details"]?["causes"] is JsonArray list)
                {
                    foreach (var cause in list.OfType<JsonObject>())
                    {
                        string field = cause["field"]?.GetValue<string>() ?? "";
                        string text = cause["message"]?.GetValue<string>() ?? cause["reason"]?.GetValue<string>() ?? "";
                        causes.Add(field.Length > 0 ? $"{field}: {text}" : text);
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status: the message says what came back instead.
        }

        string said = Sentence(message ?? (string.IsNullOrWhiteSpace(body) ? $"{(int)status} {status}" : Trim(body)));
        string where = server.GetLeftPart(UriPartial.Authority);
        return (int)status switch
        {
            401 => new KfsException("KubeApiUnauthorized", KfsErrorCategory.AuthenticationError, what,
                $"The API server at {where} did not accept our credentials for {what} (401 Unauthorized: {said[..^1]}). Reconnect with Connect-KubeApi and a client certificate (-CertificatePath, -KeyPath) or kubeconfig user it trusts."),
            403 => new KfsException("KubeApiForbidden", KfsErrorCategory.PermissionDenied, what,
                $"The API server refused {what} (403 Forbidden): {said} The user needs RBAC permission for it, or use an admin kubeconfig."),
            404 => new KfsException("KubeApiNotFound", KfsErrorCategory.ObjectNotFound, what, $"{said[..^1]} ({what}, 404 NotFound)."),
            409 when reason == "AlreadyExists" => new KfsException("KubeApiAlreadyExists", KfsErrorCategory.ResourceExists, what,
                $"{said} Remove it first, or change it instead of creating it."),
            409 => new KfsException("KubeApiConflict", KfsErrorCategory.InvalidOperation, what, $"{said[..^1]} (409 Conflict). Read the object again and retry."),
            410 => new KfsException("KubeApiExpired", KfsErrorCategory.InvalidOperation, what, $"{said[..^1]} (410 Expired)."),
            422 => new KfsException("KubeApiInvalid", KfsErrorCategory.InvalidData, what,
                causes.Count > 0 ? $"The API server rejected {what}: {said}" : $"The API server rejected {what} (422 Invalid): {said}"),
            400 => new KfsException("KubeApiBadRequest", KfsErrorCategory.InvalidArgument, what, $"The API server rejected {what} (400 BadRequest): {said}"),
            405 => new KfsException("KubeApiMethodNotAllowed", KfsErrorCategory.InvalidOperation, what, $"The API server does not allow {what} (405): {said}"),
            415 => new KfsException("KubeApiUnsupportedMediaType", KfsErrorCategory.InvalidOperation, what, $"The API server does not take this content type for {what} (415): {said}"),
            >= 500 => new KfsException("KubeApiServerError", KfsErrorCategory.ResourceUnavailable, what,
                $"The API server at {where} failed {what} ({(int)status} {reason ?? status.ToString()}): {said} Check its log; retry when it is healthy."),
            _ => new KfsException("KubeApiRequestFailed", KfsErrorCategory.InvalidResult, what, $"{what} failed ({(int)status} {reason ?? status.ToString()}): {said}"),
        };
    }

    /// <summary>No answer at all: refused, unresolvable, TLS failure, lost tunnel.</summary>
    public static KfsException Unreachable(Uri server, Exception ex, string? viaHost)
    {
        string where = server.GetLeftPart(UriPartial.Authority);
        string route = viaHost is null ? "" : $" through {viaHost}'s SSH connection";
        Exception inner = ex.InnerException ?? ex;
        if (inner is KfsException k)
        {
            return k;
        }

        if (inner is AuthenticationException || ex.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase))
        {
            return new KfsException("KubeApiTlsFailed", KfsErrorCategory.SecurityError, where,
                $"The TLS handshake with {where}{route} failed ({inner.Message}). Pass the cluster CA with -CaPath (New-KubeCertificateAuthority made it) and a client certificate it trusts, then run Connect-KubeApi again.", ex);
        }

        string why = inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
            ? "the connection was refused: nothing listens there"
            : inner.Message;
        return new KfsException("KubeApiUnreachable", KfsErrorCategory.ConnectionError, where,
            $"The Kubernetes API at {where} cannot be reached{route}: {why}. Check that the API server runs (Get-KubeUnit on the master) and run Connect-KubeApi again (-ViaHost core-01 reaches it over SSH when only port 22 is open).", ex);
    }

    /// <summary>No answer in time.</summary>
    public static KfsException Timeout(Uri server, TimeSpan timeout, string? viaHost)
    {
        string where = server.GetLeftPart(UriPartial.Authority);
        return new KfsException("KubeApiTimeout", KfsErrorCategory.OperationTimeout, where,
            $"The Kubernetes API at {where}{(viaHost is null ? "" : $" (through {viaHost})")} did not answer within {timeout.TotalSeconds:0.#} s. Check that it runs and is reachable, then run Connect-KubeApi again.");
    }

    /// <summary>Server messages rarely end with a full stop; ours add advice after them.</summary>
    private static string Sentence(string text) => text.Length > 0 && !".!?".Contains(text[^1], StringComparison.Ordinal) ? text + "." : text;

    private static string Trim(string body)
    {
        string one = body.ReplaceLineEndings(" ").Trim();
        return one.Length > 200 ? one[..200] + "…" : one;
    }
}
