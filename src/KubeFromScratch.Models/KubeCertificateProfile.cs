namespace KubeFromScratch;

/// <summary>
/// What a certificate is for. Each profile fixes the key usages, extended key usages, default names and subject
/// the way kubeadm issues the same certificate, so a cluster built here looks like one built by kubeadm.
/// </summary>
public enum KubeCertificateProfile
{
    /// <summary>A self-signed certificate authority (cluster CA, etcd CA, front-proxy CA).</summary>
    CertificateAuthority,

    /// <summary>etcd's client-facing serving certificate (server and client auth; host names, localhost, loopbacks).</summary>
    EtcdServer,

    /// <summary>etcd's member-to-member certificate (server and client auth; host names, localhost, loopbacks).</summary>
    EtcdPeer,

    /// <summary>A client of etcd, such as a health check or etcdctl (client auth).</summary>
    EtcdClient,

    /// <summary>kube-apiserver's serving certificate (server auth; the kubernetes service names and address).</summary>
    ApiServer,

    /// <summary>kube-apiserver's client certificate towards etcd, CN kube-apiserver-etcd-client (client auth).</summary>
    ApiServerEtcdClient,

    /// <summary>A kubelet, CN system:node:&lt;name&gt;, O system:nodes (server and client auth).</summary>
    Kubelet,

    /// <summary>kube-proxy, CN system:kube-proxy (client auth).</summary>
    KubeProxy,

    /// <summary>The cluster administrator, CN kubernetes-admin, O system:masters (client auth).</summary>
    Admin,

    /// <summary>The key pair that signs service account tokens (sa.key, sa.pub); no certificate.</summary>
    ServiceAccount,
}
