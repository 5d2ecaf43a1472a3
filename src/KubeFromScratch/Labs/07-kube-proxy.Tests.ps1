#Requires -Version 7.4
<#
    Slide 7: kube-proxy on every host. The deck: sudo systemctl enable kube-proxy && sudo systemctl start kube-proxy.
    KubeFromScratch: Get-KubeHost | Start-KubeProxy.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 7: kube-proxy runs on every host' -Tag KubeLab {
    It 'kube-proxy is active on every connected host' {
        Get-KubeLabHost | Get-KubeUnit -Unit kube-proxy | Should -BeActive
    }
}
