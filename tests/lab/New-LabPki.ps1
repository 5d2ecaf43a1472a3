#Requires -Version 7.4
<#
.SYNOPSIS
    Makes the TLS lab's etcd certificates with the module's own PKI cmdlets.

.DESCRIPTION
    Run by `tests/lab/lab.sh up --tls` (as `dotnet pwsh -NoProfile -NonInteractive -File tests/lab/New-LabPki.ps1`
    from the repository root) before the hosts boot. Imports the built module (out/KubeFromScratch) and writes:

        <Path>/ca.crt, ca.key                        New-KubeCertificateAuthority -CommonName etcd-ca
        <Path>/core-0N/etcd-server.crt, .key         New-KubeCertificate EtcdServer (CN core-0N; core-0N,
                                                     172.17.8.10N, 127.0.0.1, localhost, ::1)
        <Path>/core-0N/etcd-peer.crt, .key           New-KubeCertificate EtcdPeer (same names)
        <Path>/etcd-healthcheck-client.crt, .key     New-KubeCertificate EtcdClient, for etcdctl in tests

    The cmdlets keep existing files that are still valid, come from this CA and cover the names (so a second
    `up --tls` reuses the PKI); -Force issues everything again. lab.sh copies the files into each host.

.EXAMPLE
    dotnet pwsh -NoProfile -NonInteractive -File tests/lab/New-LabPki.ps1 -Path out/lab/pki
#>
[CmdletBinding()]
param(
    # Folder for the CA and certificates (default out/lab/pki in this checkout).
    [string] $Path = (Join-Path $PSScriptRoot '../../out/lab/pki'),

    # The built module to use (default out/KubeFromScratch in this checkout).
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KubeFromScratch'),

    # Issue a new CA and certificates even if valid ones exist.
    [switch] $Force
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue'

if (-not (Test-Path -LiteralPath (Join-Path $ModulePath 'KubeFromScratch.psd1'))) {
    throw "The module is not built: '$ModulePath' has no KubeFromScratch.psd1. Build it first (build.ps1 -Task Build)."
}
Import-Module -Name (Resolve-Path -LiteralPath $ModulePath).Path -Force

$Path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
$ca = Join-Path $Path 'ca.crt'

# A new CA invalidates every certificate it signed, so -Force renews all of them together.
$null = New-KubeCertificateAuthority $Path -CommonName etcd-ca -Force:$Force
foreach ($n in 1..3) {
    $hostName = "core-0$n"
    $hostPath = Join-Path $Path $hostName
    foreach ($certificateProfile in 'EtcdServer', 'EtcdPeer') {
        $null = New-KubeCertificate $certificateProfile -CaPath $ca -Path $hostPath -DnsName $hostName `
            -IPAddress "172.17.8.10$n", '127.0.0.1' -Force:$Force
    }
}
$null = New-KubeCertificate EtcdClient -CaPath $ca -Path $Path -Force:$Force

# What lab.sh copies into the hosts; fail here, with the name, rather than there.
$expected = @('ca.crt', 'etcd-healthcheck-client.crt', 'etcd-healthcheck-client.key') +
    (1..3 | ForEach-Object { foreach ($f in 'etcd-server.crt', 'etcd-server.key', 'etcd-peer.crt', 'etcd-peer.key') { "core-0$_/$f" } })
foreach ($file in $expected) {
    if (-not (Test-Path -LiteralPath (Join-Path $Path $file))) { throw "New-LabPki: $file was not written to $Path." }
}
Write-Verbose "Lab PKI ready in $Path."
