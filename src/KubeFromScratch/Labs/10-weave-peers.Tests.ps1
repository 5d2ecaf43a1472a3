#Requires -Version 7.4
<#
    Slide 10: the weave script and its peers. The deck: sudo curl -L git.io/weave -o /opt/bin/weave; weave status peers.
    KubeFromScratch: Get-KubeHost | Install-WeaveBinary; Get-WeavePeer core-01.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 10: weave status peers shows every host in one mesh' -Tag KubeLab {
    It 'the weave script is on every host' {
        $hosts = Get-KubeLabHost
        $results = @($hosts | Invoke-KubeHostCommand -Command 'test -x /opt/bin/weave' -TimeoutSec 15 -ErrorAction SilentlyContinue)
        $missing = @($hosts.Name | Where-Object { $_ -notin @($results | Where-Object ExitCode -EQ 0).Host })
        if ($missing) {
            throw "/opt/bin/weave is missing on $(Join-KubeLabList $missing). Run: $(Get-KubeLabHostSelection $missing) | Install-WeaveBinary"
        }
    }

    It 'weave on the master lists every host as a peer, with its connections established' {
        $master = Get-KubeLabHost -Master | Select-Object -First 1
        $hosts = Get-KubeLabHost
        $peers = @(Get-WeavePeer $master.Name -ErrorAction Stop)
        $unseen = @($hosts.Name | Where-Object { $_ -notin $peers.NickName })
        if ($unseen) {
            throw "weave status peers on $($master.Name) does not list $(Join-KubeLabList $unseen): Weave Net does not run there. Run: Install-WeaveNet -Wait"
        }
        $down = @($peers.Connections | Where-Object { -not $_.IsEstablished } | ForEach-Object { "$($_.FromNickName) $($_.Arrow) $($_.PeerNickName) ($($_.State))" })
        if ($down) {
            throw "Some Weave connections are not established: $(Join-KubeLabList $down). Run: Install-WeaveNet -Wait"
        }
    }
}
