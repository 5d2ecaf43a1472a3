#Requires -Version 7.4
<#
    Slide 5: the master node is there. The deck: kubectl get nodes.
    KubeFromScratch: Connect-KubeApi -Server http://172.17.8.101:8080 once, then Get-KubeNode.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 5: Get-KubeNode lists Ready nodes' -Tag KubeLab {
    It 'the Kubernetes API is connected and answers' {
        Assert-KubeLabApi
    }

    It 'lists at least one node, and every node it lists is Ready' {
        Assert-KubeLabApi
        $nodes = @(Get-KubeNode)
        if ($nodes.Count -eq 0) {
            throw 'The API lists no node: no kubelet has registered one yet. Run: Get-KubeHost -Role Master | Start-KubeletNode -Wait'
        }
        $nodes | Should -BeReady
    }
}
