#Requires -Version 7.4
# What ./build.ps1 -Task Build lays out in out/KubeFromScratch: the isolation layout, a manifest that
# exports every cmdlet the assembly defines, and default views that render as designed.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $modulePath = if ($env:KFS_MODULE_PATH) { $env:KFS_MODULE_PATH } else { Join-Path $repoRoot 'out/KubeFromScratch/KubeFromScratch.psd1' }
    $moduleDir = Split-Path -Parent $modulePath
    $manifest = Import-PowerShellDataFile $modulePath
    $module = Import-Module $modulePath -Force -PassThru -ErrorAction Stop

    function New-ModelObject([type] $Type, [object[]] $Arguments) {
        # Output types have internal constructors (only the engine makes them); reflection stands in for it.
        $constructor = $Type.GetConstructors([System.Reflection.BindingFlags] 'NonPublic, Public, Instance') |
            Where-Object { $_.GetParameters().Count -eq $Arguments.Count } | Select-Object -First 1
        $constructor.Invoke($Arguments)
    }
}

Describe 'The built module layout' -Tag 'Build' {
    It 'has only the manifest, the two default-context assemblies, the format file, en-US, Dependencies and Labs at its root' {
        $names = @(Get-ChildItem -LiteralPath $moduleDir -Force | ForEach-Object Name | Sort-Object)
        $names | Should -Be @('Dependencies', 'en-US', 'KubeFromScratch.dll', 'KubeFromScratch.Format.ps1xml',
            'KubeFromScratch.Models.dll', 'KubeFromScratch.psd1', 'Labs' | Sort-Object)
    }

    It 'ships Test-KubeLab''s checks, one file per slide, with their helpers and the Should operators, in Labs/' {
        $labs = Join-Path $moduleDir 'Labs'
        (Get-ChildItem -LiteralPath $labs -Filter '*.Tests.ps1').Name | Should -Be @(
            '01-hosts', '02-etcd', '03-kubelet-master', '05-nodes', '06-kubelet-workers', '07-kube-proxy', '08-weave-net',
            '09-system-pods', '10-weave-peers', '11-cni-loopback', '12-deployment', '13-service', '14-nodeport-urls' |
                ForEach-Object { "$_.Tests.ps1" })
        Test-Path -LiteralPath (Join-Path $labs 'Assertions.ps1') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $labs 'LabHelpers.ps1') | Should -BeTrue
    }

    It 'keeps the engine and its third-party assemblies in Dependencies/' {
        foreach ($name in 'KubeFromScratch.Engine', 'Renci.SshNet', 'BouncyCastle.Cryptography',
            'Microsoft.Extensions.Logging.Abstractions', 'KubernetesClient', 'YamlDotNet') {
            Test-Path -LiteralPath (Join-Path $moduleDir "Dependencies/$name.dll") | Should -BeTrue -Because "$name.dll belongs in Dependencies/"
        }
    }

    It 'ships no second copy of the output types and no PowerShell assembly' {
        Test-Path -LiteralPath (Join-Path $moduleDir 'Dependencies/KubeFromScratch.Models.dll') | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $moduleDir 'Dependencies/KubeFromScratch.dll') | Should -BeFalse
        Get-ChildItem -LiteralPath $moduleDir -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'ships the MAML help and the about topic' {
        Test-Path -LiteralPath (Join-Path $moduleDir 'en-US/KubeFromScratch.dll-Help.xml') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $moduleDir 'en-US/about_KubeFromScratch.help.txt') | Should -BeTrue
    }
}

Describe 'The manifest' -Tag 'Build' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $modulePath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'lists cmdlets one by one, and exports nothing else' {
        $manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $manifest.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        $manifest.FunctionsToExport.Count | Should -Be 0
        $manifest.VariablesToExport.Count | Should -Be 0
        $manifest.AliasesToExport.Count | Should -Be 0
    }

    It 'exports every cmdlet the assembly defines, and only those' {
        $assembly = $module.ImplementingAssembly ?? ($module.NestedModules | Select-Object -First 1).ImplementingAssembly
        $defined = @($assembly.GetTypes() |
                ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object)
        $defined | Should -Be @($manifest.CmdletsToExport | Sort-Object) -Because 'a cmdlet missing from CmdletsToExport is invisible to users'
        @(Get-Command -Module KubeFromScratch | ForEach-Object Name | Sort-Object) | Should -Be $defined
    }

    It 'loads the output types in the default load context' {
        $models = [KubeFromScratch.KubeHost].Assembly
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($models) |
            Should -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        $models.Location | Should -Be (Join-Path $moduleDir 'KubeFromScratch.Models.dll')
    }
}

Describe 'Default views' -Tag 'Build' {
    It 'has a table view for <_>' -ForEach @(
        'KubeFromScratch.KubeHost', 'KubeFromScratch.KubeHostSpec', 'KubeFromScratch.KubeHostCommandResult',
        'KubeFromScratch.KubeHostFileCopy') {
        $view = (Get-FormatData -TypeName $_).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] }
        $view | Should -Not -BeNullOrEmpty
    }

    It 'names only properties the types have' {
        [xml] $format = Get-Content -LiteralPath (Join-Path $moduleDir 'KubeFromScratch.Format.ps1xml') -Raw
        foreach ($view in $format.Configuration.ViewDefinitions.View) {
            # A view may serve several types (the etcd member lines and verdict share one); each must have them all.
            foreach ($typeName in @($view.ViewSelectedBy.TypeName)) {
                $type = [type] $typeName
                foreach ($property in $view.SelectNodes('.//PropertyName') | ForEach-Object InnerText) {
                    $type.GetProperty($property) | Should -Not -BeNullOrEmpty -Because "$($type.Name) must have the property $property"
                }
            }
        }
    }

    It 'shows a command result''s duration in seconds with two decimals and every output line' {
        $result = New-ModelObject ([KubeFromScratch.KubeHostCommandResult]) @(
            'core-01', 'hostname; uptime', [int] 0, [string[]] @('core-01', ' 10:00:00 up 1 min'), [string[]] @(),
            [timespan]::FromMilliseconds(123), $false)
        $text = $result | Format-Table | Out-String -Width 200
        $text | Should -Match '\b0\.12s\b'
        $text | Should -Match 'core-01'
        $text | Should -Match 'up 1 min'
        $text | Should -Not -Match 'Error'
    }

    It 'shows the first 12 characters of a copy''s SHA-256' {
        $sha = 'ab' * 32
        $copy = New-ModelObject ([KubeFromScratch.KubeHostFileCopy]) @(
            'core-02', [KubeFromScratch.CopyDirection]::Upload, '/tmp/kubelet', '/opt/bin/kubelet', [long] 1024, $sha, '0755',
            [timespan]::FromSeconds(1))
        $text = $copy | Format-Table | Out-String -Width 200
        $text | Should -Match "\b$('ab' * 6)\b"
        $text | Should -Not -Match "$('ab' * 7)"
        $text | Should -Match '/opt/bin/kubelet'
        $text | Should -Match '0755'
    }
}
