#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    The host cmdlets as a workshop user types them: read the machines, connect, run commands, copy files, and the
    faults they meet on the way, each pinned by its stable error id, category and target.

    Blocks marked (lab) talk to the local lab (tests/lab/lab.sh: core-01..03 on 172.17.8.101-103) and are skipped
    when Get-LabSkipReason gives a reason; Lab.Tests.ps1 reports that reason (and fails in CI). Network rule: only
    loopback and 172.17.8.0/24. Checks of what the module did on a host use OpenSSH's own ssh client
    (Invoke-LabSsh), never the module under test.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    $script:HasVagrant = [bool](Get-Command vagrant -CommandType Application -ErrorAction Ignore)
    $script:HasTmux = [bool](Get-Command tmux -CommandType Application -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force
    $script:Hosts = @(
        @{ Name = 'core-01'; Address = '172.17.8.101' }
        @{ Name = 'core-02'; Address = '172.17.8.102' }
        @{ Name = 'core-03'; Address = '172.17.8.103' }
    )

    # Every lab block starts and ends with an empty session, so no block sees another's connections.
    function script:Clear-KubeSession {
        $connected = @(Get-KubeHost)
        if ($connected.Count -gt 0) { $connected | Disconnect-KubeHost }
    }

    # `ssh-keyscan` + `ssh-keygen -lf`: the host's ed25519 key and fingerprint as OpenSSH sees them.
    function script:Get-LabHostKey([string] $Address) {
        $line = & ssh-keyscan -T 5 -t ed25519 $Address 2>$null | Where-Object { $_ -notmatch '^#' } | Select-Object -First 1
        $line | Should -Not -BeNullOrEmpty -Because "ssh-keyscan must read the key of $Address"
        $fingerprint = ($line | & ssh-keygen -lf - | Select-Object -First 1).Split(' ')[1]
        [pscustomobject]@{ Line = $line; Blob = $line.Split(' ')[2]; Fingerprint = $fingerprint }
    }
}

Describe 'Import-Module KubeFromScratch' {
    BeforeAll {
        $script:Exported = Invoke-Isolated -NoImport -ArgumentList (Get-KfsModulePath) { param($Path) Import-Module $Path; Get-Command -Module KubeFromScratch | ForEach-Object Name }
    }

    It 'makes <_> available in a new session' -ForEach @(
        'Get-VagrantHost', 'Connect-KubeHost', 'Get-KubeHost', 'Disconnect-KubeHost',
        'Invoke-KubeHostCommand', 'Copy-KubeHostItem', 'Enter-KubeHost', 'Import-KubeHostInventory') {
        $script:Exported | Should -Contain $_
    }
}

Describe 'Get-VagrantHost' {
    It 'reads the lab''s `vagrant ssh-config` text into one spec per machine' -Skip:(-not (Test-Path (Join-Path $RepoRoot 'out/lab/vagrant-ssh-config.txt'))) {
        $specs = Get-VagrantHost -SshConfig (Get-Content -Raw (Get-LabPath 'vagrant-ssh-config.txt'))

        $specs | Should -HaveCount 3
        $specs | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeHostSpec]) }
        $specs.Name | Should -Be 'core-01', 'core-02', 'core-03'
        $specs.HostName | Should -Be '172.17.8.101', '172.17.8.102', '172.17.8.103'
        $specs.Port | Should -Be 22, 22, 22
        $specs.UserName | Should -Be 'core', 'core', 'core'
        $specs.IdentityFile | Should -Be (@(Get-LabPath 'id_ed25519') * 3)
    }

    It 'keeps only the machines -Name asks for' -Skip:(-not (Test-Path (Join-Path $RepoRoot 'out/lab/vagrant-ssh-config.txt'))) {
        $specs = Get-Content (Get-LabPath 'vagrant-ssh-config.txt') | Get-VagrantHost -Name 'core-0[23]'
        $specs.Name | Should -Be 'core-02', 'core-03'
    }

    It 'says VagrantNotInstalled when asked to run vagrant on a machine without it' -Skip:$HasVagrant {
        $err = { Get-VagrantHost -Path $TestDrive } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'VagrantNotInstalled' -Category NotInstalled -TargetObject 'vagrant' -MessageContains '-SshConfig'
    }

    It 'says VagrantFolderNotFound for a folder that does not exist' {
        $missing = Join-Path $TestDrive 'no-such-folder'
        $err = { Get-VagrantHost -Path $missing } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'VagrantFolderNotFound' -Category ObjectNotFound -TargetObject $missing
    }
}

Describe 'Import-KubeHostInventory' {
    BeforeAll {
        $script:Inventory = Join-Path $TestDrive 'hosts.yaml'
        @'
# workshop hosts on any IaaS
defaults:
  user: core
  identityFile: keys/id_ed25519
hosts:
  - { name: core-01, hostName: 172.17.8.101, role: Master }
  - { name: core-02, hostName: 172.17.8.102, role: Worker, port: 2222 }
  - { name: core-03, hostName: 172.17.8.103, role: worker, user: admin, identityFile: /srv/keys/admin }
'@ | Set-Content -LiteralPath $script:Inventory
    }

    It 'reads each host with its address, port, user, key and role' {
        $specs = Import-KubeHostInventory -Path $script:Inventory

        $specs.Name | Should -Be 'core-01', 'core-02', 'core-03'
        $specs.HostName | Should -Be '172.17.8.101', '172.17.8.102', '172.17.8.103'
        $specs.Port | Should -Be 22, 2222, 22
        $specs.UserName | Should -Be 'core', 'core', 'admin'
        # A relative key path is taken from the inventory's folder, not from the current folder.
        $specs.IdentityFile | Should -Be (Join-Path $TestDrive 'keys/id_ed25519'), (Join-Path $TestDrive 'keys/id_ed25519'), '/srv/keys/admin'
        $specs.Role | Should -Be ([KubeFromScratch.KubeHostRole]::Master), ([KubeFromScratch.KubeHostRole]::Worker), ([KubeFromScratch.KubeHostRole]::Worker)
        $specs.Source | Should -Be (@($script:Inventory) * 3)
    }

    It 'keeps only the hosts of -Role' {
        (Import-KubeHostInventory -Path $script:Inventory -Role Worker).Name | Should -Be 'core-02', 'core-03'
    }

    It 'takes files from Get-ChildItem' {
        (Get-Item -LiteralPath $script:Inventory | Import-KubeHostInventory).Name | Should -Be 'core-01', 'core-02', 'core-03'
    }

    It 'says InventoryInvalid with the line and column of broken YAML' {
        $bad = Join-Path $TestDrive 'broken.yaml'
        "hosts:`n  - name: core-01`n   role: Master`n" | Set-Content -LiteralPath $bad -NoNewline

        $specs = Import-KubeHostInventory -Path $bad -ErrorVariable err -ErrorAction SilentlyContinue

        $specs | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'InventoryInvalid' -Category InvalidData -TargetObject $bad -MessageContains '(line 3, column 4)'
    }

    It 'says InventoryInvalid naming a role that is not Master or Worker' {
        $bad = Join-Path $TestDrive 'role.yaml'
        "hosts:`n  - { name: core-01, hostName: 172.17.8.101, role: Boss }`n" | Set-Content -LiteralPath $bad

        $specs = Import-KubeHostInventory -Path $bad -ErrorVariable err -ErrorAction SilentlyContinue

        $specs | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'InventoryInvalid' -Category InvalidData -TargetObject $bad -MessageContains "'Boss'", 'Master or Worker'
    }

    It 'says InventoryInvalid when there is no hosts list' {
        $bad = Join-Path $TestDrive 'nohosts.yaml'
        "defaults: { user: core }`n" | Set-Content -LiteralPath $bad

        Import-KubeHostInventory -Path $bad -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'InventoryInvalid' -Category InvalidData -TargetObject $bad -MessageContains "'hosts'"
    }

    It 'says InventoryNotFound for a file that does not exist' {
        $missing = Join-Path $TestDrive 'missing.yaml'
        Import-KubeHostInventory -Path $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'InventoryNotFound' -Category ObjectNotFound -TargetObject $missing
    }
}

Describe 'Host cmdlets without a connection' {
    It 'Connect-KubeHost says HostConnectionRefused for a closed loopback port' {
        $port = Get-FreeLoopbackPort
        $h = Connect-KubeHost -Name closed -HostName 127.0.0.1 -Port $port -Credential (New-TestCredential core x) -KnownHostsFile (New-LabKnownHostsPath) -ErrorVariable err -ErrorAction SilentlyContinue

        $h | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostConnectionRefused' -Category ConnectionError -TargetObject 'closed' -MessageContains "port $port"
        Get-KubeHost -Name closed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'Invoke-KubeHostCommand says NoHostConnected when nothing is connected' {
        Invoke-KubeHostCommand 'true' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'NoHostConnected' -Category ObjectNotFound -TargetObject $null -MessageContains 'Connect-KubeHost'
    }

    It 'Invoke-KubeHostCommand says HostNotConnected for a name not connected' {
        Invoke-KubeHostCommand -Name nosuch 'true' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostNotConnected' -Category ObjectNotFound -TargetObject 'nosuch'
    }

    It 'Enter-KubeHost says HostNotConnected for a name not connected' {
        $err = { Enter-KubeHost -Name nosuch } | Should -Throw -PassThru
        Assert-KfsError $err -Id 'HostNotConnected' -Category ObjectNotFound -TargetObject 'nosuch'
    }
}

Describe 'Connecting to the lab (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $script:KnownHosts = New-LabKnownHostsPath
        $script:Connected = New-LabSession -KnownHostsFile $script:KnownHosts
        # The same machines again, under other names and with roles, from an inventory.
        $inventory = Join-Path $TestDrive 'lab.yaml'
        @"
defaults: { user: core, identityFile: $(Get-LabPath 'id_ed25519') }
hosts:
  - { name: inv-01, hostName: 172.17.8.101, role: Master }
  - { name: inv-02, hostName: 172.17.8.102, role: Worker }
  - { name: inv-03, hostName: 172.17.8.103, role: Worker }
"@ | Set-Content -LiteralPath $inventory
        $script:FromInventory = Import-KubeHostInventory -Path $inventory | Connect-KubeHost -KnownHostsFile $script:KnownHosts
    }

    AfterAll {
        Clear-KubeSession
        Remove-Item -LiteralPath $script:KnownHosts -ErrorAction Ignore
    }

    It 'Get-VagrantHost | Connect-KubeHost connects the three machines' {
        $script:Connected.Name | Sort-Object | Should -Be 'core-01', 'core-02', 'core-03'
        $script:Connected | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeHost]) }
    }

    It 'Get-KubeHost shows <Name> connected with the fingerprint ssh-keygen gives its host key' -ForEach @(
        @{ Name = 'core-01'; Address = '172.17.8.101' }
        @{ Name = 'core-02'; Address = '172.17.8.102' }
        @{ Name = 'core-03'; Address = '172.17.8.103' }) {
        $h = Get-KubeHost -Name $Name
        $h.Connected | Should -BeTrue
        $h.HostName | Should -Be $Address
        $h.HostKeyAlgorithm | Should -Be 'ssh-ed25519'
        $h.HostKeyFingerprint | Should -BeLikeExactly 'SHA256:*'
        $h.HostKeyFingerprint | Should -BeExactly (Get-LabHostKey $Address).Fingerprint
    }

    It 'Get-KubeHost -Role picks hosts by the role the inventory gave them' {
        (Get-KubeHost -Role Master).Name | Should -Be 'inv-01'
        (Get-KubeHost -Role Worker).Name | Sort-Object | Should -Be 'inv-02', 'inv-03'
        (Get-KubeHost -Name 'core-*').Name | Sort-Object | Should -Be 'core-01', 'core-02', 'core-03'
    }

    It 'Get-KubeHost says HostNotConnected for a name not connected' {
        Get-KubeHost -Name core-09 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostNotConnected' -Category ObjectNotFound -TargetObject 'core-09'
    }

    It 'Disconnect-KubeHost -WhatIf leaves the host connected' {
        Disconnect-KubeHost -Name inv-03 -WhatIf
        (Get-KubeHost -Name inv-03).Connected | Should -BeTrue
        (Invoke-KubeHostCommand -Name inv-03 'hostname').Output | Should -Be 'core-03'
    }

    It 'Disconnect-KubeHost closes the connection and forgets the host' {
        $h = Get-KubeHost -Name inv-03
        $h | Disconnect-KubeHost

        $h.Connected | Should -BeFalse
        (Get-KubeHost).Name | Should -Not -Contain 'inv-03'
        Get-KubeHost -Name inv-03 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostNotConnected' -Category ObjectNotFound -TargetObject 'inv-03'
    }

    It 'a filter that matches no host makes the next cmdlet do nothing, not everything' {
        Get-KubeHost -Role Master | Disconnect-KubeHost
        $none = Get-KubeHost -Role Master
        $none | Should -BeNullOrEmpty -Because 'inv-01 (the only master) was just disconnected'

        $results = $none | Invoke-KubeHostCommand 'hostname' -ErrorVariable err -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty -Because 'an empty pipeline names no host; it must not mean "all hosts"'
        $err | Should -BeNullOrEmpty
        Get-KubeHost -Role Master | Disconnect-KubeHost -ErrorVariable err2 -ErrorAction SilentlyContinue
        (Get-KubeHost -Name 'core-*').Count | Should -Be 3 -Because 'disconnecting an empty selection disconnects nothing'
    }

    It 'Connect-KubeHost says HostUnreachable for an address nobody answers (172.17.8.199)' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $h = Connect-KubeHost -Name ghost -HostName 172.17.8.199 -UserName core -IdentityFile (Get-LabPath 'id_ed25519') -KnownHostsFile $script:KnownHosts -ConnectTimeoutSec 3 -ErrorVariable err -ErrorAction SilentlyContinue
        $sw.Stop()

        $h | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostUnreachable' -Category ConnectionError -TargetObject 'ghost' -MessageContains '172.17.8.199'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because '-ConnectTimeoutSec 3 bounds the wait'
    }

    It 'Connect-KubeHost says HostConnectionRefused for a lab host''s closed port 2222' {
        Connect-KubeHost -Name port2222 -HostName 172.17.8.101 -Port 2222 -UserName core -IdentityFile (Get-LabPath 'id_ed25519') -KnownHostsFile $script:KnownHosts -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostConnectionRefused' -Category ConnectionError -TargetObject 'port2222'
    }
}

Describe 'Authentication (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $script:KnownHosts = New-LabKnownHostsPath
        $script:Core01 = @{ HostName = '172.17.8.101'; KnownHostsFile = $script:KnownHosts; AcceptNewHostKey = $true }

        # What sshd on core-01 logged as accepted since -Since (epoch seconds): tells password from keyboard-interactive.
        function script:Get-AcceptedLogon([long] $Since) {
            Invoke-LabSsh core-01 "sudo journalctl -q -u ssh --since @$Since --no-pager -o cat | grep '^Accepted ' || true"
        }
    }

    AfterEach { Clear-KubeSession }
    AfterAll { Remove-Item -LiteralPath $script:KnownHosts -ErrorAction Ignore }

    It 'logs on with the <Key> key' -ForEach @(
        @{ Key = 'id_ed25519' }
        @{ Key = 'id_rsa' }
        @{ Key = 'id_ecdsa' }) {
        # Only this key is offered (no password, no agent), so a working session proves the key logged on.
        $h = Connect-KubeHost @Core01 -Name "key-$Key" -UserName core -IdentityFile (Get-LabPath $Key)

        $h.Connected | Should -BeTrue
        $h.IdentityFile | Should -Be (Get-LabPath $Key)
        (Invoke-KubeHostCommand -Name $h.Name 'id -un').Output | Should -Be 'core'
    }

    It 'logs on with the passphrase-protected key and -KeyPassphrase' {
        $h = Connect-KubeHost @Core01 -Name pass-key -UserName core -IdentityFile (Get-LabPath 'id_ed25519_pass') -KeyPassphrase (ConvertTo-SecureString 'lab-passphrase' -AsPlainText -Force)
        $h.Connected | Should -BeTrue
        (Invoke-KubeHostCommand -Name pass-key 'id -un').Output | Should -Be 'core'
    }

    It 'says SshKeyPassphraseRequired for the passphrase-protected key without -KeyPassphrase' {
        $h = Connect-KubeHost @Core01 -Name pass-key -UserName core -IdentityFile (Get-LabPath 'id_ed25519_pass') -ErrorVariable err -ErrorAction SilentlyContinue
        $h | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SshKeyPassphraseRequired' -Category AuthenticationError -TargetObject 'pass-key' -MessageContains '-KeyPassphrase'
    }

    It 'logs on with a password (-Credential)' {
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 1
        $h = Connect-KubeHost @Core01 -Name pw -Credential (New-TestCredential core core)
        $h.Connected | Should -BeTrue
        $h.UserName | Should -Be 'core'
        Get-AcceptedLogon $since | Where-Object { $_ -match '^Accepted password for core ' } | Should -Not -BeNullOrEmpty
    }

    It 'logs on keyboard-interactive with -KeyboardInteractive -Credential' {
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 1
        $h = Connect-KubeHost @Core01 -Name kbd -KeyboardInteractive -Credential (New-TestCredential core core)
        $h.Connected | Should -BeTrue
        Get-AcceptedLogon $since | Where-Object { $_ -match '^Accepted keyboard-interactive/pam for core ' } | Should -Not -BeNullOrEmpty
    }

    It 'says SshAuthenticationFailed for a wrong password' {
        Connect-KubeHost @Core01 -Name wrong-pw -Credential (New-TestCredential core 'not-the-password') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SshAuthenticationFailed' -Category AuthenticationError -TargetObject 'wrong-pw'
        Get-KubeHost -Name wrong-pw -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'says SshAuthenticationFailed for a user the host does not have' {
        Connect-KubeHost @Core01 -Name wrong-user -UserName kfs-nobody -IdentityFile (Get-LabPath 'id_ed25519') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SshAuthenticationFailed' -Category AuthenticationError -TargetObject 'wrong-user' -MessageContains 'kfs-nobody@172.17.8.101'
    }

    It 'says IdentityFileNotFound for a key file that does not exist' {
        $missing = Join-Path $TestDrive 'no_such_key'
        Connect-KubeHost @Core01 -Name no-key -UserName core -IdentityFile $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'IdentityFileNotFound' -Category ObjectNotFound -TargetObject 'no-key' -MessageContains $missing
    }

    It 'says IdentityFileInvalid for a file that is not a private key' {
        $notKey = Join-Path $TestDrive 'id_notakey'
        Copy-Item (Get-LabPath 'id_ed25519.pub') $notKey   # a public key is the classic mistake
        Connect-KubeHost @Core01 -Name bad-key -UserName core -IdentityFile $notKey -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'IdentityFileInvalid' -Category InvalidData -TargetObject 'bad-key' -MessageContains $notKey
    }

    It 'says IdentityFileUnreadable for a key file that cannot be read' {
        # Tests run as root, and root reads any regular file whatever its mode, so chmod 000 proves nothing here.
        # /proc/self/mem exists but reading it from offset 0 fails with EIO (page 0 is never mapped): an honest
        # "the file is there and the read fails" without needing another user.
        Connect-KubeHost @Core01 -Name unreadable -UserName core -IdentityFile /proc/self/mem -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'IdentityFileUnreadable' -Category PermissionDenied -TargetObject 'unreadable' -MessageContains '/proc/self/mem'
    }
}

Describe 'Host keys (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $script:Keys = @{}
        foreach ($h in $script:Hosts) { $script:Keys[$h.Name] = Get-LabHostKey $h.Address }
        $null = & ssh-keygen -q -t ed25519 -N '' -C impostor -f (Join-Path $TestDrive 'impostor')
        $script:ImpostorBlob = (Get-Content (Join-Path $TestDrive 'impostor.pub')).Split(' ')[1]
        $script:Key = Get-LabPath 'id_ed25519'
    }

    AfterEach { Clear-KubeSession }

    It 'refuses an unknown host key in a non-interactive session with HostKeyUnknown and leaves known_hosts alone' {
        $kh = Join-Path $TestDrive 'known_hosts_empty'
        $null = New-Item -ItemType File -Path $kh -Force

        # A fresh non-interactive pwsh: an interactive one would ask instead of refusing.
        $result = Invoke-Isolated -ArgumentList $kh, $script:Key {
            param($KnownHosts, $Key)
            $h = Connect-KubeHost -Name core-01 -HostName 172.17.8.101 -UserName core -IdentityFile $Key -KnownHostsFile $KnownHosts -ErrorVariable err -ErrorAction SilentlyContinue
            [pscustomobject]@{ Hosts = @($h).Where({ $_ }).Count; Connected = @(Get-KubeHost).Count; Errors = @($err) }
        }

        $result.Hosts | Should -Be 0
        $result.Connected | Should -Be 0
        Assert-KfsError $result.Errors -Id 'HostKeyUnknown' -Category SecurityError -TargetObject 'core-01' -MessageContains $script:Keys['core-01'].Fingerprint, '-AcceptNewHostKey'
        (Get-Item $kh).Length | Should -Be 0
    }

    It 'with -AcceptNewHostKey records each host in OpenSSH format, which ssh itself then trusts' {
        $kh = Join-Path $TestDrive 'known_hosts_new'
        $null = New-LabSession -KnownHostsFile $kh

        @(Get-Content $kh | Where-Object { $_ }) | Should -HaveCount 3
        foreach ($h in $script:Hosts) {
            $found = & ssh-keygen -F $h.Address -f $kh
            $LASTEXITCODE | Should -Be 0 -Because "ssh-keygen -F must find $($h.Address)"
            ($found | Where-Object { $_ -notmatch '^#' }) | Should -Be "$($h.Address) ssh-ed25519 $($script:Keys[$h.Name].Blob)"
        }
        & ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$kh -o GlobalKnownHostsFile=/dev/null -i $script:Key -o IdentitiesOnly=yes core@172.17.8.102 true
        $LASTEXITCODE | Should -Be 0 -Because 'OpenSSH with StrictHostKeyChecking=yes accepts the file the module wrote'
    }

    It 'says HostKeyMismatch naming the file and line when a host offers another key, and changes nothing' {
        $kh = Join-Path $TestDrive 'known_hosts_changed'
        @(
            '# pinned during the workshop'
            "172.17.8.101 ssh-ed25519 $($script:Keys['core-01'].Blob)"
            "172.17.8.102 ssh-ed25519 $script:ImpostorBlob"
        ) | Set-Content -LiteralPath $kh
        $before = (Get-FileHash $kh).Hash

        $h = Connect-KubeHost -Name core-02 -HostName 172.17.8.102 -UserName core -IdentityFile $script:Key -KnownHostsFile $kh -AcceptNewHostKey -ErrorVariable err -ErrorAction SilentlyContinue

        $h | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostKeyMismatch' -Category SecurityError -TargetObject 'core-02' -MessageContains $kh, 'line 3', $script:Keys['core-02'].Fingerprint
        (Get-FileHash $kh).Hash | Should -Be $before -Because 'a changed key is never written over, even with -AcceptNewHostKey'
        Get-KubeHost -Name core-02 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Connect-KubeHost -Name core-01 -HostName 172.17.8.101 -UserName core -IdentityFile $script:Key -KnownHostsFile $kh).Connected | Should -BeTrue -Because 'the other lines of the file still count'
    }

    It 'honours entries hashed by ssh-keygen -H without adding lines' {
        $kh = Join-Path $TestDrive 'known_hosts_hashed'
        $script:Hosts | ForEach-Object { $script:Keys[$_.Name].Line } | Set-Content -LiteralPath $kh
        $null = & ssh-keygen -q -H -f $kh 2>&1
        Get-Content -Raw $kh | Should -Not -Match '172\.17\.8\.' -Because 'the precondition is a file with only hashed names'
        $before = (Get-FileHash $kh).Hash

        $connected = New-LabSession -KnownHostsFile $kh

        $connected | Should -HaveCount 3
        (Get-FileHash $kh).Hash | Should -Be $before
    }
}

Describe 'Host keys on a port other than 22 (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        # core-01's sshd reached through an OpenSSH local forward on a loopback port: [127.0.0.1]:port is a
        # different known_hosts name from 127.0.0.1 (port 22).
        $script:Port = Get-FreeLoopbackPort
        $script:Forward = Start-Process ssh -PassThru -RedirectStandardError (Join-Path $TestDrive 'forward.err') -ArgumentList @(
            '-F', (Get-LabPath 'ssh_config'), '-N', '-o', 'ExitOnForwardFailure=yes', '-L', "127.0.0.1:$($script:Port):127.0.0.1:22", 'core-01')
        $listening = Wait-Until -TimeoutSec 15 {
            $c = [Net.Sockets.TcpClient]::new()
            try { $c.Connect('127.0.0.1', $script:Port); $true } catch { $false } finally { $c.Dispose() }
        }
        $listening | Should -BeTrue -Because "the ssh forward to core-01 must listen on 127.0.0.1:$($script:Port)"
        $script:Core01Blob = (Get-LabHostKey 172.17.8.101).Blob
        $null = & ssh-keygen -q -t ed25519 -N '' -C impostor -f (Join-Path $TestDrive 'impostor')
        $script:ImpostorBlob = (Get-Content (Join-Path $TestDrive 'impostor.pub')).Split(' ')[1]
        $script:Via = @{ HostName = '127.0.0.1'; Port = $script:Port; UserName = 'core'; IdentityFile = (Get-LabPath 'id_ed25519') }
    }

    AfterEach { Clear-KubeSession }
    AfterAll {
        if ($script:Forward) { Stop-Process -Id $script:Forward.Id -ErrorAction Ignore }
    }

    It 'uses the [host]:port entry, not the host''s port-22 entry' {
        $kh = Join-Path $TestDrive 'kh_port_match'
        "127.0.0.1 ssh-ed25519 $script:ImpostorBlob", "[127.0.0.1]:$($script:Port) ssh-ed25519 $script:Core01Blob" | Set-Content -LiteralPath $kh
        $before = (Get-FileHash $kh).Hash

        $h = Connect-KubeHost @Via -Name fwd -KnownHostsFile $kh -AcceptNewHostKey

        $h.Connected | Should -BeTrue
        (Invoke-KubeHostCommand -Name fwd hostname).Output | Should -Be 'core-01'
        (Get-FileHash $kh).Hash | Should -Be $before
    }

    It 'records a new key under [host]:port, where ssh-keygen -F finds it' {
        $kh = Join-Path $TestDrive 'kh_port_new'
        "127.0.0.1 ssh-ed25519 $script:Core01Blob" | Set-Content -LiteralPath $kh

        (Connect-KubeHost @Via -Name fwd -KnownHostsFile $kh -AcceptNewHostKey).Connected | Should -BeTrue

        (Get-Content $kh)[-1] | Should -Be "[127.0.0.1]:$($script:Port) ssh-ed25519 $script:Core01Blob"
        $null = & ssh-keygen -F "[127.0.0.1]:$($script:Port)" -f $kh
        $LASTEXITCODE | Should -Be 0
    }

    It 'says HostKeyMismatch with the [host]:port name to remove' {
        $kh = Join-Path $TestDrive 'kh_port_changed'
        "127.0.0.1 ssh-ed25519 $script:Core01Blob", "[127.0.0.1]:$($script:Port) ssh-ed25519 $script:ImpostorBlob" | Set-Content -LiteralPath $kh

        Connect-KubeHost @Via -Name fwd -KnownHostsFile $kh -AcceptNewHostKey -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'HostKeyMismatch' -Category SecurityError -TargetObject 'fwd' -MessageContains 'line 2', "[127.0.0.1]:$($script:Port)", $kh
    }
}

Describe 'Invoke-KubeHostCommand (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $null = New-LabSession

        # Whether a process with exactly this command line runs on the host (pgrep as root sees every user's).
        function script:Test-RemoteProcess([string] $HostName, [string] $CommandLine) {
            [bool](Invoke-LabSsh $HostName "sudo pgrep -f '^$CommandLine`$' || true")
        }
    }

    AfterAll { Clear-KubeSession }

    It 'runs on all three hosts at once' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $results = Invoke-KubeHostCommand 'sleep 2; hostname'
        $sw.Stop()

        ($results | Sort-Object Host).Output | Should -Be 'core-01', 'core-02', 'core-03'
        $results | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubeHostCommandResult]) }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'three 2-second commands in parallel take about 2 s, not 6'
    }

    It 'keeps standard output and standard error apart, line by line' {
        $r = Invoke-KubeHostCommand -Name core-01 'echo out; echo err >&2; printf "two\nlines\n"'

        $r.Host | Should -Be 'core-01'
        $r.ExitCode | Should -Be 0
        $r.Succeeded | Should -BeTrue
        $r.Output | Should -Be 'out', 'two', 'lines'
        $r.Error | Should -Be 'err'
        $r.Duration | Should -BeOfType ([TimeSpan])
        $r.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
    }

    It 'gives a result and a RemoteCommandFailed error for a failing host while the others still answer' {
        $results = Invoke-KubeHostCommand 'if [ "$(hostname)" = core-02 ]; then echo boom >&2; exit 3; fi; echo fine' -ErrorVariable err -ErrorAction SilentlyContinue

        $results | Should -HaveCount 3
        $failed = $results | Where-Object Host -EQ 'core-02'
        $failed.ExitCode | Should -Be 3
        $failed.Error | Should -Be 'boom'
        ($results | Where-Object Host -NE 'core-02').Output | Should -Be 'fine', 'fine'
        Assert-KfsError $err -Id 'RemoteCommandFailed' -Category FromStdErr -TargetObject 'core-02' -MessageContains 'status 3', 'boom'
    }

    It 'with -Sudo runs as root, the command''s own quotes intact' {
        $results = Invoke-KubeHostCommand -Sudo 'id -u; echo "it''s $(id -un)"'
        $results | Should -HaveCount 3
        $results | ForEach-Object { $_.Output | Should -Be '0', "it's root" }
    }

    It 'offers the connected host names to tab completion' {
        $line = 'Invoke-KubeHostCommand -Name core-0'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'core-01', 'core-02', 'core-03'
        $line = 'Get-KubeHost core-02'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'core-02'
    }

    It 'keeps connections per runspace: another runspace sees none of these hosts' {
        @(Get-KubeHost) | Should -HaveCount 3
        $ps = [powershell]::Create()
        try {
            $seen = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; @(Get-KubeHost).Count; `$null = Get-KubeHost -Name core-01 -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId").Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $seen[0] | Should -Be 0
            $seen[1] | Should -BeLike 'HostNotConnected,*' 
        }
        finally { $ps.Dispose() }
        @(Get-KubeHost) | Should -HaveCount 3 -Because 'the other runspace did not disturb this one either'
    }

    It 'with -TimeoutSec ends the remote command: a TimedOut result, a CommandTimedOut error, no process left' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-KubeHostCommand -Name core-01 -TimeoutSec 1 'sleep 31' -ErrorVariable err -ErrorAction SilentlyContinue
        $sw.Stop()

        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $r.TimedOut | Should -BeTrue
        $r.ExitCode | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'CommandTimedOut' -Category OperationTimeout -TargetObject 'core-01' -MessageContains '-TimeoutSec'
        Wait-Until -TimeoutSec 3 { -not (Test-RemoteProcess core-01 'sleep 31') } | Should -BeTrue -Because 'the remote sleep must have been ended'
    }

    It 'stops at once when the pipeline is stopped (Ctrl-C) and ends the remote commands' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'; `$null = New-LabSession").Invoke()
            $ps.HadErrors | Should -BeFalse
            $ps.Commands.Clear()
            $null = $ps.AddScript("Invoke-KubeHostCommand 'sleep 32'")
            $async = $ps.BeginInvoke()
            Wait-Until -TimeoutSec 10 { @($script:Hosts | Where-Object { Test-RemoteProcess $_.Name 'sleep 32' }).Count -eq 3 } |
                Should -BeTrue -Because 'the command must be running on all three hosts before it is stopped'

            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()

            $sw.Elapsed.TotalSeconds | Should -BeLessThan 1
            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Wait-Until -TimeoutSec 3 { @($script:Hosts | Where-Object { Test-RemoteProcess $_.Name 'sleep 32' }).Count -eq 0 } |
                Should -BeTrue -Because 'no `sleep 32` may be left on any host'
        }
        finally {
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }
}

Describe 'sudo refusals and secrets (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        # kfspw: a user on core-01 whose sudo asks for a password (the workshop's core has NOPASSWD). Removed in
        # AfterAll. Its password is distinctive so a leak cannot hide among ordinary words.
        $script:PwUser = 'kfspw'
        $script:PwSecret = 'Kfs-Sudo-Pw-8c1d'
        $script:WrongSecret = 'Kfs-Wrong-Pw-51e0'
        $script:Passphrase = 'lab-passphrase'
        Invoke-LabSsh core-01 (@(
                "id $PwUser >/dev/null 2>&1 || sudo useradd --create-home --shell /bin/bash $PwUser"
                "echo '${PwUser}:$PwSecret' | sudo chpasswd"
                "echo '$PwUser ALL=(ALL:ALL) ALL' | sudo tee /etc/sudoers.d/zz-kfs-pester >/dev/null"
                'sudo chmod 0440 /etc/sudoers.d/zz-kfs-pester'
                'sudo visudo -cq') -join ' && ')
        $script:KnownHosts = New-LabKnownHostsPath
        $script:On01 = @{ HostName = '172.17.8.101'; KnownHostsFile = $script:KnownHosts; AcceptNewHostKey = $true }
        $null = Connect-KubeHost @On01 -Name pwsudo -Credential (New-TestCredential $PwUser $PwSecret)
        $null = Connect-KubeHost @On01 -Name nosudo -Credential (New-TestCredential nosudo nosudo)
    }

    AfterAll {
        Clear-KubeSession
        Invoke-LabSsh core-01 "sudo rm -f /etc/sudoers.d/zz-kfs-pester; sudo pkill -u $PwUser; sudo userdel -r $PwUser 2>/dev/null; true" -AllowFailure
        Remove-Item -LiteralPath $script:KnownHosts -ErrorAction Ignore
    }

    It 'says SudoPasswordRequired when sudo asks for a password, and -SudoCredential then works' {
        $r = Invoke-KubeHostCommand -Name pwsudo -Sudo 'id -u' -ErrorVariable err -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SudoPasswordRequired' -Category PermissionDenied -TargetObject 'pwsudo' -MessageContains '-SudoCredential'

        (Invoke-KubeHostCommand -Name pwsudo -SudoCredential (New-TestCredential $PwUser $PwSecret) 'id -u').Output | Should -Be '0'
    }

    It 'says SudoPasswordWrong for a wrong -SudoCredential' {
        Invoke-KubeHostCommand -Name pwsudo -SudoCredential (New-TestCredential $PwUser $WrongSecret) 'id -u' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SudoPasswordWrong' -Category AuthenticationError -TargetObject 'pwsudo'
    }

    It 'says SudoDenied for a user without sudo rights' {
        # sudo itself asks a user who is not in sudoers for a password before saying so: `sudo -n` alone only
        # gets "a password is required". With the user's own password sudo gives the real answer.
        Invoke-KubeHostCommand -Name nosudo -SudoCredential (New-TestCredential nosudo nosudo) 'id -u' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'SudoDenied' -Category PermissionDenied -TargetObject 'nosudo' -MessageContains 'nosudo may not use sudo'

        Invoke-KubeHostCommand -Name nosudo -Sudo 'id -u' -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-KfsError $err2 -Id 'SudoPasswordRequired' -Category PermissionDenied -TargetObject 'nosudo'
    }

    It 'never shows a password or passphrase, in any stream or in $Error, even with -Verbose -Debug' {
        $Error.Clear()
        $local = Join-Path $TestDrive 'secret-test.txt'
        'payload' | Set-Content -LiteralPath $local
        $log = & {
            Connect-KubeHost @On01 -Name sec-pw -Credential (New-TestCredential $PwUser $PwSecret) -Verbose -Debug
            Connect-KubeHost @On01 -Name sec-badpw -Credential (New-TestCredential $PwUser $WrongSecret) -Verbose -Debug
            Connect-KubeHost @On01 -Name sec-kbd -KeyboardInteractive -Credential (New-TestCredential $PwUser $PwSecret) -Verbose -Debug
            Connect-KubeHost @On01 -Name sec-key -UserName core -IdentityFile (Get-LabPath 'id_ed25519_pass') -KeyPassphrase (ConvertTo-SecureString $Passphrase -AsPlainText -Force) -Verbose -Debug
            Connect-KubeHost @On01 -Name sec-badkey -UserName core -IdentityFile (Get-LabPath 'id_ed25519_pass') -KeyPassphrase (ConvertTo-SecureString $WrongSecret -AsPlainText -Force) -Verbose -Debug
            Invoke-KubeHostCommand -Name sec-pw -SudoCredential (New-TestCredential $PwUser $PwSecret) 'id -u' -Verbose -Debug
            Invoke-KubeHostCommand -Name sec-pw -SudoCredential (New-TestCredential $PwUser $WrongSecret) 'id -u' -Verbose -Debug
            Copy-KubeHostItem -Name sec-pw -SudoCredential (New-TestCredential $PwUser $PwSecret) -Path $local -Destination /tmp/kfs-pester-secret.txt -Verbose -Debug
        } *>&1 | Out-String -Width 1000
        $errors = ($Error | Format-List * -Force | Out-String -Width 1000) + ($Error | ForEach-Object { $_.Exception.ToString() } | Out-String -Width 1000)
        Invoke-LabSsh core-01 'sudo rm -f /tmp/kfs-pester-secret.txt' -AllowFailure

        # The capture worked: the commands ran, talked verbosely, and the failures are in $Error.
        $log | Should -Match 'sec-pw'
        $log | Should -Match 'id -u'
        $errors | Should -Match 'SshAuthenticationFailed'
        $errors | Should -Match 'SudoPasswordWrong'
        foreach ($secret in $PwSecret, $WrongSecret, $Passphrase) {
            $log | Should -Not -Match ([regex]::Escape($secret)) -Because "'$secret' must not be written to any stream"
            $errors | Should -Not -Match ([regex]::Escape($secret)) -Because "'$secret' must not be in any error"
        }
    }
}

Describe 'Copy-KubeHostItem (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $null = New-LabSession
        $script:Remote = "/tmp/kfs-pester-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:Local = Join-Path $TestDrive 'payload.bin'
        $bytes = [byte[]]::new(300KB); [Random]::new(42).NextBytes($bytes)
        [IO.File]::WriteAllBytes($script:Local, $bytes)
        $script:LocalSha = (Get-FileHash $script:Local -Algorithm SHA256).Hash.ToLowerInvariant()
        Invoke-LabSsh core-01 "mkdir -p $Remote && sudo mkdir -p /opt/bin && sudo rm -f /tmp/pwned"

        # Every file under a remote folder as "owner<TAB>relative path", exactly (names may hold newlines).
        function script:Get-RemoteFiles([string] $Folder) {
            $b64 = Invoke-LabSsh core-01 "sudo find $(ConvertTo-PosixQuoted $Folder) -mindepth 1 -type f -printf '%u\t%P\0' | base64 -w0"
            if (-not $b64) { return @() }
            [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64)).Split([char]0, [StringSplitOptions]::RemoveEmptyEntries)
        }
    }

    AfterAll {
        Clear-KubeSession
        Invoke-LabSsh core-01 "sudo rm -rf $Remote /opt/bin/kfs-pester-x /opt/bin/kfs-pester-y /tmp/pwned" -AllowFailure
    }

    Context 'remote names that a shell would split, expand or run' {
        BeforeAll {
            $script:Names = @(
                'with space'
                "single'quote"
                'double"quote'
                'semi;touch semi-pwned'
                'tick`touch tick-pwned`'
                "new`nline"
                'x$(touch /tmp/pwned)'   # its "/" puts "pwned)" in a folder named 'x$(touch /tmp'
            )
            foreach ($kind in 'plain', 'sudo') {
                $folder = ConvertTo-PosixQuoted ("$Remote/$kind/" + 'x$(touch /tmp')
                Invoke-LabSsh core-01 "mkdir -p -- $folder"
            }
        }

        It 'uploads under exactly the name given, and runs none of it' {
            $results = foreach ($n in $script:Names) {
                Copy-KubeHostItem -Name core-01 -Path $script:Local -Destination "$Remote/plain/$n"
            }

            $results.Destination | Should -Be ($script:Names | ForEach-Object { "$Remote/plain/$_" })
            Get-RemoteFiles "$Remote/plain" | Sort-Object | Should -Be ($script:Names | ForEach-Object { "core`t$_" } | Sort-Object)
            Invoke-LabSsh core-01 'if [ -e /tmp/pwned ]; then echo yes; else echo no; fi' | Should -Be 'no'
            Invoke-LabSsh core-01 'ls -A ~ /tmp | grep -c pwned || true' | Should -Be '0'
        }

        It 'with -Sudo -Owner also installs under exactly the name given, owned as asked' {
            $results = foreach ($n in $script:Names) {
                Copy-KubeHostItem -Name core-01 -Path $script:Local -Destination "$Remote/sudo/$n" -Sudo -Owner 'nosudo:nosudo'
            }

            $results.Destination | Should -Be ($script:Names | ForEach-Object { "$Remote/sudo/$_" })
            Get-RemoteFiles "$Remote/sudo" | Sort-Object | Should -Be ($script:Names | ForEach-Object { "nosudo`t$_" } | Sort-Object)
            Invoke-LabSsh core-01 'if [ -e /tmp/pwned ]; then echo yes; else echo no; fi' | Should -Be 'no'
            Invoke-LabSsh core-01 'sudo ls -A ~ /root /tmp | grep -c pwned || true' | Should -Be '0'
        }
    }

    It 'keeps the local mode bits (0750)' {
        $f = Join-Path $TestDrive 'tool.sh'
        "#!/bin/sh`necho tool`n" | Set-Content -LiteralPath $f -NoNewline
        [IO.File]::SetUnixFileMode($f, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute')

        $r = Copy-KubeHostItem -Name core-01 -Path $f -Destination "$Remote/tool.sh"

        $r.Mode | Should -Be '0750'
        Invoke-LabSsh core-01 "stat -c %a $Remote/tool.sh" | Should -Be '750'

        $r = Copy-KubeHostItem -Name core-01 -Path $f -Destination "$Remote/private.sh" -Mode 0600
        $r.Mode | Should -Be '0600'
        Invoke-LabSsh core-01 "stat -c %a $Remote/private.sh" | Should -Be '600'
    }

    It 'with -Sudo writes into root-owned /opt/bin, owned by root' {
        $r = Copy-KubeHostItem -Name core-01 -Path $script:Local -Destination /opt/bin/kfs-pester-x -Sudo -Mode 0755

        $r.Sha256 | Should -Be $script:LocalSha
        Invoke-LabSsh core-01 'stat -c "%U:%G %a" /opt/bin/kfs-pester-x' | Should -Be 'root:root 755'
        (Invoke-LabSsh core-01 'sha256sum /opt/bin/kfs-pester-x').Split(' ')[0] | Should -Be $script:LocalSha
    }

    It 'without -Sudo says RemotePermissionDenied for /opt/bin and leaves no temporary file there' {
        $r = Copy-KubeHostItem -Name core-01 -Path $script:Local -Destination /opt/bin/kfs-pester-y -ErrorVariable err -ErrorAction SilentlyContinue

        $r | Should -BeNullOrEmpty
        Assert-KfsError $err -Id 'RemotePermissionDenied' -Category PermissionDenied -TargetObject 'core-01' -MessageContains '-Sudo'
        Invoke-LabSsh core-01 'ls -A /opt/bin | grep -c -e kfs-pester-y -e "^\.kfs-" || true' | Should -Be '0'
    }

    It 'downloads with -FromHost exactly what the host has (SHA-256 as sha256sum says)' {
        Invoke-LabSsh core-01 "head -c 500000 /dev/urandom > $Remote/blob"
        $remoteSha = (Invoke-LabSsh core-01 "sha256sum $Remote/blob").Split(' ')[0]
        $dest = Join-Path $TestDrive 'blob'

        $r = Copy-KubeHostItem -Name core-01 -FromHost -Path "$Remote/blob" -Destination $dest

        (Get-FileHash $dest -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $remoteSha
        $r.Sha256 | Should -Be $remoteSha
        $r.Direction | Should -Be 'Download'
        (Get-ChildItem -Force $TestDrive -Filter '.blob.kfs-*') | Should -BeNullOrEmpty
    }

    It 'downloads a root-only file with -Sudo -FromHost (/etc/shadow)' {
        $dest = Join-Path $TestDrive 'shadow'

        $r = Copy-KubeHostItem -Name core-01 -FromHost -Sudo -Path /etc/shadow -Destination $dest

        Get-Content $dest | Should -Contain ((Get-Content $dest) -match '^core:' | Select-Object -First 1)
        (Get-Content $dest) -match '^core:\$' | Should -Not -BeNullOrEmpty
        (Get-FileHash $dest -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be (Invoke-LabSsh core-01 'sudo sha256sum /etc/shadow').Split(' ')[0]
        $r.Mode | Should -Be ('0' + (Invoke-LabSsh core-01 'stat -c %a /etc/shadow'))
        Invoke-LabSsh core-01 'ls -A /tmp | grep -c "^.kfs-download-" || true' | Should -Be '0' -Because 'the staged copy is removed'
    }

    It 'writes progress records for the transfer' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-KfsModulePath)'; Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'; `$null = New-LabSession; `$ProgressPreference = 'Continue'; Copy-KubeHostItem -Name core-01 -Path '$($script:Local)' -Destination '$Remote/progress.bin'")
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $out.Sha256 | Should -Be $script:LocalSha

            $records = @($ps.Streams.Progress | Where-Object Activity -EQ 'Copy-KubeHostItem core-01')
            $records.Count | Should -BeGreaterThan 1
            $records.PercentComplete | Should -Contain 100
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }
}

Describe 'Connection loss (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    BeforeAll { Clear-KubeSession; $null = New-LabSession }
    AfterAll { Clear-KubeSession }

    It 'reconnects once, transparently, after sshd was restarted between two commands' {
        (Invoke-KubeHostCommand -Name core-02 'hostname').Output | Should -Be 'core-02'
        # In 1 s, as a transient unit: restart sshd and end every existing sshd session of core, ours included.
        # AccuracySec: a timer may otherwise fire up to a minute late, in the middle of a later test.
        Invoke-LabSsh core-02 "sudo systemd-run --quiet --on-active=1 --timer-property=AccuracySec=100ms sh -c 'systemctl restart ssh; pkill -f ""sshd: core""'"
        Wait-Until -TimeoutSec 20 { -not (Get-KubeHost -Name core-02).Connected } | Should -BeTrue -Because 'the old connection must be dead before the second command'
        Wait-Until -TimeoutSec 20 { (Invoke-LabSsh core-02 'echo up' -AllowFailure) -eq 'up' } | Should -BeTrue -Because 'the restarted sshd must answer again'

        $r = Invoke-KubeHostCommand -Name core-02 'hostname' -ErrorVariable err -ErrorAction SilentlyContinue

        $err | Should -BeNullOrEmpty
        $r.Output | Should -Be 'core-02'
        (Get-KubeHost -Name core-02).Connected | Should -BeTrue
    }

    Context 'a host powered off mid-command' {
        AfterAll {
            Invoke-LabLab start-host core-03
            Clear-KubeSession
        }

        It 'delivers the other hosts'' results and a connection error for the host that went away' {
            # Start-Process joins its arguments with spaces, so the whole bash script goes as one quoted argument.
            $stopper = Start-Process bash -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'stop.out') -RedirectStandardError (Join-Path $TestDrive 'stop.err') -ArgumentList (
                '-c "sleep 2; exec ' + (Join-Path $RepoRoot 'tests/lab/lab.sh') + ' stop-host core-03"')
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $results = Invoke-KubeHostCommand 'sleep 8; echo done' -ErrorVariable err -ErrorAction SilentlyContinue
            $sw.Stop()
            $stopper.WaitForExit(60000) | Should -BeTrue
            $stopper.ExitCode | Should -Be 0 -Because "lab.sh stop-host core-03 must work: $(Get-Content -Raw (Join-Path $TestDrive 'stop.err'))"

            ($results | Where-Object Host -In 'core-01', 'core-02' | Sort-Object Host).Output | Should -Be 'done', 'done'
            $results | Where-Object { $_.Host -eq 'core-03' -and $_.Succeeded } | Should -BeNullOrEmpty
            Assert-KfsError ($err | Where-Object TargetObject -EQ 'core-03') -Id 'HostConnectionLost' -Category ConnectionError -TargetObject 'core-03'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'a vanished host must not hold up the others'
            (Get-KubeHost -Name core-03).Connected | Should -BeFalse
        }
    }
}

Describe 'Enter-KubeHost (lab)' -Tag Lab -Skip:([bool]$LabSkip) {
    It 'says InteractiveTerminalRequired in a non-interactive session' {
        $err = Invoke-Isolated -ArgumentList (Get-Content -Raw (Get-LabPath 'vagrant-ssh-config.txt')), (New-LabKnownHostsPath) {
            param($SshConfig, $KnownHosts)
            $null = Get-VagrantHost -SshConfig $SshConfig -Name core-01 | Connect-KubeHost -KnownHostsFile $KnownHosts -AcceptNewHostKey
            try { Enter-KubeHost core-01; 'no error' } catch { $_ }
        }
        Assert-KfsError $err -Id 'InteractiveTerminalRequired' -Category InvalidOperation -TargetObject 'core-01' -MessageContains 'Invoke-KubeHostCommand'
    }

    Context 'in a terminal (tmux)' -Skip:(-not $HasTmux) {
        BeforeAll {
            $script:Tmux = "kfs-enter-$PID"
            $script:EnterKnownHosts = New-LabKnownHostsPath
            $pwsh = Get-PwshCommandLine
            $start = (@($pwsh.FilePath) + $pwsh.Prefix | ForEach-Object { ConvertTo-PosixQuoted $_ }) -join ' '
            & tmux new-session -d -s $script:Tmux -x 120 -y 30 -c $RepoRoot "$start -NoProfile"
            $LASTEXITCODE | Should -Be 0

            function script:Get-Pane { (& tmux capture-pane -p -J -t $script:Tmux) -join "`n" }
            function script:Send-Line([string] $Text) {
                & tmux send-keys -t $script:Tmux -l $Text
                & tmux send-keys -t $script:Tmux Enter
            }
            Wait-Until -TimeoutSec 30 { (Get-Pane) -match '(?m)^PS .*> ?$' } | Should -BeTrue -Because "pwsh must start in tmux: $(Get-Pane)"
        }

        AfterAll {
            & tmux kill-session -t $script:Tmux 2>$null
            Remove-Item -LiteralPath $script:EnterKnownHosts -ErrorAction Ignore
        }

        It 'opens a shell on the host and returns to PowerShell on exit' {
            Send-Line "Import-Module '$(Get-KfsModulePath)'; `$null = Get-VagrantHost -SshConfig (Get-Content -Raw out/lab/vagrant-ssh-config.txt) -Name core-01 | Connect-KubeHost -KnownHostsFile '$($script:EnterKnownHosts)' -AcceptNewHostKey; 'kfs-' + 'connected'"
            Wait-Until -TimeoutSec 30 { (Get-Pane) -match '(?m)^kfs-connected\s*$' } | Should -BeTrue -Because "the host must connect: $(Get-Pane)"

            Send-Line 'Clear-Host; Enter-KubeHost core-01'
            Wait-Until -TimeoutSec 15 { (Get-Pane) -match '(?m)core@core-01[^\n]*\$ ?$' } | Should -BeTrue -Because "the remote prompt must show: $(Get-Pane)"

            Send-Line 'hostname'
            Wait-Until -TimeoutSec 10 { (Get-Pane) -match '(?m)^core-01\s*$' } | Should -BeTrue -Because "hostname must print core-01: $(Get-Pane)"

            Send-Line 'exit'
            Wait-Until -TimeoutSec 10 { ((Get-Pane) -split "`n" | Where-Object { $_.Trim() } | Select-Object -Last 1) -match '^PS .*> ?$' } |
                Should -BeTrue -Because "the PowerShell prompt must come back: $(Get-Pane)"
            # ... and PowerShell still works (it once crashed a moment after the remote shell closed).
            Start-Sleep -Milliseconds 500
            Send-Line "'kfs-' + 'alive'"
            Wait-Until -TimeoutSec 10 { (Get-Pane) -match '(?m)^kfs-alive\s*$' } | Should -BeTrue -Because "PowerShell must still run commands: $(Get-Pane)"
        }
    }
}
