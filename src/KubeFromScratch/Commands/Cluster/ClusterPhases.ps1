# The phases of Install-KubeCluster ("the easy way", slide 17): each one composes the module's own cmdlets, the
# hard way's steps, and checks before it changes, so a second run changes nothing. Embedded in the module and run by
# Install-KubeCluster in the caller's runspace (sessions are per runspace): the phase's cmdlets show their own
# progress and What if: lines; their errors are collected and reported by Install-KubeCluster with their ids.
#
# Each phase: param($d, $o) with $d the cluster definition and $o the options (WhatIf, Verbose, TimeoutSec,
# SudoCredential, Api); returns @{ Changed = bool; Detail = 'one line'; Host = 'core-01,...'; Failed = 'why' }.
@{
    Connect = {
        param($d, $o)
        $connected = @(Get-KubeHost | Where-Object Connected)
        $todo = @($d.Hosts | Where-Object { $h = $_; -not ($connected | Where-Object { $_.Name -eq $h.Name -and $_.HostName -eq $h.Address -and $_.Role -eq $h.Role }) })
        if ($todo.Count -gt 0) {
            $extra = @{}
            if ($d.KnownHostsFile) { $extra.KnownHostsFile = $d.KnownHostsFile }
            if ($d.AcceptNewHostKey) { $extra.AcceptNewHostKey = $true }
            $todo | ForEach-Object {
                [pscustomobject]@{ HostName = $_.Address; Name = $_.Name; Port = $_.Port; UserName = $_.User; IdentityFile = $_.IdentityFile; Role = "$($_.Role)" }
            } | Connect-KubeHost @extra -WhatIf:$false | Out-Null   # -WhatIf still needs the connections to look
        }
        @{ Changed = $false; Host = ($d.Hosts.Name -join ','); Detail = "$($d.Hosts.Count) hosts connected ($($todo.Count) new connections)" }
    }

    Preflight = {
        param($d, $o)
        $checks = @(Test-KubeHostPreflight -Name $d.Hosts.Name)
        $failed = @($checks | Where-Object { "$($_.Status)" -eq 'Fail' })
        $warned = @($checks | Where-Object { "$($_.Status)" -eq 'Warn' })
        foreach ($w in $warned) { Write-Warning "$($w.Host): $($w.Check): $($w.Detail) $($w.Hint)" }
        $result = @{ Changed = $false; Host = ($d.Hosts.Name -join ','); Detail = "$($checks.Count) checks, $($failed.Count) failed, $($warned.Count) warnings" }
        if ($failed.Count -gt 0) {
            $result.Failed = ($failed | ForEach-Object { "$($_.Host): $($_.Check): $($_.Detail). $($_.Hint)" }) -join ' | '
        }
        $result
    }

    Etcd = {
        param($d, $o)
        $masters = @($d.Masters.Name)
        $result = @{ Changed = $false; Host = ($masters -join ',') }
        if (Get-KubeHost -Name $masters | Test-EtcdHealth -Quiet -MemberTimeoutSec 5) {
            $result.Detail = "etcd healthy on $($masters.Count) member(s)"
            return $result
        }
        # Not healthy: start the members whose etcd is installed but not running, then wait for a healthy cluster.
        $units = @(Get-KubeUnit -Name $masters -Unit etcd)
        $stopped = @($units | Where-Object ActiveState -NE 'active')
        if ($units.Count -lt $masters.Count -or @($units | Where-Object LoadState -EQ 'not-found').Count) {
            $result.Failed = "etcd is not installed on every master ($($masters -join ', ')). Install it (Debian: apt-get install etcd-server) with a member list of all masters, then run Install-KubeCluster again."
            return $result
        }
        $stopped | ForEach-Object { Invoke-KubeHostCommand -Name $_.Host -Command 'systemctl enable --now etcd' -Sudo } | Out-Null
        $result.Changed = $stopped.Count -gt 0
        if (-not $o.WhatIf) {
            if (-not (Get-KubeHost -Name $masters | Test-EtcdHealth -Quiet -Wait -TimeoutSec $o.TimeoutSec)) {
                $result.Failed = "etcd did not become healthy within $($o.TimeoutSec) s. Check Get-KubeJournal -Unit etcd on the masters."
            }
        }
        $result.Detail = "started etcd on $($stopped.Count) member(s)"
        $result
    }

    Certificates = {
        param($d, $o)
        $result = @{ Changed = $false; Host = ($d.Hosts.Name -join ',') }
        if (-not $d.Certificates) {
            $result.Detail = 'certificates are off in the definition (plain HTTP, as the workshop)'
            return $result
        }
        $path = $d.CertificatePath
        $ca = New-KubeCertificateAuthority -Path $path -CommonName "$($d.Name)-ca"
        $caPath = $ca.Path
        # The API server's certificate names every master, so any of them can serve the API (multi-master).
        $names = @($d.Masters.Name) + @('kubernetes', 'kubernetes.default', 'kubernetes.default.svc')
        # ForEach-Object, not .Address: an array has an Address() method of its own.
        $addresses = @($d.Masters | ForEach-Object Address | Where-Object { $_ -as [ipaddress] })
        $dnsMasters = @($d.Masters | ForEach-Object Address | Where-Object { -not ($_ -as [ipaddress]) })
        $certs = @(
            New-KubeCertificate -Profile ApiServer -CertificateAuthorityPath $caPath -Path $path -Name apiserver -DnsName ($names + $dnsMasters) -IPAddresses $addresses
            New-KubeCertificate -Profile Admin -CertificateAuthorityPath $caPath -Path $path -Name admin
        )
        $installed = @(Install-KubeCertificate -Certificate $certs -Name $d.Masters.Name -Destination /etc/kubernetes/pki)
        $installed += @(Get-KubeHost -Name $d.Hosts.Name | ForEach-Object {
                $k = New-KubeCertificate -Profile Kubelet -CertificateAuthorityPath $caPath -Path $path -Name "kubelet-$($_.Name)" -InputObject $_
                Install-KubeCertificate -Certificate $k -Name $_.Name -Destination /etc/kubernetes/pki
            })
        $result.Changed = @($installed | Where-Object { $_.PSObject.Properties['Changed'] -and $_.Changed }).Count -gt 0
        $result.Detail = "CA $caPath; apiserver certificate for $($names.Count + $addresses.Count + $dnsMasters.Count) names; $($installed.Count) files on the hosts"
        $result
    }

    Binaries = {
        param($d, $o)
        $extra = @{}
        if ($d.ReleaseBaseUrl) { $extra.BaseUrl = $d.ReleaseBaseUrl }
        $out = @(Get-KubeHost -Name $d.Hosts.Name | Install-KubeBinary -Component kubelet, kube-proxy, kubectl -Version $d.KubernetesVersion @extra)
        $changed = @($out | Where-Object Changed)
        @{ Changed = $changed.Count -gt 0; Host = ($d.Hosts.Name -join ','); Detail = "kubelet, kube-proxy, kubectl $($d.KubernetesVersion): $($changed.Count) of $($out.Count) files installed, the rest already in place" }
    }

    Units = {
        param($d, $o)
        $result = @{ Changed = $false; Host = ($d.Hosts.Name -join ',') }
        if ($d.Units -eq 'Image') {
            # The hosts' image brings the units (the deck's Vagrant box): check they are there.
            $missing = @(Get-KubeUnit -Name $d.Hosts.Name -Unit kube-kubelet, kube-proxy | Where-Object LoadState -NE 'loaded')
            if ($missing.Count) {
                $result.Failed = "The image's units are missing on: $(($missing | ForEach-Object { "$($_.Host) $($_.Unit)" }) -join ', '). Use Units = 'Install' in the definition."
            }
            $result.Detail = "the image's kube-kubelet and kube-proxy units are in place"
            return $result
        }
        $common = @{ KubernetesVersion = $d.KubernetesVersion; ApiServer = $d.ApiServer; EtcdEndpoint = $d.EtcdEndpoints }
        $out = @(
            Install-KubeUnit -Name $d.Masters.Name -Role Master @common
            if ($d.Workers.Count) { Install-KubeUnit -Name $d.Workers.Name -Role Worker @common }
        )
        $changed = @($out | Where-Object Changed)
        $result.Changed = $changed.Count -gt 0
        $result.Detail = "$($changed.Count) of $($out.Count) unit, config and manifest files written; etcd endpoints $($d.EtcdEndpoints -join ',')"
        $result
    }

    Kubelet = {
        param($d, $o)
        $result = @{ Changed = $false; Host = ($d.Hosts.Name -join ',') }
        # Masters first, then workers, as the workshop does (slides 3 and 6).
        $units = @(Get-KubeHost -Name $d.Masters.Name | Start-KubeletNode)
        if (-not $o.WhatIf) { $null = Wait-KubeNode $d.Masters.Name -Ready -TimeoutSec $o.TimeoutSec }
        if ($d.Workers.Count) {
            $units += @(Get-KubeHost -Name $d.Workers.Name | Start-KubeletNode)
            if (-not $o.WhatIf) { $null = Wait-KubeNode $d.Workers.Name -Ready -TimeoutSec $o.TimeoutSec }
        }
        $started = @($units | Where-Object Changed)
        $result.Changed = $started.Count -gt 0
        $result.Detail = "kubelet started on $($started.Count) of $($d.Hosts.Count) hosts; " + $(if ($o.WhatIf) { 'nodes not waited for (-WhatIf)' } else { "$($d.Hosts.Count) nodes Ready" })
        $result
    }

    Proxy = {
        param($d, $o)
        $units = @(Get-KubeHost -Name $d.Hosts.Name | Start-KubeProxy)
        $started = @($units | Where-Object Changed)
        @{ Changed = $started.Count -gt 0; Host = ($d.Hosts.Name -join ','); Detail = "kube-proxy started on $($started.Count) of $($d.Hosts.Count) hosts" }
    }

    Network = {
        param($d, $o)
        $result = @{ Changed = $false; Host = 'api' }
        if ($d.NetworkProvider -eq 'None') {
            $result.Detail = 'no pod network in the definition'
            return $result
        }
        $out = @(Install-WeaveNet -Wait:(-not $o.WhatIf) -TimeoutSec $o.TimeoutSec)
        $applied = @($out | Where-Object { $_ -is [KubeFromScratch.KubeAppliedObject] })
        $ds = $out | Where-Object { $_ -is [KubeFromScratch.KubeDaemonSet] } | Select-Object -Last 1
        $changedObjects = @($applied | Where-Object Action -NE 'unchanged')
        $result.Changed = $changedObjects.Count -gt 0
        $result.Detail = "Weave Net: $($changedObjects.Count) of $($applied.Count) objects created or changed" + $(if ($ds) { "; DaemonSet $($ds.Ready)" } else { '' })
        $result
    }

    Cni = {
        param($d, $o)
        $extra = @{}
        if ($d.ReleaseBaseUrl) { $extra.BaseUrl = $d.ReleaseBaseUrl }
        $out = @(Install-CniPlugin -Name $d.CniPlugins -Version $d.CniVersion -ComputerName $d.Hosts.Name @extra)
        $changed = @($out | Where-Object Changed)
        @{ Changed = $changed.Count -gt 0; Host = ($d.Hosts.Name -join ','); Detail = "CNI $($d.CniPlugins -join ', ') $($d.CniVersion): $($changed.Count) of $($out.Count) installed, the rest already in place" }
    }

    SmokeTest = {
        param($d, $o)
        $name = $d.SmokeTestName
        $result = @{ Changed = $false; Host = 'api' }
        $deployment = Get-KubeDeployment -Name $name -ErrorAction Ignore -ErrorVariable ignored
        if (-not $deployment) {
            $deployment = New-KubeDeployment $name -Image $d.SmokeTestImage -Replicas $d.SmokeTestReplicas -Port $d.SmokeTestPort -Wait:(-not $o.WhatIf) -TimeoutSec $o.TimeoutSec
            $result.Changed = $true
        }
        $service = Get-KubeService -Name $name -ErrorAction Ignore -ErrorVariable ignored
        if (-not $service) {
            $service = New-KubeService $name -Port $d.SmokeTestServicePort -TargetPort $d.SmokeTestPort -Type NodePort
            $result.Changed = $true
        }
        if ($o.WhatIf) {
            $result.Detail = "deployment and NodePort service $name (not tested: -WhatIf)"
            return $result
        }
        # A new node port takes kube-proxy a moment to open (it follows the API): try again for up to a minute.
        $deadline = [DateTime]::UtcNow.AddSeconds([math]::Min(60, $o.TimeoutSec))
        do {
            $urls = @(Get-KubeServiceUrl $name | Test-KubeServiceUrl -TimeoutSec 5)
            $down = @($urls | Where-Object { -not $_.Reachable })
            if ($urls.Count -and -not $down.Count) { break }
            Start-Sleep -Milliseconds 500
        } while ([DateTime]::UtcNow -lt $deadline)
        $result.Detail = "$name $($deployment.Ready); $($urls.Count - $down.Count) of $($urls.Count) URLs answer ($(($urls | Select-Object -First 1).Url)...)"
        if ($down.Count -or $urls.Count -eq 0) {
            $result.Failed = "$($down.Count) of $($urls.Count) NodePort URLs of $name do not answer: $(($down | ForEach-Object { "$($_.Url) ($($_.Error))" }) -join ', '). Check kube-proxy on those nodes (Get-KubeUnit -Unit kube-proxy) and the pods (Get-KubePod)."
        }
        $result
    }
}
