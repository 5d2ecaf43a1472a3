#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The workshop's last slide in the lab: `kubectl run my-nginx`, `kubectl expose ... --type=NodePort`, then open
    http://172.17.8.10N:NODEPORT. No containers run in the lab, so what answers is the STAND-IN kube-proxy of the
    image (/opt/bin/kube-proxy, started by the deck's kube-proxy.service): it polls the API server STAND-IN
    (http://172.17.8.101:8080) for NodePort Services and answers each node port on the host's address with a page
    of its own (one busybox httpd per port) that says it is a stand-in and names the Service and its endpoints.

    The referees are the real kubectl v1.33.1 (the image's /opt/bin/kubectl on core-01 over OpenSSH, as the deck
    runs it), this machine's curl against the hosts' node ports, and systemctl, journalctl, ss and the unit's
    cgroup on the hosts. The module under test is not involved.

    Every block leaves the hosts as the image has them (kube-kubelet and kube-proxy stopped) and the API server as
    lab.sh up starts it (an empty cluster, default node grace).
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
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    $script:Names = 'core-01', 'core-02', 'core-03'
    $script:Api = 'http://172.17.8.101:8080'

    # The image's kubectl on core-01, over OpenSSH (the workshop's "kubectl on the master").
    function script:Invoke-Core01Kubectl([string] $Arguments) {
        Invoke-LabSsh core-01 "/opt/bin/kubectl --server $script:Api --request-timeout=10s $Arguments"
    }

    # The deck's last two commands (kubectl run of 2016 is create deployment today) and the node port the API gave.
    function script:New-DemoService {
        Invoke-Core01Kubectl 'create deployment my-nginx --image=nginx --replicas=2 --port=80' | Out-Null
        Invoke-Core01Kubectl 'expose deployment my-nginx --target-port=80 --port=8080 --type=NodePort' | Out-Null
        [int](Invoke-Core01Kubectl 'get service my-nginx -o jsonpath={.spec.ports[0].nodePort}')
    }

    # The endpoint IPs the API server lists for my-nginx (ready addresses).
    function script:Get-DemoEndpointIp {
        @((Invoke-Core01Kubectl 'get endpoints my-nginx -o jsonpath={.subsets[*].addresses[*].ip}') -split '\s+' | Where-Object { $_ })
    }

    # GET http://172.17.8.10N:PORT/ with this machine's curl: the status ('000' when nothing answers) and the body.
    function script:Get-NodePort([string] $HostName, [int] $Port) {
        $ip = "172.17.8.10$($HostName[-1])"
        $bodyFile = Join-Path $TestDrive "page-$([guid]::NewGuid().ToString('N')).html"
        $code = & curl -sS --max-time 3 -o $bodyFile -w '%{http_code}' "http://${ip}:$Port/" 2>$null
        [pscustomobject] @{
            Host = $HostName
            Code = [string]$code
            Body = if (Test-Path -LiteralPath $bodyFile) { Get-Content -Raw -LiteralPath $bodyFile } else { '' }
        }
    }

    function script:Test-Answers([string[]] $HostName, [int] $Port) {
        @($HostName | Where-Object { (Get-NodePort $_ $Port).Code -eq '200' }).Count -eq $HostName.Count
    }

    function script:Test-Silent([string[]] $HostName, [int] $Port) {
        @($HostName | Where-Object { (Get-NodePort $_ $Port).Code -ne '000' }).Count -eq 0
    }

    # The image's state of the node units (stopped, no failed state left behind).
    function script:Stop-NodeUnit([string[]] $Unit = ('kube-proxy', 'kube-kubelet'), [string[]] $HostName = $script:Names) {
        foreach ($h in $HostName) {
            foreach ($u in $Unit) { Invoke-LabSsh $h "sudo systemctl stop $u.service; sudo systemctl reset-failed $u.service 2>/dev/null; true" | Out-Null }
        }
    }

    function script:Get-ReadyNodeCount {
        @((Invoke-Core01Kubectl 'get nodes --no-headers') | Where-Object { (-split $_)[1] -eq 'Ready' }).Count
    }

    # The processes in kube-proxy.service's cgroup on a host (pid and command line), as the kernel says in each
    # process's /proc/PID/cgroup (the hosts have the hybrid layout: the unit's cgroup is in the v2 and name=systemd
    # hierarchies). Processes systemd could not kill stay in it.
    function script:Get-UnitProcess([string] $HostName) {
        @(Invoke-LabSsh $HostName 'for f in $(grep -l -E ":/system\.slice/kube-proxy\.service$" /proc/[0-9]*/cgroup 2>/dev/null); do p=${f#/proc/}; p=${p%/cgroup}; c=$(tr "\0" " " < /proc/$p/cmdline 2>/dev/null) && printf "%s %s\n" "$p" "$c"; done; true')
    }
}

Describe 'The lab''s kube-proxy stand-in (lab)' -Tag Lab, LabProxy {
    It 'is available: the lab is up and the API server stand-in answers (a failure in CI, else a skip, when not)' {
        Assert-LabOrSkip -Reason $LabSkip
    }
}

Describe 'The workshop''s NodePort demo answered by the kube-proxy stand-in (lab)' -Tag Lab, LabProxy -Skip:([bool]$LabSkip) {
    BeforeAll {
        Stop-NodeUnit
        Invoke-LabLab api-restart | Out-Null   # an empty cluster
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo systemctl start kube-kubelet' | Out-Null }
        Wait-Until -TimeoutSec 20 { (Get-ReadyNodeCount) -eq 3 } | Should -BeTrue -Because 'the stand-in kubelets register their nodes'
        foreach ($h in $Names) {
            # The image's unit, with the deck's flags (another suite's Install-KubeUnit unit in /etc would override it).
            Invoke-LabSsh $h 'systemctl show -p FragmentPath --value kube-proxy.service' |
                Should -Match '^(/usr)?/lib/systemd/system/kube-proxy\.service$' -Because "$h must run the deck's kube-proxy.service"
            Invoke-LabSsh $h 'sudo systemctl start kube-proxy' | Out-Null   # the deck's command
        }
        $script:NodePort = New-DemoService
        $script:EndpointsReady = Wait-Until -TimeoutSec 20 { (Get-DemoEndpointIp).Count -eq 2 }
    }
    AfterAll {
        Stop-NodeUnit
        Invoke-LabLab api-restart | Out-Null   # default grace, empty: as lab.sh up leaves it
    }

    It 'gets a node port in 30000-32767 for my-nginx and two endpoints' {
        $NodePort | Should -BeGreaterOrEqual 30000
        $NodePort | Should -BeLessOrEqual 32767
        $EndpointsReady | Should -BeTrue -Because 'the deployment''s two pods run on Ready nodes'
    }

    It 'answers http://172.17.8.10N:NODEPORT/ with 200 and the stand-in page for default/my-nginx on <_>' -ForEach 'core-01', 'core-02', 'core-03' {
        $h = $_
        $ips = Get-DemoEndpointIp
        # The first poll after the endpoints appeared puts them on the page (about 1 s).
        Wait-Until -TimeoutSec 10 { $p = Get-NodePort $h $NodePort; $p.Code -eq '200' -and @($ips | Where-Object { $p.Body -notmatch [regex]::Escape("<li>${_}:80 ") }).Count -eq 0 } |
            Should -BeTrue -Because "$h must answer on its node port and list the endpoints $($ips -join ', ')"
        $page = Get-NodePort $h $NodePort
        $page.Code | Should -Be '200'
        $page.Body | Should -Match '<title>Welcome to nginx! \(kube-proxy STAND-IN, not nginx\)</title>' -Because 'the pods run the nginx image'
        $page.Body | Should -Match '<h1>Welcome to nginx!</h1>'
        $page.Body | Should -Match 'This is a STAND-IN page, not the application\.'
        $page.Body | Should -Match "kube-proxy STAND-IN on $h \(172\.17\.8\.10$($h[-1]), node port $NodePort\) for service <strong>default/my-nginx</strong> \(port 8080, target port 80\)"
        ([regex]::Matches($page.Body, '<li>10\.32\.\d+\.\d+:80 &mdash; pod my-nginx-[a-z0-9]+-[a-z0-9]+, image nginx</li>')).Count | Should -Be 2
    }

    It 'listens on the host''s node IP only, with busybox httpd in kube-proxy.service''s cgroup' {
        Invoke-LabSsh core-02 "ss -Hltn 'sport = :$NodePort'" | Should -Match "^LISTEN .* 172\.17\.8\.102:$NodePort "
        $procs = Get-UnitProcess core-02
        $procs | Where-Object { $_ -match '^\d+ /bin/bash /opt/bin/kube-proxy --master=http://172\.17\.8\.101:8080 ' } | Should -HaveCount 1
        $procs | Where-Object { $_ -match "busybox httpd -f -p 172\.17\.8\.102:$NodePort " } | Should -HaveCount 1
        Invoke-LabSsh core-02 'sudo journalctl -u kube-proxy -o cat --no-pager -n 30' |
            Where-Object { $_ -match "^I\d{4} [\d:.]+ +\d+ standin\.go:\d+\] `"Stand-in: answering node port`" service=`"default/my-nginx`" nodePort=$NodePort address=`"172\.17\.8\.102`"" } |
            Should -Not -BeNullOrEmpty
    }

    It 'puts a changed set of endpoints on the page (kubectl scale --replicas=1)' {
        Invoke-Core01Kubectl 'scale deployment my-nginx --replicas=1' | Out-Null
        Wait-Until -TimeoutSec 10 { ([regex]::Matches((Get-NodePort core-03 $NodePort).Body, '<li>10\.32\.')).Count -eq 1 } | Should -BeTrue
    }

    It 'stops answering on every host within a few seconds once the service is deleted' {
        Invoke-Core01Kubectl 'delete service my-nginx' | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Wait-Until -TimeoutSec 8 -IntervalMs 250 { Test-Silent $Names $NodePort } | Should -BeTrue -Because 'a deleted service''s node port closes at the next poll'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        Invoke-LabSsh core-01 'sudo journalctl -u kube-proxy -o cat --no-pager -n 10' |
            Where-Object { $_ -match "`"Stand-in: closed node port`" service=`"default/my-nginx`" nodePort=$NodePort " } | Should -Not -BeNullOrEmpty
        foreach ($h in $Names) { Invoke-LabSsh $h "test ! -e /run/kube-proxy-standin/$NodePort && echo gone" | Should -Be 'gone' }
    }

    It 'stops every listener at once when kube-proxy is stopped (exit 0, nothing left in its cgroup)' {
        $script:NodePort = [int](Invoke-Core01Kubectl 'expose deployment my-nginx --target-port=80 --port=8080 --type=NodePort -o jsonpath={.spec.ports[0].nodePort}')
        Invoke-Core01Kubectl 'create service nodeport second --tcp=80:80' | Out-Null
        $second = [int](Invoke-Core01Kubectl 'get service second -o jsonpath={.spec.ports[0].nodePort}')
        Wait-Until -TimeoutSec 10 { (Test-Answers 'core-03' $NodePort) -and (Test-Answers 'core-03' $second) } | Should -BeTrue
        (Get-NodePort core-03 $second).Body | Should -Match '<title>kube-proxy STAND-IN: default/second</title>' -Because 'a service without nginx pods gets the plain stand-in page'
        (Get-UnitProcess core-03 | Where-Object { $_ -match 'busybox httpd' }) | Should -HaveCount 2

        $sw = [Diagnostics.Stopwatch]::StartNew()
        Invoke-LabSsh core-03 'sudo timeout 20 systemctl stop kube-proxy' -AllowFailure | Out-Null
        $sw.Stop()
        $diag = if ($sw.Elapsed.TotalSeconds -ge 5) {
            Invoke-LabSsh core-03 'ps -eo pid,ppid,pgid,stat,wchan:24,args; systemctl show -p ActiveState,SubState,MainPID kube-proxy; sudo journalctl -u kube-proxy -o short-precise --no-pager -n 15' -AllowFailure | Out-String
        }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because "the stop must not wait for systemd's stop timeout: $diag"
        Test-Silent 'core-03' $NodePort | Should -BeTrue -Because 'the listeners end with the unit, not at some later poll'
        Test-Silent 'core-03' $second | Should -BeTrue
        Invoke-LabSsh core-03 'systemctl show -p Result --value kube-proxy; systemctl show -p ExecMainStatus --value kube-proxy' | Should -Be 'success', '0'
        Get-UnitProcess core-03 | Should -BeNullOrEmpty
        Invoke-LabSsh core-03 'pgrep -af "busybox httpd"' -AllowFailure | Should -BeNullOrEmpty
        Invoke-LabSsh core-03 'test ! -e /run/kube-proxy-standin && echo gone' | Should -Be 'gone'
        Invoke-LabSsh core-03 'sudo journalctl -u kube-proxy -o cat --no-pager -n 20' | Where-Object { $_ -match '"Shutting down kube-proxy"$' } | Should -Not -BeNullOrEmpty
        Test-Answers 'core-01', 'core-02' $NodePort | Should -BeTrue -Because 'the other hosts'' kube-proxy still runs'
    }

    It 'survives lab.sh api-restart: same process, the vanished service''s ports closed, a new service answered' {
        $pids = @{}
        foreach ($h in 'core-01', 'core-02') { $pids[$h] = Invoke-LabSsh $h 'systemctl show -p MainPID --value kube-proxy' }
        Invoke-LabLab api-restart | Out-Null   # a fresh, empty cluster: my-nginx and second are gone
        Wait-Until -TimeoutSec 8 { Test-Silent 'core-01', 'core-02' $NodePort } | Should -BeTrue -Because 'the restarted API server has no such service'
        foreach ($h in 'core-01', 'core-02') {
            Invoke-LabSsh $h 'systemctl is-active kube-proxy' | Should -Be 'active'
            Invoke-LabSsh $h 'systemctl show -p MainPID --value kube-proxy' | Should -Be $pids[$h] -Because "$h's stand-in must not have crashed or restarted"
            Invoke-LabSsh $h 'systemctl show -p NRestarts --value kube-proxy' | Should -Be '0'
        }
        $port = New-DemoService
        Wait-Until -TimeoutSec 10 { Test-Answers 'core-01', 'core-02' $port } | Should -BeTrue -Because 'the stand-in keeps polling the new API server'
        (Get-NodePort core-02 $port).Body | Should -Match 'for service <strong>default/my-nginx</strong>'
    }
}
