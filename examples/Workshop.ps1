#Requires -Version 7.4
<#
.SYNOPSIS
    The "Kubernetes from scratch" workshop as KubeFromScratch pipelines, against the local lab.

.DESCRIPTION
    Run by `./build.ps1 -Task Demo` after the lab is up (tests/lab/lab.sh writes out/lab/). Slide 1 only
    for now; later slides follow as their cmdlets land (see the table in README.md).
#>
[CmdletBinding()]
param(
    # The module to import; the build output by default.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KubeFromScratch/KubeFromScratch.psd1'),

    # The lab's state folder (vagrant-ssh-config.txt is written there by tests/lab/lab.sh up).
    [string] $LabDirectory = (Join-Path $PSScriptRoot '../out/lab')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Import-Module $ModulePath

# Slide 1 — `vagrant up; vagrant ssh core-01`.
# The lab stands in for `vagrant up`; its ssh-config has the same shape as `vagrant ssh-config` prints.
Write-Host "`n# Slide 1: reach the hosts" -ForegroundColor Cyan
$sshConfig = Get-Content -Raw -LiteralPath (Join-Path $LabDirectory 'vagrant-ssh-config.txt')

# A known_hosts of the demo's own: first contact accepts and records each host key (trust on first use),
# the way the attendee answered "yes" to ssh's prompt.
Get-VagrantHost -SshConfig $sshConfig |
    Connect-KubeHost -AcceptNewHostKey -KnownHostsFile (Join-Path $LabDirectory 'known_hosts_demo') |
    Out-Null

Get-KubeHost | Format-Table

Get-KubeHost | Invoke-KubeHostCommand -Command 'hostname; uptime' | Format-Table

# In an interactive session, `Enter-KubeHost core-01` now opens a shell like `vagrant ssh core-01`.
Get-KubeHost | Disconnect-KubeHost
