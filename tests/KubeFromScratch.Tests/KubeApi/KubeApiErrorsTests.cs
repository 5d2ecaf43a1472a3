using System.Net;
using System.Net.Sockets;
using KubeFromScratch.Engine.KubeApi;
using Xunit;

namespace KubeFromScratch.Tests.KubeApi;

/// <summary>Pins the error ids and advice behind the API server's Status answers and transport failures.</summary>
public sealed class KubeApiErrorsTests
{
    private static readonly Uri Server = new("http://172.17.8.101:8080/");

    private static string Status(int code, string reason, string message, string causes = "") =>
        $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","code":{{code}},"reason":"{{reason}}","message":"{{message}}"{{(causes.Length == 0 ? "" : $",\"details\":{{\"causes\":[{causes}]}}")}}}""";

    [Theory]
    [InlineData(401, "Unauthorized", "KubeApiUnauthorized", KfsErrorCategory.AuthenticationError)]
    [InlineData(403, "Forbidden", "KubeApiForbidden", KfsErrorCategory.PermissionDenied)]
    [InlineData(404, "NotFound", "KubeApiNotFound", KfsErrorCategory.ObjectNotFound)]
    [InlineData(409, "AlreadyExists", "KubeApiAlreadyExists", KfsErrorCategory.ResourceExists)]
    [InlineData(409, "Conflict", "KubeApiConflict", KfsErrorCategory.InvalidOperation)]
    [InlineData(410, "Expired", "KubeApiExpired", KfsErrorCategory.InvalidOperation)]
    [InlineData(422, "Invalid", "KubeApiInvalid", KfsErrorCategory.InvalidData)]
    [InlineData(500, "InternalError", "KubeApiServerError", KfsErrorCategory.ResourceUnavailable)]
    public void Each_status_code_has_its_id_and_category(int code, string reason, string id, KfsErrorCategory category)
    {
        var ex = KubeApiErrors.FromStatus((HttpStatusCode)code, Status(code, reason, "it said so"), "GET api/v1/nodes", Server);
        Assert.Equal(id, ex.ErrorId);
        Assert.Equal(category, ex.Category);
        Assert.Contains("it said so", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_422_keeps_the_servers_message_with_the_field_that_is_wrong()
    {
        var ex = KubeApiErrors.FromStatus(HttpStatusCode.UnprocessableEntity,
            Status(422, "Invalid", "Service web is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
                """{"reason":"FieldValueInvalid","message":"Invalid value: 80","field":"spec.ports[0].nodePort"}"""),
            "create service default/web", Server);
        Assert.Equal("KubeApiInvalid", ex.ErrorId);
        Assert.Contains("spec.ports[0].nodePort", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("30000-32767.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_is_no_Status_is_quoted_shortly()
    {
        var ex = KubeApiErrors.FromStatus(HttpStatusCode.BadGateway, "<html>" + new string('x', 500) + "</html>", "GET version", Server);
        Assert.Equal("KubeApiServerError", ex.ErrorId);
        Assert.True(ex.Message.Length < 450, ex.Message);
    }

    [Fact]
    public void A_refused_connection_says_nothing_listens_and_to_run_Connect_KubeApi()
    {
        var ex = KubeApiErrors.Unreachable(Server, new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), null);
        Assert.Equal("KubeApiUnreachable", ex.ErrorId);
        Assert.Equal(KfsErrorCategory.ConnectionError, ex.Category);
        Assert.Contains("nothing listens there", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Connect-KubeApi", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Through_a_tunnel_the_message_names_the_host()
    {
        var ex = KubeApiErrors.Unreachable(Server, new HttpRequestException("reset", new IOException("reset")), "core-01");
        Assert.Contains("through core-01's SSH connection", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app", null)]
    [InlineData("app.kubernetes.io/name", null)]
    [InlineData("-app", "name")]
    [InlineData("Example.COM/app", "prefix")]
    public void Label_keys_are_checked_as_the_API_server_does(string key, string? problem)
    {
        string? result = KubeLabels.ValidateKey(key);
        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(problem, result, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http", true)]
    [InlineData("metrics-9100", true)]
    [InlineData("80", false)]
    [InlineData("a-very-long-port-name", false)]
    [InlineData("Http", false)]
    [InlineData("a--b", false)]
    public void Port_names_follow_IANA_service_names(string name, bool valid)
    {
        Assert.Equal(valid, KubeLabels.ValidatePortName(name) is null);
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(119, "119s")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 4 * 60, "3h4m")]
    [InlineData(20 * 3600, "20h")]
    [InlineData(5 * 86400 + 3 * 3600, "5d3h")]
    [InlineData(40 * 86400, "40d")]
    [InlineData(3 * 365 * 86400 + 10 * 86400, "3y10d")]
    public void Ages_read_as_kubectl_prints_them(int seconds, string text)
    {
        Assert.Equal(text, KubeAge.Format(TimeSpan.FromSeconds(seconds)));
    }
}
