#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The lab's Kubernetes side (tests/lab/lab.sh): the API server STAND-IN `lab.sh up` runs at the deck's insecure
    address http://172.17.8.101:8080 (tests/LabApiServer/LabApiServer, in core-01's network namespace), the
    STAND-IN kubelets of the image (/opt/bin/kubelet, started by the deck's kube-kubelet.service) registering their
    Nodes and sending heartbeats, the API server's fault commands (lab.sh api-restart), and the STAND-IN weave
    script the release mirror serves. None of these is the real program; the referees are: the real kubectl v1.33.1
    (the image's /opt/bin/kubectl on core-01 over OpenSSH, and this machine's kubectl), systemctl and journalctl on
    the hosts, and the deck's own output for `weave status peers`. The module under test is not involved.

    Every block leaves the hosts as the image has them (kube-kubelet stopped, no /opt/bin/weave) and the API server
    as lab.sh up starts it (default node grace, an empty cluster).
    Network rule: loopback and 172.17.8.0/24 only, after lab.sh check-network (Get-LabSkipReason).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $LabSkip) {
        # Only after check-network (Get-LabSkipReason): 172.17.8.0/24 is the lab's bridge.
        & curl -fsS -o /dev/null --max-time 3 'http://172.17.8.101:8080/healthz' 2>$null
        if ($LASTEXITCODE -ne 0) { $script:LabSkip = 'the lab''s API server stand-in (http://172.17.8.101:8080) does not answer (tests/lab/lab.sh up, or lab.sh api-start, starts it)' }
    }
    if (-not $LabSkip) {
        & curl -fsS -o /dev/null --max-time 3 'http://172.17.8.1:8080/weaveworks/weave/releases/download/v2.8.1/weave.sha256' 2>$null
        if ($LASTEXITCODE -ne 0) { $script:LabSkip = 'the lab''s release mirror (http://172.17.8.1:8080) does not serve the weave stand-in (tests/lab/lab.sh up builds and starts it)' }
    }
    if (-not $LabSkip -and -not (Get-Command kubectl -CommandType Application -ErrorAction Ignore)) {
        $script:LabSkip = 'there is no kubectl on this machine (the lab needs its kubectl v1.33.1 too: tests/lab/README.md)'
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    $script:Names = 'core-01', 'core-02', 'core-03'
    $script:Api = 'http://172.17.8.101:8080'
    $script:WeaveUrl = 'http://172.17.8.1:8080/weaveworks/weave/releases/download/v2.8.1/weave'
    # The deck (slide "Weave status peers should display a list of peers"), as core-01 prints it.
    $script:DeckPeers = @(
        '0a:e1:07:a9:14:92(core-03)'
        '   -> 172.17.8.101:6783     32:1b:2d:1b:d1:e0(core-01)            established'
        '   <- 172.17.8.102:42173    0a:4e:1e:1a:69:db(core-02)            established'
        '0a:4e:1e:1a:69:db(core-02)'
        '   -> 172.17.8.101:6783     32:1b:2d:1b:d1:e0(core-01)            established'
        '   -> 172.17.8.103:6783     0a:e1:07:a9:14:92(core-03)            established'
        '32:1b:2d:1b:d1:e0(core-01)'
        '   <- 172.17.8.103:40977    0a:e1:07:a9:14:92(core-03)            established'
        '   <- 172.17.8.102:45731    0a:4e:1e:1a:69:db(core-02)            established'
    )

    # This machine's real kubectl against the lab API, never reading the user's ~/.kube (a config of its own, a
    # discovery cache in TestDrive). Returns stdout lines and the exit code; stderr goes to the exception text.
    $script:KubeConfig = Join-Path ([IO.Path]::GetTempPath()) "kfs-labapi-kubeconfig-$PID"
    Set-Content -LiteralPath $KubeConfig -Value "apiVersion: v1`nkind: Config`n"
    function script:Invoke-HostKubectl {
        $errFile = Join-Path $TestDrive "kubectl-$([guid]::NewGuid().ToString('N')).err"
        $out = @(& kubectl --kubeconfig $script:KubeConfig --cache-dir (Join-Path $TestDrive 'kube-cache') --server $script:Api --request-timeout=10s @args 2>$errFile)
        [pscustomobject] @{ Stdout = $out; Stderr = (Get-Content -Raw -LiteralPath $errFile -ErrorAction Ignore); ExitCode = $LASTEXITCODE }
    }

    # The image's kubectl on core-01, over OpenSSH (the workshop's "kubectl on the master").
    function script:Invoke-Core01Kubectl([string] $Arguments) {
        Invoke-LabSsh core-01 "/opt/bin/kubectl --server $script:Api --request-timeout=10s $Arguments"
    }

    # The nodes as the API server has them (kubectl get nodes -o json), by name.
    function script:Get-LabNode {
        $r = Invoke-HostKubectl get nodes -o json
        if ($r.ExitCode -ne 0) { throw "kubectl get nodes failed: $($r.Stderr)" }
        $nodes = @{}
        foreach ($n in (($r.Stdout -join "`n") | ConvertFrom-Json -DateKind String).items) { $nodes[$n.metadata.name] = $n }
        $nodes
    }

    function script:Get-ReadyCondition($Node) { $Node.status.conditions | Where-Object type -EQ 'Ready' }

    # The stand-in's lastHeartbeatTime of a node's Ready condition (RFC 3339, whole seconds), or $null.
    function script:Get-Heartbeat([string] $Name) {
        $node = (Get-LabNode)[$Name]
        if (-not $node) { return $null }
        [DateTimeOffset]::Parse((Get-ReadyCondition $node).lastHeartbeatTime, [Globalization.CultureInfo]::InvariantCulture)
    }

    # The names of the nodes kubectl shows Ready.
    function script:Get-ReadyNodeName {
        $r = Invoke-HostKubectl get nodes --no-headers
        @($r.Stdout | ForEach-Object { $c = -split $_; if ($c.Count -ge 2 -and $c[1] -eq 'Ready') { $c[0] } })
    }

    function script:Stop-Kubelet([string[]] $HostName = $script:Names) {
        foreach ($h in $HostName) {
            Invoke-LabSsh $h 'sudo systemctl stop kube-kubelet.service; sudo systemctl reset-failed kube-kubelet.service 2>/dev/null; true' | Out-Null
        }
    }

    function script:Start-Kubelet([string[]] $HostName = $script:Names) {
        foreach ($h in $HostName) { Invoke-LabSsh $h 'sudo systemctl start kube-kubelet' | Out-Null }   # the deck's command
    }

    # lab.sh api-restart with the default node grace (KFS_LAB_NODE_GRACE unset), or -Grace.
    function script:Restart-LabApi([string] $Grace) {
        $saved = $env:KFS_LAB_NODE_GRACE
        try {
            if ($Grace) { $env:KFS_LAB_NODE_GRACE = $Grace } else { Remove-Item Env:KFS_LAB_NODE_GRACE -ErrorAction Ignore }
            Invoke-LabLab api-restart | Out-Null
        }
        finally {
            if ($null -ne $saved) { $env:KFS_LAB_NODE_GRACE = $saved } else { Remove-Item Env:KFS_LAB_NODE_GRACE -ErrorAction Ignore }
        }
    }
}

AfterAll {
    if ($KubeConfig) { Remove-Item -LiteralPath $KubeConfig -Force -ErrorAction Ignore }
}

Describe 'The lab''s Kubernetes API (lab)' -Tag Lab, LabApi {
    It 'is available: the lab is up and http://172.17.8.101:8080 answers (a failure in CI, else a skip, when not)' {
        Assert-LabOrSkip -Reason $LabSkip
    }
}

Describe 'The API server stand-in at http://172.17.8.101:8080 (lab)' -Tag Lab, LabApi -Skip:([bool]$LabSkip) {
    It 'answers the image''s real kubectl on core-01 (the deck''s insecure address)' {
        $version = Invoke-Core01Kubectl 'version'
        $version | Should -Contain 'Client Version: v1.33.1'
        $version | Should -Contain 'Server Version: v1.33.1-lab-standin' -Because 'the stand-in says it is one'
        $ns = Invoke-Core01Kubectl 'get namespaces --no-headers -o custom-columns=NAME:.metadata.name'
        foreach ($n in 'default', 'kube-system', 'kube-public') { $ns | Should -Contain $n }
    }

    It 'answers this machine''s kubectl over the lab bridge' {
        $r = Invoke-HostKubectl get --raw /version
        $r.ExitCode | Should -Be 0 -Because $r.Stderr
        (($r.Stdout -join '') | ConvertFrom-Json).gitVersion | Should -Be 'v1.33.1-lab-standin'
        $svc = Invoke-HostKubectl get service kubernetes -n default --no-headers
        $svc.ExitCode | Should -Be 0 -Because $svc.Stderr
        (-split $svc.Stdout[0])[0..2] | Should -Be 'kubernetes', 'ClusterIP', '10.96.0.1'
    }

    It 'is reported by lab.sh status, listening in core-01''s network namespace only' {
        $line = @(& bash (Join-Path $RepoRoot 'tests/lab/lab.sh') status 2>$null) | Where-Object { $_ -like 'api *' }
        $line | Should -Match '^api +http://172\.17\.8\.101:8080 \(stand-in; pid \d+, node grace [\d.]+ s\)$'
        # Inside core-01 the port is open on its address (the host's own view of its namespace).
        Invoke-LabSsh core-01 'ss -Hltn "sport = :8080"' | Should -Match '172\.17\.8\.101:8080'
    }
}

Describe 'Stand-in kubelets register and keep their Nodes (lab)' -Tag Lab, LabApi -Skip:([bool]$LabSkip) {
    BeforeAll {
        Stop-Kubelet
        Restart-LabApi   # an empty cluster, default grace
        (Get-LabNode).Count | Should -Be 0 -Because 'lab.sh api-restart starts from an empty cluster'

        # Watch the nodes from before the first registration (one JSON event per line), for the NotReady -> Ready order.
        $script:WatchFile = Join-Path $TestDrive 'nodes.watch'
        $script:Watch = Start-Process -FilePath curl -ArgumentList '-sS', '-N', '--max-time', '15', "$Api/api/v1/nodes?watch=true" `
            -RedirectStandardOutput $WatchFile -RedirectStandardError (Join-Path $TestDrive 'nodes.watch.err') -PassThru
        Start-Sleep -Milliseconds 700
        $script:Started = [DateTimeOffset]::UtcNow
        Start-Kubelet
        $script:AllReady = Wait-Until -TimeoutSec 20 { (Get-ReadyNodeName).Count -eq 3 }
    }
    AfterAll {
        if ($Watch -and -not $Watch.HasExited) { $Watch | Stop-Process -Force -ErrorAction Ignore }
        Stop-Kubelet
        Restart-LabApi   # default grace, empty: as lab.sh up leaves it
    }

    It 'makes kubectl get nodes list core-01..03 Ready, with their InternalIP and VERSION v1.33.1 (-o wide)' {
        $AllReady | Should -BeTrue -Because 'the three kube-kubelet units were started'
        $fromHost = (Invoke-HostKubectl get nodes -o wide).Stdout
        $fromCore01 = Invoke-Core01Kubectl 'get nodes -o wide'
        foreach ($out in 'fromHost', 'fromCore01') {
            $rows = @((Get-Variable $out -ValueOnly) | ForEach-Object { , (-split $_) })
            $rows[0][0..5] | Should -Be 'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP'
            $rows.Count | Should -Be 4
            foreach ($i in 1..3) {
                $rows[$i][0] | Should -Be "core-0$i"
                $rows[$i][1] | Should -Be 'Ready'
                $rows[$i][4] | Should -Be 'v1.33.1'
                $rows[$i][5] | Should -Be "172.17.8.10$i"
            }
        }
        $node = (Get-LabNode)['core-02']
        $node.metadata.labels.'kubernetes.io/hostname' | Should -Be 'core-02'
        $node.metadata.labels.'kubernetes.io/os' | Should -Be 'linux'
        $node.metadata.labels.'kubernetes.io/arch' | Should -Be 'amd64'
        $node.status.nodeInfo.kubeletVersion | Should -Be 'v1.33.1'
    }

    It 'registers each node NotReady (KubeletNotReady) first, then posts Ready about 1 s later' {
        $null = $Watch.WaitForExit(20000)
        $events = @(Get-Content -LiteralPath $WatchFile | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -DateKind String })
        foreach ($name in $Names) {
            $mine = @($events | Where-Object { $_.object.metadata.name -eq $name })
            $mine.Count | Should -BeGreaterOrEqual 2 -Because "$name must be added, then modified"
            $mine[0].type | Should -Be 'ADDED'
            $first = Get-ReadyCondition $mine[0].object
            $first.status | Should -Be 'False'
            $first.reason | Should -Be 'KubeletNotReady'
            $ready = @($mine | Where-Object { (Get-ReadyCondition $_.object).status -eq 'True' })[0]
            $ready | Should -Not -BeNullOrEmpty -Because "$name must turn Ready"
            $ready.type | Should -Be 'MODIFIED'
            (Get-ReadyCondition $ready.object).reason | Should -Be 'KubeletReady'
            $gap = [DateTimeOffset]::Parse((Get-ReadyCondition $ready.object).lastHeartbeatTime) - [DateTimeOffset]::Parse($first.lastHeartbeatTime)
            $gap.TotalSeconds | Should -BeIn 0, 1, 2 -Because 'the Ready heartbeat follows the registration by about 1 s (whole-second times)'
        }
        $journal = Invoke-LabSsh core-02 'sudo journalctl -u kube-kubelet -o cat --no-pager -n 20'
        $journal | Where-Object { $_ -match '^I\d{4} [\d:.]+ +\d+ kubelet_node_status\.go:\d+\] "Attempting to register node" node="core-02"$' } | Should -Not -BeNullOrEmpty
        $journal | Where-Object { $_ -match '^I\d{4} [\d:.]+ +\d+ kubelet_node_status\.go:\d+\] "Successfully registered node" node="core-02"$' } | Should -Not -BeNullOrEmpty
    }

    It 'sends a heartbeat every 10 s' {
        $before = Get-Heartbeat core-01
        Wait-Until -TimeoutSec 14 -IntervalMs 500 { (Get-Heartbeat core-01) -gt $before } | Should -BeTrue
        $next = Get-Heartbeat core-01
        Wait-Until -TimeoutSec 14 -IntervalMs 500 { (Get-Heartbeat core-01) -gt $next } | Should -BeTrue
        ((Get-Heartbeat core-01) - $next).TotalSeconds | Should -BeIn 9, 10, 11 -Because 'the period is 10 s (whole-second times)'
    }

    It 'stops heartbeating when kube-kubelet is stopped (at once, exit 0, nothing left behind)' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Invoke-LabSsh core-03 'sudo systemctl stop kube-kubelet' | Out-Null
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        Invoke-LabSsh core-03 'systemctl show -p Result --value kube-kubelet; systemctl show -p ExecMainStatus --value kube-kubelet' | Should -Be 'success', '0'
        Invoke-LabSsh core-03 'pgrep -f /opt/bin/kubelet' -AllowFailure | Should -BeNullOrEmpty
        Invoke-LabSsh core-03 'sudo journalctl -u kube-kubelet -o cat --no-pager -n 10' | Where-Object { $_ -match '"Shutting down kubelet"$' } | Should -Not -BeNullOrEmpty

        $stopped = Get-Heartbeat core-03
        $other = Get-Heartbeat core-01
        # Until core-01 has beaten twice more, core-03's last heartbeat time stays where it was.
        Wait-Until -TimeoutSec 14 -IntervalMs 500 { (Get-Heartbeat core-01) -gt $other } | Should -BeTrue
        $other = Get-Heartbeat core-01
        Wait-Until -TimeoutSec 14 -IntervalMs 500 { (Get-Heartbeat core-01) -gt $other } | Should -BeTrue
        Get-Heartbeat core-03 | Should -Be $stopped
        (Get-Heartbeat core-02) | Should -BeGreaterThan $stopped
    }

    # A grace shorter than the default 40 s, but longer than the 10 s heartbeat period, so running kubelets stay Ready.
    Context 'lab.sh api-restart (an empty cluster) with a short node grace' {
        It 'leaves an empty cluster, and the running kubelets register again within ~10 s' {
            Restart-LabApi -Grace 14
            @(& bash (Join-Path $RepoRoot 'tests/lab/lab.sh') status 2>$null) | Where-Object { $_ -like 'api *' } | Should -Match 'node grace 14 s'
            $r = Invoke-HostKubectl get nodes --no-headers
            $r.ExitCode | Should -Be 0
            @($r.Stdout).Count | Should -BeLessThan 3 -Because 'a restarted stand-in starts empty (a kubelet may already be back)'
            $sw = [Diagnostics.Stopwatch]::StartNew()
            Wait-Until -TimeoutSec 15 { (Get-ReadyNodeName).Count -eq 2 } | Should -BeTrue -Because 'core-01 and core-02 still run their kubelets'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 13 -Because "the next heartbeat (every 10 s) finds its node gone and registers it again"
            Get-ReadyNodeName | Should -Be 'core-01', 'core-02'
            (Get-LabNode).ContainsKey('core-03') | Should -BeFalse -Because 'core-03''s kubelet is stopped'
            Invoke-LabSsh core-01 'sudo journalctl -u kube-kubelet -o cat --no-pager -n 6' |
                Where-Object { $_ -match 'err="error getting node \\"core-01\\": nodes \\"core-01\\" not found"' } | Should -Not -BeNullOrEmpty
        }

        It 'shows a node NotReady once its kubelet has been stopped for longer than the grace' {
            Stop-Kubelet core-02
            Wait-Until -TimeoutSec 25 -IntervalMs 500 { (Get-ReadyNodeName) -notcontains 'core-02' } | Should -BeTrue
            $row = -split @((Invoke-HostKubectl get node core-02 --no-headers).Stdout)[0]
            $row[1] | Should -Be 'NotReady'
            (Get-ReadyCondition (Get-LabNode)['core-02']).reason | Should -Be 'NodeStatusUnknown'
            Get-ReadyNodeName | Should -Be 'core-01' -Because 'core-01''s kubelet keeps beating'
        }
    }
}

Describe 'The weave stand-in from the release mirror (lab)' -Tag Lab, LabApi -Skip:([bool]$LabSkip) {
    BeforeAll {
        # The deck's "Install the weave binary", from the lab mirror, on every host.
        foreach ($h in $Names) {
            Invoke-LabSsh $h "sudo /usr/bin/curl -fsSL $WeaveUrl -o /opt/bin/weave && sudo chmod +x /opt/bin/weave" | Out-Null
        }
    }
    AfterAll {
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo rm -f /opt/bin/weave' -AllowFailure | Out-Null }
    }

    It 'is what the published weave.sha256 says, and says it is a stand-in' {
        Invoke-LabSsh core-02 "cd /opt/bin && curl -fsS $WeaveUrl.sha256 | sha256sum -c -" | Should -Be 'weave: OK'
        (Invoke-LabSsh core-02 'head -n 3 /opt/bin/weave') -join "`n" | Should -Match 'STAND-IN'
        Invoke-LabSsh core-02 '/opt/bin/weave version' | Should -Match '^weave script 2\.8\.1 .*stand-in'
    }

    It 'prints exactly the deck''s weave status peers on core-01' {
        Invoke-LabSsh core-01 '/opt/bin/weave status peers; echo "exit $?"' | Should -BeExactly ($DeckPeers + 'exit 0')
    }

    It 'prints the same peers from <_>''s point of view: the others first, itself last' -ForEach 'core-02', 'core-03' {
        $out = @(Invoke-LabSsh $_ '/opt/bin/weave status peers')
        $out.Count | Should -Be 9
        ($out | Sort-Object) | Should -BeExactly ($DeckPeers | Sort-Object) -Because 'the mesh and each peer''s MAC are the same'
        $blocks = @($out | Where-Object { $_ -notlike ' *' })
        $blocks[-1] | Should -Match "\($_\)$"
        $own = [array]::IndexOf($DeckPeers, $blocks[-1])
        $out[-2..-1] | Should -BeExactly $DeckPeers[($own + 1)..($own + 2)] -Because 'a peer''s connection lines follow it'
    }

    It 'refuses anything else with a message and exit 1' {
        $out = Invoke-LabSsh core-01 '/opt/bin/weave launch 2>&1; echo "exit $?"'
        $out[-1] | Should -Be 'exit 1'
        $out[0] | Should -Match 'not implemented'
    }
}
