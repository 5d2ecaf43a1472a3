#
# Module manifest for KubeFromScratch. This is the source manifest: build.ps1 copies it unchanged into
# out/KubeFromScratch/ next to the assemblies it names.
#
@{
    # The cmdlets. Their third-party dependencies (SSH.NET, KubernetesClient, YamlDotNet, ...) and the engine
    # load from Dependencies/ in a module-private AssemblyLoadContext.
    RootModule             = 'KubeFromScratch.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '3683e6df-b275-4fd0-83d6-391b50ac0f69'
    Author                 = 'KubeFromScratch contributors'
    CompanyName            = 'KubeFromScratch contributors'
    Copyright              = 'Copyright (c) KubeFromScratch contributors. MIT License.'
    Description            = 'PowerShell cmdlets that bring up Kubernetes from scratch on any hosts reachable over SSH, and teach it: the "Kubernetes from scratch" workshop as pipelines of typed objects.'
    CompatiblePSEditions   = @('Core')
    PowerShellVersion      = '7.4'

    # Output types load first, in the default load context, so PowerShell, the format file and scripts see
    # one copy of every type before the cmdlets are imported.
    RequiredAssemblies     = @('KubeFromScratch.Models.dll')
    FormatsToProcess       = @('KubeFromScratch.Format.ps1xml')

    # Listed one by one (no wildcards) so module auto-loading and command discovery need not load the DLL.
    CmdletsToExport        = @(
        'Get-VagrantHost'
        'Import-KubeHostInventory'
        'Connect-KubeHost'
        'Get-KubeHost'
        'Disconnect-KubeHost'
        'Invoke-KubeHostCommand'
        'Copy-KubeHostItem'
        'Enter-KubeHost'
        'New-KubeCertificateAuthority'
        'New-KubeCertificate'
        'Install-KubeCertificate'
        'Test-KubeCertificate'
        'Test-EtcdHealth'
        'Get-EtcdMember'
        'Start-KubeletNode'
        'Stop-KubeletNode'
        'Restart-KubeletNode'
        'Start-KubeProxy'
        'Stop-KubeProxy'
        'Restart-KubeProxy'
        'Get-KubeUnit'
        'Get-KubeJournal'
        'Install-KubeBinary'
        'Install-CniPlugin'
        'Install-KubeUnit'
        'Connect-KubeApi'
        'Disconnect-KubeApi'
        'Get-KubeNode'
        'Wait-KubeNode'
        'Get-KubePod'
        'Get-KubeDeployment'
        'Get-KubeService'
        'New-KubeDeployment'
        'New-KubeService'
        'Remove-KubeDeployment'
        'Remove-KubeService'
        'Get-KubeServiceUrl'
        'Test-KubeServiceUrl'
        'Publish-KubeManifest'
        'Install-WeaveNet'
        'Install-WeaveBinary'
        'Get-WeavePeer'
        'Test-KubeHostPreflight'
        'Install-KubeCluster'
        'Test-KubeLab'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()

    PrivateData            = @{
        PSData = @{
            Tags         = @('Kubernetes', 'SSH', 'etcd', 'systemd', 'Workshop', 'Linux')
            ProjectUri   = 'https://github.com/kubefromscratch/KubeFromScratch'
            LicenseUri   = 'https://github.com/kubefromscratch/KubeFromScratch/blob/main/LICENSE'
            ReleaseNotes = 'See https://github.com/kubefromscratch/KubeFromScratch/blob/main/CHANGELOG.md'
        }
    }
}
