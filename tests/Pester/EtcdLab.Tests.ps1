#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The lab's own etcd cluster (tests/lab/lab.sh): every host runs a real etcd 3.4 member configured as in the
    workshop, so the member ids are the deck's and `etcdctl cluster-health` prints the deck's lines. The referee is
    the real etcdctl, on a host over OpenSSH and on this machine; the module under test is not involved, except
    that the 'TlsLab' block's certificates are made by its PKI cmdlets (tests/lab/New-LabPki.ps1).

    The plain blocks stop and cut off members and restore them in AfterAll. The 'TlsLab' block rebuilds the lab
    with `lab.sh up --tls` (~20 s) and back in plain mode in AfterAll (~20 s).
    Network rule: loopback and 172.17.8.0/24 only, after lab.sh check-network (Get-LabSkipReason).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $LabSkip -and -not (Get-Command etcdctl -CommandType Application -ErrorAction Ignore)) {
        $script:LabSkip = 'etcdctl (Debian etcd-client) is not installed on this machine (tests/lab/install-deps.sh installs it)'
    }
    $script:TlsSkip = $LabSkip
    if (-not $TlsSkip -and -not (Test-Path -LiteralPath (Join-Path (Get-KfsModulePath) 'KubeFromScratch.psd1'))) {
        $script:TlsSkip = 'the module is not built (out/KubeFromScratch); lab.sh up --tls makes its certificates with it'
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    # The deck (slide "etcd cluster-health"): ids follow from the member names, peer URLs and the default token.
    $script:DeckIds = [ordered] @{ 'core-01' = '6ae27f9fa2984b1d'; 'core-02' = '25d6ce33763c5524'; 'core-03' = 'ff32f4b39b9c47bd' }
    $script:DeckClusterHealth = @(
        'member 25d6ce33763c5524 is healthy: got healthy result from http://172.17.8.102:2379'
        'member 6ae27f9fa2984b1d is healthy: got healthy result from http://172.17.8.101:2379'
        'member ff32f4b39b9c47bd is healthy: got healthy result from http://172.17.8.103:2379'
        'cluster is healthy'
    )
    $script:Endpoint = 'http://172.17.8.101:2379'

    # Runs this machine's etcdctl (API version, then etcdctl's arguments as typed); returns stdout and stderr lines
    # apart, and the exit code. A plain function, so etcdctl's -w and --flags pass through as they are.
    function script:Invoke-Etcdctl([ValidateSet('2', '3')][string] $Api) {
        $arguments = $args
        $errFile = Join-Path $TestDrive "etcdctl-$([guid]::NewGuid().ToString('N')).err"
        $env:ETCDCTL_API = $Api
        try { $out = @(& etcdctl @arguments 2>$errFile) }
        finally { Remove-Item Env:ETCDCTL_API }
        [pscustomobject] @{ Stdout = $out; Stderr = @(Get-Content -LiteralPath $errFile -ErrorAction Ignore); ExitCode = $LASTEXITCODE }
    }

    # The check lab.sh up makes: v3 endpoint health --cluster through core-01, all three members healthy.
    function script:Test-LabEtcdHealthy {
        $r = Invoke-Etcdctl 3 "--endpoints=$Endpoint" --dial-timeout=2s --command-timeout=5s endpoint health --cluster -w json
        $r.ExitCode -eq 0 -and @(($r.Stdout -join '') | ConvertFrom-Json | Where-Object health -EQ $true).Count -eq 3
    }

    function script:Get-LabMode {
        $line = (& bash (Join-Path $RepoRoot 'tests/lab/lab.sh') status 2>$null) | Where-Object { $_ -like 'mode *' }
        if ($line -match '^mode\s+(\S+)') { $Matches[1] } else { '' }
    }
}

Describe 'The lab''s etcd cluster (lab)' -Tag Lab, EtcdLab -Skip:([bool]$LabSkip) {
    BeforeAll {
        # A TLS lab left behind by an interrupted run is switched back; lab.sh up also restarts stopped members.
        if ((Get-LabMode) -ne 'plain' -or -not (Test-LabEtcdHealthy)) { Invoke-LabLab up | Out-Null }
        Test-LabEtcdHealthy | Should -BeTrue -Because 'lab.sh up returns only with a healthy cluster'
    }

    It 'runs etcd.service on every host, enabled at boot, configured only by /etc/default/etcd' {
        foreach ($h in $DeckIds.Keys) {
            Invoke-LabSsh $h 'systemctl is-enabled etcd.service' | Should -Be 'enabled'
            Invoke-LabSsh $h 'systemctl is-active etcd.service' | Should -Be 'active'
            Invoke-LabSsh $h 'systemctl show -p DropInPaths --value etcd.service' | Should -BeNullOrEmpty
            $config = Invoke-LabSsh $h 'grep ^ETCD_ /etc/default/etcd'
            $config | Should -Contain "ETCD_NAME=$h"
            $config | Should -Contain 'ETCD_INITIAL_CLUSTER=core-01=http://172.17.8.101:2380,core-02=http://172.17.8.102:2380,core-03=http://172.17.8.103:2380'
            $config | Should -Contain 'ETCD_ENABLE_V2=true'
            ($config -join "`n") | Should -Not -Match '(?m)^ETCD_INITIAL_CLUSTER_TOKEN=(?!etcd-cluster$)' -Because 'the deck''s ids need the default token'
        }
    }

    It 'has exactly the deck''s three members, as every host sees them (etcdctl member list over SSH)' {
        foreach ($h in $DeckIds.Keys) {
            $members = @(Invoke-LabSsh $h 'ETCDCTL_API=3 etcdctl member list') | ForEach-Object {
                # ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS, IS LEARNER
                $id, $status, $name, $peer, $client, $learner = $_ -split ', '
                [pscustomobject] @{ Id = $id; Status = $status; Name = $name; Peer = $peer; Client = $client; IsLearner = $learner }
            }
            $members | Should -HaveCount 3
            foreach ($name in $DeckIds.Keys) {
                $m = $members | Where-Object Name -EQ $name
                $m.Id | Should -Be $DeckIds[$name] -Because "$h lists $name"
                $m.Status | Should -Be 'started'
                $m.Peer | Should -Be "http://172.17.8.10$($name[-1]):2380"
                $m.Client | Should -Be "http://172.17.8.10$($name[-1]):2379"
                $m.IsLearner | Should -Be 'false'
            }
        }
    }

    It 'prints the deck''s cluster-health on a host (ETCDCTL_API=2 etcdctl cluster-health over SSH), in etcdctl''s order' {
        $out = Invoke-LabSsh core-01 'ETCDCTL_API=2 etcdctl cluster-health'
        $out | Should -Be $DeckClusterHealth
    }

    It 'answers this machine''s etcdctl the same way (v2 cluster-health and v3 endpoint health --cluster)' {
        $v2 = Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health
        $v2.ExitCode | Should -Be 0
        $v2.Stdout | Should -Be $DeckClusterHealth

        $v3 = Invoke-Etcdctl 3 "--endpoints=$Endpoint" endpoint health --cluster
        $v3.ExitCode | Should -Be 0
        # etcdctl 3.4 prints the endpoint health lines on stderr, in the order the parallel checks finish.
        ($v3.Stderr | Where-Object { $_ -match ' is healthy: successfully committed proposal' } | ForEach-Object { ($_ -split ' ')[0] } | Sort-Object) |
            Should -Be @('http://172.17.8.101:2379', 'http://172.17.8.102:2379', 'http://172.17.8.103:2379')
    }

    It 'says plain mode and a healthy etcd in lab.sh status' {
        $status = Invoke-LabLab status
        $status | Should -Contain 'mode     plain (etcd on http://172.17.8.10N:2379)'
        $status | Should -Contain 'etcd     healthy: 3 of 3 members'
    }

    Context 'core-03''s etcd stopped (lab.sh etcd-stop core-03)' {
        BeforeAll { Invoke-LabLab etcd-stop core-03 | Out-Null }
        AfterAll {
            Invoke-LabLab etcd-start core-03 | Out-Null
            Wait-Until -TimeoutSec 30 { Test-LabEtcdHealthy } | Should -BeTrue -Because 'the cluster must be whole again for the next tests'
        }

        It 'makes v2 cluster-health say the cluster is degraded, with core-03''s member unreachable (exit 5)' {
            $r = Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health
            $r.ExitCode | Should -Be 5
            $r.Stdout | Should -Contain 'member 25d6ce33763c5524 is healthy: got healthy result from http://172.17.8.102:2379'
            $r.Stdout | Should -Contain 'member 6ae27f9fa2984b1d is healthy: got healthy result from http://172.17.8.101:2379'
            $r.Stdout | Should -Contain 'member ff32f4b39b9c47bd is unreachable: [http://172.17.8.103:2379] are all unreachable'
            $r.Stdout[-1] | Should -Be 'cluster is degraded'
        }

        It 'makes v3 endpoint health --cluster fail on core-03 only' {
            $r = Invoke-Etcdctl 3 "--endpoints=$Endpoint" --command-timeout=3s endpoint health --cluster -w json
            $r.ExitCode | Should -Not -Be 0
            $health = ($r.Stdout -join '') | ConvertFrom-Json
            ($health | Where-Object health -EQ $false).endpoint | Should -Be 'http://172.17.8.103:2379'
        }

        It 'recovers when etcd starts again (lab.sh etcd-start core-03): the deck''s lines again' {
            Invoke-LabLab etcd-start core-03 | Out-Null
            (Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health).Stdout | Should -Be $DeckClusterHealth
        }
    }

    Context 'core-03 cut off the network (lab.sh link-down core-03), its etcd still running' {
        BeforeAll { Invoke-LabLab link-down core-03 | Out-Null }
        AfterAll {
            Invoke-LabLab link-up core-03 | Out-Null
            Wait-Until -TimeoutSec 30 { Test-LabEtcdHealthy } | Should -BeTrue -Because 'the cluster must be whole again for the next tests'
        }

        It 'leaves core-03 unreachable while its etcd keeps running' {
            & ssh -F (Get-LabPath ssh_config) -o BatchMode=yes -o ConnectTimeout=2 core-03 true 2>$null
            $LASTEXITCODE | Should -Be 255
            # status exits 1 here (a host is down), so it is run directly, not through Invoke-LabLab.
            (& bash (Join-Path $RepoRoot 'tests/lab/lab.sh') status 2>$null) |
                Should -Contain 'core-03  172.17.8.103  down  (link down: lab.sh link-up core-03, etcd not healthy)'
            & ip netns exec kfs-core-03 ss -Htln 'sport = :2379' | Should -Not -BeNullOrEmpty -Because 'the member is cut off, not stopped'
        }

        It 'makes v2 cluster-health say degraded, with core-03''s member unreachable' {
            $r = Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health
            $r.ExitCode | Should -Be 5
            $r.Stdout | Should -Contain 'member ff32f4b39b9c47bd is unreachable: [http://172.17.8.103:2379] are all unreachable'
            $r.Stdout[-1] | Should -Be 'cluster is degraded'
        }

        It 'recovers when the link comes back (lab.sh link-up core-03)' {
            Invoke-LabLab link-up core-03 | Out-Null
            Wait-Until -TimeoutSec 30 { (Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health).ExitCode -eq 0 } | Should -BeTrue
            (Invoke-Etcdctl 2 "--endpoints=$Endpoint" cluster-health).Stdout | Should -Be $DeckClusterHealth
        }
    }
}

Describe 'The TLS lab (lab.sh up --tls)' -Tag Lab, EtcdLab, TlsLab -Skip:([bool]$TlsSkip) {
    BeforeAll {
        $script:Pki = Get-LabPath pki
        $script:TlsEndpoint = 'https://172.17.8.101:2379'
        Invoke-LabLab up --tls | Out-Null
    }
    AfterAll {
        Invoke-LabLab up | Out-Null
        Get-LabMode | Should -Be 'plain' -Because 'the other lab tests expect the plain lab'
    }

    It 'says tls mode in lab.sh status, with all three members healthy' {
        Get-LabMode | Should -Be 'tls'
        Invoke-LabLab status | Should -Contain 'etcd     healthy: 3 of 3 members'
    }

    It 'uses certificates from the module''s own CA (etcd-ca), owned by etcd on the hosts, keys 0600' {
        & openssl x509 -noout -subject -in (Join-Path $Pki 'ca.crt') | Should -Match 'CN\s*=\s*etcd-ca'
        foreach ($n in 1..3) {
            $files = Invoke-LabSsh "core-0$n" 'sudo sh -c ''stat -c "%U:%G %a %n" /etc/etcd/pki /etc/etcd/pki/*'''
            $files | Should -Be @(
                'etcd:etcd 750 /etc/etcd/pki'
                'etcd:etcd 644 /etc/etcd/pki/ca.crt'
                'etcd:etcd 644 /etc/etcd/pki/etcd-peer.crt'
                'etcd:etcd 600 /etc/etcd/pki/etcd-peer.key'
                'etcd:etcd 644 /etc/etcd/pki/etcd-server.crt'
                'etcd:etcd 600 /etc/etcd/pki/etcd-server.key'
            )
            # The host got exactly the server certificate New-LabPki.ps1 made for it.
            Invoke-LabSsh "core-0$n" 'sudo cat /etc/etcd/pki/etcd-server.crt' |
                Should -Be (Get-Content -LiteralPath (Join-Path $Pki "core-0$n/etcd-server.crt"))
            $config = Invoke-LabSsh "core-0$n" 'grep ^ETCD_ /etc/default/etcd'
            $config | Should -Contain 'ETCD_CLIENT_CERT_AUTH=true'
            $config | Should -Contain 'ETCD_PEER_CLIENT_CERT_AUTH=true'
            $config | Should -Contain "ETCD_LISTEN_PEER_URLS=https://172.17.8.10$($n):2380"
        }
    }

    It 'answers etcdctl endpoint health --cluster with the module-made client certificate' {
        $r = Invoke-Etcdctl 3 "--endpoints=$TlsEndpoint" --cacert (Join-Path $Pki 'ca.crt') `
            --cert (Join-Path $Pki 'etcd-healthcheck-client.crt') --key (Join-Path $Pki 'etcd-healthcheck-client.key') endpoint health --cluster
        $r.ExitCode | Should -Be 0 -Because ($r.Stderr -join "`n")
        @($r.Stderr | Where-Object { $_ -match '^https://172\.17\.8\.10[1-3]:2379 is healthy: ' }) | Should -HaveCount 3
    }

    It 'refuses etcdctl without a client certificate' {
        $r = Invoke-Etcdctl 3 "--endpoints=$TlsEndpoint" --dial-timeout=2s --command-timeout=3s --cacert (Join-Path $Pki 'ca.crt') endpoint health --cluster
        $r.ExitCode | Should -Not -Be 0
        ($r.Stderr -join "`n") | Should -Not -Match ' is healthy: '
    }

    It 'refuses a client certificate from another CA' {
        $other = Join-Path $TestDrive 'other'
        Invoke-Isolated -ArgumentList $other {
            param($Path)
            $ca = New-KubeCertificateAuthority $Path -CommonName other-ca
            $null = New-KubeCertificate EtcdClient -CaPath $ca.Path -Path $Path
        } | Out-Null
        $r = Invoke-Etcdctl 3 "--endpoints=$TlsEndpoint" --dial-timeout=2s --command-timeout=3s --cacert (Join-Path $Pki 'ca.crt') `
            --cert (Join-Path $other 'etcd-healthcheck-client.crt') --key (Join-Path $other 'etcd-healthcheck-client.key') endpoint health --cluster
        $r.ExitCode | Should -Not -Be 0
    }

    It 'no longer answers plain http on the client port' {
        & curl -s --max-time 5 -o /dev/null http://172.17.8.101:2379/health
        $LASTEXITCODE | Should -Not -Be 0
    }
}
