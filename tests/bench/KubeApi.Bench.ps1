#Requires -Version 7.4
<#
.SYNOPSIS
    Slide 5's `kubectl get nodes` as Get-KubeNode (warm, in this pwsh) against the real kubectl run as a process, on
    the lab's API (the API server stand-in at http://172.17.8.101:8080, with the three hosts' kubelet stand-ins
    registered); and how soon Wait-KubeNode sees a node turn Ready after its heartbeat.

.DESCRIPTION
    Peer: `kubectl --server http://172.17.8.101:8080 get nodes` (the real kubectl 1.33 the machine carries), as a
    process, as a user would run it. Target: Get-KubeNode at most 0.3x kubectl's median.
    Lag: a node registered NotReady; Wait-KubeNode -Ready waiting on it in another runspace; then one Ready
    heartbeat (PATCH nodes/NAME/status, as a kubelet sends it). The lag is from sending the heartbeat to
    Wait-KubeNode returning, on one monotonic clock. Target: under 1 s.
    This is a measurement, not a test: it prints medians, ratios and whether each target was met, and exits 0.
    Network rule: only the lab subnet, after `tests/lab/lab.sh check-network`.
#>
[CmdletBinding()]
param(
    [int] $Iterations = 15,
    [int] $LagSamples = 7
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
Assert-LabNetwork -RepoRoot $repo

$server = 'http://172.17.8.101:8080'
$launcher = (Get-Command kubectl -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
if (-not $launcher) { throw 'kubectl is not on PATH.' }
$kubectl = Join-Path (Split-Path -Parent (& readlink -f $launcher)) 'kubectl.1.33'
if (-not (Test-Path -LiteralPath $kubectl)) { $kubectl = $launcher }
$sshConfig = Join-Path $repo 'out/lab/ssh_config'
$hosts = 'core-01', 'core-02', 'core-03'

# The nodes: the lab's kubelet stand-ins register them, as in the workshop.
foreach ($h in $hosts) { Invoke-Checked -File ssh -Arguments '-F', $sshConfig, '-o', 'BatchMode=yes', $h, '--', 'sudo', 'systemctl', 'start', 'kube-kubelet' }
$module = Join-Path $repo 'out/KubeFromScratch'
Import-Module $module
try {
    $null = Connect-KubeApi -Server $server
    $null = Wait-KubeNode $hosts -Ready -TimeoutSec 60
    # Warm: the first call pays JIT once, as a user's first command in a session does.
    $null = Get-KubeNode
    $null = & $kubectl --server $server get nodes

    $peer = Measure-Median -Count $Iterations { $null = & $kubectl --server $server get nodes 2>$null }
    $ours = Measure-Median -Count $Iterations { $null = Get-KubeNode }

    # The lag: a node that only this script's heartbeats move.
    $node = 'bench-lag'
    $api = { param($method, $path, $body, $type) Invoke-RestMethod -Method $method -Uri "$server$path" -ContentType $type -Body $body }
    $register = @{
        apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = $node }
        status = @{ addresses = @(@{ type = 'InternalIP'; address = '172.17.8.250' }); nodeInfo = @{ kubeletVersion = 'v1.33.1' }
            conditions = @(@{ type = 'Ready'; status = 'False'; reason = 'KubeletNotReady' }) }
    } | ConvertTo-Json -Depth 8
    $beat = '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}]}}'
    $runspace = [powershell]::Create()
    $null = $runspace.AddScript("Import-Module '$module'; Connect-KubeApi -Server '$server' | Out-Null; Get-KubeNode | Out-Null").Invoke()
    $lags = foreach ($i in 1..$LagSamples) {
        try { & $api Delete "/api/v1/nodes/$node" $null 'application/json' | Out-Null } catch { }
        & $api Post '/api/v1/nodes' $register 'application/json' | Out-Null
        $runspace.Commands.Clear()
        $null = $runspace.AddScript("`$null = Wait-KubeNode $node -Ready -TimeoutSec 30; [Diagnostics.Stopwatch]::GetTimestamp()")
        $handle = $runspace.BeginInvoke()
        Start-Sleep -Milliseconds 700   # the wait has listed and is watching
        $sent = [Diagnostics.Stopwatch]::GetTimestamp()
        & $api Patch "/api/v1/nodes/$node/status" $beat 'application/strategic-merge-patch+json' | Out-Null
        $returned = $runspace.EndInvoke($handle)[-1]
        ($returned - $sent) * 1000.0 / [Diagnostics.Stopwatch]::Frequency
    }
    $runspace.Dispose()
    try { & $api Delete "/api/v1/nodes/$node" $null 'application/json' | Out-Null } catch { }
}
finally {
    foreach ($h in $hosts) { & ssh -F $sshConfig -o BatchMode=yes $h -- sudo systemctl stop kube-kubelet 2>$null }
}

$sorted = $lags | Sort-Object
$lagMedian = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
$lagMax = $sorted[-1]
"`nkubectl get nodes on the lab's API (3 nodes), median of $Iterations runs; Wait-KubeNode lag over $LagSamples heartbeats:"
@(
    [pscustomobject]@{ Measure = 'kubectl get nodes (process)'; MedianMs = [math]::Round($peer, 1); Ratio = '' }
    [pscustomobject]@{ Measure = 'Get-KubeNode (warm)'; MedianMs = [math]::Round($ours, 1); Ratio = '{0:0.00}x kubectl (target <= 0.30x)' -f ($ours / $peer) }
    [pscustomobject]@{ Measure = 'Wait-KubeNode -Ready: heartbeat sent -> returned (median)'; MedianMs = [math]::Round($lagMedian, 1); Ratio = 'target < 1000 ms' }
    [pscustomobject]@{ Measure = 'Wait-KubeNode -Ready: heartbeat sent -> returned (worst)'; MedianMs = [math]::Round($lagMax, 1); Ratio = '' }
) | Format-Table -AutoSize | Out-String -Width 200
'Get-KubeNode/kubectl = {0:0.00} ({1}); Wait-KubeNode lag median {2:0.0} ms, worst {3:0.0} ms ({4})' -f ($ours / $peer),
    $(if ($ours / $peer -le 0.3) { 'met' } else { 'MISSED' }), $lagMedian, $lagMax, $(if ($lagMax -lt 1000) { 'met' } else { 'MISSED' })
