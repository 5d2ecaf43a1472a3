#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '6.0.0' }
<#
    Test-KubeHostPreflight as a user runs it against the lab (tests/lab/lab.sh): the hosts as they come (etcd on all
    three, the API server stand-in on core-01:8080, run by the lab machine inside core-01's network namespace), then
    each fault made real and detected with its hint: a foreign listener the host cannot name (python3's http.server
    started from the lab machine in core-02's network namespace), one it can (a second sshd on core-01), a cloned
    machine id (core-03 given core-02's), a user whose sudo is refused (nosudo), a host powered off.

    Two faults cannot be made real in the lab, and the tests say so: swap (systemd-nspawn refuses swapon inside a
    container; the xunit tests use a real /proc/swaps line instead), and a clock of its own (the realtime clock is the
    kernel's, shared by every container; here a `date` in core-03's /usr/local/bin that adds 5 s stands for it, and the
    xunit tests feed the comparison real readings with offsets added).

    The referees are OpenSSH's own ssh client (Invoke-LabSsh) with ss, systemctl, hostname and /etc/machine-id on the
    hosts, and ip netns exec ss on the lab machine, never the module under test. Every block puts back what it changed.
    Network rule: loopback and 172.17.8.0/24 only, after lab.sh check-network (Get-LabSkipReason).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:LabSkip = Get-LabSkipReason
    if (-not $LabSkip -and -not (Test-Path -LiteralPath (Join-Path (Get-KfsModulePath) 'KubeFromScratch.psd1'))) {
        $script:LabSkip = 'the module is not built (out/KubeFromScratch)'
    }
    if (-not $LabSkip -and -not (Get-Command python3 -CommandType Application -ErrorAction Ignore)) {
        $script:LabSkip = 'python3 is not installed on this machine (tests/lab/install-deps.sh installs it)'
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KfsModulePath) -Force

    $script:Names = 'core-01', 'core-02', 'core-03'
    $script:Checks = 'OperatingSystem', 'Systemd', 'Sudo', 'Swap', 'Ports', 'Clock', 'HostName', 'MachineId', 'Memory', 'Sysctl'

    function script:Clear-KubeSession {
        $connected = @(Get-KubeHost)
        if ($connected.Count -gt 0) { $connected | Disconnect-KubeHost }
    }

    # The workshop's roles: core-01 the master, core-02 and core-03 workers (Get-VagrantHost gives no role).
    function script:Connect-LabWithRole([int] $ConnectTimeoutSec = 10) {
        $known = New-LabKnownHostsPath
        Get-VagrantHost -SshConfig (Get-Content -Raw -LiteralPath (Get-LabPath 'vagrant-ssh-config.txt')) | ForEach-Object {
            $_ | Connect-KubeHost -KnownHostsFile $known -AcceptNewHostKey -ConnectTimeoutSec $ConnectTimeoutSec `
                -Role $(if ($_.Name -eq 'core-01') { 'Master' } else { 'Worker' })
        }
    }

    function script:Get-Check($Results, [string] $HostName, [string] $Check) {
        @($Results | Where-Object { $_.Host -eq $HostName -and $_.Check -eq $Check })[0]
    }

    # What the lab machine sees listening on PORT in a host's network namespace: the owner's pid from outside.
    function script:Get-NamespaceListenerPid([string] $HostName, [int] $Port) {
        $line = & ip netns exec "kfs-$HostName" ss -ltnpH "sport = :$Port" 2>$null | Select-Object -First 1
        if ($line -match 'pid=(\d+)') { [int] $Matches[1] }
    }
}

Describe 'Test-KubeHostPreflight on the lab (lab)' -Tag Lab, Preflight {
    It 'has the lab to run on (a failure in CI, else a skip, when it is not up)' {
        Assert-LabOrSkip -Reason $LabSkip
    }
}

Describe 'The lab as it comes (lab)' -Tag Lab, Preflight -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $null = Connect-LabWithRole
        $script:All = @(Test-KubeHostPreflight -ErrorVariable allErrors -ErrorAction SilentlyContinue)
        $script:AllErrors = @($allErrors)
    }

    AfterAll { Clear-KubeSession }

    It 'fails no check on any host, in host then check order, and warns only where the referee sees IPv4 forwarding off' {
        $AllErrors | Should -BeNullOrEmpty
        $All.Count | Should -Be 30
        $All | ForEach-Object { $_ | Should -BeOfType ([KubeFromScratch.KubePreflightCheck]) }
        $All.Host | Should -Be ($Names | ForEach-Object { @($_) * 10 })
        $All.Check | Should -Be ($Checks * 3)
        @($All | Where-Object { "$($_.Status)" -eq 'Fail' }) | Should -BeNullOrEmpty
        foreach ($name in $Names) {
            $forward = Invoke-LabSsh $name 'cat /proc/sys/net/ipv4/ip_forward'
            $expected = if ($forward -eq '1' -and (Invoke-LabSsh $name 'cat /proc/sys/net/bridge/bridge-nf-call-iptables') -eq '1') { 'Pass' } else { 'Warn' }
            "$((Get-Check $All $name Sysctl).Status)" | Should -Be $expected -Because "ip_forward on $name is $forward"
        }
        @($All | Where-Object { "$($_.Status)" -eq 'Warn' -and $_.Check -ne 'Sysctl' }) | Should -BeNullOrEmpty
        @($All | Where-Object Passed | Where-Object Hint) | Should -BeNullOrEmpty
        @($All | Where-Object { -not $_.Passed -and -not $_.Hint }) | Should -BeNullOrEmpty
    }

    It 'reads on <_> what the host''s own tools say' -ForEach 'core-01', 'core-02', 'core-03' {
        $name = $_
        $machine = Invoke-LabSsh $name 'uname -m'
        (Get-Check $All $name OperatingSystem).Detail | Should -BeLikeExactly "Debian GNU/Linux 12 (bookworm), Linux $(Invoke-LabSsh $name 'uname -r'), $machine (amd64)"
        (Get-Check $All $name HostName).Detail | Should -BeExactly "$(Invoke-LabSsh $name hostname) (unique)"
        (Get-Check $All $name MachineId).Detail | Should -BeExactly "$((Invoke-LabSsh $name 'cat /etc/machine-id').Substring(0, 8))… (unique)"
        Invoke-LabSsh $name 'systemctl is-system-running' | Should -Be 'running'
        (Get-Check $All $name Systemd).Detail | Should -Match '^systemd \d+ is PID 1; systemctl says running$'
        (Get-Check $All $name Sudo).Detail | Should -BeExactly 'sudo works for core without a password'
        Invoke-LabSsh $name 'tail -n +2 /proc/swaps' | Should -BeNullOrEmpty
        (Get-Check $All $name Swap).Detail | Should -BeExactly 'no swap in use'
        (Get-Check $All $name Clock).Detail | Should -Match '^within 0\.\d{3} s of the other hosts; '
    }

    It 'finds etcd on the master''s ports and the API server stand-in, whose process the host cannot see, by its answer' {
        # The referee: as root, ss on core-01 shows etcd by name and the 8080 socket without an owner.
        $ss = Invoke-LabSsh core-01 'sudo ss -ltnpH'
        @($ss | Where-Object { $_ -match ':2379 ' -and $_ -match '"etcd"' }).Count | Should -BeGreaterThan 0
        $api = @($ss | Where-Object { $_ -match '172\.17\.8\.101:8080 ' })
        $api.Count | Should -Be 1 -Because 'lab.sh up runs the API server stand-in on core-01:8080'
        $api[0] | Should -Not -Match 'users:'
        $ports = Get-Check $All core-01 Ports
        "$($ports.Status)" | Should -Be 'Pass'
        $ports.Detail | Should -BeExactly ('master: 2379 and 2380 in use by etcd (ours); 8080 in use by a Kubernetes API server (v1.33.1-lab-standin), ' +
            'known by its answer (ours); 6443, 10250, 10256, 10257 and 10259 free')
        (Get-Check $All core-02 Ports).Detail | Should -BeExactly 'worker: 10250 and 10256 free'
    }

    It 'takes hosts from the pipeline and by -Name with wildcards, and -Role overrides each host''s own role' {
        $piped = @(Get-KubeHost -Role Worker | Test-KubeHostPreflight -Check Ports)
        $piped.Host | Should -Be 'core-02', 'core-03'
        $byName = @(Test-KubeHostPreflight 'core-0[13]' -Check Ports, Swap)
        $byName.Host | Should -Be 'core-01', 'core-01', 'core-03', 'core-03'
        $byName.Check | Should -Be 'Swap', 'Ports', 'Swap', 'Ports'
        (Test-KubeHostPreflight core-01 -Check Ports -Role Worker).Detail | Should -BeExactly 'worker: 10250 and 10256 free'
        (Test-KubeHostPreflight core-02 -Check Ports -Role Master).Detail | Should -BeLikeExactly 'master: 2379 and 2380 in use by etcd (ours); *'
        @(Get-KubeHost -Role Master | Where-Object Name -EQ 'nothing' | Test-KubeHostPreflight) | Should -BeNullOrEmpty
    }

    It '-Quiet says True; -Check completes the names and refuses an unknown one before any host is asked' {
        Test-KubeHostPreflight -Quiet | Should -BeExactly $true
        $line = 'Test-KubeHostPreflight -Check Mach'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'MachineId'
        $line = 'Test-KubeHostPreflight -Check S'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'Systemd', 'Sudo', 'Swap', 'Sysctl'
        $e = { Test-KubeHostPreflight -Check Swap, Selinux } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PreflightCheckUnknown,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be 'Selinux'
        Test-KubeHostPreflight core-09 -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
    }

    It 'shows a table of Host, Check, Status and Detail' {
        $text = Test-KubeHostPreflight core-02 -Check Swap, Ports | Out-String -Width 200
        $text | Should -Match '(?m)^Host\s+Check\s+Status\s+Detail\s*$'
        $text | Should -Match '(?m)^core-02\s+Swap\s+Pass\s+no swap in use\s*$'
        $text | Should -Not -Match 'Hint'
    }
}

Describe 'Faults, each detected with its hint (lab)' -Tag Lab, Preflight -Skip:([bool]$LabSkip) {
    BeforeAll {
        Clear-KubeSession
        $null = Connect-LabWithRole
    }

    AfterAll { Clear-KubeSession }

    Context 'A foreign listener the host cannot name: python3 on core-02:10250, from the lab machine' {
        BeforeAll {
            # An empty folder to serve; the process runs on the lab machine in core-02's network namespace, so ss on
            # core-02 sees the socket but not the process, as for any process outside the host's PID namespace.
            $script:Empty = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'empty')
            $script:Python = Start-Process -FilePath ip -ArgumentList 'netns', 'exec', 'kfs-core-02', 'python3', '-m', 'http.server', '10250', '--bind', '172.17.8.102' `
                -WorkingDirectory $Empty -RedirectStandardOutput (Join-Path $TestDrive 'py.out') -RedirectStandardError (Join-Path $TestDrive 'py.err') -PassThru
            Wait-Until -TimeoutSec 10 { [bool](Get-NamespaceListenerPid core-02 10250) } | Should -BeTrue -Because 'python3 must listen on 172.17.8.102:10250'
        }

        AfterAll {
            if ($listener = Get-NamespaceListenerPid core-02 10250) { Stop-Process -Id $listener -Force -ErrorAction SilentlyContinue }
            if ($script:Python -and -not $script:Python.HasExited) { Stop-Process -Id $script:Python.Id -Force -ErrorAction SilentlyContinue }
            Wait-Until -TimeoutSec 10 { -not (Get-NamespaceListenerPid core-02 10250) } | Should -BeTrue -Because 'the foreign listener must be gone'
        }

        It 'fails Ports on core-02, saying how it answers and how to find it, and nothing else' {
            # The referee: root on core-02 sees a listener on 10250 without an owner.
            $seen = @(Invoke-LabSsh core-02 'sudo ss -ltnpH "sport = :10250"')
            $seen.Count | Should -Be 1
            $seen[0] | Should -Not -Match 'users:'

            $r = @(Test-KubeHostPreflight core-02, core-03)
            $ports = Get-Check $r core-02 Ports
            "$($ports.Status)" | Should -Be 'Fail'
            $ports.Detail | Should -Match ('^worker: 10250 \(kubelet\) in use on 172\.17\.8\.102:10250 by a process the host does not show even to root ' +
                '\(one outside its process namespace\); it answers HTTP as SimpleHTTP/[\d.]+ Python/[\d.]+ \(200 OK\); 10256 free$')
            $ports.Hint | Should -BeLikeExactly "*sudo ss -ltnp 'sport = :10250'*"
            @($r | Where-Object { "$($_.Status)" -eq 'Fail' }).Count | Should -Be 1
            "$((Get-Check $r core-03 Ports).Status)" | Should -Be 'Pass'
            Test-KubeHostPreflight core-02 -Quiet | Should -BeExactly $false
        }
    }

    Context 'A foreign listener the host names: a second sshd on core-01:10259, the scheduler''s port' {
        BeforeAll {
            Invoke-LabSsh core-01 'sudo systemd-run --quiet --unit=kfs-pester-preflight-sshd /usr/sbin/sshd -D -p 10259' | Out-Null
            Wait-Until -TimeoutSec 10 { [bool](Invoke-LabSsh core-01 'ss -ltnH "sport = :10259"') } | Should -BeTrue
            $script:SshdPid = [int](Invoke-LabSsh core-01 'systemctl show -p MainPID --value kfs-pester-preflight-sshd.service')
        }

        AfterAll {
            Invoke-LabSsh core-01 'sudo systemctl stop kfs-pester-preflight-sshd.service; sudo systemctl reset-failed kfs-pester-preflight-sshd.service 2>/dev/null; true' -AllowFailure | Out-Null
        }

        It 'fails Ports on the master naming sshd and its pid, and passes it as a worker' {
            $ports = Test-KubeHostPreflight core-01 -Check Ports
            "$($ports.Status)" | Should -Be 'Fail'
            $ports.Detail | Should -BeLikeExactly "$([WildcardPattern]::Escape("master: 10259 (kube-scheduler) in use by sshd (pid $SshdPid) on 0.0.0.0:10259, [::]:10259; "))*"
            $ports.Hint | Should -BeLikeExactly "*'sport = :10259'*"
            "$((Test-KubeHostPreflight core-01 -Check Ports -Role Worker).Status)" | Should -Be 'Pass'
        }
    }

    Context 'A cloned machine id: core-03 given core-02''s' {
        BeforeAll {
            $script:Own03 = Invoke-LabSsh core-03 'cat /etc/machine-id'
            $script:Id02 = Invoke-LabSsh core-02 'cat /etc/machine-id'
            $Own03 | Should -Match '^[0-9a-f]{32}$'
            Invoke-LabSsh core-03 "printf '%s\n' $Id02 | sudo tee /etc/machine-id >/dev/null" | Out-Null
        }

        AfterAll {
            Invoke-LabSsh core-03 "printf '%s\n' $Own03 | sudo tee /etc/machine-id >/dev/null" | Out-Null
            Invoke-LabSsh core-03 'cat /etc/machine-id' | Should -Be $Own03 -Because 'core-03''s own machine id must be back'
        }

        It 'fails MachineId on both hosts, each naming the other, showing only the id''s first 8 characters' {
            $r = @(Test-KubeHostPreflight -Check MachineId, HostName)
            "$((Get-Check $r core-01 MachineId).Status)" | Should -Be 'Pass'
            foreach ($pair in @(('core-02', 'core-03'), ('core-03', 'core-02'))) {
                $c = Get-Check $r $pair[0] MachineId
                "$($c.Status)" | Should -Be 'Fail'
                $c.Detail | Should -BeExactly "$($Id02.Substring(0, 8))…, the same as $($pair[1])'s"
                $c.Hint | Should -BeLikeExactly '*sudo rm /etc/machine-id && sudo systemd-machine-id-setup*'
            }
            @($r | Where-Object { $_.Check -eq 'HostName' -and "$($_.Status)" -ne 'Pass' }) | Should -BeNullOrEmpty
        }
    }

    Context 'Swap on a host' {
        It 'cannot be made in the lab: swapon inside a host is refused (the xunit tests use a real /proc/swaps line instead)' {
            # If this ever succeeds, the lab can have swap and this should become a real fault test.
            $out = Invoke-LabSsh core-03 ('sudo dd if=/dev/zero of=/var/tmp/kfs-pester-swap bs=1M count=8 status=none && sudo chmod 600 /var/tmp/kfs-pester-swap && ' +
                'sudo mkswap /var/tmp/kfs-pester-swap >/dev/null && sudo swapon /var/tmp/kfs-pester-swap 2>&1; echo "rc=$?"; sudo swapoff /var/tmp/kfs-pester-swap 2>/dev/null; sudo rm -f /var/tmp/kfs-pester-swap') -AllowFailure
            ($out -join "`n") | Should -Match 'Operation not permitted'
            ($out -join "`n") | Should -Not -Match 'rc=0'
            "$((Test-KubeHostPreflight core-03 -Check Swap).Status)" | Should -Be 'Pass'
        }
    }

    Context 'A clock 5 s ahead on core-03 (a date that adds 5 s: the realtime clock is the machine''s, shared by every host)' {
        BeforeAll {
            $shim = '#!/bin/sh', 'case "$1" in +%s.%N) t=$(/usr/bin/date +%s.%N); echo "$((${t%.*} + 5)).${t#*.}";; *) exec /usr/bin/date "$@";; esac'
            Invoke-LabSsh core-03 "printf '%s\n' $(($shim | ForEach-Object { ConvertTo-PosixQuoted $_ }) -join ' ') | sudo tee /usr/local/bin/date >/dev/null && sudo chmod 0755 /usr/local/bin/date" | Out-Null
            $ahead = [decimal](Invoke-LabSsh core-03 'date +%s.%N') - [decimal](Invoke-LabSsh core-02 'date +%s.%N')
            $ahead | Should -BeGreaterThan 4 -Because 'the shim must make core-03''s date read ahead'
        }

        AfterAll {
            Invoke-LabSsh core-03 'sudo rm -f /usr/local/bin/date' | Out-Null
            Invoke-LabSsh core-03 'command -v date' | Should -Be '/usr/bin/date'
        }

        It 'fails Clock on core-03 alone, naming the hosts it is ahead of, with the hint to turn on time sync' {
            $r = @(Test-KubeHostPreflight -Check Clock)
            $c = Get-Check $r core-03 Clock
            "$($c.Status)" | Should -Be 'Fail'
            # 5 s as read over SSH round trips: a few milliseconds either way.
            $five = '(4\.9\d\d|5\.0\d\d)'
            $c.Detail | Should -Match "^$five s ahead of core-01, $five s ahead of core-02: more than 1\.000 s apart; $five s ahead of this machine \(±0\.\d{3} s\)$"
            $c.Hint | Should -BeLikeExactly '*timedatectl set-ntp true*chrony*'
            "$((Get-Check $r core-01 Clock).Status)", "$((Get-Check $r core-02 Clock).Status)" | Should -Be 'Pass', 'Pass'
            (Get-Check $r core-01 Clock).Detail | Should -Match '^within 0\.\d{3} s of core-02; '
        }
    }

    Context 'sudo refused: the user nosudo' {
        BeforeAll {
            $script:NoSudo = Connect-KubeHost 172.17.8.101 -Name nosudo-01 -UserName nosudo -IdentityFile (Get-LabPath 'id_ed25519') `
                -KnownHostsFile (New-LabKnownHostsPath) -AcceptNewHostKey -Role Master
        }

        AfterAll { Get-KubeHost -Name nosudo-01 -ErrorAction Ignore | Disconnect-KubeHost }

        It 'fails Sudo asking for -SudoCredential, and still tells etcd and the API server by their answers' {
            # The referee: sudo -n as nosudo over OpenSSH.
            Invoke-LabSsh core-01 'sudo -n true 2>&1; echo "rc=$?"' -User nosudo | Should -Be 'sudo: a password is required', 'rc=1'
            $r = @(Test-KubeHostPreflight nosudo-01 -Check Sudo, Ports)
            "$($r[0].Status)" | Should -Be 'Fail'
            $r[0].Detail | Should -BeExactly 'sudo asks nosudo for a password.'
            $r[0].Hint | Should -BeLikeExactly '*-SudoCredential*nosudo ALL=(ALL) NOPASSWD: ALL*'
            "$($r[1].Status)" | Should -Be 'Pass'
            $r[1].Detail | Should -BeLikeExactly 'master: 2379 and 2380 in use by etcd 3.4.23, known by its answer (ours); 8080 in use by a Kubernetes API server (v1.33.1-lab-standin), known by its answer (ours); *'
        }

        It 'with nosudo''s own password says it may not use sudo' {
            $sudo = Test-KubeHostPreflight nosudo-01 -Check Sudo -SudoCredential (New-TestCredential nosudo nosudo)
            "$($sudo.Status)" | Should -Be 'Fail'
            $sudo.Detail | Should -BeExactly 'nosudo may not use sudo: nosudo is not in the sudoers file.'
            $sudo.Hint | Should -BeLikeExactly 'Grant nosudo sudo*'
        }

        It 'with a wrong password says so, and never shows the password, even with -Verbose' {
            $secret = 'Kfs-Wrong-Pw-77aa'
            $Error.Clear()
            $log = Test-KubeHostPreflight nosudo-01 -Check Sudo, Ports -SudoCredential (New-TestCredential nosudo $secret) -Verbose 4>&1 | Out-String -Width 500
            $sudo = Test-KubeHostPreflight nosudo-01 -Check Sudo -SudoCredential (New-TestCredential nosudo $secret)
            "$($sudo.Status)" | Should -Be 'Fail'
            $sudo.Detail | Should -BeExactly 'sudo did not accept the password given for nosudo.'
            $log | Should -Match 'sudo -S -p ""' -Because 'the verbose output shows the script sent'
            $log | Should -Not -Match $secret
            ($Error | Out-String) + ($sudo | Format-List * | Out-String) | Should -Not -Match $secret
        }

        It 'passes for core with a password its sudo never asks for' {
            (Test-KubeHostPreflight core-01 -Check Sudo -SudoCredential (New-TestCredential core 'not-needed')).Detail |
                Should -BeExactly 'sudo works for core with the password given'
        }
    }

    Context 'A host powered off: core-03 (lab.sh stop-host core-03)' {
        BeforeAll {
            Clear-KubeSession
            $null = Connect-LabWithRole -ConnectTimeoutSec 3
            Invoke-LabLab stop-host core-03 | Out-Null
        }

        AfterAll {
            Invoke-LabLab start-host core-03 | Out-Null
            Clear-KubeSession
            $null = Connect-LabWithRole
        }

        It 'is an error record HostUnreachable in its place, and the other hosts'' results all come' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $r = @(Test-KubeHostPreflight -ErrorVariable err -ErrorAction SilentlyContinue)
            $sw.Stop()
            $r.Host | Should -Be (@('core-01') * 10 + @('core-02') * 10)
            @($r | Where-Object { "$($_.Status)" -eq 'Fail' }) | Should -BeNullOrEmpty
            Assert-KfsError $err -Id 'HostUnreachable' -Category ConnectionError -TargetObject 'core-03' -MessageContains '172.17.8.103:22'
            (Get-Check $r core-01 Clock).Detail | Should -Match '^within 0\.\d{3} s of core-02; '
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 20
        }

        It '-Quiet says False and still writes the error' {
            Test-KubeHostPreflight -Quiet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeExactly $false
            Assert-KfsError $err -Id 'HostUnreachable' -Category ConnectionError -TargetObject 'core-03'
        }
    }
}
