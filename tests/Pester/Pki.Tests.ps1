#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Slide 15 ("production readiness: TLS for etcd and component traffic") as a user types it: a CA, certificates
    per profile with the names of piped hosts, reuse and renewal, checks, and installing them on hosts. The
    engine's own tests (xunit) pin every extension against openssl; these pin what the cmdlets add.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force
}

Describe 'New-KubeCertificateAuthority and New-KubeCertificate' {
    BeforeAll {
        $script:Pki = Join-Path $TestDrive 'pki'
        $script:Ca = New-KubeCertificateAuthority $Pki -CommonName etcd-ca
    }

    It 'makes a CA whose key only its owner can read' -Skip:(-not $IsLinux) {
        $Ca.IsCertificateAuthority | Should -BeTrue
        $Ca.Subject | Should -Be 'CN=etcd-ca'
        (Get-Item $Ca.KeyPath).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        Get-Content -Raw $Ca.Path | Should -Match '-----BEGIN CERTIFICATE-----'
    }

    It 'writes nothing with -WhatIf' {
        $where = Join-Path $TestDrive 'whatif'
        New-KubeCertificateAuthority $where -WhatIf | Should -BeNullOrEmpty
        Test-Path $where | Should -BeFalse
    }

    It 'puts a piped master''s name and address into an EtcdServer certificate and takes its name as the CN' {
        $cert = [pscustomobject]@{ Name = 'core-01'; HostName = '172.17.8.101' } | ForEach-Object {
            New-KubeCertificate EtcdServer -CaPath $Ca.Path -Path (Join-Path $Pki 'core-01') -DnsName $_.Name -IPAddress $_.HostName
        }
        $cert.Subject | Should -Be 'CN=core-01'
        $cert.DnsNames | Should -Contain 'core-01'
        $cert.IPAddresses | Should -Contain '172.17.8.101'
        $cert.Issuer | Should -Be 'CN=etcd-ca'
    }

    It 'keeps the fixed subject of the API server certificate while adding every master''s names' {
        $api = New-KubeCertificate ApiServer -CaPath $Ca.Path -Path $Pki -DnsName core-01, core-02 -IPAddress 172.17.8.101, 172.17.8.102
        $api.Subject | Should -Be 'CN=kube-apiserver'
        $api.DnsNames | Should -Contain 'kubernetes.default.svc'
        $api.IPAddresses | Should -Contain '172.17.8.102'
        $api.IPAddresses | Should -Contain '10.96.0.1'
    }

    It 'reuses an existing certificate instead of overwriting it, and renews it with -Force' {
        $dir = Join-Path $Pki 'reuse'
        $first = New-KubeCertificate EtcdClient -CaPath $Ca.Path -Path $dir
        $again = New-KubeCertificate EtcdClient -CaPath $Ca.Path -Path $dir
        $again.Reused | Should -BeTrue
        $again.Thumbprint | Should -Be $first.Thumbprint
        $renewed = New-KubeCertificate EtcdClient -CaPath $Ca.Path -Path $dir -Force
        $renewed.Reused | Should -BeFalse
        $renewed.Thumbprint | Should -Not -Be $first.Thumbprint
    }

    It 'makes the service account key pair without a CA, RSA by default as kubeadm does' {
        $sa = New-KubeCertificate ServiceAccount -Path $Pki
        $sa.KeyAlgorithm | Should -Match 'RSA'
        $sa.Path | Should -BeLike '*sa.pub'
        Get-Content -Raw $sa.KeyPath | Should -Match 'BEGIN PRIVATE KEY'
    }

    It 'stops with CertificateAuthorityNotFound, naming the file and what to do, when the CA is missing' {
        $missing = Join-Path $TestDrive 'nope/ca.crt'
        $thrown = { New-KubeCertificate EtcdClient -CaPath $missing -Path $Pki } | Should -Throw -ErrorId 'CertificateAuthorityNotFound*' -PassThru
        $thrown.Exception.Message | Should -BeLike "*$missing*New-KubeCertificateAuthority*"
        $thrown.CategoryInfo.Category | Should -Be ObjectNotFound
        Test-Path (Join-Path $Pki 'etcd-healthcheck-client.key') | Should -BeFalse
    }
}

Describe 'Test-KubeCertificate' {
    BeforeAll {
        $script:Pki = Join-Path $TestDrive 'pki'
        $script:Ca = New-KubeCertificateAuthority $Pki
        $script:Server = New-KubeCertificate EtcdServer -CaPath $Ca.Path -Path $Pki -DnsName core-01 -IPAddress 172.17.8.101
    }

    It 'accepts a certificate for a name it carries, chained to its CA' {
        $check = Test-KubeCertificate $Server.Path -CaPath $Ca.Path -ServerName 172.17.8.101
        $check.IsValid | Should -BeTrue
        $check.ChainValid | Should -BeTrue
        $check.NameMatches | Should -BeTrue
    }

    It 'flags a name the certificate does not carry, and answers -Quiet with $false' {
        (Test-KubeCertificate $Server.Path -CaPath $Ca.Path -ServerName 172.17.8.102).Problems | Should -Match '172.17.8.102'
        Test-KubeCertificate $Server.Path -CaPath $Ca.Path -ServerName 172.17.8.102 -Quiet | Should -BeFalse
    }

    It 'flags a certificate from another CA' {
        $other = New-KubeCertificateAuthority (Join-Path $TestDrive 'other') -CommonName other-ca
        (Test-KubeCertificate $Server.Path -CaPath $other.Path).ChainValid | Should -BeFalse
    }

    It 'warns when a certificate expires within 30 days' {
        $short = New-KubeCertificate EtcdClient -CaPath $Ca.Path -Path (Join-Path $Pki 'short') -ValidDays 10
        $check = $short | Test-KubeCertificate -CaPath $Ca.Path -WarningVariable warned -WarningAction SilentlyContinue
        $check.ExpiresSoon | Should -BeTrue
        $warned | Should -Match 'expires in'
    }

    It 'takes files from Get-ChildItem' {
        @(Get-ChildItem $Pki -Filter *.crt | Test-KubeCertificate -CaPath $Ca.Path).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'Install-KubeCertificate on the lab hosts (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        $null = New-LabSession
        $script:Pki = Join-Path $TestDrive 'pki'
        $script:Ca = New-KubeCertificateAuthority $Pki
        $script:Peer = Get-KubeHost core-02 | New-KubeCertificate EtcdPeer -CaPath $Ca.Path -Path $Pki
        $script:Dir = "/etc/kfs-test-pki-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    }
    AfterAll {
        Invoke-LabSsh core-02 "sudo rm -rf $Dir" -AllowFailure | Out-Null
        Get-KubeHost | Disconnect-KubeHost
    }

    It 'changes nothing with -WhatIf' {
        $Peer | Install-KubeCertificate -Name core-02 -Destination $Dir -WhatIf | Should -BeNullOrEmpty
        Invoke-LabSsh core-02 "test -e $Dir && echo exists || echo absent" | Should -Be 'absent'
    }

    It 'installs the certificate 0644 and its key 0600 with the owner asked, and keeps the CA key home' {
        $copies = @($Ca, $Peer) | Install-KubeCertificate -Name core-02 -Destination $Dir -Owner etcd:etcd
        $copies.Destination | Sort-Object | Should -Be @("$Dir/ca.crt", "$Dir/etcd-peer.crt", "$Dir/etcd-peer.key")
        Invoke-LabSsh core-02 "sudo stat -c '%U:%G %a %n' $Dir/ca.crt $Dir/etcd-peer.crt $Dir/etcd-peer.key" | Should -Be @(
            "etcd:etcd 644 $Dir/ca.crt", "etcd:etcd 644 $Dir/etcd-peer.crt", "etcd:etcd 600 $Dir/etcd-peer.key")
        Invoke-LabSsh core-02 "sudo sha256sum $Dir/etcd-peer.key" | Should -Match ((Get-FileHash $Peer.KeyPath -Algorithm SHA256).Hash.ToLowerInvariant())
        Invoke-LabSsh core-02 "sudo ls /tmp" | Where-Object { $_ -like '.kfs-upload-*' } | Should -BeNullOrEmpty
    }
}
