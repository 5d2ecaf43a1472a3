#Requires -Version 7.4
<#
    Slide 13: its service. The deck: kubectl expose deployment my-nginx --target-port=80 --port=8080 --type=NodePort.
    KubeFromScratch: New-KubeService my-nginx -Port 8080 -TargetPort 80 -Type NodePort.
#>
param(
    # The service the slide creates (named after the deployment).
    [string] $Name = 'my-nginx'
)

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 13: the service exposes the deployment on a node port' -Tag KubeLab {
    BeforeAll {
        $create = "New-KubeService $Name -Port 8080 -TargetPort 80 -Type NodePort"
    }

    It 'service <Name> exists with a node port' {
        Assert-KubeLabApi
        $service = Get-KubeService -Name $Name -ErrorAction SilentlyContinue
        if (-not $service) {
            throw "There is no service $Name. Run: $create"
        }
        if ($service.Type -ne 'NodePort' -or -not $service.NodePort) {
            throw "Service $Name is of type $($service.Type) with no node port, so no node serves it. Run: Remove-KubeService $Name; $create"
        }
    }

    It 'service <Name> selects ready pods' {
        Assert-KubeLabApi
        $service = Get-KubeService -Name $Name -ErrorAction SilentlyContinue
        if (-not $service) {
            throw "There is no service $Name. Run: $create"
        }
        # The pods whose labels carry every key and value of the service's selector.
        $pods = @(Get-KubePod -Namespace $service.Namespace | Where-Object {
                $labels = $_.Labels
                @($service.Selector.Keys | Where-Object { -not $labels.ContainsKey($_) -or $labels[$_] -ne $service.Selector[$_] }).Count -eq 0
            })
        if ($service.Selector.Count -eq 0 -or $pods.Count -eq 0) {
            $selector = ($service.Selector.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ','
            throw "Service $Name selects no pod (selector: $(if ($selector) { $selector } else { 'none' })). Run: New-KubeDeployment $Name -Image nginx -Replicas 2 -Port 80 -Wait"
        }
        $pods | Should -BeReady
    }
}
