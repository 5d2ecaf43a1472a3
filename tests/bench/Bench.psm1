#Requires -Version 7.4
<#
    What every benchmark script shares: the lab network check that must pass before anything is sent, the median
    of repeated timings, and running a peer tool as a process that must succeed.
#>
Set-StrictMode -Version Latest

function Assert-LabNetwork {
    <# Throws unless tests/lab/lab.sh check-network confirms the lab bridge (nothing may go anywhere else). #>
    param([Parameter(Mandatory)][string] $RepoRoot)
    & bash (Join-Path $RepoRoot 'tests/lab/lab.sh') check-network
    if ($LASTEXITCODE -ne 0) { throw 'The lab bridge is not up (tests/lab/lab.sh up first); nothing was measured.' }
}

function Measure-Median {
    <# Runs -Action -Count times (after -Before each time, untimed) and returns the median in milliseconds. #>
    param([Parameter(Mandatory)][scriptblock] $Action, [Parameter(Mandatory)][int] $Count, [scriptblock] $Before)
    $times = foreach ($i in 1..$Count) {
        if ($Before) { & $Before }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & $Action | Out-Null
        $sw.Stop()
        $sw.Elapsed.TotalMilliseconds
    }
    $sorted = @($times | Sort-Object)
    $sorted[[int][math]::Floor($sorted.Count / 2)]
}

function Invoke-Checked {
    <# Runs a program and throws when it exits non-zero. #>
    param([Parameter(Mandatory)][string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit $LASTEXITCODE" }
}

Export-ModuleMember -Function Assert-LabNetwork, Measure-Median, Invoke-Checked
