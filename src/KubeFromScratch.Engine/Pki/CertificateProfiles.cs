using System.Net;

namespace KubeFromScratch.Engine.Pki;

/// <summary>
/// What kubeadm puts in each kind of certificate, as rules: subject, extended key usages and the names every
/// such certificate carries. Kept in one place so the issuer and its tests agree on one definition.
/// </summary>
internal static class CertificateProfiles
{
    /// <summary>The first address of the default service CIDR 10.96.0.0/12, where the kubernetes service lives.</summary>
    internal const string DefaultKubernetesServiceAddress = "10.96.0.1";

    /// <summary>The default cluster DNS domain.</summary>
    internal const string DefaultClusterDomain = "cluster.local";

    internal const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    internal const string ApiServerName = "kube-apiserver";
    internal const string ApiServerEtcdClientName = "kube-apiserver-etcd-client";
    internal const string EtcdHealthcheckClientName = "kube-etcd-healthcheck-client";
    internal const string KubeProxyName = "system:kube-proxy";
    internal const string AdminName = "kubernetes-admin";
    internal const string NodePrefix = "system:node:";
    internal const string NodesGroup = "system:nodes";

    /// <summary>
    /// The admin's group. kubeadm 1.29+ puts admin.conf in kubeadm:cluster-admins (bound to cluster-admin by a
    /// ClusterRoleBinding kubeadm creates) and keeps system:masters for super-admin.conf; we create no such
    /// binding, so the admin uses system:masters, which the API server itself grants all rights to.
    /// </summary>
    internal const string MastersGroup = "system:masters";

    /// <summary>A request made concrete by its profile's rules.</summary>
    internal sealed record Resolved(string CommonName, string[] Organizations, SubjectAlternativeNames Names,
        bool ServerAuth, bool ClientAuth);

    /// <summary>Applies the profile's rules to what was asked for.</summary>
    /// <exception cref="KfsException">CertificateProfileInvalid or InvalidSubjectAlternativeName.</exception>
    internal static Resolved Resolve(KubeCertificateProfile profile, string? commonName, string[]? organizations,
        string[]? dnsNames, string[]? ipAddresses, string kubernetesServiceAddress, string clusterDomain)
    {
        var cn = commonName?.Trim() ?? string.Empty;
        var orgs = (organizations ?? []).Select(o => o.Trim()).Where(o => o.Length > 0)
            .Distinct(StringComparer.Ordinal).ToList();
        var names = new SubjectAlternativeNames();

        void AddGiven()
        {
            foreach (var name in dnsNames ?? [])
            {
                names.AddName(name);
            }

            foreach (var address in ipAddresses ?? [])
            {
                names.AddIPAddress(address);
            }
        }

        switch (profile)
        {
            case KubeCertificateProfile.EtcdServer:
            case KubeCertificateProfile.EtcdPeer:
                if (cn.Length == 0)
                {
                    throw Invalid(profile, "needs the etcd member's host name as its common name");
                }

                // As kubeadm: the member's name and addresses, plus loopback so etcdctl on the host just works.
                names.AddName(cn);
                AddGiven();
                names.AddName("localhost");
                names.AddAddress(IPAddress.Loopback);
                names.AddAddress(IPAddress.IPv6Loopback);
                return new Resolved(cn, [.. orgs], names, ServerAuth: true, ClientAuth: true);

            case KubeCertificateProfile.EtcdClient:
                AddGiven();
                return new Resolved(cn.Length > 0 ? cn : EtcdHealthcheckClientName, [.. orgs], names, false, true);

            case KubeCertificateProfile.ApiServerEtcdClient:
                AddGiven();
                return new Resolved(Fixed(profile, cn, ApiServerEtcdClientName), [.. orgs], names, false, true);

            case KubeCertificateProfile.ApiServer:
            {
                Fixed(profile, cn, ApiServerName);
                if ((dnsNames ?? []).Length == 0 && (ipAddresses ?? []).Length == 0)
                {
                    throw Invalid(profile, "needs the masters' host names or addresses (or the load balancer's), " +
                        "or nothing outside the cluster could reach the API server by name");
                }

                var domain = clusterDomain.Trim().Trim('.');
                if (!SubjectAlternativeNames.IsDnsName(domain))
                {
                    throw Invalid(profile, $"cannot use the cluster domain '{clusterDomain}'");
                }

                AddGiven();
                foreach (var name in new[] { "kubernetes", "kubernetes.default", "kubernetes.default.svc", $"kubernetes.default.svc.{domain}" })
                {
                    names.AddName(name);
                }

                names.AddIPAddress(kubernetesServiceAddress);
                return new Resolved(ApiServerName, [.. orgs], names, ServerAuth: true, ClientAuth: false);
            }

            case KubeCertificateProfile.Kubelet:
            {
                var node = cn.StartsWith(NodePrefix, StringComparison.Ordinal) ? cn[NodePrefix.Length..] : cn;
                if (node.Length == 0)
                {
                    throw Invalid(profile, "needs the node name (core-01 or system:node:core-01) as its common name");
                }

                // The node authorizer only recognises kubelets in system:nodes, so the group is always there.
                if (!orgs.Contains(NodesGroup))
                {
                    orgs.Insert(0, NodesGroup);
                }

                // One certificate serves the kubelet's HTTPS endpoint and signs it in to the API server.
                names.AddName(node);
                AddGiven();
                return new Resolved(NodePrefix + node, [.. orgs], names, ServerAuth: true, ClientAuth: true);
            }

            case KubeCertificateProfile.KubeProxy:
                AddGiven();
                return new Resolved(Fixed(profile, cn, KubeProxyName), [.. orgs], names, false, true);

            case KubeCertificateProfile.Admin:
                if (orgs.Count == 0)
                {
                    orgs.Add(MastersGroup);
                }

                AddGiven();
                return new Resolved(cn.Length > 0 ? cn : AdminName, [.. orgs], names, false, true);

            default:
                throw Invalid(profile, profile == KubeCertificateProfile.CertificateAuthority
                    ? "is made by New-KubeCertificateAuthority, not issued by a CA"
                    : "is not a certificate profile");
        }
    }

    /// <summary>
    /// A profile whose subject RBAC or a component looks for by name: any other common name would issue a
    /// certificate that silently gets no rights, so refuse it.
    /// </summary>
    private static string Fixed(KubeCertificateProfile profile, string given, string required)
    {
        if (given.Length > 0 && !string.Equals(given, required, StringComparison.Ordinal))
        {
            throw Invalid(profile, $"always has the common name '{required}' (Kubernetes looks for it), not '{given}'");
        }

        return required;
    }

    private static KfsException Invalid(KubeCertificateProfile profile, string why) =>
        new("CertificateProfileInvalid", KfsErrorCategory.InvalidArgument, profile, $"A {profile} certificate {why}.");
}
