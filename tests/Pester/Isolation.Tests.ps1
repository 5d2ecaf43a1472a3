#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The module keeps YamlDotNet and SSH.NET in its own AssemblyLoadContext ('KubeFromScratch'), so a script or
    another module that already uses a different YamlDotNet keeps working, and so does this module, whichever
    was loaded first. Each order runs in a fresh pwsh: a load context cannot be unloaded from a session.

    The "other" YamlDotNet is 11.2.1 from NuGet, restored next to Pester (NUGET_PACKAGES or ~/.nuget/packages).
    No network beyond loopback: the SSH.NET load is triggered by a connection refused on a closed loopback port.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Yaml1121 = Get-YamlDotNet1121Path
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Yaml1121 = Get-YamlDotNet1121Path
    $script:Inventory = Join-Path $TestDrive 'inventory.yaml'
    @'
defaults: { user: core, identityFile: keys/id_ed25519 }
hosts:
  - { name: core-01, hostName: 172.17.8.101, role: Master }
  - { name: core-02, hostName: 172.17.8.102, role: Worker }
'@ | Set-Content -LiteralPath $script:Inventory

    # What each child reports: the results of both YAML libraries and where every copy of the assemblies loaded.
    $script:Report = {
        param($Before, $Specs, $After)
        [pscustomobject]@{
            Before     = $Before
            Specs      = @($Specs | ForEach-Object { "$($_.Name)/$($_.Role)/$($_.UserName)" })
            After      = $After
            Assemblies = @([AppDomain]::CurrentDomain.GetAssemblies() |
                    Where-Object { $_.GetName().Name -in 'YamlDotNet', 'Renci.SshNet' } |
                    ForEach-Object {
                        [pscustomobject]@{
                            Name        = $_.GetName().Name
                            FileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo($_.Location).FileVersion
                            LoadContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                        }
                    })
        }
    }.ToString()
}

Describe 'Module dependency isolation' {
    BeforeAll {
        $script:Yaml1121 | Should -Not -BeNullOrEmpty -Because 'YamlDotNet 11.2.1 must be restored with Pester (dotnet restore of the Pester package project)'
    }

    It 'works when a script loaded YamlDotNet 11.2.1 before the module was imported' {
        $result = Invoke-Isolated -NoImport -ArgumentList $script:Yaml1121, (Get-KfsModulePath), $script:Inventory, $script:Report {
            param($YamlDll, $ModulePath, $Inventory, $Report)
            Add-Type -LiteralPath $YamlDll
            $old = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build()
            $before = $old.Deserialize([IO.StringReader]::new("tool: yaml-11`nitems: [a, b]"))

            Import-Module $ModulePath
            $specs = Import-KubeHostInventory -Path $Inventory
            # Loads SSH.NET: a refused connection on a closed loopback port.
            $port = ([Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0) | ForEach-Object { $_.Start(); $_.LocalEndpoint.Port; $_.Stop() })
            Connect-KubeHost -HostName 127.0.0.1 -Port $port -UserName core -Credential ([pscredential]::new('core', (ConvertTo-SecureString x -AsPlainText -Force))) -KnownHostsFile "$Inventory.kh" -ErrorAction SilentlyContinue

            $after = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize([IO.StringReader]::new("tool: yaml-11-again"))
            & ([scriptblock]::Create($Report)) "$($before['tool']) $($before['items'] -join ',')" $specs $after['tool']
        }

        $result.Before | Should -Be 'yaml-11 a,b'
        $result.Specs | Should -Be @('core-01/Master/core', 'core-02/Worker/core')
        $result.After | Should -Be 'yaml-11-again'
        Assert-Placement $result.Assemblies
    }

    It 'works when YamlDotNet 11.2.1 is loaded after the module was imported and used' {
        $result = Invoke-Isolated -NoImport -ArgumentList $script:Yaml1121, (Get-KfsModulePath), $script:Inventory, $script:Report {
            param($YamlDll, $ModulePath, $Inventory, $Report)
            Import-Module $ModulePath
            $specs = Import-KubeHostInventory -Path $Inventory
            $port = ([Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0) | ForEach-Object { $_.Start(); $_.LocalEndpoint.Port; $_.Stop() })
            Connect-KubeHost -HostName 127.0.0.1 -Port $port -UserName core -Credential ([pscredential]::new('core', (ConvertTo-SecureString x -AsPlainText -Force))) -KnownHostsFile "$Inventory.kh" -ErrorAction SilentlyContinue

            Add-Type -LiteralPath $YamlDll
            $after = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize([IO.StringReader]::new("tool: yaml-11`nitems: [a, b]"))
            # And the module's YAML still works with the old library in the session.
            $again = Import-KubeHostInventory -Path $Inventory -Role Worker
            & ([scriptblock]::Create($Report)) ($again | ForEach-Object Name) $specs "$($after['tool']) $($after['items'] -join ',')"
        }

        $result.Before | Should -Be 'core-02'
        $result.Specs | Should -Be @('core-01/Master/core', 'core-02/Worker/core')
        $result.After | Should -Be 'yaml-11 a,b'
        Assert-Placement $result.Assemblies
    }
}

BeforeAll {
    function script:Assert-Placement($Assemblies) {
        $yaml = @($Assemblies | Where-Object Name -EQ 'YamlDotNet')
        $ssh = @($Assemblies | Where-Object Name -EQ 'Renci.SshNet')
        $summary = ($Assemblies | ForEach-Object { "$($_.Name) $($_.FileVersion) in $($_.LoadContext)" }) -join '; '

        $yaml.Count | Should -Be 2 -Because "one YamlDotNet each for the script and the module ($summary)"
        ($yaml | Where-Object LoadContext -EQ 'Default').FileVersion | Should -BeLike '11.2.1*' -Because $summary
        ($yaml | Where-Object LoadContext -EQ 'KubeFromScratch').FileVersion | Should -BeLike '18.1.0*' -Because $summary
        $ssh.Count | Should -Be 1 -Because $summary
        $ssh[0].LoadContext | Should -Be 'KubeFromScratch' -Because $summary
    }
}
