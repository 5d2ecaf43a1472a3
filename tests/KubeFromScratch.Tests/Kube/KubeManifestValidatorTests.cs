using KubeFromScratch.Engine.Kube;
using Xunit;
using static KubeFromScratch.Tests.Kube.KubeFixtures;

namespace KubeFromScratch.Tests.Kube;

/// <summary>
/// Pins what is refused before anything reaches the API server, and that each refusal says where (source, document,
/// line) and what to do. Validate reports every problem at once.
/// </summary>
public sealed class KubeManifestValidatorTests
{
    private static KfsException OnlyProblem(string yaml, string errorId)
    {
        var problem = Assert.Single(Problems(yaml));
        Assert.Equal(errorId, problem.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, problem.Category);
        return problem;
    }

    [Fact]
    public void A_well_formed_manifest_has_no_problems()
    {
        Assert.Empty(Problems("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: demo}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: my-nginx, namespace: demo}
            spec:
              replicas: 2
              selector: {matchLabels: {run: my-nginx}}
              template:
                metadata: {labels: {run: my-nginx}}
                spec: {containers: [{name: my-nginx, image: nginx, ports: [{containerPort: 80}]}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: my-nginx, namespace: demo}
            spec: {ports: [{port: 80}], selector: {run: my-nginx}}
            """));
    }

    // ---- Kinds -----------------------------------------------------------------------------------------------------

    [Fact]
    public void The_decks_extensions_v1beta1_DaemonSet_is_refused_with_the_apps_v1_hint()
    {
        var objects = KubeManifestReader.Read(Read("weave-kube-2016.yaml"), "weave-kube-2016.yaml");

        var problem = Assert.Single(KubeManifestValidator.Validate(objects));

        Assert.Equal("ManifestUnknownKind", problem.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidData, problem.Category);
        Assert.StartsWith("weave-kube-2016.yaml, document 1, line 1: ", problem.Message);
        Assert.Contains("DaemonSet is served as apps/v1; extensions/v1beta1 was removed in Kubernetes 1.16", problem.Message);
        Assert.Contains("spec.selector", problem.Message);
    }

    [Theory]
    [InlineData("policy/v1beta1", "PodDisruptionBudget", "served as policy/v1; policy/v1beta1 was removed in Kubernetes 1.25")]
    [InlineData("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "served as rbac.authorization.k8s.io/v1; rbac.authorization.k8s.io/v1beta1 was removed in Kubernetes 1.22")]
    [InlineData("networking.k8s.io/v1beta1", "Ingress", "removed in Kubernetes 1.22")]
    [InlineData("apps/v2", "Deployment", "Deployment is served as apps/v1, not apps/v2")]
    [InlineData("policy/v1beta1", "PodSecurityPolicy", "PodSecurityPolicy was removed in Kubernetes 1.25")]
    [InlineData("example.com/v1", "Frobnicator", "Frobnicator (example.com/v1) is not a kind this module applies")]
    public void An_unknown_kind_or_version_says_what_is_served_instead(string apiVersion, string kind, string expected)
    {
        var problem = OnlyProblem($"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{name: x}}\n", "ManifestUnknownKind");

        Assert.Contains(expected, problem.Message);
    }

    // ---- Missing fields --------------------------------------------------------------------------------------------

    [Fact]
    public void Every_missing_field_is_reported_not_only_the_first()
    {
        var problems = Problems("metadata:\n  labels: {a: b}\n");

        Assert.All(problems, p => Assert.Equal("ManifestMissingField", p.ErrorId));
        Assert.Equal(3, problems.Count);
        Assert.Contains("has no apiVersion", problems[0].Message);
        Assert.Contains("has no kind", problems[1].Message);
        Assert.Contains("has no metadata.name", problems[2].Message);
    }

    [Fact]
    public void A_missing_metadata_is_reported()
    {
        var problem = OnlyProblem("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", "ManifestMissingField");

        Assert.Equal("test.yaml, document 1, line 1: ConfigMap has no metadata. Add metadata with at least a name.", problem.Message);
    }

    [Fact]
    public void GenerateName_alone_is_refused_because_objects_are_applied_by_name()
    {
        var problem = OnlyProblem("apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\n", "ManifestMissingField");

        Assert.Contains("generateName cannot be used", problem.Message);
    }

    [Fact]
    public void An_apiVersion_that_is_not_text_is_reported_as_missing_with_what_it_is()
    {
        var problem = OnlyProblem("apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n", "ManifestMissingField");

        Assert.Contains("no apiVersion as text (it is 1)", problem.Message);
    }

    // ---- Names -----------------------------------------------------------------------------------------------------

    [Fact]
    public void My_Nginx_is_refused_with_the_rule_and_the_place()
    {
        var problem = OnlyProblem("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok}
            ---

            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: My_Nginx}
            """, "ManifestInvalidName");

        Assert.StartsWith("test.yaml, document 2, line 6: metadata.name 'My_Nginx' is not a lowercase RFC 1123 subdomain", problem.Message);
        Assert.Contains("(my-nginx)", problem.Message);
        Assert.Equal("test.yaml, document 2, line 6", problem.Target);
    }

    [Fact]
    public void A_64_character_namespace_is_refused_where_63_pass()
    {
        string ok = new('a', 63);
        string tooLong = new('a', 64);

        Assert.Empty(Problems($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ok}}}\n"));
        var problem = OnlyProblem($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {tooLong}}}\n", "ManifestInvalidName");
        Assert.Contains("it is 64 characters and must be no more than 63", problem.Message);

        var asNamespace = OnlyProblem($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: {tooLong}}}\n", "ManifestInvalidName");
        Assert.Contains("metadata.namespace", asNamespace.Message);
    }

    [Fact]
    public void A_Service_name_must_start_with_a_letter_where_a_Deployment_name_need_not()
    {
        Assert.Empty(Problems("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: 80-web}\n"));

        var problem = OnlyProblem("apiVersion: v1\nkind: Service\nmetadata: {name: 80-web}\n", "ManifestInvalidName");
        Assert.Contains("not an RFC 1035 label", problem.Message);
    }

    [Fact]
    public void Subdomain_names_may_hold_dots_but_Service_and_Namespace_names_may_not()
    {
        Assert.Empty(Problems("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web.config}\n"));
        OnlyProblem("apiVersion: v1\nkind: Service\nmetadata: {name: web.svc}\n", "ManifestInvalidName");
        OnlyProblem("apiVersion: v1\nkind: Namespace\nmetadata: {name: team.a}\n", "ManifestInvalidName");
    }

    [Fact]
    public void Rbac_names_are_path_segments_so_system_colon_names_pass_and_slashes_do_not()
    {
        Assert.Empty(Problems("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: 'system:kube-proxy'}\n"));

        var problem = OnlyProblem("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a/b}\n", "ManifestInvalidName");
        Assert.Contains("may not contain '/'", problem.Message);
    }

    [Fact]
    public void A_CronJob_name_is_limited_to_52_characters()
    {
        Assert.Empty(Problems($"apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: {new string('c', 52)}}}\n"));
        var problem = OnlyProblem($"apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: {new string('c', 53)}}}\n", "ManifestInvalidName");
        Assert.Contains("no more than 52", problem.Message);
    }

    [Fact]
    public void A_number_as_name_is_refused_with_the_advice_to_quote_it()
    {
        var problem = OnlyProblem("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 8080}\n", "ManifestInvalidName");

        Assert.Contains("metadata.name is 8080, not text", problem.Message);
        Assert.Contains("Quote the name", problem.Message);
    }

    [Fact]
    public void A_CustomResourceDefinition_must_be_named_plural_dot_group()
    {
        var problem = OnlyProblem("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: crontab.example.com}
            spec:
              group: stable.example.com
              names: {plural: crontabs, kind: CronTab}
              scope: Namespaced
            """, "ManifestInvalidName");

        Assert.Contains("here 'crontabs.stable.example.com', not 'crontab.example.com'", problem.Message);
    }

    // ---- Scope -----------------------------------------------------------------------------------------------------

    [Fact]
    public void A_cluster_scoped_object_with_a_namespace_is_refused()
    {
        var problem = OnlyProblem("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: weave-net, namespace: kube-system}\n",
            "ManifestUnexpectedNamespace");

        Assert.Contains("ClusterRole is cluster-scoped, but metadata.namespace is 'kube-system'", problem.Message);
        Assert.Contains("Remove metadata.namespace", problem.Message);
    }

    // ---- Duplicates ------------------------------------------------------------------------------------------------

    [Fact]
    public void The_same_object_twice_is_refused_at_the_second_naming_the_first()
    {
        var problem = OnlyProblem("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: settings}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: default}
            """, "ManifestDuplicateObject");

        Assert.StartsWith("test.yaml, document 3, line 9: ConfigMap default/settings is already defined in document 1 (line 1)", problem.Message);
    }

    [Fact]
    public void The_same_name_in_two_namespaces_is_two_objects()
    {
        Assert.Empty(Problems("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: a}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: b}
            """));
    }

    [Fact]
    public void Every_message_names_the_source_document_and_line()
    {
        var problems = Problems("""
            apiVersion: v1
            kind: Service
            metadata: {name: Bad_Name}
            ---
            apiVersion: v1
            kind: Node
            metadata: {name: core-01, namespace: default}
            ---
            apiVersion: v9
            kind: Thing
            metadata: {name: t}
            """);

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("test.yaml, document 1, line 1: ", problems[0].Message);
        Assert.StartsWith("test.yaml, document 2, line 5: ", problems[1].Message);
        Assert.StartsWith("test.yaml, document 3, line 9: ", problems[2].Message);
    }
}
