#Requires -Version 7.4
<#
    Slide 11: the CNI loopback plugin on every host. The deck: curl -L .../cni-v0.3.0.tgz | tar xvzC /opt/cni/bin ./loopback.
    KubeFromScratch: Get-KubeHost | Install-CniPlugin -Name loopback (checksum-verified).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 11: the CNI loopback plugin is on every host' -Tag KubeLab {
    It '/opt/cni/bin/loopback answers CNI''s VERSION command on every host' {
        $hosts = Get-KubeLabHost
        $results = @($hosts | Invoke-KubeHostCommand -Command 'CNI_COMMAND=VERSION /opt/cni/bin/loopback' -TimeoutSec 15 -ErrorAction SilentlyContinue)
        $missing = @($hosts.Name | Where-Object { $_ -notin @($results | Where-Object ExitCode -EQ 0).Host })
        if ($missing) {
            throw "The CNI loopback plugin (/opt/cni/bin/loopback) is missing or does not run on $(Join-KubeLabList $missing). Run: $(Get-KubeLabHostSelection $missing) | Install-CniPlugin -Name loopback"
        }
    }
}
