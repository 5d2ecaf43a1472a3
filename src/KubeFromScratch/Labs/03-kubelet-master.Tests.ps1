#Requires -Version 7.4
<#
    Slide 3: the kubelet on the master, with systemd. The deck:
    sudo systemctl enable kube-kubelet && sudo systemctl start kube-kubelet.
    KubeFromScratch: Get-KubeHost core-01 | Start-KubeletNode -Wait (returns the node once Ready).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 3: the kubelet runs on the master and its node is Ready' -Tag KubeLab {
    BeforeAll {
        $masters = Get-KubeLabHost -Master
    }

    It 'kube-kubelet is active on the master' {
        $masters | Get-KubeUnit -Unit kube-kubelet | Should -BeActive
    }

    It 'the master''s node is registered and Ready' {
        Get-KubeLabNode -KubeHost $masters | Should -BeReady
    }
}
