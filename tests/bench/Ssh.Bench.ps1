#Requires -Version 7.4
<#
.SYNOPSIS
    Fan-out of `true` to the three lab hosts: KubeFromScratch (cold and warm) against the tools a user would
    otherwise reach for, measured in one run on one machine, reported as medians and ratios.

.DESCRIPTION
    Peers:
      ssh loop      one `ssh core@host true` after another (what the workshop deck did)
      parallel-ssh  Debian's pssh, all three at once, new connections
      ControlMaster OpenSSH multiplexing over connections opened beforehand (the fastest peer)
    Module:
      cold          Connect-KubeHost (new connections, in parallel) + Invoke-KubeHostCommand true
      warm          Invoke-KubeHostCommand true over the session's open connections
    Also: module import time (pwsh -NoProfile -c 'Import-Module ...' minus a bare pwsh -NoProfile -c '').
    Targets: warm <= 0.5x ControlMaster; cold <= 0.9x parallel-ssh; import <= 300 ms.
    This is a measurement, not a test: it prints figures and whether each target was met, and exits 0.

    Network rule: it connects only to the lab's subnet, after `tests/lab/lab.sh check-network` confirms the bridge.
#>
[CmdletBinding()]
param(
    [int] $Iterations = 15,
    [int] $ImportIterations = 5
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
$module = Join-Path $repo 'out/KubeFromScratch'
$lab = Join-Path $repo 'out/lab'
$labScript = Join-Path $repo 'tests/lab/lab.sh'

Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
Assert-LabNetwork -RepoRoot $repo

$hosts = 'core-01', 'core-02', 'core-03'
$sshConfig = Join-Path $lab 'ssh_config'
$controlDir = Join-Path ([IO.Path]::GetTempPath()) "kfs-bench-cm-$PID"
New-Item -ItemType Directory -Path $controlDir -Force | Out-Null



try {
    # Warm-up: page in ssh and the hosts' sshd so the first sample of each peer is not an outlier.
    foreach ($h in $hosts) { Invoke-Checked ssh -Arguments @('-F', $sshConfig, $h, 'true') }

    $sshLoop = Measure-Median -Count $Iterations { foreach ($h in $hosts) { Invoke-Checked ssh -Arguments @('-F', $sshConfig, $h, 'true') } }

    $psshHosts = Join-Path $controlDir 'hosts'
    $hosts | Set-Content $psshHosts
    $pssh = Measure-Median -Count $Iterations { Invoke-Checked parallel-ssh -Arguments @('-h', $psshHosts, '-x', "-F $sshConfig", '-i', 'true') }

    $cm = @('-o', 'ControlMaster=auto', '-o', "ControlPath=$controlDir/%h", '-o', 'ControlPersist=120')
    foreach ($h in $hosts) { Invoke-Checked ssh -Arguments (@('-F', $sshConfig) + $cm + @($h, 'true')) }
    $cmArgs = ($cm -join ' ')
    $control = Measure-Median -Count $Iterations { Invoke-Checked bash -Arguments @('-c', "for h in $($hosts -join ' '); do ssh -F '$sshConfig' $cmArgs `$h true & done; wait") }

    Import-Module $module
    $knownHosts = Join-Path $controlDir 'known_hosts'
    Copy-Item (Join-Path $lab 'known_hosts') $knownHosts
    $specs = Get-VagrantHost -SshConfig (Get-Content -Raw (Join-Path $lab 'vagrant-ssh-config.txt'))
    # JIT warm-up of the module's code paths (what a user's first command in a session pays once).
    $specs | Connect-KubeHost -KnownHostsFile $knownHosts | Out-Null
    Invoke-KubeHostCommand true | Out-Null

    $cold = Measure-Median -Count $Iterations -Before { Disconnect-KubeHost } -Action {
        $specs | Connect-KubeHost -KnownHostsFile $knownHosts | Out-Null
        Invoke-KubeHostCommand true
    }
    $warm = Measure-Median -Count $Iterations { Invoke-KubeHostCommand true }
    Disconnect-KubeHost

    # The pwsh launcher beside this PowerShell (the local dotnet tool's, or an installed one's).
    $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $bare = Measure-Median -Count $ImportIterations { & $pwsh -NoProfile -NonInteractive -c '$null' }
    $withImport = Measure-Median -Count $ImportIterations { & $pwsh -NoProfile -NonInteractive -c "Import-Module '$module'" }
    $import = $withImport - $bare

    $rows = @(
        [pscustomobject]@{ Measure = 'ssh loop (sequential, new connections)'; MedianMs = [math]::Round($sshLoop, 1); Ratio = '' }
        [pscustomobject]@{ Measure = 'parallel-ssh (new connections)'; MedianMs = [math]::Round($pssh, 1); Ratio = '' }
        [pscustomobject]@{ Measure = 'OpenSSH ControlMaster (open connections)'; MedianMs = [math]::Round($control, 1); Ratio = '' }
        [pscustomobject]@{ Measure = 'KubeFromScratch cold (connect + run)'; MedianMs = [math]::Round($cold, 1); Ratio = '{0:0.00}x parallel-ssh (target <= 0.90x)' -f ($cold / $pssh) }
        [pscustomobject]@{ Measure = 'KubeFromScratch warm (connected)'; MedianMs = [math]::Round($warm, 1); Ratio = '{0:0.00}x ControlMaster (target <= 0.50x)' -f ($warm / $control) }
        [pscustomobject]@{ Measure = 'Import-Module (pwsh start subtracted)'; MedianMs = [math]::Round($import, 1); Ratio = 'target <= 300 ms' }
    )
    "`nFan-out of 'true' to $($hosts.Count) lab hosts, median of $Iterations runs (import: $ImportIterations):"
    $rows | Format-Table -AutoSize | Out-String -Width 200
    'warm/ControlMaster = {0:0.00} ({1}); cold/parallel-ssh = {2:0.00} ({3}); import = {4:0} ms ({5})' -f `
        ($warm / $control), ($(if ($warm / $control -le 0.5) { 'met' } else { 'MISSED' })),
        ($cold / $pssh), ($(if ($cold / $pssh -le 0.9) { 'met' } else { 'MISSED' })),
        $import, ($(if ($import -le 300) { 'met' } else { 'MISSED' }))
}
finally {
    foreach ($h in $hosts) { & ssh -F $sshConfig -o "ControlPath=$controlDir/%h" -O exit $h 2>$null }
    Remove-Item -Recurse -Force $controlDir -ErrorAction Ignore
}
