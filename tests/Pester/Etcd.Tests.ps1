#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Slide 2 as a cmdlet: Test-EtcdHealth and Get-EtcdMember against the lab's real 3-member etcd cluster, with the
    real etcdctl (v2 cluster-health and v3 endpoint health --cluster) run side by side as the referee for every
    cluster state: all members up, one down, two down. Network rule: loopback and 172.17.8.0/24 only.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $script:LabSkip) {
        $null = & bash (Join-Path $RepoRoot 'tests/lab/lab.sh') status 2>&1
        if (-not (Get-Command etcdctl -CommandType Application -ErrorAction Ignore)) { $script:LabSkip = 'etcdctl (Debian etcd-client) is not installed on this machine (tests/lab/install-deps.sh installs it)' }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force
    $script:DeckIds = @{ 'core-01' = '6ae27f9fa2984b1d'; 'core-02' = '25d6ce33763c5524'; 'core-03' = 'ff32f4b39b9c47bd' }
    $script:Endpoint = 'http://172.17.8.101:2379'

    # The referee: the real etcdctl, run here as a process (stdout only; stderr carries its "failed to check" noise).
    function script:Invoke-EtcdctlV2ClusterHealth {
        $env:ETCDCTL_API = '2'
        try { (& etcdctl --endpoints $script:Endpoint cluster-health 2>$null) -split "`n" | Where-Object { $_ -match '^(member|cluster) ' } }
        finally { Remove-Item Env:ETCDCTL_API }
    }

    function script:Invoke-EtcdctlV3Health {
        $env:ETCDCTL_API = '3'
        try { (& etcdctl --endpoints $script:Endpoint --dial-timeout 3s --command-timeout 3s endpoint health --cluster -w json 2>$null) | ConvertFrom-Json }
        finally { Remove-Item Env:ETCDCTL_API }
    }

    # What the module prints by default, line by line, as a user sees it.
    function script:Get-RenderedLines([object[]] $Objects) {
        ($Objects | Out-String -Width 200) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ }
    }

    function script:Wait-EtcdClusterHealthy {
        Wait-Until -TimeoutSec 30 { (Invoke-EtcdctlV2ClusterHealth) -contains 'cluster is healthy' } | Should -BeTrue -Because 'the lab cluster must be healthy again'
    }
}

Describe 'Test-EtcdHealth with bad input' {
    It 'refuses a malformed URL with EtcdEndpointInvalid before sending anything' {
        $out = Test-EtcdHealth -Endpoint 'not a url' -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        Assert-KfsError $err -Id EtcdEndpointInvalid -Category InvalidArgument -TargetObject 'not a url' -MessageContains 'http://HOST:2379'
    }

    It 'says -Quiet $false for a malformed URL' {
        Test-EtcdHealth -Endpoint 'ftp://x' -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'reports a closed loopback port as EtcdUnreachable, quickly' {
        $port = Get-FreeLoopbackPort
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Test-EtcdHealth -Endpoint "http://127.0.0.1:$port" -MemberTimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        Assert-KfsError $err -Id EtcdUnreachable -Category ConnectionError -TargetObject "http://127.0.0.1:$port" -MessageContains 'refused'
    }

    It 'rejects a client key file that is not PEM with KeyFileInvalid, and never prints its content' {
        $cert = Join-Path $TestDrive 'client.crt'; $key = Join-Path $TestDrive 'client.key'
        $ca = New-KubeCertificateAuthority (Join-Path $TestDrive 'pki')
        New-KubeCertificate EtcdClient -CaPath $ca.Path -Path $TestDrive -Name client | Out-Null
        'secret-looking-not-pem-content' | Set-Content $key
        Test-EtcdHealth -Endpoint 'https://127.0.0.1:1' -CaPath $ca.Path -CertificatePath $cert -KeyPath $key -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^KeyFileInvalid'
        ($err | Out-String) | Should -Not -Match 'secret-looking'
    }
}

Describe 'Test-EtcdHealth against the lab cluster (lab)' -Skip:([bool]$LabSkip) {
    BeforeAll { Wait-EtcdClusterHealthy }
    AfterAll {
        foreach ($h in 'core-02', 'core-03') { Invoke-LabSsh $h 'sudo systemctl start etcd' -AllowFailure | Out-Null }
        Wait-EtcdClusterHealthy
    }

    Context 'all members up' {
        BeforeAll {
            $script:Result = @(Test-EtcdHealth -Endpoint $Endpoint)
            $script:Members = @($Result | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] })
            $script:Verdict = $Result | Where-Object { $_ -is [KubeFromScratch.EtcdClusterHealth] }
        }

        It 'finds the three members with the deck''s ids and names' {
            $Members | Should -HaveCount 3
            foreach ($name in $DeckIds.Keys) {
                ($Members | Where-Object Name -EQ $name).MemberId | Should -Be $DeckIds[$name]
            }
        }

        It 'says every member is healthy, names exactly one leader, and gives the healthy verdict last' {
            $Members.IsHealthy | Should -Not -Contain $false
            @($Members | Where-Object IsLeader) | Should -HaveCount 1
            $Result[-1] | Should -BeOfType KubeFromScratch.EtcdClusterHealth
            $Verdict.State | Should -Be Healthy
            $Verdict.Members | Should -Be 3
            $Members.Version | Should -Not -Contain $null
        }

        It 'prints exactly what etcdctl cluster-health prints' {
            Get-RenderedLines $Result | Should -Be @(Invoke-EtcdctlV2ClusterHealth)
        }

        It 'agrees with etcdctl endpoint health --cluster (v3) on every endpoint' {
            $v3 = Invoke-EtcdctlV3Health
            foreach ($m in $Members) {
                ($v3 | Where-Object endpoint -EQ $m.CheckedUrl).health | Should -Be $m.IsHealthy
            }
        }

        It 'answers -Quiet with $true' {
            Test-EtcdHealth -Endpoint $Endpoint -Quiet | Should -BeTrue
        }

        It 'derives the client URLs from piped hosts and can tunnel through their SSH connection (-Via Ssh)' {
            $null = New-LabSession
            try {
                $viaSsh = @(Get-KubeHost core-01 | Test-EtcdHealth -Via Ssh -MemberTimeoutSec 10)
                ($viaSsh | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] }).Route | Sort-Object -Unique | Should -Be 'Ssh'
                $viaSsh[-1].State | Should -Be Healthy
                (Get-KubeHost | Test-EtcdHealth)[-1].State | Should -Be Healthy
            }
            finally { Get-KubeHost | Disconnect-KubeHost }
        }

        It 'lists the members with Get-EtcdMember, leader included' {
            $list = @(Get-EtcdMember -Endpoint $Endpoint)
            $list.MemberId | Sort-Object | Should -Be @($DeckIds.Values | Sort-Object)
            @($list | Where-Object IsLeader) | Should -HaveCount 1
            ($list | Where-Object Name -EQ 'core-02').ClientUrls | Should -Be 'http://172.17.8.102:2379'
        }
    }

    Context 'core-03''s etcd stopped' {
        BeforeAll {
            Invoke-LabSsh core-03 'sudo systemctl stop etcd' | Out-Null
            $script:Result = @(Test-EtcdHealth -Endpoint $Endpoint -ErrorVariable script:Errors)
        }
        AfterAll {
            Invoke-LabSsh core-03 'sudo systemctl start etcd' | Out-Null
            Wait-EtcdClusterHealthy
        }

        It 'reports that member unhealthy and the cluster degraded, without an error' {
            $Errors | Should -BeNullOrEmpty
            ($Result | Where-Object Name -EQ 'core-03').IsHealthy | Should -BeFalse
            ($Result | Where-Object Name -EQ 'core-03').Error | Should -Not -BeNullOrEmpty
            $Result[-1].State | Should -Be Degraded
            $Result[-1].HealthyMembers | Should -Be 2
        }

        It 'prints the same member lines and verdict as etcdctl cluster-health' {
            Get-RenderedLines $Result | Should -Be @(Invoke-EtcdctlV2ClusterHealth)
        }

        It 'agrees with etcdctl endpoint health --cluster (v3): core-03 unhealthy, the others healthy' {
            $v3 = Invoke-EtcdctlV3Health
            ($v3 | Where-Object { -not $_.health }).endpoint | Should -Be 'http://172.17.8.103:2379'
        }

        It 'answers -Quiet with $false' {
            Test-EtcdHealth -Endpoint $Endpoint -Quiet | Should -BeFalse
        }

        It 'waits with -Wait until the member is back' {
            $job = Start-ThreadJob { Start-Sleep -Seconds 3; & ssh -F $using:RepoRoot/out/lab/ssh_config core-03 'sudo systemctl start etcd' }
            try {
                $waited = @(Test-EtcdHealth -Endpoint $Endpoint -Wait -TimeoutSec 60)
                $waited[-1].State | Should -Be Healthy
            }
            finally { $job | Wait-Job | Remove-Job }
            Invoke-LabSsh core-03 'sudo systemctl stop etcd' | Out-Null
        }
    }

    Context 'core-02 and core-03 stopped (quorum lost)' {
        BeforeAll {
            Invoke-LabSsh core-02 'sudo systemctl stop etcd' | Out-Null
            Invoke-LabSsh core-03 'sudo systemctl stop etcd' | Out-Null
            $script:Result = @(Test-EtcdHealth -Endpoint $Endpoint -MemberTimeoutSec 3)
        }
        AfterAll {
            Invoke-LabSsh core-02 'sudo systemctl start etcd' | Out-Null
            Invoke-LabSsh core-03 'sudo systemctl start etcd' | Out-Null
            Wait-EtcdClusterHealthy
        }

        It 'gives the unavailable verdict, as etcdctl does' {
            $Result[-1].State | Should -Be Unavailable
            $Result[-1].Status | Should -Be ((Invoke-EtcdctlV2ClusterHealth)[-1])
        }

        It 'prints the same member lines as etcdctl cluster-health' {
            Get-RenderedLines $Result | Should -Be @(Invoke-EtcdctlV2ClusterHealth)
        }
    }

    Context 'a member cut off the network (its link down)' {
        BeforeAll { Invoke-LabLab link-down core-03 | Out-Null }
        AfterAll {
            Invoke-LabLab link-up core-03 | Out-Null
            Wait-EtcdClusterHealthy
        }

        It 'reports it unreachable within about one member timeout, not one per member' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $result = @(Test-EtcdHealth -Endpoint $Endpoint -MemberTimeoutSec 2)
            $sw.Stop()
            ($result | Where-Object Name -EQ 'core-03').IsHealthy | Should -BeFalse
            $result[-1].State | Should -Be Degraded
            # Discovery plus one parallel round of 2 s per-member checks; serial checks would be far longer.
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
    }

    Context 'an endpoint that is not etcd' {
        It 'names the sshd port EtcdEndpointNotEtcd' {
            Test-EtcdHealth -Endpoint 'http://172.17.8.101:22' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-KfsError $err -Id EtcdEndpointNotEtcd -Category InvalidData -TargetObject 'http://172.17.8.101:22' -MessageContains '2379'
        }
    }
}

Describe 'Test-EtcdHealth against the TLS lab (lab.sh up --tls)' -Tag Lab, TlsLab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Invoke-LabLab up --tls | Out-Null
        $script:Pki = Get-LabPath pki
        $script:TlsEndpoint = 'https://172.17.8.101:2379'
        $script:Ca = Join-Path $Pki 'ca.crt'
        $script:Cert = Join-Path $Pki 'etcd-healthcheck-client.crt'
        $script:Key = Join-Path $Pki 'etcd-healthcheck-client.key'
    }
    AfterAll { Invoke-LabLab up | Out-Null }

    It 'reports the TLS cluster healthy with the CA and client certificate from New-KubeCertificate' {
        $result = @(Test-EtcdHealth -Endpoint $TlsEndpoint -CaPath $Ca -CertificatePath $Cert -KeyPath $Key)
        $result[-1].State | Should -Be Healthy
        @($result | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] }).CheckedUrl | Sort-Object |
            Should -Be @('https://172.17.8.101:2379', 'https://172.17.8.102:2379', 'https://172.17.8.103:2379')
    }

    It 'tunnels TLS through a host''s SSH connection and still checks the server names' {
        $null = New-LabSession
        try {
            # The first tunnelled TLS check in a process pays for opening the forwards and TLS itself (about 2 s here,
            # more on a loaded CI machine), so the per-member limit is raised from its 3 s default.
            $viaSsh = @(Get-KubeHost core-02 | Test-EtcdHealth -Via Ssh -MemberTimeoutSec 10 -CaPath $Ca -CertificatePath $Cert -KeyPath $Key)
            $viaSsh[-1].State | Should -Be Healthy -Because (($viaSsh | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] -and -not $_.IsHealthy }).Error -join '; ')
            ($viaSsh | Where-Object { $_ -is [KubeFromScratch.EtcdMemberHealth] }).Route | Sort-Object -Unique | Should -Be 'Ssh'
        }
        finally { Get-KubeHost | Disconnect-KubeHost }
    }

    It 'calls a server certificate from another CA untrusted (EtcdServerCertificateUntrusted)' {
        $other = New-KubeCertificateAuthority (Join-Path $TestDrive 'other-ca') -CommonName other-ca
        Test-EtcdHealth -Endpoint $TlsEndpoint -CaPath $other.Path -CertificatePath $Cert -KeyPath $Key -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        Assert-KfsError $err -Id EtcdServerCertificateUntrusted -Category SecurityError -TargetObject '172.17.8.101' -MessageContains '-CaPath'
    }

    It 'says the client certificate is missing when etcd demands one (EtcdClientCertificateRejected)' {
        Test-EtcdHealth -Endpoint $TlsEndpoint -CaPath $Ca -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id EtcdClientCertificateRejected -Category AuthenticationError -TargetObject $TlsEndpoint -MessageContains 'New-KubeCertificate -Profile EtcdClient'
    }

    It 'refuses an expired client certificate before connecting (EtcdClientCertificateExpired)' {
        # Signed by the lab's own CA but expired yesterday: made with .NET directly, as the cmdlets never issue one.
        $caCert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($Ca, (Join-Path $Pki 'ca.key'))
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=expired-client', $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $clientAuth = [System.Security.Cryptography.OidCollection]::new()
        $null = $clientAuth.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.2'))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($clientAuth, $false))
        $serial = [byte[]](1..16 | ForEach-Object { Get-Random -Minimum 1 -Maximum 127 })
        # Its whole life lies between the CA's start (a fresh lab's CA is minutes old) and a minute ago.
        $notBefore = [DateTimeOffset] $caCert.NotBefore.ToUniversalTime().AddSeconds(1)
        $expired = $request.Create($caCert, $notBefore, [DateTimeOffset]::UtcNow.AddMinutes(-1), $serial)
        $certPath = Join-Path $TestDrive 'expired.crt'; $keyPath = Join-Path $TestDrive 'expired.key'
        Set-Content $certPath $expired.ExportCertificatePem()
        Set-Content $keyPath $key.ExportPkcs8PrivateKeyPem()
        Test-EtcdHealth -Endpoint $TlsEndpoint -CaPath $Ca -CertificatePath $certPath -KeyPath $keyPath -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id EtcdClientCertificateExpired -Category SecurityError -TargetObject $certPath -MessageContains 'New-KubeCertificate -Profile EtcdClient -Force'
        ($err | Out-String) | Should -Not -Match 'PRIVATE KEY'
    }
}
