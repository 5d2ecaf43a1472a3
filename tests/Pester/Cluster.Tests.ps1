#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Install-KubeCluster ("the easy way", slide 17) on the local lab, from examples/lab-cluster.psd1: the first run
    brings the cluster up phase by phase; a second run changes nothing and says so; -WhatIf changes nothing; a failed
    phase is where a rerun resumes; a 3-master definition puts every master into the certificates and every etcd
    endpoint into the units. Bad definitions are refused whole before anything is done.

    The lab's hosts run STAND-IN kubelets and kube-proxies and the API server STAND-IN (tests/lab/README.md); the
    module's side is real. Referees: OpenSSH's ssh with systemctl and the files on the hosts, and the real kubectl
    1.33.1 on core-01. Every block leaves the hosts as the image has them: units stopped and disabled, installed
    units, configs and certificates removed, an empty API.
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
    $script:Definition = Join-Path $RepoRoot 'examples/lab-cluster.psd1'
    $env:KFS_STATE_DIR = Join-Path $TestDrive 'state'

    function script:Reset-LabCluster {
        <# The hosts as the image has them, and an empty API. #>
        foreach ($h in $Names) {
            Invoke-LabSsh $h ('sudo systemctl disable --now --quiet kube-kubelet kube-proxy; ' +
                'sudo rm -f /etc/systemd/system/kube-kubelet.service /etc/systemd/system/kube-proxy.service /etc/kubernetes/*.conf ' +
                '/etc/kubernetes/manifests/*.yaml /var/lib/kubelet/config.yaml /var/lib/kube-proxy/config.yaml /opt/cni/bin/loopback /opt/bin/weave; ' +
                'sudo rm -rf /etc/kubernetes/pki; sudo systemctl daemon-reload; sudo systemctl reset-failed; true') -AllowFailure | Out-Null
        }
        Invoke-LabLab api-restart | Out-Null
        Get-KubeHost | Disconnect-KubeHost
        Disconnect-KubeApi
    }

    function script:Get-Definition {
        <# The lab definition as a hashtable, to vary it. #>
        $d = Import-PowerShellDataFile -LiteralPath $Definition
        $d.KnownHostsFile = Join-Path $RepoRoot 'out/lab/known_hosts'
        foreach ($h in $d.Hosts) { $h.IdentityFile = Join-Path $RepoRoot 'out/lab/id_ed25519' }
        $d
    }

    if (-not $LabSkip) { Reset-LabCluster }
}

AfterAll {
    if (-not $LabSkip) { Reset-LabCluster }
    Remove-Item Env:KFS_STATE_DIR -ErrorAction Ignore
}

Describe 'Install-KubeCluster: the definition' {
    It 'refuses a definition with problems, naming every one, before doing anything: ClusterDefinitionInvalid' {
        $bad = @{
            Name = 'Bad_Name'; KubernetesVersion = 'latest'; NetworkProvider = 'Flannel'; Colour = 'blue'
            Hosts = @(
                @{ Name = 'a'; Address = '172.17.8.101'; Role = 'Master' }
                @{ Name = 'b'; Address = '172.17.8.102'; Role = 'Master' }
                @{ Name = 'b'; Role = 'Boss' }
            )
        }
        $err = $null
        try { Install-KubeCluster -Definition $bad } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ClusterDefinitionInvalid,*'
        $message = $err.Exception.Message
        foreach ($text in "'Colour' is not a field", 'Name:', 'KubernetesVersion:', "NetworkProvider: 'Flannel'", "Role 'Boss'", 'Address is missing', "the name 'b' is given 2 times", '2 masters') {
            $message | Should -BeLike "*$text*"
        }
    }

    It 'reads the same cluster from YAML as from a .psd1' {
        $yaml = Join-Path $TestDrive 'cluster.yaml'
        @'
name: yaml-lab
kubernetesVersion: v1.33.1
apiServer: http://172.17.8.101:8080
hosts:
  - { name: core-01, address: 172.17.8.101, user: core, role: Master }
  - { name: core-02, address: 172.17.8.102, user: core, role: Worker, port: 2222 }
'@ | Set-Content -LiteralPath $yaml
        # A phase that needs no host (certificates are off): the definition is read and checked, nothing connects.
        $step = Install-KubeCluster $yaml -Phase Certificates
        $step.Cluster | Should -Be 'yaml-lab'
        $step.Status | Should -Be 'Unchanged'
        $step.Detail | Should -BeLike 'certificates are off*'
        (Get-Content -Raw -LiteralPath $yaml) -replace 'port: 2222', 'port: 99999' | Set-Content -LiteralPath $yaml
        $err = $null
        try { Install-KubeCluster $yaml -Phase Certificates } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ClusterDefinitionInvalid,*'
        $err.Exception.Message | Should -Match ([regex]::Escape("Hosts[2] (core-02): Port '99999' is not a TCP port"))
    }
}

Describe 'Install-KubeCluster on the lab' -Tag Lab -Skip:([bool]$LabSkip) {
    It '-WhatIf shows the changes and makes none' {
        $pwsh = Get-PwshCommandLine
        $script = "Import-Module '$(Get-KfsModulePath)'; `$env:KFS_STATE_DIR = '$env:KFS_STATE_DIR'; Install-KubeCluster '$Definition' -WhatIf | Format-Table Phase, Status -AutoSize | Out-String -Width 200"
        $out = & $pwsh.FilePath @($pwsh.Prefix) -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
        $text = $out -join "`n"
        $text | Should -Match 'What if: .*kube-kubelet\.service on core-01'
        $text | Should -Match 'What if: .*Enable and start'
        foreach ($h in $Names) {
            Invoke-LabSsh $h 'systemctl is-active kube-kubelet' -AllowFailure | Should -Not -Be 'active'
            Invoke-LabSsh $h 'test -e /etc/systemd/system/kube-kubelet.service && echo written || echo none' | Should -Be 'none'
        }
    }

    It 'brings the cluster up from the lab as the image has it: every phase done, three Ready nodes, the demo answering' {
        $script:FirstRun = [Diagnostics.Stopwatch]::StartNew()
        $steps = Install-KubeCluster $Definition -TimeoutSec 180
        $FirstRun.Stop()
        $steps.Phase | Should -Be 'Connect', 'Preflight', 'Etcd', 'Certificates', 'Binaries', 'Units', 'Kubelet', 'Proxy', 'Network', 'Cni', 'SmokeTest'
        ($steps | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        ($steps | Where-Object Phase -In 'Units', 'Kubelet', 'Proxy', 'Network', 'Cni', 'SmokeTest').Changed | Should -Be (@($true) * 6)
        (Get-KubeNode | Where-Object Ready).Name | Should -Be $Names
        Invoke-LabSsh core-01 '/opt/bin/kubectl --server http://172.17.8.101:8080 get daemonset weave-net -n kube-system --no-headers' | Should -Match '^weave-net\s+3\s+3\s+3\s+'
        $urls = Get-KubeServiceUrl my-nginx
        $urls | Should -HaveCount 3
        ($urls | Test-KubeServiceUrl).Reachable | Should -Be $true, $true, $true
        foreach ($h in $Names) {
            Invoke-LabSsh $h 'systemctl is-active kube-kubelet kube-proxy' | Should -Be 'active', 'active'
            Invoke-LabSsh $h 'test -x /opt/cni/bin/loopback && echo ok' | Should -Be 'ok'
        }
    }

    It 'a second run changes nothing and says so' {
        $second = [Diagnostics.Stopwatch]::StartNew()
        $steps = Install-KubeCluster $Definition -TimeoutSec 180 -Verbose 4>&1
        $second.Stop()
        $phases = $steps | Where-Object { $_ -is [KubeFromScratch.KubeClusterStep] }
        $phases | Should -HaveCount 11
        $phases.Changed | Should -Be (@($false) * 11)
        $phases.Status | Sort-Object -Unique | Should -Be 'Unchanged'
        (($steps | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Match "Cluster 'workshop-lab' was already as defined: nothing changed"
        Write-Host "    first run $([math]::Round($FirstRun.Elapsed.TotalSeconds, 1)) s, second run $([math]::Round($second.Elapsed.TotalSeconds, 1)) s"
    }

    It 'resumes at the phase that failed' {
        # The API is gone: the Kubelet phase cannot see its nodes.
        Invoke-LabSsh core-02 'sudo systemctl stop kube-kubelet' | Out-Null
        Invoke-LabLab api-stop | Out-Null
        try {
            $steps = Install-KubeCluster $Definition -TimeoutSec 5 -ErrorVariable failed -ErrorAction SilentlyContinue
            ($steps | Select-Object -Last 1).Phase | Should -Be 'Kubelet'
            ($steps | Select-Object -Last 1).Status | Should -Be 'Failed'
            $failed.FullyQualifiedErrorId | Should -Contain 'ClusterPhaseFailed,KubeFromScratch.Commands.Cluster.InstallKubeClusterCommand'
        }
        finally { Invoke-LabLab api-start | Out-Null }

        $rerun = Install-KubeCluster $Definition -TimeoutSec 120
        ($rerun | Where-Object Phase -In 'Preflight', 'Etcd', 'Certificates', 'Binaries', 'Units').Status | Should -Be (@('Skipped') * 5)
        ($rerun | Where-Object Phase -In 'Preflight', 'Etcd', 'Certificates', 'Binaries', 'Units').Detail | Sort-Object -Unique | Should -Be 'done in the previous run'
        ($rerun | Where-Object Phase -EQ 'Kubelet').Status | Should -Be 'Done'
        ($rerun | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        # The restarted API server was empty: the network and the demo are there again.
        ($rerun | Where-Object Phase -EQ 'Network').Changed | Should -BeTrue
        (Get-KubeNode | Where-Object Ready).Name | Should -Be $Names
    }

    It 'with three masters, the certificates name every master and the units list every etcd endpoint' {
        $d = Get-Definition
        $d.Name = 'three-masters'
        $d.Certificates = @{ Enabled = $true; Path = (Join-Path $TestDrive 'pki') }
        foreach ($h in $d.Hosts) { $h.Role = 'Master' }
        $steps = Install-KubeCluster -Definition $d -Phase Connect, Certificates, Units
        ($steps | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        foreach ($name in '172.17.8.101', '172.17.8.102', '172.17.8.103', 'core-01', 'core-02', 'core-03') {
            $check = Test-KubeCertificate -Path (Join-Path $TestDrive 'pki/apiserver.crt') -CertificateAuthorityPath (Join-Path $TestDrive 'pki/ca.crt') -ServerName $name
            $check.ChainValid | Should -BeTrue
            $check.NameMatches | Should -BeTrue -Because "the API server certificate names master $name"
        }
        foreach ($h in $Names) {
            $apiserver = Invoke-LabSsh $h 'sudo cat /etc/kubernetes/manifests/kube-apiserver.yaml'
            ($apiserver -join "`n") | Should -Match ([regex]::Escape('--etcd-servers=http://172.17.8.101:2379,http://172.17.8.102:2379,http://172.17.8.103:2379').Replace('http', 'https?'))
            Invoke-LabSsh $h 'sudo test -s /etc/kubernetes/pki/apiserver.crt && echo ok' | Should -Be 'ok'
        }
    }
}
