#Requires -Version 7.4
<#
    Slide 9: the system pods. The deck: kubectl get pods --namespace=kube-system.
    KubeFromScratch: Get-KubePod -Namespace kube-system.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 9: the system pods are ready' -Tag KubeLab {
    It 'kube-system has pods, and every one is ready' {
        Assert-KubeLabApi
        $pods = @(Get-KubePod -Namespace kube-system)
        if ($pods.Count -eq 0) {
            throw 'kube-system has no pod yet: slide 8 puts Weave Net there. Run: Install-WeaveNet -Wait'
        }
        $pods | Should -BeReady
    }
}
