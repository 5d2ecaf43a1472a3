#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The Kubernetes API cmdlets as a user types them (Connect-KubeApi, Get-KubeNode, Wait-KubeNode, Get-KubePod,
    Publish-KubeManifest, Install-WeaveNet, New-/Get-/Remove-KubeDeployment and -KubeService, Get-/Test-KubeServiceUrl),
    against the lab's Kubernetes API STAND-IN (tests/LabApiServer: real kube-apiserver binaries cannot be downloaded
    here) started by these tests on 127.0.0.1. Nodes are registered and kept Ready with plain REST, as a kubelet does.
    The referee is the machine's real kubectl (1.32 and the static 1.33), never the module under test.
    Each fault is pinned by its error id. Network rule: loopback only.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Skip = $null
    if (-not (Test-Path -LiteralPath (Join-Path (Get-KfsModulePath) 'KubeFromScratch.psd1'))) { $script:Skip = 'the module is not built (out/KubeFromScratch)' }
    elseif (-not (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue)) { $script:Skip = 'kubectl (the referee) is not on PATH' }
    # CI runs every test: a missing referee there is a failure, not a skip.
    if ($Skip -and $env:CI -eq 'true') { throw "KubeApi.Tests cannot run under CI=true: $Skip." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force
    # Nodes here get no heartbeats after registration: a long grace keeps them Ready for the whole file.
    $script:Api = Start-TestApiServer -NodeGraceSeconds 86400
    $script:Server = $Api.Url
    Register-TestNode -Server $Server -Name core-01 -Address 127.0.0.1 -Ready -Role master | Out-Null
    Register-TestNode -Server $Server -Name core-02 -Address 127.0.0.2 -Ready | Out-Null
    Register-TestNode -Server $Server -Name core-03 -Address 127.0.0.3 -Ready | Out-Null
    Connect-KubeApi -Server $Server | Out-Null

    function script:Assert-Fails {
        <# The block must fail with this error id (FullyQualifiedErrorId prefix), category and message. #>
        param([Parameter(Mandatory, Position = 0)][scriptblock] $Block, [Parameter(Mandatory)][string] $Id,
            [Parameter(Mandatory)][Management.Automation.ErrorCategory] $Category, [string] $Like = '*')
        $record = $null
        try { & $Block | Out-Null } catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty -Because "$Id was expected"
        $record.FullyQualifiedErrorId | Should -Match "^$([regex]::Escape($Id)),"
        $record.CategoryInfo.Category | Should -Be $Category
        $record.Exception.Message | Should -BeLike $Like
    }
}

AfterAll {
    Disconnect-KubeApi
    $script:Api | Stop-TestApiServer
}

Describe 'Connect-KubeApi' -Skip:([bool]$Skip) {
    It 'connects to the URL and reports the server''s version' {
        $c = Connect-KubeApi -Server $Server
        $c | Should -BeOfType KubeFromScratch.KubeApiConnection
        $c.ServerVersion | Should -Be 'v1.33.1-lab-standin'
        $c.Via | Should -Be 'Direct'
        $c.Namespace | Should -Be 'default'
    }

    It 'reads a kubeconfig and its context' {
        $file = Join-Path $TestDrive 'config'
        @"
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: { server: '$Server' }
users:
- name: admin
  user: { token: 'not-a-real-token-0123456789' }
contexts:
- name: lab-admin
  context: { cluster: lab, user: admin, namespace: kube-system }
- name: other
  context: { cluster: lab, user: admin }
current-context: other
"@ | Set-Content -LiteralPath $file
        try {
            $c = Connect-KubeApi -KubeConfig $file -Context lab-admin -Verbose 4>&1
            $conn = $c | Where-Object { $_ -is [KubeFromScratch.KubeApiConnection] }
            $conn.Context | Should -Be 'lab-admin'
            $conn.Namespace | Should -Be 'kube-system'
            $conn.User | Should -Be 'admin'
            # The token never shows, not even in verbose output.
            ($c | Out-String) | Should -Not -Match 'not-a-real-token'
            (Get-KubePod | Measure-Object).Count | Should -Be 0   # kube-system has no pods yet: the context's namespace is used
        }
        finally { Connect-KubeApi -Server $Server | Out-Null }
    }

    It 'rejects a URL that is not http or https: KubeApiServerInvalid' {
        Assert-Fails { Connect-KubeApi -Server 'ftp://127.0.0.1:8080' } -Id KubeApiServerInvalid -Category InvalidArgument
    }

    It 'says the API is unreachable and what to run when nothing listens: KubeApiUnreachable' {
        $port = Get-FreeLoopbackPort
        Assert-Fails { Connect-KubeApi -Server "http://127.0.0.1:$port" } -Id KubeApiUnreachable -Category ConnectionError -Like '*Connect-KubeApi*'
        # The failed attempt does not replace the working connection.
        (Get-KubeNode).Count | Should -Be 3
    }

    It 'names a missing kubeconfig: KubeConfigNotFound' {
        Assert-Fails { Connect-KubeApi -KubeConfig (Join-Path $TestDrive 'nope') } -Id KubeConfigNotFound -Category ObjectNotFound
    }

    It 'tells a session without a connection to run Connect-KubeApi: KubeApiNotConnected' {
        $result = Invoke-Isolated { try { Get-KubeNode -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message } }
        ($result -join "`n") | Should -Match 'KubeApiNotConnected'
        ($result -join "`n") | Should -Match 'Connect-KubeApi'
    }
}

Describe 'Errors from the server: 401 and 403' -Skip:([bool]$Skip) {
    BeforeAll {
        # A real HTTP server that answers every request with one Status, as an API server refusing us does.
        $script:Port = Get-FreeLoopbackPort
        $script:Listener = [Net.HttpListener]::new()
        $Listener.Prefixes.Add("http://127.0.0.1:$Port/")
        $Listener.Start()
        $script:Answer = [hashtable]::Synchronized(@{ Code = 401; Reason = 'Unauthorized'; Message = 'Unauthorized' })
        $script:Runspace = [powershell]::Create()
        $null = $Runspace.AddScript({
                param($listener, $answer)
                while ($listener.IsListening) {
                    try { $ctx = $listener.GetContext() } catch { break }
                    $body = [Text.Encoding]::UTF8.GetBytes((@{ kind = 'Status'; apiVersion = 'v1'; status = 'Failure'; code = $answer.Code; reason = $answer.Reason; message = $answer.Message } | ConvertTo-Json))
                    $ctx.Response.StatusCode = $answer.Code
                    $ctx.Response.ContentType = 'application/json'
                    $ctx.Response.OutputStream.Write($body, 0, $body.Length)
                    $ctx.Response.Close()
                }
            }).AddArgument($Listener).AddArgument($Answer)
        $script:Handle = $Runspace.BeginInvoke()
    }
    AfterAll {
        $Listener.Stop()
        $Runspace.Dispose()
        Connect-KubeApi -Server $Server | Out-Null
    }

    It 'a 401 says the credentials were not accepted: KubeApiUnauthorized' {
        $Answer.Code = 401; $Answer.Reason = 'Unauthorized'; $Answer.Message = 'Unauthorized'
        Assert-Fails { Connect-KubeApi -Server "http://127.0.0.1:$Port" } -Id KubeApiUnauthorized -Category AuthenticationError -Like '*credentials*'
    }

    It 'a 403 passes on the server''s reason and says what is missing: KubeApiForbidden' {
        $Answer.Code = 403; $Answer.Reason = 'Forbidden'; $Answer.Message = 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes"'
        Assert-Fails { Connect-KubeApi -Server "http://127.0.0.1:$Port" } -Id KubeApiForbidden -Category PermissionDenied -Like '*cannot list resource "nodes"*RBAC*'
    }
}

Describe 'Get-KubeNode' -Skip:([bool]$Skip) {
    It 'lists the nodes kubectl lists, with their status, roles, version and address' {
        $nodes = Get-KubeNode
        $nodes.Name | Should -Be 'core-01', 'core-02', 'core-03'
        $kubectl = Invoke-Kubectl -Server $Server -- get nodes --no-headers -o wide | ForEach-Object { , (-split $_) }
        foreach ($row in $kubectl) {
            $node = $nodes | Where-Object Name -EQ $row[0]
            $node.Status | Should -Be $row[1]
            ($node.Roles -join ',' -replace '^$', '<none>') | Should -Be $row[2]
            $node.Version | Should -Be $row[4]
            $node.InternalIP | Should -Be $row[5]
        }
    }

    It 'shows kubectl''s columns by default' {
        $text = (Get-KubeNode core-01 | Out-String).Trim() -split "`r?`n"
        $text[0] | Should -Match '^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP$'
        $text[2] | Should -Match '^core-01\s+Ready\s+master\s+\d+[smhd]\S*\s+v1\.33\.1\s+127\.0\.0\.1$'
    }

    It 'takes wildcards, and host objects by their Name' {
        (Get-KubeNode core-0[23]).Name | Should -Be 'core-02', 'core-03'
        ([pscustomobject]@{ Name = 'core-02' } | Get-KubeNode).Name | Should -Be 'core-02'
    }

    It 'reports a node that does not exist: KubeNodeNotFound' {
        Get-KubeNode core-09 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KubeNodeNotFound,*'
    }

    It 'completes node names and namespaces with Tab' {
        $r = TabExpansion2 -inputScript 'Get-KubeNode core-0' -cursorColumn 'Get-KubeNode core-0'.Length
        $r.CompletionMatches.CompletionText | Should -Be 'core-01', 'core-02', 'core-03'
        $r = TabExpansion2 -inputScript 'Get-KubePod -Namespace kube-' -cursorColumn 'Get-KubePod -Namespace kube-'.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'kube-system'
    }
}

Describe 'Wait-KubeNode' -Skip:([bool]$Skip) {
    BeforeEach {
        Invoke-Kubectl -Server $Server -- delete node core-09 --ignore-not-found | Out-Null
    }
    AfterAll {
        Invoke-Kubectl -Server $Server -- delete node core-09 --ignore-not-found | Out-Null
    }

    It 'returns the node once its heartbeat says Ready' {
        Register-TestNode -Server $Server -Name core-09 | Out-Null
        $job = Start-ThreadJob -ArgumentList $Server { param($s) Start-Sleep -Milliseconds 1500; Import-Module (Join-Path $using:PSScriptRoot 'TestHelpers.psm1'); Send-TestHeartbeat -Server $s -Name core-09 | Out-Null }
        $node = Wait-KubeNode core-09 -Ready -TimeoutSec 20
        $job | Receive-Job -Wait -AutoRemoveJob
        $node.Name | Should -Be 'core-09'
        $node.Ready | Should -BeTrue
    }

    It 'without -Ready, returns as soon as the node registers' {
        $job = Start-ThreadJob -ArgumentList $Server { param($s) Start-Sleep -Milliseconds 800; Import-Module (Join-Path $using:PSScriptRoot 'TestHelpers.psm1'); Register-TestNode -Server $s -Name core-09 | Out-Null }
        $node = Wait-KubeNode core-09 -TimeoutSec 20
        $job | Receive-Job -Wait -AutoRemoveJob
        $node.Status | Should -Be 'NotReady'
    }

    It 'gives up after -TimeoutSec, saying what it saw: KubeNodeWaitTimeout' {
        Register-TestNode -Server $Server -Name core-09 | Out-Null
        Assert-Fails { Wait-KubeNode core-09 -Ready -TimeoutSec 2 } -Id KubeNodeWaitTimeout -Category OperationTimeout -Like '*core-09 NotReady*'
    }

    It 'resumes a dropped watch from its resourceVersion and still sees the heartbeat' {
        Register-TestNode -Server $Server -Name core-09 | Out-Null
        $job = Start-ThreadJob -ArgumentList $Server {
            param($s)
            Import-Module (Join-Path $using:PSScriptRoot 'TestHelpers.psm1')
            Start-Sleep -Milliseconds 1200
            Invoke-RestMethod -Method Post -Uri "$s/debug/lab/drop-watches" | Out-Null   # the lab's fault hook: every watch stream ends abruptly
            Start-Sleep -Milliseconds 300
            Send-TestHeartbeat -Server $s -Name core-09 | Out-Null
        }
        $out = Wait-KubeNode core-09 -Ready -TimeoutSec 20 -Verbose 4>&1
        $job | Receive-Job -Wait -AutoRemoveJob
        ($out | Where-Object { $_ -is [KubeFromScratch.KubeNode] }).Ready | Should -BeTrue
        ($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'Resuming the watch on api/v1/nodes from resourceVersion \d+'
    }

    It 'keeps waiting through an API server restart and sees the node Ready on the new server' {
        $port = Get-FreeLoopbackPort
        $other = Start-TestApiServer -Port $port
        try {
            Connect-KubeApi -Server $other.Url | Out-Null
            Register-TestNode -Server $other.Url -Name core-09 | Out-Null
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Connect-KubeApi -Server '$($other.Url)' | Out-Null; Wait-KubeNode core-09 -Ready -TimeoutSec 60")
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $other | Stop-TestApiServer
            Start-Sleep -Seconds 1
            $other = Start-TestApiServer -Port $port   # a fresh, empty cluster, as the stand-in keeps state in memory
            Register-TestNode -Server $other.Url -Name core-09 -Ready | Out-Null
            $done = $handle.AsyncWaitHandle.WaitOne(30000)
            $done | Should -BeTrue -Because 'the wait ends once the restarted server has the node Ready'
            $result = $ps.EndInvoke($handle)
            $result[0].Ready | Should -BeTrue
            $ps.Dispose()
        }
        finally {
            $other | Stop-TestApiServer
            Connect-KubeApi -Server $Server | Out-Null
        }
    }

    It 'stops at once on Ctrl-C' {
        Register-TestNode -Server $Server -Name core-09 | Out-Null
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Connect-KubeApi -Server '$Server' | Out-Null; Wait-KubeNode core-09 -Ready -TimeoutSec 300")
        $handle = $ps.BeginInvoke()
        Start-Sleep -Seconds 2
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 3
        $handle.IsCompleted | Should -BeTrue
        $ps.Dispose()
    }
}

Describe 'Ctrl-C in the other waits' -Skip:([bool]$Skip) {
    It 'stops New-KubeDeployment -Wait and Install-WeaveNet -Wait at once on a cluster without nodes' {
        $empty = Start-TestApiServer
        try {
            foreach ($command in 'New-KubeDeployment stuck -Image nginx -Replicas 2 -Wait -TimeoutSec 300', 'Install-WeaveNet -Wait -TimeoutSec 300') {
                $ps = [powershell]::Create()
                $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Connect-KubeApi -Server '$($empty.Url)' | Out-Null; $command")
                $handle = $ps.BeginInvoke()
                Start-Sleep -Seconds 3
                $handle.IsCompleted | Should -BeFalse -Because "$command waits for pods no node runs"
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $sw.Elapsed.TotalSeconds | Should -BeLessThan 3 -Because "Ctrl-C ends $command"
                $ps.Dispose()
            }
        }
        finally { $empty | Stop-TestApiServer }
    }
}

Describe 'Publish-KubeManifest and Install-WeaveNet' -Skip:([bool]$Skip) {
    It 'applies nothing from a manifest with invalid YAML, and names line and column: ManifestInvalidYaml' {
        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: good`n---`napiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: bad`n  labels: [oops"
        Assert-Fails { Publish-KubeManifest -Content $yaml } -Id ManifestInvalidYaml -Category InvalidData -Like '*line * column *'
        Invoke-Kubectl -Server $Server -- get configmap good --ignore-not-found | Should -BeNullOrEmpty
    }

    It 'rejects an unknown kind before sending anything: ManifestUnknownKind' {
        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: first`n---`napiVersion: example.com/v1`nkind: Widget`nmetadata:`n  name: w"
        Assert-Fails { Publish-KubeManifest -Content $yaml } -Id ManifestUnknownKind -Category InvalidData -Like '*Widget*'
        Invoke-Kubectl -Server $Server -- get configmap first --ignore-not-found | Should -BeNullOrEmpty
    }

    It 'rejects an object in a namespace that does not exist: ManifestNamespaceMissing' {
        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: c`n  namespace: nowhere"
        Assert-Fails { Publish-KubeManifest -Content $yaml } -Id ManifestNamespaceMissing -Category ObjectNotFound -Like '*nowhere*'
    }

    It 'rejects a name that breaks DNS-1123 before sending anything: ManifestInvalidName' {
        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: My_Config"
        Assert-Fails { Publish-KubeManifest -Content $yaml } -Id ManifestInvalidName -Category InvalidData
    }

    It 'applies in dependency order, and a second apply changes nothing' {
        $yaml = @'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
data:
  colour: blue
---
apiVersion: v1
kind: Namespace
metadata:
  name: demo
'@
        $first = Publish-KubeManifest -Content $yaml
        $first.Kind | Should -Be 'Namespace', 'ConfigMap'
        $first.Action | Should -Be 'created', 'created'
        Invoke-Kubectl -Server $Server -- get configmap settings -n demo -o 'jsonpath={.data.colour}' | Should -Be 'blue'
        (Publish-KubeManifest -Content $yaml).Action | Should -Be 'unchanged', 'unchanged'
    }

    It '-WhatIf says what would be created or changed, and changes nothing' {
        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: settings`n  namespace: demo`ndata:`n  colour: red`n---`napiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: extra`n  namespace: demo"
        # What if: lines go to the host, so the command runs in a child pwsh whose console is captured.
        $pwsh = Get-PwshCommandLine
        $file = Join-Path $TestDrive 'whatif.yaml'
        Set-Content -LiteralPath $file -Value $yaml
        $script = "Import-Module '$(Get-KfsModulePath)'; Connect-KubeApi -Server '$Server' | Out-Null; Publish-KubeManifest -Path '$file' -WhatIf"
        $out = & $pwsh.FilePath @($pwsh.Prefix) -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
        $out | Should -Contain 'What if: Performing the operation "Change" on target "configmap/settings in namespace demo".'
        $out | Should -Contain 'What if: Performing the operation "Create" on target "configmap/extra in namespace demo".'
        Invoke-Kubectl -Server $Server -- get configmap settings -n demo -o 'jsonpath={.data.colour}' | Should -Be 'blue'
        Invoke-Kubectl -Server $Server -- get configmap extra -n demo --ignore-not-found | Should -BeNullOrEmpty
    }

    It 'installs the shipped Weave Net 2.8.1 and waits for the DaemonSet on every Ready node' {
        $out = Install-WeaveNet -Wait -TimeoutSec 60
        $applied = $out | Where-Object { $_ -is [KubeFromScratch.KubeAppliedObject] }
        $applied.Kind | Should -Be 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'DaemonSet'
        $ds = $out | Where-Object { $_ -is [KubeFromScratch.KubeDaemonSet] }
        $ds.Ready | Should -Be '3/3'
        $kubectl = -split (Invoke-Kubectl -Server $Server -Version 1.33 -- get daemonset weave-net -n kube-system --no-headers)
        $kubectl[1..3] | Should -Be '3', '3', '3'
        (Get-KubePod -Namespace kube-system | Where-Object Name -Like 'weave-net-*').Ready | Should -Be '2/2', '2/2', '2/2'
        # Installing again changes nothing.
        (Install-WeaveNet | Where-Object { $_ -is [KubeFromScratch.KubeAppliedObject] }).Action | Sort-Object -Unique | Should -Be 'unchanged'
    }
}

Describe 'The demo app: New-KubeDeployment, New-KubeService, Get-KubeServiceUrl, Test-KubeServiceUrl, Remove-*' -Skip:([bool]$Skip) {
    AfterAll {
        Invoke-Kubectl -Server $Server -- delete service my-nginx --ignore-not-found | Out-Null
        Invoke-Kubectl -Server $Server -- delete deployment my-nginx --ignore-not-found | Out-Null
    }

    It 'rejects names that break DNS-1123 before anything is sent: KubeNameInvalid' {
        New-KubeDeployment My_Nginx -Image nginx -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KubeNameInvalid,*'
        New-KubeService 1abc -Port 80 -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'KubeNameInvalid,*'
        Invoke-Kubectl -Server $Server -- get deployments -o name | Should -BeNullOrEmpty
    }

    It 'creates what kubectl run and kubectl expose did, and kubectl sees the same' {
        $d = New-KubeDeployment my-nginx -Image nginx -Replicas 2 -Port 80 -Wait -TimeoutSec 60
        $d.Ready | Should -Be '2/2'
        $s = New-KubeService my-nginx -Port 8080 -TargetPort 80 -Type NodePort
        $s.Type | Should -Be 'NodePort'
        $s.NodePort | Should -BeGreaterOrEqual 30000
        Invoke-Kubectl -Server $Server -- get -o 'jsonpath={.spec.ports[0].nodePort}' service/my-nginx | Should -Be "$($s.NodePort)"
        Invoke-Kubectl -Server $Server -- get -o 'jsonpath={.spec.selector.app}' service/my-nginx | Should -Be 'my-nginx'
        (Invoke-Kubectl -Server $Server -Version 1.33 -- get pods -l app=my-nginx --no-headers).Count | Should -Be 2
        (Get-KubeDeployment my-nginx | Out-String) | Should -Match 'my-nginx\s+2/2\s+2\s+2\s+\d+'
    }

    It 'shows kubectl''s columns for pods and services by default' {
        $pods = (Get-KubePod | Out-String).Trim() -split "`r?`n"
        $pods[0] | Should -Match '^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE$'
        $pods[2] | Should -Match '^my-nginx-[0-9a-z]+-[0-9a-z]{5}\s+1/1\s+Running\s+0\s+\d+s\s+core-0[123]$'
        $svc = (Get-KubeService my-nginx | Out-String).Trim() -split "`r?`n"
        $svc[0] | Should -Match '^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$'
        $svc[2] | Should -Match '^my-nginx\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080:3\d{4}/TCP\s+\d+s$'
    }

    It 'gives one URL per node, all with the one nodePort' {
        $urls = Get-KubeServiceUrl my-nginx
        $urls.Node | Should -Be 'core-01', 'core-02', 'core-03'
        ($urls.NodePort | Select-Object -Unique).Count | Should -Be 1
        $urls[0].Url | Should -Be "http://127.0.0.1:$($urls[0].NodePort)/"
    }

    It 'Test-KubeServiceUrl reports the status and latency of a real HTTP server, and what is unreachable' {
        $urls = Get-KubeServiceUrl my-nginx
        $port = $urls[0].NodePort
        $http = Start-Process python3 -ArgumentList '-m', 'http.server', $port, '--bind', '127.0.0.1', '--directory', $TestDrive -PassThru -RedirectStandardError (Join-Path $TestDrive 'http.err')
        try {
            Wait-Until -TimeoutSec 10 { try { (Invoke-WebRequest "http://127.0.0.1:$port/" -TimeoutSec 1).StatusCode -eq 200 } catch { $false } } | Should -BeTrue
            $results = $urls | Test-KubeServiceUrl -TimeoutSec 2
            $results[0].Reachable | Should -BeTrue
            $results[0].StatusCode | Should -Be 200
            $results[0].Latency | Should -BeOfType [TimeSpan]
            $results[1].Reachable | Should -BeFalse    # 127.0.0.2: nothing listens on that node's port
            $results[1].Error | Should -Not -BeNullOrEmpty
            Test-KubeServiceUrl my-nginx -Quiet -TimeoutSec 2 | Should -BeFalse
        }
        finally { $http | Stop-Process -Force -ErrorAction SilentlyContinue }
    }

    It 'refuses a NodePort out of range: KubeNodePortOutOfRange' {
        Assert-Fails { New-KubeService web -Port 80 -Type NodePort -NodePort 80 -Selector @{ app = 'web' } -ErrorAction Stop } -Id KubeNodePortOutOfRange -Category InvalidArgument -Like '*30000-32767*'
    }

    It 'refuses a NodePort already taken: KubeNodePortTaken' {
        $taken = (Get-KubeService my-nginx).NodePort
        Assert-Fails { New-KubeService web -Port 80 -Type NodePort -NodePort $taken -Selector @{ app = 'web' } -ErrorAction Stop } -Id KubeNodePortTaken -Category ResourceExists
        Invoke-Kubectl -Server $Server -- get service web --ignore-not-found | Should -BeNullOrEmpty
    }

    It 'removes with -WhatIf changing nothing, then for real; kubectl no longer finds them' {
        Get-KubeService my-nginx | Remove-KubeService -WhatIf
        Invoke-Kubectl -Server $Server -- get service my-nginx -o name | Should -Be 'service/my-nginx'
        Get-KubeService my-nginx | Remove-KubeService
        Remove-KubeDeployment my-nginx
        Invoke-Kubectl -Server $Server -- get service my-nginx --ignore-not-found | Should -BeNullOrEmpty
        Invoke-Kubectl -Server $Server -- get deployment my-nginx --ignore-not-found | Should -BeNullOrEmpty
        Remove-KubeService my-nginx -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KubeServiceNotFound,*'
    }
}
