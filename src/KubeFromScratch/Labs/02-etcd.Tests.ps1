#Requires -Version 7.4
<#
    Slide 2: etcd is healthy. The deck: etcdctl cluster-health.
    KubeFromScratch: Test-EtcdHealth (every member and the cluster verdict, from this computer or through SSH).
    etcd comes with the hosts (the workshop's image starts it); this slide only checks it.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 2: etcd is healthy' -Tag KubeLab {
    BeforeAll {
        # Without arguments Test-EtcdHealth asks the connected masters, as etcdctl on core-01 did.
        $null = Get-KubeLabHost
        $health = @(Test-EtcdHealth -ErrorAction Stop)
    }

    It 'every etcd member is healthy' {
        $health | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] } | Should -BeHealthy
    }

    It 'the cluster is healthy' {
        $health | Where-Object { $_ -is [KubeFromScratch.EtcdClusterHealth] } | Should -BeHealthy
    }
}
