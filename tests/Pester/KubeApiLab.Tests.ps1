#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Slides 3, 5, 8-10 and 12-14 end to end on the local lab, in one session, as the workshop runs them:
    Get-KubeHost | Start-KubeletNode -Wait, Get-KubeNode, Install-WeaveNet -Wait, Get-KubePod -Namespace kube-system,
    Install-WeaveBinary and Get-WeavePeer, New-KubeDeployment, New-KubeService, Get-KubeServiceUrl and
    Test-KubeServiceUrl; Connect-KubeApi -ViaHost (only SSH); an API server restart in the middle of a wait.

    The lab (tests/lab/lab.sh) runs the Kubernetes API STAND-IN (tests/LabApiServer) in core-01's network namespace
    at http://172.17.8.101:8080, the deck's insecure API address; the hosts run the deck's units with STAND-IN
    kubelets that register their nodes and send heartbeats, and the release mirror serves a STAND-IN weave script.
    Referees: the real kubectl 1.33.1 inside core-01 (over OpenSSH's own ssh), a real HTTP server (python3) the test
    starts in a host's network namespace, never the module under test.
    Network rule: loopback and 172.17.8.0/24 only, after lab.sh check-network (Get-LabSkipReason).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $LabSkip -and -not (Test-Path -LiteralPath (Join-Path (Get-KfsModulePath) 'KubeFromScratch.psd1'))) {
        $script:LabSkip = 'the module is not built (out/KubeFromScratch)'
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force
    $script:Names = 'core-01', 'core-02', 'core-03'
    $script:Api = 'http://172.17.8.101:8080'
    function script:Invoke-LabKubectl([string] $Arguments) {
        <# The real kubectl 1.33.1 in the workshop image, run on the master as the deck did. #>
        Invoke-LabSsh core-01 "/opt/bin/kubectl --server $Api $Arguments"
    }
    if (-not $LabSkip) {
        # A fresh cluster: the stand-in keeps its state in memory, so a restart empties it.
        Invoke-LabLab api-restart | Out-Null
        $script:Hosts = New-LabSession
    }
}

AfterAll {
    if (-not $LabSkip) {
        foreach ($h in $Names) { Invoke-LabSsh $h 'sudo systemctl stop kube-kubelet; sudo systemctl disable --quiet kube-kubelet; sudo rm -f /opt/bin/weave' -AllowFailure | Out-Null }
        Get-KubeHost | Disconnect-KubeHost
        Disconnect-KubeApi
    }
}

Describe 'The workshop''s Kubernetes slides on the lab' -Tag Lab -Skip:([bool]$LabSkip) {
    It 'slide 3 and 6: Get-KubeHost | Start-KubeletNode -Wait returns the three nodes once Ready' {
        Connect-KubeApi -Server $Api | Out-Null
        $nodes = Get-KubeHost | Start-KubeletNode -Wait -TimeoutSec 90
        $nodes | Should -HaveCount 3
        $nodes.Name | Should -Be $Names
        $nodes.Ready | Should -Be $true, $true, $true
        $nodes.InternalIP | Should -Be '172.17.8.101', '172.17.8.102', '172.17.8.103'
    }

    It 'slide 5: Get-KubeNode shows what kubectl get nodes shows' {
        $ours = Get-KubeNode
        $theirs = Invoke-LabKubectl 'get nodes --no-headers -o wide' | ForEach-Object { , (-split $_) }
        $theirs | Should -HaveCount 3
        foreach ($row in $theirs) {
            $node = $ours | Where-Object Name -EQ $row[0]
            $node.Status | Should -Be $row[1]
            $node.Version | Should -Be $row[4]
            $node.InternalIP | Should -Be $row[5]
        }
        (Get-KubeNode | Out-String) | Should -Match '(?m)^core-02\s+Ready\s+<none>\s+\S+\s+v1\.33\.1\s+172\.17\.8\.102\s*$'
    }

    It 'slide 8 and 9: Install-WeaveNet -Wait ends with the DaemonSet 3/3, and kubectl sees its pods' {
        $out = Install-WeaveNet -Wait -TimeoutSec 90
        ($out | Where-Object { $_ -is [KubeFromScratch.KubeAppliedObject] }).Action | Should -Be (@('created') * 6)
        ($out | Where-Object { $_ -is [KubeFromScratch.KubeDaemonSet] }).Ready | Should -Be '3/3'
        $pods = Get-KubePod -Namespace kube-system | Where-Object Name -Like 'weave-net-*'
        $pods | Should -HaveCount 3
        ($pods.Node | Sort-Object) | Should -Be $Names
        $theirs = Invoke-LabKubectl 'get pods --namespace=kube-system --no-headers' | Where-Object { $_ -like 'weave-net-*' } | ForEach-Object { (-split $_)[0..2] -join ' ' }
        $theirs | Sort-Object | Should -Be ($pods | ForEach-Object { "$($_.Name) $($_.Ready) $($_.Status)" } | Sort-Object)
    }

    It 'slide 10: Install-WeaveBinary from the mirror, then Get-WeavePeer core-01 reads weave status peers' {
        $installed = Get-KubeHost | Install-WeaveBinary -BaseUrl http://172.17.8.1:8080
        $installed | Should -HaveCount 3
        $installed.Path | Should -Be (@('/opt/bin/weave') * 3)
        Invoke-LabSsh core-02 'test -x /opt/bin/weave && echo ok' | Should -Be 'ok'
        $peers = Get-WeavePeer core-01
        ($peers.NickName | Sort-Object) | Should -Be $Names
        ($peers | Where-Object NickName -EQ 'core-01').Connections | Should -HaveCount 2
        $peers.Connections.State | Sort-Object -Unique | Should -Be 'established'
        # The default view prints weave's own lines.
        $text = Get-WeavePeer core-01 | Out-String
        $text | Should -Match '(?m)^[0-9a-f:]{17}\(core-01\)\s*$'
        $text | Should -Match '(?m)^   (->|<-) 172\.17\.8\.10[23]:\d+\s+[0-9a-f:]{17}\(core-0[23]\)\s+established'
    }

    It 'slides 12 to 14: the demo app gives three URLs with one nodePort, as kubectl shows them' {
        $d = New-KubeDeployment my-nginx -Image nginx -Replicas 2 -Port 80 -Wait -TimeoutSec 60
        $d.Ready | Should -Be '2/2'
        $s = New-KubeService my-nginx -Port 8080 -TargetPort 80 -Type NodePort
        $urls = Get-KubeServiceUrl my-nginx
        $urls.Url | Should -Be ('172.17.8.101', '172.17.8.102', '172.17.8.103' | ForEach-Object { "http://${_}:$($s.NodePort)/" })
        Invoke-LabKubectl "get -o jsonpath='{.spec.ports[0].nodePort}' service/my-nginx" | Should -Be "$($s.NodePort)"
        $kubePods = Invoke-LabKubectl 'get pods --no-headers' | ForEach-Object { (-split $_)[0] } | Sort-Object
        $kubePods | Should -Be ((Get-KubePod).Name | Sort-Object)
        $kubePods | Should -HaveCount 2
    }

    It 'Test-KubeServiceUrl answers from a real HTTP server on core-02''s node port, and reports the others unreachable' {
        $urls = Get-KubeServiceUrl my-nginx
        $port = $urls[0].NodePort
        $log = Join-Path $TestDrive 'http.log'
        $server = Start-Process ip -ArgumentList 'netns', 'exec', 'kfs-core-02', 'python3', '-m', 'http.server', $port, '--bind', '172.17.8.102', '--directory', $TestDrive `
            -PassThru -RedirectStandardError $log
        try {
            Wait-Until -TimeoutSec 10 { (& curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://172.17.8.102:$port/") -eq '200' } | Should -BeTrue
            $results = $urls | Test-KubeServiceUrl -TimeoutSec 2
            ($results | Where-Object Node -EQ 'core-02').StatusCode | Should -Be 200
            ($results | Where-Object Node -EQ 'core-02').Reachable | Should -BeTrue
            ($results | Where-Object Node -NE 'core-02').Reachable | Should -Be $false, $false
        }
        finally {
            $server | Stop-Process -Force -ErrorAction SilentlyContinue
        }
    }

    It 'Connect-KubeApi -ViaHost core-01 reaches the API through SSH alone' {
        try {
            $c = Connect-KubeApi -Server $Api -ViaHost core-01
            $c.Via | Should -Be 'Ssh'
            $c.ViaHost | Should -Be 'core-01'
            (Get-KubeNode).Name | Should -Be $Names
            (Get-KubeService my-nginx).Type | Should -Be 'NodePort'
            # Proof that the requests leave from core-01: a second API stand-in on core-01's own loopback, which only
            # core-01 can reach (here, nothing listens on that port).
            $port = Get-FreeLoopbackPort
            $inner = Start-Process ip -ArgumentList 'netns', 'exec', 'kfs-core-01', 'dotnet', (Get-TestApiServerPath), '--urls', "http://127.0.0.1:$port" `
                -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'inner.log') -RedirectStandardError (Join-Path $TestDrive 'inner.err')
            try {
                Wait-Until -TimeoutSec 30 { (Invoke-LabSsh core-01 "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/healthz" -AllowFailure) -eq '200' } | Should -BeTrue
                $c = Connect-KubeApi -Server "http://127.0.0.1:$port" -ViaHost core-01
                $c.ServerVersion | Should -Be 'v1.33.1-lab-standin'
                (Get-KubeNode) | Should -BeNullOrEmpty   # the inner stand-in is a different, empty cluster
                { Connect-KubeApi -Server "http://127.0.0.1:$port" -TimeoutSec 5 } | Should -Throw -ErrorId 'KubeApiUnreachable*'
            }
            finally { $inner | Stop-Process -Force -ErrorAction SilentlyContinue }
        }
        finally { Connect-KubeApi -Server $Api | Out-Null }
    }

    It 'a Wait-KubeNode in progress survives the API server''s restart: the kubelets register again and it returns' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Connect-KubeApi -Server '$Api' | Out-Null; Wait-KubeNode core-01, core-02, core-03, core-04 -Ready -TimeoutSec 120 -Verbose")
        $handle = $ps.BeginInvoke()
        try {
            Start-Sleep -Seconds 2
            Invoke-LabLab api-restart | Out-Null   # an empty cluster; the stand-in kubelets register again
            Start-Sleep -Seconds 2
            # core-04 never existed: the wait goes on until it registers, here by hand, as a fourth kubelet would.
            Register-TestNode -Server $Api -Name core-04 -Address 172.17.8.104 -Ready | Out-Null
            $handle.AsyncWaitHandle.WaitOne(60000) | Should -BeTrue -Because 'the kubelets re-register within their heartbeat period'
            $nodes = $ps.EndInvoke($handle)
            $nodes.Name | Should -Be 'core-01', 'core-02', 'core-03', 'core-04'
            ($ps.Streams.Verbose.Message -join "`n") | Should -Match 'listing api/v1/nodes again'
        }
        finally { $ps.Dispose() }
    }
}
