#Requires -Version 7.4
<#
    Slide 14: its NodePort URLs. The deck: kubectl get -o yaml service/my-nginx | grep nodePort, then open
    http://172.17.8.101:NODEPORT. KubeFromScratch: Get-KubeServiceUrl my-nginx | Test-KubeServiceUrl.
    The URLs are tried from this computer (an HTTP GET each): kube-proxy answers on every node's port.
#>
param(
    # The NodePort service of slide 13.
    [string] $Name = 'my-nginx'
)

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 14: the service has a URL on every node' -Tag KubeLab {
    It 'Get-KubeServiceUrl <Name> gives one URL per Ready node, all on the service''s node port' {
        Assert-KubeLabApi
        $service = Get-KubeService -Name $Name -ErrorAction SilentlyContinue
        if (-not $service -or -not $service.NodePort) {
            throw "There is no NodePort service $Name. Run: New-KubeService $Name -Port 8080 -TargetPort 80 -Type NodePort"
        }
        $urls = @(Get-KubeServiceUrl -Name $Name -ErrorAction SilentlyContinue)
        $ready = @(Get-KubeNode | Where-Object Ready)
        $without = @($ready.Name | Where-Object { $_ -notin $urls.Node })
        if ($ready.Count -eq 0) {
            throw 'No node is Ready, so no node serves the service. Run: Get-KubeHost | Start-KubeletNode -Wait'
        }
        if ($without) {
            # A URL needs the node's InternalIP, which its kubelet reports (--node-ip, or the address it finds).
            throw "Service $Name has no URL on $(Join-KubeLabList $without): Get-KubeNode shows no InternalIP for $(if ($without.Count -gt 1) { 'them' } else { 'it' }). Run: $(Get-KubeLabHostSelection $without) | Restart-KubeletNode"
        }
        $urls.NodePort | Sort-Object -Unique | Should -Be $service.NodePort
    }

    It 'every URL of <Name> answers' {
        Assert-KubeLabApi
        $urls = @(Get-KubeServiceUrl -Name $Name -ErrorAction SilentlyContinue)
        if ($urls.Count -eq 0) {
            throw "Service $Name has no URL. Run: New-KubeService $Name -Port 8080 -TargetPort 80 -Type NodePort"
        }
        $silent = @($urls | Test-KubeServiceUrl -TimeoutSec 5 | Where-Object { -not $_.Reachable })
        if ($silent) {
            $what = "$(Join-KubeLabList ($silent | ForEach-Object { "$($_.Url) ($($_.Error))" })) $(if ($silent.Count -gt 1) { 'do' } else { 'does' }) not answer"
            # kube-proxy serves the node ports: where it does not run, nothing answers.
            $hosts = @(Get-KubeHost | Where-Object { $_.Name -in $silent.Node -or $_.HostName -in $silent.Address })
            $proxyDown = @($hosts | Get-KubeUnit -Unit kube-proxy | Where-Object ActiveState -NE 'active' | ForEach-Object Host)
            if ($proxyDown) {
                throw "${what}: kube-proxy, which serves node ports, is not running on $(Join-KubeLabList $proxyDown). Run: $(Get-KubeLabHostSelection $proxyDown) | Start-KubeProxy"
            }
            throw "$what, though kube-proxy runs there: the app's pods must be ready (Get-KubePod), and nothing may block the port between this computer and the node."
        }
    }
}
