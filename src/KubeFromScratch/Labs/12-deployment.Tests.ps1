#Requires -Version 7.4
<#
    Slide 12: the demo app. The deck: kubectl run my-nginx --image=nginx --replicas=2 --port=80.
    KubeFromScratch: New-KubeDeployment my-nginx -Image nginx -Replicas 2 -Port 80 -Wait.
    -Data @{ Name = 'web' } (New-PesterContainer) checks another deployment.
#>
param(
    # The deployment the slide creates.
    [string] $Name = 'my-nginx'
)

BeforeAll {
    . (Join-Path $PSScriptRoot 'LabHelpers.ps1')
}

Describe 'Slide 12: the deployment is ready' -Tag KubeLab {
    It 'deployment <Name> exists and all its replicas are ready' {
        Assert-KubeLabApi
        $deployment = Get-KubeDeployment -Name $Name -ErrorAction SilentlyContinue
        if (-not $deployment) {
            throw "There is no deployment $Name. Run: New-KubeDeployment $Name -Image nginx -Replicas 2 -Port 80 -Wait"
        }
        $deployment | Should -BeReady
    }
}
