using System.Text.Json;
using System.Text.Json.Nodes;
using KubeFromScratch.Engine.Kube;
using Xunit;
using static KubeFromScratch.Tests.Kube.KubeFixtures;

namespace KubeFromScratch.Tests.Kube;

/// <summary>
/// Pins how a manifest's text becomes the JSON objects that are sent: scalars typed as kubectl types them, documents
/// and lists split into objects, and every refusal pointing at the document, line and column to fix.
/// </summary>
public sealed class KubeManifestReaderTests
{
    private static JsonObject MixedSpec() =>
        (JsonObject)Assert.Single(KubeManifestReader.Read(Read("mixed-scalars.yaml"), "mixed-scalars.yaml")).Body["spec"]!;

    private static JsonObject MixedData() =>
        (JsonObject)Assert.Single(KubeManifestReader.Read(Read("mixed-scalars.yaml"), "mixed-scalars.yaml")).Body["data"]!;

    // ---- Scalars ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Plain_numbers_booleans_and_nulls_come_out_typed()
    {
        var spec = MixedSpec();

        Assert.Equal(JsonValueKind.Number, spec["replicas"]!.GetValueKind());
        Assert.Equal(2, spec["replicas"]!.GetValue<long>());
        Assert.Equal(JsonValueKind.True, spec["enabled"]!.GetValueKind());
        Assert.True(spec.ContainsKey("nothing"));
        Assert.Null(spec["nothing"]);
        Assert.Null(spec["tilde"]);
        Assert.Null(spec["empty"]);
        Assert.Equal(-3, spec["negative"]!.GetValue<long>());
        Assert.Equal(0.5, spec["float"]!.GetValue<double>());
        Assert.Equal(1000d, spec["exponent"]!.GetValue<double>());
        Assert.Equal(1000, spec["grouped"]!.GetValue<long>());
    }

    [Fact]
    public void Integers_read_as_Go_reads_them_so_0o17_is_15_and_a_file_mode_0644_is_420()
    {
        var spec = MixedSpec();

        Assert.Equal(15, spec["octal"]!.GetValue<long>());
        Assert.Equal(420, spec["old-octal"]!.GetValue<long>());
        Assert.Equal(31, spec["hex"]!.GetValue<long>());
        Assert.Equal(ulong.MaxValue, spec["huge"]!.GetValue<ulong>());
        Assert.Equal(12, spec["tagged-int"]!.GetValue<long>());
    }

    [Fact]
    public void Yes_and_off_are_booleans_as_kubectl_sends_them()
    {
        var spec = MixedSpec();

        Assert.Equal(JsonValueKind.True, spec["yes-word"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, spec["off-word"]!.GetValueKind());
    }

    [Fact]
    public void Quoted_block_and_str_tagged_scalars_stay_text()
    {
        var data = MixedData();

        Assert.Equal("80", data["quoted-number"]!.GetValue<string>());
        Assert.Equal("yes", data["single-quoted"]!.GetValue<string>());
        Assert.Equal("line one\nline two\n", data["literal"]!.GetValue<string>());
        Assert.Equal("folded text", data["folded"]!.GetValue<string>());
        Assert.Equal("12", data["tagged-string"]!.GetValue<string>());
        Assert.Equal("2016-11-09", data["timestamp"]!.GetValue<string>());
        Assert.Equal(1.1, data["version"]!.GetValue<double>());
    }

    [Fact]
    public void The_json_sent_for_scalars_is_what_kubectl_sends()
    {
        var obj = Single("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
            spec: {a: 2, b: "80", c: true, d: null, e: 0o17, f: 1.0, g: 1e3, h: 0644}
            """);

        Assert.Equal("""{"a":2,"b":"80","c":true,"d":null,"e":15,"f":1,"g":1000,"h":420}""", obj.Body["spec"]!.ToJsonString());
    }

    [Theory]
    [InlineData("0x", "\"0x\"")]
    [InlineData("0b101", "5")]
    [InlineData("-0x1F", "-31")]
    [InlineData("089", "89")]
    [InlineData("+12", "12")]
    [InlineData(".5", "0.5")]
    [InlineData("1e400", "\"1e400\"")]
    [InlineData("99999999999999999999", "1E+20")] // beyond uint64: a float, the same JSON number kubectl writes as 1e+20
    [InlineData("0xFFFFFFFFFFFFFFFFFF", "\"0xFFFFFFFFFFFFFFFFFF\"")]
    [InlineData("12abc", "\"12abc\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("_1", "\"_1\"")]
    [InlineData("True", "true")]
    [InlineData("NULL", "null")]
    [InlineData("Nope", "\"Nope\"")]
    public void Edge_scalars_follow_go_yaml(string yaml, string json)
    {
        var obj = Single($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\nv: {yaml}\n");

        Assert.Equal(json, obj.Body["v"]?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData(".inf")]
    [InlineData("-.Inf")]
    [InlineData(".nan")]
    public void Infinity_and_NaN_are_refused_because_JSON_cannot_carry_them(string value)
    {
        var e = Refusal($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\nv: {value}\n");

        Assert.Contains("line 4, column 4", e.Message);
        Assert.Contains($"Quote it ('{value}')", e.Message);
    }

    [Fact]
    public void A_tag_that_does_not_fit_its_value_is_refused()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nv: !!int abc\n");

        Assert.Contains("line 4, column 4", e.Message);
        Assert.Contains("not an integer", e.Message);
    }

    // ---- Keys ------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_duplicate_key_is_refused_at_the_second_one()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n");

        Assert.Contains("test.yaml, document 1", e.Message);
        Assert.Contains("line 5, column 3: the key 'name' is already in this mapping", e.Message);
        Assert.Contains("Remove or rename one", e.Message);
    }

    [Theory]
    [InlineData("80: web", "the integer 80")]
    [InlineData("yes: web", "the boolean true")]
    [InlineData("~: web", "null")]
    [InlineData("0777: web", "the integer 511")]
    public void A_key_that_reads_as_anything_but_text_is_refused_with_the_advice_to_quote_it(string entry, string readsAs)
    {
        var e = Refusal($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  {entry}\n");

        Assert.Contains("line 5, column 3", e.Message);
        Assert.Contains(readsAs, e.Message);
        Assert.Contains("Quote it", e.Message);
    }

    [Fact]
    public void A_quoted_number_key_is_text()
    {
        var obj = Single("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  '80': web\n");

        Assert.Equal("web", obj.Body["data"]!["80"]!.GetValue<string>());
    }

    [Fact]
    public void A_list_as_a_key_is_refused()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  ? [a, b]\n  : web\n");

        Assert.Contains("line 5, column 5", e.Message);
    }

    // ---- Anchors, aliases, merges ------------------------------------------------------------------------------------

    [Fact]
    public void Aliases_repeat_the_anchored_node_and_merge_keys_merge_with_written_keys_winning()
    {
        var obj = Assert.Single(KubeManifestReader.Read(Read("mixed-scalars.yaml"), "mixed-scalars.yaml"));

        Assert.Equal("""{"app":"scalars","tier":"backend"}""", obj.Body["spec"]!["copied-labels"]!.ToJsonString());
        var merged = obj.Body["spec"]!["merged"]!.AsObject();
        Assert.Equal("frontend", merged["tier"]!.GetValue<string>());
        Assert.Equal("scalars", merged["app"]!.GetValue<string>());
        Assert.False(merged.ContainsKey("<<"));

        // The copy is a copy: changing it leaves the anchored original alone.
        obj.Body["spec"]!["copied-labels"]!["app"] = "changed";
        Assert.Equal("scalars", obj.Body["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void Earlier_merged_mappings_win_over_later_ones()
    {
        var obj = Single("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
            a: &a {p: 1, q: 1}
            b: &b {p: 2, r: 2}
            data:
              <<: [*a, *b]
            """);

        Assert.Equal("""{"p":1,"q":1,"r":2}""", obj.Body["data"]!.ToJsonString());
    }

    [Fact]
    public void An_alias_to_an_undefined_anchor_is_refused_where_the_alias_is()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: *nowhere\n");

        Assert.Contains("line 4, column 7: the alias *nowhere names no anchor defined before it", e.Message);
    }

    [Fact]
    public void An_alias_inside_its_own_anchor_is_refused_instead_of_recursing_forever()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: &loop [1, *loop]\n");

        Assert.Contains("never end", e.Message);
    }

    [Fact]
    public void Aliases_that_expand_beyond_a_million_nodes_are_refused()
    {
        var yaml = new System.Text.StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 7; i++)
        {
            yaml.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        var e = Refusal(yaml.ToString());

        Assert.Contains("more than 1,000,000 nodes", e.Message);
    }

    [Fact]
    public void Nesting_deeper_than_any_object_needs_is_refused_before_it_can_overflow_the_stack()
    {
        string deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var e = Refusal(deep);

        Assert.Contains($"nest more than {KubeManifestReader.MaxDepth} deep", e.Message);
        Assert.Contains("line 4, column ", e.Message);
    }

    // ---- Invalid YAML ----------------------------------------------------------------------------------------------

    [Fact]
    public void Invalid_yaml_names_source_document_line_and_column()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   labels: x\n");

        Assert.StartsWith("test.yaml, document 2: invalid manifest at line 10, column ", e.Message);
        Assert.Equal("test.yaml, document 2", e.Target);
    }

    [Fact]
    public void An_unclosed_flow_list_is_refused_with_a_position_rather_than_a_crash()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: [1, 2\nother: 3\n");

        Assert.Matches(@"line [45], column \d+", e.Message);
    }

    [Fact]
    public void Tab_indentation_is_pointed_at_with_the_advice_to_use_spaces()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: c\n");

        Assert.Contains("line 4, column 1", e.Message);
        Assert.Contains("indent with spaces", e.Message);
    }

    [Fact]
    public void A_document_that_is_a_list_is_refused()
    {
        var e = Refusal("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n- a\n- b\n");

        Assert.Contains("document 2", e.Message);
        Assert.Contains("line 5, column 1", e.Message);
        Assert.Contains("not a Kubernetes object", e.Message);
    }

    // ---- Documents, JSON, lists --------------------------------------------------------------------------------------

    [Fact]
    public void Empty_documents_are_skipped_but_still_counted()
    {
        var objects = ReadText("---\n# nothing here\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\nnull\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n---\n");

        Assert.Equal(["ConfigMap", "Secret"], objects.Select(o => o.Kind));
        Assert.Equal([2, 5], objects.Select(o => o.DocumentIndex));
        Assert.Equal([4, 11], objects.Select(o => o.Line));
        Assert.Empty(ReadText(""));
        Assert.Empty(ReadText("# only a comment\n"));
    }

    [Fact]
    public void Json_reads_like_yaml_including_compact_and_tab_indented_forms()
    {
        var compact = Single("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"a":"1"}},"spec":{"ports":[{"port":80,"targetPort":"http"}],"clusterIP":null}}""");
        var tabbed = Single("{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Service\",\n\t\"metadata\": {\n\t\t\"name\": \"web\",\n\t\t\"labels\": {\"a\": \"1\"}\n\t},\n\t\"spec\": {\"ports\": [{\"port\": 80, \"targetPort\": \"http\"}], \"clusterIP\": null}\n}\n");

        Assert.Equal("Service", compact.Kind);
        Assert.Equal("web", compact.Name);
        Assert.Equal("default", compact.Namespace);
        Assert.Equal(80, compact.Body["spec"]!["ports"]![0]!["port"]!.GetValue<long>());
        Assert.Equal("1", compact.Body["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Equal(compact.Body.ToJsonString(), tabbed.Body.ToJsonString());
    }

    [Fact]
    public void A_kind_List_is_replaced_by_its_items_each_at_its_own_line()
    {
        var objects = ReadText("""
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: ServiceAccount
                metadata: {name: sa}
              - apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: nested}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: after}
            """);

        Assert.Equal(["ServiceAccount", "ConfigMap", "Secret"], objects.Select(o => o.Kind));
        Assert.Equal([4, 10, 14], objects.Select(o => o.Line));
        Assert.Equal([1, 1, 2], objects.Select(o => o.DocumentIndex));
        Assert.Null(objects[0].Body.Parent);
    }

    [Fact]
    public void A_typed_list_lends_its_items_the_apiVersion_and_kind_they_leave_off()
    {
        var objects = ReadText("""
            apiVersion: v1
            kind: ConfigMapList
            items:
              - metadata: {name: a}
              - metadata: {name: b}
            """);

        Assert.All(objects, o => Assert.Equal(("v1", "ConfigMap"), (o.ApiVersion, o.Kind)));
        Assert.Equal(["a", "b"], objects.Select(o => o.Name));
    }

    [Fact]
    public void A_list_item_that_is_not_an_object_is_refused_at_its_line()
    {
        var e = Refusal("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - just text\n");

        Assert.Contains("line 7, column 5", e.Message);
        Assert.Contains("item 2 of the List", e.Message);
    }

    // ---- Namespace default -----------------------------------------------------------------------------------------

    [Fact]
    public void Namespaced_objects_without_a_namespace_get_the_default_written_into_their_body()
    {
        var objects = ReadText("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: my-nginx}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: given, namespace: kube-system}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: blank, namespace: ""}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: cluster-wide}
            """, defaultNamespace: "demo");

        Assert.Equal(["demo", "kube-system", "demo", null], objects.Select(o => o.Namespace));
        Assert.Equal("demo", objects[0].Body["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("demo", objects[2].Body["metadata"]!["namespace"]!.GetValue<string>());
        Assert.False(objects[3].Body["metadata"]!.AsObject().ContainsKey("namespace"));
    }

    [Fact]
    public void The_default_namespace_is_default_unless_the_caller_names_one()
    {
        Assert.Equal("default", Single("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").Namespace);
    }

    [Fact]
    public void An_invalid_default_namespace_is_refused_before_reading()
    {
        var e = Assert.Throws<KfsException>(() => KubeManifestReader.Read("", "x.yaml", "Kube_System"));

        Assert.Equal("ManifestInvalidName", e.ErrorId);
        Assert.Equal(KfsErrorCategory.InvalidArgument, e.Category);
        Assert.Contains("'Kube_System' is not a lowercase RFC 1123 label", e.Message);
    }

    [Fact]
    public void An_object_built_in_code_gets_the_same_default_and_the_same_checks()
    {
        var body = JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"My_Nginx"}}""")!.AsObject();

        var obj = KubeManifestReader.FromJson(body, "New-KubeDeployment", "demo");

        Assert.Same(body, obj.Body);
        Assert.Equal("demo", obj.Namespace);
        Assert.Equal("demo", body["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("New-KubeDeployment", obj.Location);
        var problem = Assert.Single(KubeManifestValidator.Validate([obj]));
        Assert.StartsWith("New-KubeDeployment: metadata.name 'My_Nginx' is not a lowercase RFC 1123 subdomain", problem.Message);
    }

    // ---- The object's identity and URLs ------------------------------------------------------------------------------

    [Fact]
    public void An_object_knows_its_group_version_plural_scope_and_urls()
    {
        var deployment = Single("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: my-nginx}\n");

        Assert.Equal(("apps", "v1", "deployments", true), (deployment.Group, deployment.Version, deployment.Plural, deployment.IsNamespaced));
        Assert.Equal("/apis/apps/v1/namespaces/default/deployments", deployment.CollectionPath);
        Assert.Equal("/apis/apps/v1/namespaces/default/deployments/my-nginx", deployment.ItemPath);
        Assert.Equal("deployment.apps/my-nginx", deployment.ResourceName);
        Assert.Equal("Deployment default/my-nginx", deployment.ToString());
        Assert.Equal("test.yaml, document 1, line 1", deployment.Location);
    }

    [Fact]
    public void Rbac_names_with_colons_reach_the_url_unescaped()
    {
        var role = Single("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'system:node-proxier'}\n");

        Assert.Equal("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node-proxier", role.ItemPath);
    }

    [Fact]
    public void The_url_of_an_unknown_kind_is_refused_with_the_kind_explained()
    {
        var obj = Single("apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: weave-net}\n");

        Assert.Null(obj.Plural);
        Assert.False(obj.IsNamespaced);
        var e = Assert.Throws<KfsException>(() => obj.ItemPath);
        Assert.Equal("ManifestUnknownKind", e.ErrorId);
        Assert.Contains("DaemonSet is served as apps/v1", e.Message);
    }
}
