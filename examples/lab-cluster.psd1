# The workshop's cluster on the local lab (tests/lab/lab.sh up), for Install-KubeCluster:
#   Install-KubeCluster ./examples/lab-cluster.psd1
# Paths are relative to this file. On your own hosts, change the addresses, user, key and ApiServer, and drop
# ReleaseBaseUrl to download from dl.k8s.io and github.com.
@{
    Name              = 'workshop-lab'
    KubernetesVersion = '1.33.1'

    # The deck's insecure API address on the master. In the lab it is the API server stand-in (tests/LabApiServer).
    ApiServer         = 'http://172.17.8.101:8080'

    # The lab's release mirror, laid out like dl.k8s.io and github.com.
    ReleaseBaseUrl    = 'http://172.17.8.1:8080'
    Cni               = @{ Version = '1.1.1'; Plugins = @('loopback') }
    NetworkProvider   = 'WeaveNet'

    # Install: the module writes today's units and configs (Image: use the units the hosts' image brings).
    Units             = 'Install'
    Certificates      = @{ Enabled = $false }

    KnownHostsFile    = '../out/lab/known_hosts'   # written by lab.sh up from the hosts' keys
    AcceptNewHostKey  = $false
    Hosts             = @(
        @{ Name = 'core-01'; Address = '172.17.8.101'; User = 'core'; IdentityFile = '../out/lab/id_ed25519'; Role = 'Master' }
        @{ Name = 'core-02'; Address = '172.17.8.102'; User = 'core'; IdentityFile = '../out/lab/id_ed25519'; Role = 'Worker' }
        @{ Name = 'core-03'; Address = '172.17.8.103'; User = 'core'; IdentityFile = '../out/lab/id_ed25519'; Role = 'Worker' }
    )

    SmokeTest         = @{ Name = 'my-nginx'; Image = 'nginx'; Replicas = 2; Port = 80; ServicePort = 8080 }
}
