#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The node services as a workshop user drives them: the kubelet and kube-proxy units (Start-, Stop-,
    Restart-KubeletNode / -KubeProxy, Get-KubeUnit, Get-KubeJournal), the binaries (Install-KubeBinary,
    Install-CniPlugin) and the units' files (Install-KubeUnit), with each fault pinned by its stable error id.

    All of it runs against the local lab (tests/lab/lab.sh): its image has the deck's kube-kubelet.service and
    kube-proxy.service (not enabled) and STAND-IN /opt/bin/kubelet and kube-proxy (small scripts that log the real
    start-up lines; not the real programs), the real kubectl 1.33.1, and `lab.sh up` serves a release mirror at
    http://172.17.8.1:8080 (out/lab/mirror; its v1.33.0 kubelet is the corrupted-download fault, /slow/ the slow
    download). The referees are OpenSSH's own ssh client (Invoke-LabSsh) with systemctl, journalctl, sha256sum and
    systemd-analyze on the hosts, never the module under test. Every block leaves the hosts as the image has them:
    units stopped and disabled, the image's binaries and units in place.
    Network rule: loopback and 172.17.8.0/24 only, after lab.sh check-network (Get-LabSkipReason).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $LabSkip -and -not (Test-Path -LiteralPath (Join-Path (Get-KfsModulePath) 'KubeFromScratch.psd1'))) {
        $script:LabSkip = 'the module is not built (out/KubeFromScratch)'
    }
    if (-not $LabSkip) {
        & curl -fsS -o /dev/null --max-time 3 'http://172.17.8.1:8080/release/v1.33.1/bin/linux/amd64/kubelet.sha256' 2>$null
        if ($LASTEXITCODE -ne 0) { $script:LabSkip = 'the lab''s release mirror (http://172.17.8.1:8080) does not answer (tests/lab/lab.sh up starts it)' }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force

    $script:Names = 'core-01', 'core-02', 'core-03'
    $script:Mirror = 'http://172.17.8.1:8080'
    $script:MirrorDir = Get-LabPath mirror
    $script:KubeletDeck = '/opt/bin/kubelet --api-servers=http://172.17.8.101:8080 --healthz-bind-address=0.0.0.0 --config=/etc/kubernetes/manifests --network-plugin=cni --node-ip=${NODE_IP} --network-plugin-dir=/etc/cni/net.d --allow-privileged=true'
    $script:ProxyDeck = '/opt/bin/kube-proxy --master=http://172.17.8.101:8080 --logtostderr=true --masquerade-all'

    function script:Clear-KubeSession {
        $connected = @(Get-KubeHost)
        if ($connected.Count -gt 0) { $connected | Disconnect-KubeHost }
    }

    # The image's state of the node units: stopped, disabled, no failed state left behind.
    function script:Reset-NodeUnit([string[]] $HostName = $script:Names) {
        foreach ($h in $HostName) {
            Invoke-LabSsh $h 'sudo systemctl disable --now --quiet kube-kubelet.service kube-proxy.service; sudo systemctl reset-failed kube-kubelet.service kube-proxy.service 2>/dev/null; true' | Out-Null
        }
    }

    # `systemctl is-active` / `is-enabled` over plain ssh (they exit non-zero for inactive/disabled units).
    function script:Get-RemoteUnitState([string] $HostName, [string] $Unit) {
        $active = Invoke-LabSsh $HostName "systemctl is-active $Unit" -AllowFailure
        $enabled = Invoke-LabSsh $HostName "systemctl is-enabled $Unit" -AllowFailure
        "$active/$enabled"
    }

    function script:Get-RemoteMainPid([string] $HostName, [string] $Unit) {
        [int](Invoke-LabSsh $HostName "systemctl show -p MainPID --value $Unit")
    }

    # sha256sum of a file on every host ('absent' when it is not there), as host => hash.
    function script:Get-RemoteSha([string] $Path) {
        $sums = [ordered]@{}
        foreach ($h in $script:Names) {
            $line = Invoke-LabSsh $h "sha256sum $(ConvertTo-PosixQuoted $Path) 2>/dev/null || echo absent" 
            $sums[$h] = ($line -split ' ')[0]
        }
        $sums
    }

    # The published checksum of a mirror file (the hex of its .sha256).
    function script:Get-PublishedSha([string] $RelativePath) {
        ((Get-Content -LiteralPath (Join-Path $script:MirrorDir "$RelativePath.sha256")) -split '\s+')[0]
    }

    # Puts the image's bytes back at /opt/bin/NAME on every host (from the mirror, which holds the same files), with
    # OpenSSH, so a failed test cannot leave a host without its binaries for the next one.
    function script:Restore-LabBinary([string[]] $Component) {
        foreach ($c in $Component) {
            $file = Join-Path $script:MirrorDir "release/v1.33.1/bin/linux/amd64/$c"
            foreach ($h in $script:Names) {
                & bash -c "ssh -F '$(Get-LabPath ssh_config)' -o BatchMode=yes $h 'sudo install -d -m 0755 /opt/bin && sudo tee /opt/bin/$c.restore >/dev/null && sudo chmod 0755 /opt/bin/$c.restore && sudo mv -f /opt/bin/$c.restore /opt/bin/$c' < '$file'"
                if ($LASTEXITCODE -ne 0) { throw "restoring /opt/bin/$c on $h failed" }
            }
        }
    }

    # A runspace with the module, the helpers and its own lab session, for what must be stopped (Ctrl-C).
    function script:New-LabRunspace {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'; `$null = New-LabSession").Invoke()
        $ps.HadErrors | Should -BeFalse -Because "the runspace must connect: $($ps.Streams.Error | Out-String)"
        $ps.Commands.Clear()
        $ps
    }
}

Describe 'The workshop image''s node services (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    It 'has the deck''s kube-kubelet and kube-proxy units on <_>, not enabled, with the host''s node IP' -ForEach 'core-01', 'core-02', 'core-03' {
        $n = $_[-1]
        # The image's vendor units (Debian's merged /usr: systemd names the path /lib/systemd/system).
        Invoke-LabSsh $_ 'systemctl show -p FragmentPath --value kube-kubelet.service' | Should -Match '^(/usr)?/lib/systemd/system/kube-kubelet\.service$'
        Invoke-LabSsh $_ 'grep ^ExecStart= /usr/lib/systemd/system/kube-kubelet.service' | Should -BeExactly "ExecStart=$KubeletDeck"
        Invoke-LabSsh $_ 'grep ^ExecStart= /usr/lib/systemd/system/kube-proxy.service' | Should -BeExactly "ExecStart=$ProxyDeck"
        Invoke-LabSsh $_ 'grep ^NODE_IP= /etc/kubernetes/node.env' | Should -Be "NODE_IP=172.17.8.10$n"
        # systemd's own reading of the command line, with ${NODE_IP} still unexpanded (it is expanded at start).
        Invoke-LabSsh $_ 'systemctl show -p EnvironmentFiles --value kube-kubelet.service' | Should -BeLike '/etc/kubernetes/node.env*'
        Invoke-LabSsh $_ 'systemctl is-enabled kube-kubelet.service kube-proxy.service' -AllowFailure | Should -Be 'disabled', 'disabled'
    }

    It 'has stand-in kubelet and kube-proxy that say so, and the real kubectl v1.33.1' {
        (Invoke-LabSsh core-01 'head -n 3 /opt/bin/kubelet') -join "`n" | Should -Match '# STAND-IN for the Kubernetes kubelet'
        (Invoke-LabSsh core-01 'head -n 3 /opt/bin/kube-proxy') -join "`n" | Should -Match '# STAND-IN for Kubernetes kube-proxy'
        Invoke-LabSsh core-01 'stat -c "%a %U" /opt/bin/kubelet /opt/bin/kube-proxy /opt/bin/kubectl' | Should -Be '755 root', '755 root', '755 root'
        Invoke-LabSsh core-01 '/opt/bin/kubectl version --client' | Should -Contain 'Client Version: v1.33.1'
    }

    It 'has stand-ins that refuse an unknown flag like the real ones (exit 1, klog error line)' {
        $out = Invoke-LabSsh core-01 '/opt/bin/kubelet --no-such-flag 2>&1; echo "exit $?"'
        $out[0] | Should -Match '^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ run\.go:\d+\] "command failed" err="failed to parse kubelet flag: unknown flag: --no-such-flag"$'
        $out[-1] | Should -Be 'exit 1'
        (Invoke-LabSsh core-01 '/opt/bin/kube-proxy --no-such-flag 2>&1; echo "exit $?"')[-1] | Should -Be 'exit 1'
    }
}

Describe 'Start-, Stop-, Restart-KubeletNode and -KubeProxy (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $null = New-LabSession
    }
    AfterAll {
        Reset-NodeUnit
        Clear-KubeSession
    }

    It '-WhatIf starts nothing' {
        Get-KubeHost | Start-KubeletNode -WhatIf | Should -BeNullOrEmpty
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-kubelet | Should -Be 'inactive/disabled' }
    }

    It 'Get-KubeHost | Start-KubeletNode leaves three active, enabled kube-kubelet units' {
        $r = Get-KubeHost | Start-KubeletNode
        $r | Should -HaveCount 3
        $r | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeUnitStatus]) }
        ($r.Host | Sort-Object) | Should -Be $Names
        $r.Unit | Sort-Object -Unique | Should -Be 'kube-kubelet.service'
        $r.Changed | Should -Be $true, $true, $true
        $r.ActiveState | Should -Be 'active', 'active', 'active'

        $units = Get-KubeUnit -Unit kube-kubelet
        $units.Host | Should -Be $Names
        $units.ActiveState | Should -Be 'active', 'active', 'active'
        $units.SubState | Should -Be 'running', 'running', 'running'
        $units.Enabled | Should -Be 'enabled', 'enabled', 'enabled'
        foreach ($h in $Names) {
            Get-RemoteUnitState $h kube-kubelet | Should -Be 'active/enabled' -Because "systemctl on $h is the referee"
            # The deck's ExecStart, with this host's NODE_IP from /etc/kubernetes/node.env.
            Invoke-LabSsh $h "tr '\0' ' ' < /proc/$(Get-RemoteMainPid $h kube-kubelet)/cmdline" |
                Should -BeLike "*/opt/bin/kubelet --api-servers=http://172.17.8.101:8080 * --node-ip=172.17.8.10$($h[-1]) *"
        }
    }

    It 'changes nothing the second time (Changed = $false, same main process)' {
        $before = @{}; foreach ($h in $Names) { $before[$h] = Get-RemoteMainPid $h kube-kubelet }
        $r = Get-KubeHost | Start-KubeletNode
        $r.Changed | Should -Be $false, $false, $false
        foreach ($s in $r) { $s.MainPid | Should -Be $before[$s.Host] }
        foreach ($h in $Names) { Get-RemoteMainPid $h kube-kubelet | Should -Be $before[$h] }
    }

    It 'Restart-KubeletNode starts a new kubelet process' {
        $before = @{}; foreach ($h in $Names) { $before[$h] = Get-RemoteMainPid $h kube-kubelet }
        $r = Restart-KubeletNode
        $r.Changed | Should -Be $true, $true, $true
        foreach ($s in $r) {
            $s.ActiveState | Should -Be 'active'
            $s.MainPid | Should -Not -Be $before[$s.Host]
            Get-RemoteMainPid $s.Host kube-kubelet | Should -Be $s.MainPid
        }
    }

    It 'Stop-KubeletNode stops it (still enabled); -DisableUnit also disables it' {
        $r = Get-KubeHost | Stop-KubeletNode
        $r.Changed | Should -Be $true, $true, $true
        $r.ActiveState | Should -Be 'inactive', 'inactive', 'inactive'
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-kubelet | Should -Be 'inactive/enabled' }

        (Stop-KubeletNode -DisableUnit).Changed | Should -Be $true, $true, $true
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-kubelet | Should -Be 'inactive/disabled' }
        (Stop-KubeletNode -DisableUnit).Changed | Should -Be $false, $false, $false
    }

    It 'Start-KubeProxy, a second Start-KubeProxy, Restart-KubeProxy and Stop-KubeProxy do the same for kube-proxy' {
        Get-KubeHost | Start-KubeProxy -WhatIf | Should -BeNullOrEmpty
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-proxy | Should -Be 'inactive/disabled' }

        $r = Get-KubeHost | Start-KubeProxy
        $r.Unit | Sort-Object -Unique | Should -Be 'kube-proxy.service'
        $r.Changed | Should -Be $true, $true, $true
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-proxy | Should -Be 'active/enabled' }
        Get-RemoteUnitState core-01 kube-kubelet | Should -Be 'inactive/disabled' -Because 'kube-proxy alone was asked for'

        (Get-KubeHost | Start-KubeProxy).Changed | Should -Be $false, $false, $false
        $pid1 = Get-RemoteMainPid core-02 kube-proxy
        (Restart-KubeProxy -Name core-02).MainPid | Should -Not -Be $pid1
        (Get-KubeHost | Stop-KubeProxy -DisableUnit).Changed | Should -Be $true, $true, $true
        foreach ($h in $Names) { Get-RemoteUnitState $h kube-proxy | Should -Be 'inactive/disabled' }
    }
}

Describe 'Get-KubeUnit (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $null = New-LabSession
        Invoke-LabSsh core-01 'sudo systemctl start kube-kubelet.service' | Out-Null
    }
    AfterAll {
        Reset-NodeUnit
        Clear-KubeSession
    }

    It 'reports what `systemctl show` says, for running and stopped units on every host' {
        $units = Get-KubeUnit
        $units | Should -HaveCount 6
        ($units | ForEach-Object { "$($_.Host) $($_.Unit)" }) | Should -Be @(
            'core-01 kube-kubelet.service', 'core-01 kube-proxy.service'
            'core-02 kube-kubelet.service', 'core-02 kube-proxy.service'
            'core-03 kube-kubelet.service', 'core-03 kube-proxy.service')
        foreach ($u in $units) {
            $show = @{}
            Invoke-LabSsh $u.Host "systemctl show --timestamp=unix -p LoadState,ActiveState,SubState,UnitFileState,MainPID,ActiveEnterTimestamp $($u.Unit)" |
                ForEach-Object { $k, $v = $_ -split '=', 2; $show[$k] = $v }
            $because = "$($u.Host) $($u.Unit) as systemctl show reads it"
            $u.LoadState | Should -Be $show.LoadState -Because $because
            $u.ActiveState | Should -Be $show.ActiveState -Because $because
            $u.SubState | Should -Be $show.SubState -Because $because
            $u.Enabled | Should -Be $show.UnitFileState -Because $because
            if ($show.MainPID -eq '0') { $u.MainPid | Should -BeNullOrEmpty -Because $because } else { $u.MainPid | Should -Be ([int]$show.MainPID) -Because $because }
            if ($show.ActiveEnterTimestamp -match '^@(\d+)$' -and $Matches[1] -ne '0') {
                $u.Since | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds([long]$Matches[1])) -Because $because
            }
            else { $u.Since | Should -BeNullOrEmpty -Because $because }
        }
        ($units | Where-Object { $_.Host -eq 'core-01' -and $_.Unit -eq 'kube-kubelet.service' }).ActiveState | Should -Be 'active'
        ($units | Where-Object { $_.Host -eq 'core-02' -and $_.Unit -eq 'kube-kubelet.service' }).ActiveState | Should -Be 'inactive'
    }

    It 'says not-found for a unit that does not exist' {
        $u = Get-KubeUnit core-02 -Unit no-such-unit
        $u.Unit | Should -Be 'no-such-unit.service'
        $u.LoadState | Should -Be 'not-found'
    }
}

Describe 'Get-KubeJournal (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $null = New-LabSession
        # Entries older than this come from other blocks; -Since counts whole seconds, so start a second later.
        $script:JournalStart = [DateTime]::Now
        Start-Sleep -Milliseconds 1100
        # One start per host, a little apart, so the merge has an order to keep.
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo systemctl start kube-kubelet.service' | Out-Null; Start-Sleep -Milliseconds 300 }
        Wait-Until -TimeoutSec 10 {
            @($Names | Where-Object { (Invoke-LabSsh $_ 'sudo journalctl -u kube-kubelet -o cat -n 3 --no-pager') -match 'Starting kubelet main sync loop' }).Count -eq 3
        } | Should -BeTrue -Because 'every stand-in must have logged its start-up lines'
    }
    AfterAll {
        Reset-NodeUnit
        Clear-KubeSession
    }

    It 'returns the stand-in''s start-up lines on core-01 as KubeJournalEntry objects' {
        $entries = Get-KubeJournal core-01 -Unit kube-kubelet -Lines 30
        $entries | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeJournalEntry]) }
        $entries.Host | Sort-Object -Unique | Should -Be 'core-01'
        $version = @($entries | Where-Object Message -Match '"Kubelet version" kubeletVersion="v1\.33\.1-standin"')
        $version | Should -Not -BeNullOrEmpty
        $version[-1].Unit | Should -Be 'kube-kubelet.service'
        $version[-1].Priority | Should -Be 6
        $version[-1].Message | Should -Match '^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ server\.go:\d+\] '
        $version[-1].Time | Should -BeOfType ([DateTimeOffset])
        ([DateTimeOffset]::Now - $version[-1].Time).TotalMinutes | Should -BeLessThan 10
        $entries.Message | Should -Contain ($entries.Message | Where-Object { $_ -match '"Started kubelet" nodeIP="172\.17\.8\.101"' } | Select-Object -Last 1)
        # The same lines journalctl shows on the host.
        $onHost = Invoke-LabSsh core-01 'sudo journalctl -u kube-kubelet -o cat --no-pager -n 30'
        $onHost | Should -Contain $version[-1].Message
    }

    It 'merges the three hosts'' entries in time order (-Since: only this block''s starts)' {
        $entries = Get-KubeJournal -Unit kube-kubelet -Since $JournalStart
        $entries | ForEach-Object { $_.Time | Should -BeGreaterOrEqual ([DateTimeOffset]$JournalStart) }
        $entries.Host | Sort-Object -Unique | Should -Be $Names
        $times = $entries.Time
        for ($i = 1; $i -lt $times.Count; $i++) { $times[$i] | Should -BeGreaterOrEqual $times[$i - 1] }
        # The hosts were started one after another, so their start-up lines do not all come from one host first.
        ($entries | Where-Object Message -Match '"Kubelet version"').Host | Should -Be $Names
    }

    It '-Follow streams new entries until stopped, returns within 1 s, and leaves no journalctl on the host' {
        # A snapshot of what arrived so far: enumerating an open PSDataCollection would block until it is closed.
        function Get-Arrived { for ($i = 0; $i -lt $output.Count; $i++) { $output[$i] } }
        $ps = New-LabRunspace
        try {
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $null = $ps.AddScript('Get-KubeJournal core-01 -Unit kube-kubelet -Follow -Lines 1')
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Wait-Until -TimeoutSec 10 { $output.Count -ge 1 } | Should -BeTrue -Because 'the newest entry comes first'
            Wait-Until -TimeoutSec 5 { [bool](Invoke-LabSsh core-01 'pgrep -x journalctl' -AllowFailure) } | Should -BeTrue

            $marker = [DateTimeOffset]::Now.AddSeconds(-1)
            Invoke-LabSsh core-01 'sudo systemctl restart kube-kubelet.service' | Out-Null
            Wait-Until -TimeoutSec 10 { @(Get-Arrived | Where-Object { $_.Message -match 'Starting kubelet main sync loop' -and $_.Time -gt $marker }).Count -ge 1 } |
                Should -BeTrue -Because 'the restarted stand-in''s lines must arrive while following'
            $new = @(Get-Arrived | Where-Object { $_.Time -gt $marker })
            $new.Message | Where-Object { $_ -match '"Kubelet version"' } | Should -Not -BeNullOrEmpty
            $new.Host | Sort-Object -Unique | Should -Be 'core-01'

            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 1
            $async.IsCompleted | Should -BeTrue
            Wait-Until -TimeoutSec 3 { -not (Invoke-LabSsh core-01 'pgrep -x journalctl' -AllowFailure) } |
                Should -BeTrue -Because 'no journalctl may be left running on core-01'
        }
        finally {
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }
}

Describe 'Node service faults (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $null = New-LabSession
    }
    AfterAll {
        Reset-NodeUnit
        Clear-KubeSession
    }

    Context 'core-03 powered off (lab.sh stop-host core-03)' {
        BeforeAll { Invoke-LabLab stop-host core-03 | Out-Null }
        AfterAll {
            Invoke-LabLab start-host core-03 | Out-Null
            Reset-NodeUnit
        }

        It 'still starts the kubelet on core-01 and core-02, and says why core-03 failed' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $r = Get-KubeHost | Start-KubeletNode -ErrorVariable err -ErrorAction SilentlyContinue
            $sw.Stop()
            ($r.Host | Sort-Object) | Should -Be 'core-01', 'core-02'
            $r.ActiveState | Should -Be 'active', 'active'
            # The old connection is dead; the one reconnect attempt finds nobody at 172.17.8.103.
            # Powered off, the host either refuses at once (no ARP answer: cannot be reached) or lets the connect run out
            # its time (No SSH answer), depending on what the bridge still remembers of it; both name the address.
            Assert-KfsError $err -Id 'HostUnreachable' -Category ConnectionError -TargetObject 'core-03' -MessageContains '172.17.8.103:22'
            "$($err[0].Exception.Message)" | Should -Match '172\.17\.8\.103:22 cannot be reached|No SSH answer from 172\.17\.8\.103:22'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
            Get-RemoteUnitState core-01 kube-kubelet | Should -Be 'active/enabled'
        }
    }

    It 'says SudoDenied for a user without sudo rights (nosudo), and starts nothing' {
        $null = Connect-KubeHost -HostName 172.17.8.101 -Name nosudo -Credential (New-TestCredential nosudo nosudo) -KnownHostsFile (New-LabKnownHostsPath) -AcceptNewHostKey
        try {
            Start-KubeletNode -Name nosudo -SudoCredential (New-TestCredential nosudo nosudo) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-KfsError $err -Id 'SudoDenied' -Category PermissionDenied -TargetObject 'nosudo' -MessageContains 'nosudo may not use sudo'
            Get-RemoteUnitState core-01 kube-kubelet | Should -Be 'inactive/disabled'
        }
        finally { Get-KubeHost -Name nosudo | Disconnect-KubeHost }
    }

    It 'says UnitNotFound for a unit that is not there, pointing at Install-KubeUnit' {
        Start-KubeletNode -Name core-01 -Unit no-such -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'UnitNotFound' -Category ObjectNotFound -TargetObject 'core-01' -MessageContains 'no-such.service', 'Install-KubeUnit'
    }

    Context 'a unit whose ExecStart has a bad flag (it exits at once)' {
        BeforeAll {
            $unit = "[Unit]`nDescription=KubeFromScratch Pester: kubelet with a bad flag`n[Service]`nExecStart=/opt/bin/kubelet --config=/etc/kubernetes/manifests --no-such-flag=1`n[Install]`nWantedBy=multi-user.target`n"
            Invoke-LabSsh core-02 "printf '%s' $(ConvertTo-PosixQuoted $unit) | sudo tee /etc/systemd/system/kfs-pester-badflag.service >/dev/null && sudo systemctl daemon-reload" | Out-Null
        }
        AfterAll {
            Invoke-LabSsh core-02 'sudo systemctl disable --now --quiet kfs-pester-badflag.service; sudo rm -f /etc/systemd/system/kfs-pester-badflag.service; sudo systemctl daemon-reload; sudo systemctl reset-failed; true' -AllowFailure | Out-Null
        }

        It 'says UnitFailed with the unit''s last journal lines in the message' {
            Start-KubeletNode -Name core-02 -Unit kfs-pester-badflag -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-KfsError $err -Id 'UnitFailed' -Category InvalidResult -TargetObject 'core-02' `
                -MessageContains 'kfs-pester-badflag.service on core-02 did not start', 'failed to parse kubelet flag: unknown flag: --no-such-flag', 'Get-KubeJournal'
            Invoke-LabSsh core-02 'systemctl is-active kfs-pester-badflag.service' -AllowFailure | Should -Be 'failed'
        }
    }

    Context 'a unit name with ; and $( )' {
        BeforeAll {
            # Were the name run by a shell, it would create these files in core's (or root's) home or /tmp.
            $script:Evil = 'kfs;touch${IFS}kfs-pwned-a;$(touch${IFS}kfs-pwned-b)`touch${IFS}kfs-pwned-c`'
            $script:Probe = 'sudo sh -c "ls -d /home/core/kfs-pwned-* /root/kfs-pwned-* /tmp/kfs-pwned-* /kfs-pwned-* 2>/dev/null; true"'
        }
        AfterEach {
            foreach ($h in $Names) { Invoke-LabSsh $h $Probe | Should -BeNullOrEmpty -Because "nothing may have run on $h" }
        }

        # The module either refuses such a name (UnitNameInvalid) or passes it to systemd as one quoted argument;
        # systemd then escapes it and finds no such unit. Either way nothing may run.
        It 'Start-KubeletNode and Stop-KubeProxy refuse it or say UnitNotFound on each host' {
            foreach ($call in { Start-KubeletNode -Unit $Evil -ErrorAction SilentlyContinue -ErrorVariable err }, { Stop-KubeProxy -Unit $Evil -ErrorAction SilentlyContinue -ErrorVariable err }) {
                $err = $null
                try { $out = . $call } catch { $err = @($_) }
                $out | Should -BeNullOrEmpty
                if ("$(@($err)[0].FullyQualifiedErrorId)" -like 'UnitNameInvalid*') {
                    Assert-KfsError $err -Id 'UnitNameInvalid' -Category InvalidArgument -TargetObject $Evil
                    continue
                }
                $err | Should -HaveCount 3
                foreach ($h in $Names) {
                    Assert-KfsError ($err | Where-Object TargetObject -EQ $h) -Id 'UnitNotFound' -Category ObjectNotFound -TargetObject $h -MessageContains "$Evil.service does not exist on $h"
                }
            }
        }

        It 'Get-KubeUnit refuses it or reports it not-found, under systemd''s escaped name' {
            try { $u = Get-KubeUnit -Unit $Evil -ErrorAction Stop } catch { $u = $null; Assert-KfsError $_ -Id 'UnitNameInvalid' -Category InvalidArgument -TargetObject $Evil }
            if ($u) {
                $u | Should -HaveCount 3
                $u.LoadState | Should -Be 'not-found', 'not-found', 'not-found'
                $u[0].Unit | Should -BeExactly 'kfs\x3btouch\x24\x7bIFS\x7dkfs-pwned-a\x3b\x24\x28touch\x24\x7bIFS\x7dkfs-pwned-b\x29\x60touch\x24\x7bIFS\x7dkfs-pwned-c\x60.service' -Because 'systemd got the whole name as one argument and escaped it'
            }
        }

        It 'Get-KubeJournal refuses it or finds no entries' {
            try { $j = Get-KubeJournal -Unit $Evil -ErrorAction Stop } catch { $j = $null; Assert-KfsError $_ -Id 'UnitNameInvalid' -Category InvalidArgument -TargetObject $Evil }
            $j | Should -BeNullOrEmpty
        }
    }
}

Describe 'Install-KubeBinary from the lab mirror (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $script:SavedCache = $env:KFS_RELEASE_CACHE
        $script:Cache = Join-Path $TestDrive 'release-cache'
        $env:KFS_RELEASE_CACHE = $script:Cache
        $script:Rel = 'release/v1.33.1/bin/linux/amd64'
        $script:Published = @{}
        foreach ($c in 'kubelet', 'kube-proxy', 'kubectl') { $script:Published[$c] = Get-PublishedSha "$Rel/$c" }
        # The image preloads the same bytes the mirror serves; without them the first install has work to do.
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo rm -f /opt/bin/kubelet /opt/bin/kube-proxy /opt/bin/kubectl' | Out-Null }
        $null = New-LabSession
    }
    AfterAll {
        Clear-KubeSession
        $env:KFS_RELEASE_CACHE = $script:SavedCache
        Restore-LabBinary kubelet, kube-proxy, kubectl
    }

    It 'installs kubelet, kube-proxy and kubectl into /opt/bin (0755, root) with the published SHA-256' {
        $r = Get-KubeHost | Install-KubeBinary kubelet, kube-proxy, kubectl -Version 1.33.1 -BaseUrl $Mirror
        $r | Should -HaveCount 9
        $r | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeBinaryInstall]) }
        $r.Changed | Sort-Object -Unique | Should -Be $true
        foreach ($i in $r) {
            $i.Version | Should -Be '1.33.1'
            $i.Path | Should -Be "/opt/bin/$($i.Component)"
            $i.Sha256 | Should -Be $Published[$i.Component]
        }
        foreach ($h in $Names) {
            Invoke-LabSsh $h 'stat -c "%a %U:%G %n" /opt/bin/kubelet /opt/bin/kube-proxy /opt/bin/kubectl' |
                Should -Be '755 root:root /opt/bin/kubelet', '755 root:root /opt/bin/kube-proxy', '755 root:root /opt/bin/kubectl'
            $sums = Invoke-LabSsh $h 'cd /opt/bin && sha256sum kubelet kube-proxy kubectl'
            $sums | Should -Be "$($Published.kubelet)  kubelet", "$($Published['kube-proxy'])  kube-proxy", "$($Published.kubectl)  kubectl"
        }
        Invoke-LabSsh core-02 '/opt/bin/kubectl version --client' | Should -Contain 'Client Version: v1.33.1'
    }

    It 'changes nothing the second time (Changed = $false everywhere)' {
        $r = Get-KubeHost | Install-KubeBinary kubelet, kube-proxy, kubectl -Version v1.33.1 -BaseUrl $Mirror
        $r | Should -HaveCount 9
        $r.Changed | Sort-Object -Unique | Should -Be $false
    }

    It 'says ChecksumMismatch for the corrupted v1.33.0 kubelet, and changes nothing on any host nor in the cache' {
        $before = Get-RemoteSha /opt/bin/kubelet
        $err = { Get-KubeHost | Install-KubeBinary kubelet -Version 1.33.0 -BaseUrl $Mirror } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'ChecksumMismatch' -Category InvalidData -TargetObject "$Mirror/release/v1.33.0/bin/linux/amd64/kubelet" `
            -MessageContains (Get-PublishedSha 'release/v1.33.0/bin/linux/amd64/kubelet'), 'nothing was installed'
        $after = Get-RemoteSha /opt/bin/kubelet
        foreach ($h in $Names) { $after[$h] | Should -Be $before[$h] -Because "$h must keep its kubelet" }
        $after['core-01'] | Should -Be $Published.kubelet
        @(Get-ChildItem -LiteralPath $Cache -Recurse -File | Where-Object FullName -Match 'v1\.33\.0|\.part-') | Should -BeNullOrEmpty
    }

    It 'says UnknownComponent for a component it does not know' {
        $err = { Install-KubeBinary kube-foo -Version 1.33.1 -BaseUrl $Mirror } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'UnknownComponent' -Category InvalidArgument -TargetObject 'kube-foo' -MessageContains 'kubelet, kube-proxy, kubectl'
    }

    It 'says VersionInvalid for a version that is not a version' {
        $err = { Install-KubeBinary kubelet -Version 'latest' -BaseUrl $Mirror } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'VersionInvalid' -Category InvalidArgument -TargetObject 'latest' -MessageContains 'MAJOR.MINOR.PATCH'
    }

    It 'leaves no partial binary in /opt/bin when the upload is interrupted (Stop() during the upload)' {
        Invoke-LabSsh core-01 'sudo rm -f /opt/bin/kubectl' | Out-Null
        $ps = New-LabRunspace
        try {
            # kubectl (~60 MB) is in the cache by now, so the upload starts at once.
            $null = $ps.AddScript("Install-KubeBinary -Name core-01 kubectl -Version 1.33.1 -BaseUrl '$Mirror'")
            $async = $ps.BeginInvoke()
            # On the host, watch for the upload's private folder to hold a growing kubectl; stop as soon as it does.
            $seen = Invoke-LabSsh core-01 'for i in $(seq 600); do for f in /tmp/.kfs-upload-*/kubectl; do [ -s "$f" ] && { stat -c %s "$f"; exit 0; }; done; sleep 0.01; done; exit 1' -AllowFailure
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
            $seen | Should -Not -BeNullOrEmpty -Because 'the upload must have been seen in flight'
            [long]$seen | Should -BeLessThan (Get-Item (Join-Path $MirrorDir "$Rel/kubectl")).Length
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 1
            $async.IsCompleted | Should -BeTrue

            $listing = Invoke-LabSsh core-01 'ls -A /opt/bin'
            $listing | Should -Be 'kube-proxy', 'kubelet' -Because "no temporary or partial file may be in /opt/bin: $($listing -join ', ')"
            Wait-Until -TimeoutSec 5 { -not (Invoke-LabSsh core-01 'ls -d /tmp/.kfs-upload-* 2>/dev/null; true') } | Should -BeTrue -Because 'the upload''s folder in /tmp is removed'
        }
        finally {
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
        (Install-KubeBinary -Name core-01 kubectl -Version 1.33.1 -BaseUrl $Mirror).Changed | Should -BeTrue
    }

    It 'returns within 1 s when stopped (Ctrl-C) during a slow download, leaving nothing in the cache or on the hosts' {
        $env:KFS_RELEASE_CACHE = Join-Path $TestDrive 'slow-cache'
        $before = Get-RemoteSha /opt/bin/kubectl
        $ps = New-LabRunspace
        try {
            # /slow/: the mirror's slow-download fault (about 1 MiB/s, so ~60 s for kubectl).
            $null = $ps.AddScript("Install-KubeBinary kubectl -Version 1.33.1 -BaseUrl '$Mirror/slow/'")
            $async = $ps.BeginInvoke()
            Wait-Until -TimeoutSec 10 -IntervalMs 50 {
                @(Get-ChildItem -LiteralPath $env:KFS_RELEASE_CACHE -Recurse -File -Filter 'kubectl.part-*' -ErrorAction Ignore | Where-Object Length -GT 0).Count -gt 0
            } | Should -BeTrue -Because 'the download must be under way'
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 1
            $async.IsCompleted | Should -BeTrue
            Wait-Until -TimeoutSec 3 { @(Get-ChildItem -LiteralPath $env:KFS_RELEASE_CACHE -Recurse -File -ErrorAction Ignore).Count -eq 0 } |
                Should -BeTrue -Because 'an interrupted download leaves nothing in the cache'
            $after = Get-RemoteSha /opt/bin/kubectl
            foreach ($h in $Names) { $after[$h] | Should -Be $before[$h] }
        }
        finally {
            $env:KFS_RELEASE_CACHE = $Cache
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }
}

Describe 'Install-CniPlugin from the lab mirror (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $script:SavedCache = $env:KFS_RELEASE_CACHE
        $env:KFS_RELEASE_CACHE = Join-Path $TestDrive 'release-cache'
        # The mirror carries Debian's containernetworking-plugins under its upstream version (bookworm: 1.1.1).
        $script:CniVersion = @(Get-ChildItem -LiteralPath (Join-Path $MirrorDir 'containernetworking/plugins/releases/download') -Directory).Name -replace '^v'
        $script:CniVersion | Should -HaveCount 1
        $script:LoopbackSha = (Get-FileHash -LiteralPath /usr/lib/cni/loopback -Algorithm SHA256).Hash.ToLowerInvariant()
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo rm -f /opt/cni/bin/loopback' | Out-Null }
        $null = New-LabSession
    }
    AfterAll {
        Clear-KubeSession
        $env:KFS_RELEASE_CACHE = $script:SavedCache
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo rm -f /opt/cni/bin/loopback' -AllowFailure | Out-Null }
    }

    It 'installs /opt/cni/bin/loopback, which answers CNI_COMMAND=VERSION, and changes nothing the second time' {
        $r = Get-KubeHost | Install-CniPlugin loopback -Version $CniVersion -BaseUrl $Mirror
        $r | Should -HaveCount 3
        $r | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.CniPluginInstall]) }
        $r.Changed | Should -Be $true, $true, $true
        $r.Path | Sort-Object -Unique | Should -Be '/opt/cni/bin/loopback'
        $r.Sha256 | Sort-Object -Unique | Should -Be $LoopbackSha
        foreach ($h in $Names) {
            Invoke-LabSsh $h 'stat -c "%a %U" /opt/cni/bin/loopback' | Should -Be '755 root'
            $answer = Invoke-LabSsh $h 'CNI_COMMAND=VERSION /opt/cni/bin/loopback' | ConvertFrom-Json
            $answer.cniVersion | Should -Not -BeNullOrEmpty
            $answer.supportedVersions | Should -Contain '0.3.0'
        }
        (Get-KubeHost | Install-CniPlugin loopback -Version "v$CniVersion" -BaseUrl $Mirror).Changed | Should -Be $false, $false, $false
    }

    It 'installs from the deck''s legacy 0.3.0 tarball with a warning that it has no checksum' {
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo rm -f /opt/cni/bin/loopback' | Out-Null }
        $r = Get-KubeHost | Install-CniPlugin loopback -Version 0.3.0 -BaseUrl $Mirror -WarningVariable warn -WarningAction SilentlyContinue
        $warn | Should -HaveCount 1
        $warn[0].Message | Should -BeLike '*cni-v0.3.0.tgz has no published checksum*'
        $r.Changed | Should -Be $true, $true, $true
        foreach ($h in $Names) { (Invoke-LabSsh $h 'CNI_COMMAND=VERSION /opt/cni/bin/loopback' | ConvertFrom-Json).cniVersion | Should -Not -BeNullOrEmpty }
    }

    It 'says CniPluginNotFound for a plugin the tarball does not hold, listing what it holds' {
        $err = { Get-KubeHost | Install-CniPlugin no-such-plugin -Version $CniVersion -BaseUrl $Mirror } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'CniPluginNotFound' -Category ObjectNotFound -TargetObject 'no-such-plugin' -MessageContains 'loopback', 'bridge'
    }
}

Describe 'Install-KubeUnit (lab)' -Tag Lab, NodeServices -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        Reset-NodeUnit
        $null = New-LabSession
        $script:Common = @{ KubernetesVersion = '1.33.1'; ApiServer = 'https://172.17.8.101:6443'; EtcdEndpoint = 'http://172.17.8.101:2379' }
        # What every node gets, and what only masters get (the module may write more, e.g. kubeconfigs).
        $script:WorkerFiles = '/etc/systemd/system/kube-kubelet.service', '/etc/systemd/system/kube-proxy.service', '/var/lib/kubelet/config.yaml', '/var/lib/kube-proxy/config.yaml'
        $script:StaticPods = '/etc/kubernetes/manifests/kube-apiserver.yaml', '/etc/kubernetes/manifests/kube-controller-manager.yaml', '/etc/kubernetes/manifests/kube-scheduler.yaml'
        # Everything the block may write, for AfterAll: the known files plus whatever Install-KubeUnit reported.
        $script:Written = [Collections.Generic.HashSet[string]]::new([string[]]($WorkerFiles + $StaticPods))
        $script:WhatIfPaths = @()
    }
    AfterAll {
        # Back to the image's (the deck's) units: Install-KubeUnit's files in /etc override them.
        Reset-NodeUnit
        $files = ($Written | ForEach-Object { ConvertTo-PosixQuoted $_ }) -join ' '
        foreach ($h in $Names) {
            Invoke-LabSsh $h "sudo rm -f $files; sudo rmdir /var/lib/kubelet /var/lib/kube-proxy 2>/dev/null; sudo systemctl daemon-reload" -AllowFailure | Out-Null
        }
        Clear-KubeSession
        foreach ($h in $Names) {
            Invoke-LabSsh $h 'systemctl show -p FragmentPath --value kube-kubelet.service' | Should -Match '^(/usr)?/lib/systemd/system/kube-kubelet\.service$'
        }
    }

    It '-WhatIf writes nothing and says what it would create' {
        $pwsh = Get-PwshCommandLine
        $script = "Import-Module '$(Get-KfsModulePath)'; Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'; `$null = New-LabSession; " +
            "Install-KubeUnit -Name core-01 -Role Master -KubernetesVersion 1.33.1 -ApiServer https://172.17.8.101:6443 -EtcdEndpoint http://172.17.8.101:2379 -WhatIf | Out-Null"
        $out = & $pwsh.FilePath @($pwsh.Prefix) -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $whatIf = @($out | Where-Object { $_ -like 'What if:*' })
        $whatIf | Should -Contain 'What if: Performing the operation "Create Unit" on target "/etc/systemd/system/kube-kubelet.service on core-01".'
        $whatIf | Should -Contain 'What if: Performing the operation "Create Unit" on target "/etc/systemd/system/kube-proxy.service on core-01".'
        $whatIf | Should -Contain 'What if: Performing the operation "Create Config" on target "/var/lib/kubelet/config.yaml on core-01".'
        $whatIf | Should -Contain 'What if: Performing the operation "Create StaticPod" on target "/etc/kubernetes/manifests/kube-apiserver.yaml on core-01".'
        $script:WhatIfPaths = @($whatIf | ForEach-Object { if ($_ -match '^What if: Performing the operation "Create \w+" on target "(/\S+) on core-01"\.$') { $Matches[1] } else { throw "unexpected: $_" } })
        $WhatIfPaths | ForEach-Object { $null = $Written.Add($_) }
        $files = ($Written | ForEach-Object { ConvertTo-PosixQuoted $_ }) -join ' '
        foreach ($h in $Names) {
            Invoke-LabSsh $h "sudo ls -d $files 2>/dev/null; true" | Should -BeNullOrEmpty -Because "-WhatIf must not write on $h"
        }
        # In this session too: -WhatIf reports every file unchanged.
        (Install-KubeUnit -Name core-02 -Role Worker @Common -WhatIf).Changed | Sort-Object -Unique | Should -Be $false
    }

    It 'writes the units, configs and (on the master) static pods, as the output says' {
        $m = Install-KubeUnit -Name core-01 -Role Master @Common
        $w = Install-KubeUnit -Name core-02, core-03 -Role Worker @Common
        @($m) + @($w) | ForEach-Object { $null = $Written.Add($_.Path) }
        $m | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeNodeFile]) }
        ($m.Path | Sort-Object) | Should -Be ($WhatIfPaths | Sort-Object) -Because '-WhatIf announced exactly these files'
        foreach ($f in $WorkerFiles + $StaticPods) { $m.Path | Should -Contain $f }
        $m.Changed | Sort-Object -Unique | Should -Be $true
        foreach ($f in $WorkerFiles) { ($w | Where-Object Host -EQ core-03).Path | Should -Contain $f }
        foreach ($f in $StaticPods) { $w.Path | Should -Not -Contain $f -Because 'workers get no static pods' }
        $w.Changed | Sort-Object -Unique | Should -Be $true
        foreach ($f in @($m) + @($w)) {
            (Invoke-LabSsh $f.Host "sudo sha256sum $($f.Path)").Split(' ')[0] | Should -Be $f.Sha256 -Because "$($f.Path) on $($f.Host)"
        }
        Invoke-LabSsh core-01 'sudo stat -c "%a %U" /etc/kubernetes/manifests/kube-apiserver.yaml /etc/systemd/system/kube-kubelet.service' | Should -Be '600 root', '644 root'
        Invoke-LabSsh core-02 'ls /etc/kubernetes/manifests' | Should -BeNullOrEmpty -Because 'workers get no static pods'
        Invoke-LabSsh core-02 'systemctl show -p FragmentPath --value kube-kubelet.service' | Should -Be '/etc/systemd/system/kube-kubelet.service' -Because 'systemd was reloaded'
        Invoke-LabSsh core-03 'grep -- --node-ip= /etc/systemd/system/kube-kubelet.service' | Should -Match '--node-ip=172\.17\.8\.103$'
    }

    It 'changes nothing the second time' {
        (Install-KubeUnit -Name core-01 -Role Master @Common).Changed | Sort-Object -Unique | Should -Be $false
        (Install-KubeUnit -Name core-02, core-03 -Role Worker @Common).Changed | Sort-Object -Unique | Should -Be $false
    }

    It 'writes units real systemd accepts (systemd-analyze verify on <_>)' -ForEach 'core-01', 'core-02', 'core-03' {
        $out = @(Invoke-LabSsh $_ 'sudo systemd-analyze verify /etc/systemd/system/kube-kubelet.service /etc/systemd/system/kube-proxy.service 2>&1; echo "exit $?"')
        $out[-1] | Should -Be 'exit 0' -Because ($out -join "`n")
    }

    It 'writes units the kubelet and kube-proxy (stand-ins) start with' {
        $r = Start-KubeletNode -Name core-02
        $r.ActiveState | Should -Be 'active'
        (Start-KubeProxy -Name core-02).ActiveState | Should -Be 'active'
        Invoke-LabSsh core-02 "tr '\0' ' ' < /proc/$(Get-RemoteMainPid core-02 kube-kubelet)/cmdline" |
            Should -BeLike '*/opt/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf --hostname-override=core-02 --node-ip=172.17.8.102*'
    }
}
