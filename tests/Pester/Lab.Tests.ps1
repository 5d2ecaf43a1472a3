#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Stands for the lab as a whole. Lab Describe blocks elsewhere are skipped when the lab cannot be used; this one
    test makes that visible: in CI ($env:CI -eq 'true') an unavailable lab is a failure with the reason, elsewhere
    a skip with the reason.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'Test lab' -Tag Lab {
    It 'is up and on its private network (tests/lab/lab.sh status and check-network)' {
        Assert-LabOrSkip -Reason (Get-LabSkipReason)
    }
}
