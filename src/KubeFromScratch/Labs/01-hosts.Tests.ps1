#Requires -Version 7.4
<#
    Slide 1: reach the hosts. The deck: vagrant up; vagrant ssh core-01.
    KubeFromScratch: Get-VagrantHost -Path . | Connect-KubeHost (the master with -Role Master).
    Checks this session's connections (Get-KubeHost); run it with Test-KubeLab -Step 1.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 1: the hosts are connected over SSH' -Tag KubeLab {
    It 'at least one host is connected in this session' {
        # Get-KubeLabHost stops with the fix when there is none.
        Get-KubeLabHost | Should -Not -BeNullOrEmpty
    }

    It 'every connected host answers a command' {
        $hosts = Get-KubeLabHost
        $results = @($hosts | Invoke-KubeHostCommand -Command 'true' -TimeoutSec 15 -ErrorAction SilentlyContinue)
        $silent = @($hosts.Name | Where-Object { $_ -notin @($results | Where-Object ExitCode -EQ 0).Host })
        if ($silent) {
            throw "$(Join-KubeLabList $silent) did not answer over SSH. Run: $(Get-KubeLabHostSelection $silent) | Connect-KubeHost"
        }
    }

    It 'one of them is the master' {
        # Later slides pick the master by its role (etcd, the API server and the first kubelet run there).
        Get-KubeLabHost -Master | Should -Not -BeNullOrEmpty
    }
}
