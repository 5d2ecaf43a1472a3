#Requires -Version 7.4
<#
.SYNOPSIS
    Slide 2's health check: Test-EtcdHealth (warm, in this pwsh) against the real etcdctl run as a process, on the
    lab's 3-member cluster; then the same with one member stopped, against the configured per-member timeout.

.DESCRIPTION
    Peers: `ETCDCTL_API=2 etcdctl cluster-health` (what the deck ran) and
    `ETCDCTL_API=3 etcdctl endpoint health --cluster`, both as processes on this machine.
    Targets: Test-EtcdHealth at most 0.5x etcdctl's time; with one member down at most 1.2x -MemberTimeoutSec.
    This is a measurement, not a test: it prints medians, ratios and whether each target was met, and exits 0.
    Network rule: only the lab subnet, after `tests/lab/lab.sh check-network`.
#>
[CmdletBinding()]
param(
    [int] $Iterations = 15,
    [int] $MemberTimeoutSec = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
$labScript = Join-Path $repo 'tests/lab/lab.sh'
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
Assert-LabNetwork -RepoRoot $repo
if (-not (Get-Command etcdctl -CommandType Application -ErrorAction Ignore)) { throw 'etcdctl is not installed (tests/lab/install-deps.sh).' }

$endpoint = 'http://172.17.8.101:2379'

Import-Module (Join-Path $repo 'out/KubeFromScratch')
# Warm: the first call pays JIT once, as a user's first command in a session does.
$null = Test-EtcdHealth -Endpoint $endpoint -MemberTimeoutSec $MemberTimeoutSec

$env:ETCDCTL_API = '2'
$v2 = Measure-Median -Count $Iterations { & etcdctl --endpoints $endpoint cluster-health 2>$null }
$env:ETCDCTL_API = '3'
$v3 = Measure-Median -Count $Iterations { & etcdctl --endpoints $endpoint endpoint health --cluster 2>$null }
Remove-Item Env:ETCDCTL_API
$module = Measure-Median -Count $Iterations { Test-EtcdHealth -Endpoint $endpoint -MemberTimeoutSec $MemberTimeoutSec }
$fastest = [math]::Min($v2, $v3)

& bash $labScript etcd-stop core-03 | Out-Null
try {
    $down = Measure-Median -Count 5 { Test-EtcdHealth -Endpoint $endpoint -MemberTimeoutSec $MemberTimeoutSec }
    $env:ETCDCTL_API = '2'
    $v2down = Measure-Median -Count 5 { & etcdctl --endpoints $endpoint cluster-health 2>$null }
    Remove-Item Env:ETCDCTL_API
}
finally {
    & bash $labScript etcd-start core-03 | Out-Null
}

# A member whose link is down answers nothing at all: the case the per-member timeout exists for.
& bash $labScript link-down core-03 | Out-Null
try {
    $cut = Measure-Median -Count 5 { Test-EtcdHealth -Endpoint $endpoint -MemberTimeoutSec $MemberTimeoutSec }
}
finally {
    & bash $labScript link-up core-03 | Out-Null
}

"`nHealth of the lab's 3-member etcd cluster, median of $Iterations runs (one member down: 5 runs):"
@(
    [pscustomobject]@{ Measure = 'etcdctl v2 cluster-health (process)'; MedianMs = [math]::Round($v2, 1); Ratio = '' }
    [pscustomobject]@{ Measure = 'etcdctl v3 endpoint health --cluster (process)'; MedianMs = [math]::Round($v3, 1); Ratio = '' }
    [pscustomobject]@{ Measure = 'Test-EtcdHealth (warm)'; MedianMs = [math]::Round($module, 1); Ratio = '{0:0.00}x the faster etcdctl (target <= 0.50x)' -f ($module / $fastest) }
    [pscustomobject]@{ Measure = "Test-EtcdHealth, core-03's etcd stopped (refuses at once)"; MedianMs = [math]::Round($down, 1); Ratio = '' }
    [pscustomobject]@{ Measure = "Test-EtcdHealth, core-03 cut off (-MemberTimeoutSec $MemberTimeoutSec)"; MedianMs = [math]::Round($cut, 1); Ratio = '{0:0.00}x the timeout (target <= 1.20x)' -f ($cut / 1000 / $MemberTimeoutSec) }
    [pscustomobject]@{ Measure = 'etcdctl v2 cluster-health, core-03 stopped'; MedianMs = [math]::Round($v2down, 1); Ratio = '' }
) | Format-Table -AutoSize | Out-String -Width 200
'module/etcdctl = {0:0.00} ({1}); one member cut off = {2:0.00}x timeout ({3})' -f ($module / $fastest), ($(if ($module / $fastest -le 0.5) { 'met' } else { 'MISSED' })),
    ($cut / 1000 / $MemberTimeoutSec), ($(if ($cut / 1000 / $MemberTimeoutSec -le 1.2) { 'met' } else { 'MISSED' }))
