#Requires -Version 7.4
<#
.SYNOPSIS
    Starting the kubelet unit on the three lab hosts: Start-KubeletNode over warm connections against the deck's
    way, measured in one run on one machine, reported as medians and their ratio.

.DESCRIPTION
    Deck:    one `ssh core@host "sudo systemctl enable kube-kubelet && sudo systemctl start kube-kubelet"` after
             another (ssh -F out/lab/ssh_config), as the workshop's slides do it.
    Module:  Get-KubeHost | Start-KubeletNode over the session's open connections (warm), all hosts in parallel,
             including its own check that the unit stays up.
    Before every sample of both, the unit is stopped and disabled on all three hosts (not timed), so each sample
    does the full enable + start. The lab's kube-kubelet.service runs the STAND-IN kubelet (tests/lab/README.md).
    Floor:   the same `sudo systemctl enable && start` sent to all three at once over the module's warm connections
             (Invoke-KubeHostCommand -Sudo), without Start-KubeletNode's status read and up-check: what systemd
             itself costs when three hosts reload at once on this machine's cores.
    Target: module <= 0.4x deck. This is a measurement, not a test: it prints figures and whether the target was
    met, and exits 0. It leaves the unit stopped and disabled, as the image has it.

    Network rule: it connects only to the lab's subnet, after `tests/lab/lab.sh check-network` confirms the bridge.
#>
[CmdletBinding()]
param(
    [int] $Iterations = 15
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
$workDir = Join-Path ([IO.Path]::GetTempPath()) "kfs-bench-kubelet-$PID"
New-Item -ItemType Directory -Path $workDir -Force | Out-Null



# The deck's command on one host (systemctl's "Created symlink ..." on stderr is not shown).
function Invoke-DeckStart([string] $HostName) {
    & ssh -F $sshConfig "core@$HostName" 'sudo systemctl enable kube-kubelet && sudo systemctl start kube-kubelet' 2>$null
    if ($LASTEXITCODE -ne 0) { throw "ssh $HostName (deck's enable && start) failed with exit $LASTEXITCODE" }
}

# Stop and disable the unit on all three hosts at once (not part of any sample).
function Reset-Kubelet {
    Invoke-Checked bash -Arguments @('-c', "for h in $($hosts -join ' '); do ssh -F '$sshConfig' -o BatchMode=yes `$h 'sudo systemctl disable --now --quiet kube-kubelet; sudo systemctl reset-failed kube-kubelet 2>/dev/null; true' & done; wait")
}

try {
    # Warm-up: page in ssh, sshd, sudo and systemctl so the first sample of either way is not an outlier.
    Reset-Kubelet
    foreach ($h in $hosts) { Invoke-DeckStart $h }
    Reset-Kubelet

    $deck = Measure-Median -Count $Iterations -Before { Reset-Kubelet } -Action {
        foreach ($h in $hosts) { Invoke-DeckStart $h }
    }

    Import-Module $module
    $knownHosts = Join-Path $workDir 'known_hosts'
    Copy-Item (Join-Path $lab 'known_hosts') $knownHosts
    Get-VagrantHost -SshConfig (Get-Content -Raw (Join-Path $lab 'vagrant-ssh-config.txt')) | Connect-KubeHost -KnownHostsFile $knownHosts | Out-Null
    # JIT warm-up of the module's code paths (what a user's first Start-KubeletNode in a session pays once).
    Get-KubeHost | Start-KubeletNode | Out-Null
    Reset-Kubelet

    $kfs = Measure-Median -Count $Iterations -Before { Reset-Kubelet } -Action {
        $r = Get-KubeHost | Start-KubeletNode
        if (@($r | Where-Object { $_.ActiveState -eq 'active' -and $_.Changed }).Count -ne $hosts.Count) { throw "Start-KubeletNode did not start all three: $($r | Out-String)" }
    }
    $floor = Measure-Median -Count $Iterations -Before { Reset-Kubelet } -Action { Invoke-KubeHostCommand -Sudo 'systemctl enable --quiet kube-kubelet && systemctl start kube-kubelet' }
    Disconnect-KubeHost

    $ratio = $kfs / $deck
    $rows = @(
        [pscustomobject]@{ Measure = 'deck: ssh "sudo systemctl enable && start" per host, one after another'; MedianMs = [math]::Round($deck, 1); Ratio = '' }
        [pscustomobject]@{ Measure = 'KubeFromScratch: Get-KubeHost | Start-KubeletNode (warm connections)'; MedianMs = [math]::Round($kfs, 1); Ratio = '{0:0.00}x deck (target <= 0.40x)' -f $ratio }
        [pscustomobject]@{ Measure = 'floor: the bare enable && start on all three at once (Invoke-KubeHostCommand -Sudo)'; MedianMs = [math]::Round($floor, 1); Ratio = '{0:0.00}x deck' -f ($floor / $deck) }
    )
    "`nEnable + start kube-kubelet on $($hosts.Count) lab hosts (stopped and disabled before each sample), median of $Iterations runs:"
    $rows | Format-Table -AutoSize | Out-String -Width 200
    'Start-KubeletNode/deck = {0:0.00} ({1})' -f $ratio, $(if ($ratio -le 0.4) { 'met' } else { 'MISSED' })
}
finally {
    try { Reset-Kubelet } catch { Write-Warning "Could not stop the kubelet units again: $_" }
    Remove-Item -Recurse -Force $workDir -ErrorAction Ignore
}
