#Requires -Version 7.4
<#
    Slide 8: the pod network, Weave Net. The deck: kubectl create -f https://git.io/weave-kube (git.io is gone).
    KubeFromScratch: Install-WeaveNet -Wait (Weave Net 2.8.1's manifest, shipped and pinned by SHA-256).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 8: Weave Net runs a ready pod on every node' -Tag KubeLab {
    BeforeAll {
        function Get-WeaveNetPod {
            # The weave-net DaemonSet's pods, as its controller owns them.
            Get-KubePod -Namespace kube-system | Where-Object { $_.OwnerKind -eq 'DaemonSet' -and $_.OwnerName -eq 'weave-net' }
        }
    }

    It 'Weave Net has a pod on every node' {
        Assert-KubeLabApi
        $pods = @(Get-WeaveNetPod)
        if ($pods.Count -eq 0) {
            throw 'Weave Net is not installed: kube-system has no weave-net pod. Run: Install-WeaveNet -Wait'
        }
        $without = @(Get-KubeNode | Where-Object Name -NotIn $pods.Node | ForEach-Object Name)
        if ($without) {
            throw "$(Join-KubeLabList $without) $(if ($without.Count -gt 1) { 'have' } else { 'has' }) no weave-net pod: the DaemonSet places one only on a Ready node. Run: Install-WeaveNet -Wait"
        }
    }

    It 'every weave-net pod is ready' {
        Assert-KubeLabApi
        $pods = @(Get-WeaveNetPod)
        if ($pods.Count -eq 0) {
            throw 'Weave Net is not installed: kube-system has no weave-net pod. Run: Install-WeaveNet -Wait'
        }
        $pods | Should -BeReady
    }
}
