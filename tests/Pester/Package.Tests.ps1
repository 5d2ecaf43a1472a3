#Requires -Version 7.4
# The package that ./build.ps1 -Task Package writes to out/package installs with PSResourceGet and imports
# by name in a new pwsh, exporting the manifest's cmdlets. Run Package first (Test does).

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $packageDir = if ($env:KFS_PACKAGE_PATH) { $env:KFS_PACKAGE_PATH } else { Join-Path $repoRoot 'out/package' }
    $manifest = Import-PowerShellDataFile (Join-Path $repoRoot 'KubeFromScratch.psd1')

    function Invoke-NewPwsh([string] $Command) {
        # The pwsh running the tests: a plain pwsh, or the dotnet tool (then the process is dotnet + pwsh.dll).
        $processPath = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $processPath @prefix -NoProfile -NonInteractive -Command $Command 2>&1
        [pscustomobject] @{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object ToString) }
    }

    $package = Get-ChildItem -LiteralPath $packageDir -Filter 'KubeFromScratch.*.nupkg' -ErrorAction Ignore | Select-Object -First 1
    $repository = "KfsPackageTest-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $installRoot = Join-Path ([IO.Path]::GetTempPath()) "kfs-package-test-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $installRoot
    if ($package) {
        Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
        # A local file repository under a unique name: offline, and nothing of the user's setup is touched.
        Register-PSResourceRepository -Name $repository -Uri $packageDir -Trusted
        Save-PSResource -Name KubeFromScratch -Repository $repository -Path $installRoot -TrustRepository -SkipDependencyCheck
    }
    $moduleDir = Join-Path $installRoot 'KubeFromScratch' | Join-Path -ChildPath $manifest.ModuleVersion
}

AfterAll {
    if (Get-PSResourceRepository -Name $repository -ErrorAction Ignore) {
        Unregister-PSResourceRepository -Name $repository
    }
    Remove-Item -LiteralPath $installRoot -Recurse -Force -ErrorAction Ignore
}

Describe 'The KubeFromScratch package' -Tag 'Package' {
    It 'exists in out/package (./build.ps1 -Task Package makes it)' {
        $package | Should -Not -BeNullOrEmpty -Because "no KubeFromScratch.*.nupkg in $packageDir; run ./build.ps1 -Task Package"
        $package.Name | Should -Be "KubeFromScratch.$($manifest.ModuleVersion).nupkg"
    }

    It 'installs with PSResourceGet into a clean folder, with the isolated layout' {
        Test-Path -LiteralPath (Join-Path $moduleDir 'KubeFromScratch.psd1') | Should -BeTrue -Because "Save-PSResource should have written $moduleDir"
        foreach ($file in 'KubeFromScratch.dll', 'KubeFromScratch.Models.dll', 'KubeFromScratch.Format.ps1xml',
            'en-US/KubeFromScratch.dll-Help.xml', 'Dependencies/KubeFromScratch.Engine.dll', 'Dependencies/Renci.SshNet.dll') {
            Test-Path -LiteralPath (Join-Path $moduleDir $file) | Should -BeTrue -Because "the package must carry $file"
        }
        Get-ChildItem -LiteralPath $moduleDir -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'carries the Labs folder: Test-KubeLab''s checks, their helpers and the Should operators' {
        $labs = Join-Path $moduleDir 'Labs'
        Test-Path -LiteralPath $labs -PathType Container | Should -BeTrue -Because 'Test-KubeLab runs the checks from the installed module''s Labs folder'
        foreach ($file in 'Assertions.ps1', 'LabHelpers.ps1', '01-hosts.Tests.ps1', '07-kube-proxy.Tests.ps1', '14-nodeport-urls.Tests.ps1') {
            Test-Path -LiteralPath (Join-Path $labs $file) | Should -BeTrue -Because "the package must carry Labs/$file"
        }
        @(Get-ChildItem -LiteralPath $labs -Filter '*.Tests.ps1').Count |
            Should -Be @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'src/KubeFromScratch/Labs') -Filter '*.Tests.ps1').Count
    }

    It 'imports by name in a new pwsh and exports exactly the manifest''s cmdlets' {
        $env:KFS_TEST_MODULE_ROOT = $installRoot
        try {
            $result = Invoke-NewPwsh @'
$env:PSModulePath = $env:KFS_TEST_MODULE_ROOT + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module KubeFromScratch -ErrorAction Stop
'BASE=' + (Get-Module KubeFromScratch).ModuleBase
Get-Command -Module KubeFromScratch | ForEach-Object { 'CMD=' + $_.Name }
'@
        }
        finally {
            Remove-Item Env:KFS_TEST_MODULE_ROOT -ErrorAction Ignore
        }

        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $base = ($result.Output | Where-Object { $_ -like 'BASE=*' }) -replace '^BASE='
        $base | Should -Be $moduleDir -Because 'the module must come from the installed package, not from out/'
        $commands = @($result.Output | Where-Object { $_ -like 'CMD=*' } | ForEach-Object { $_ -replace '^CMD=' } | Sort-Object)
        $commands | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        foreach ($name in 'Get-VagrantHost', 'Connect-KubeHost', 'Get-KubeHost', 'Disconnect-KubeHost',
            'Invoke-KubeHostCommand', 'Copy-KubeHostItem', 'Enter-KubeHost') {
            $commands | Should -Contain $name
        }
    }
}
