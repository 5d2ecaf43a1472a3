#Requires -Version 7.4
<#
    Slide 6: the kubelet on the workers. The deck: ssh core@172.17.8.102 "sudo systemctl enable kube-kubelet && ..."
    (and .103). KubeFromScratch: Get-KubeHost -Role Worker | Start-KubeletNode -Wait (all workers at once).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 6: the kubelet runs on every worker and their nodes are Ready' -Tag KubeLab {
    BeforeAll {
        # Workers are every connected host that is not the master (Vagrant's specs carry no role).
        $workers = Get-KubeLabHost -Worker
    }

    It 'kube-kubelet is active on every worker' {
        $workers | Get-KubeUnit -Unit kube-kubelet | Should -BeActive
    }

    It 'every worker''s node is registered and Ready' {
        Get-KubeLabNode -KubeHost $workers | Should -BeReady
    }
}
