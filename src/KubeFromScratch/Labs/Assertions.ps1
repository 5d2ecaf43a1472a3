#Requires -Version 7.4
<#
.SYNOPSIS
    Should -BeHealthy, Should -BeReady and Should -BeActive: KubeFromScratch's assertions for Pester 5.7 and later.

.DESCRIPTION
    Registers three Should operators with Pester's Add-ShouldOperator:

      Should -BeHealthy   EtcdMemberHealth and EtcdClusterHealth objects (Test-EtcdHealth)
      Should -BeReady     KubeNode (Ready), KubeDeployment and KubeDaemonSet (complete), KubePod (ready)
      Should -BeActive    KubeUnitStatus (Get-KubeUnit, Start-KubeProxy): ActiveState active

    Each takes one object or many (piped or -ActualValue), fails on no object at all, and fails with one message
    that says what is wrong with every object that is not so, and what to run about it.

    Test-KubeLab runs this file before its checks, and Import-Module KubeFromScratch runs it when Pester is already
    loaded. In your own test files, Import-Module Pester before KubeFromScratch, or run this file yourself:
        & (Join-Path (Get-Module KubeFromScratch).ModuleBase 'Labs/Assertions.ps1')
    Running it again is harmless: Pester ignores an operator registered again with the same definition.
#>

if (-not (Get-Command -Name Add-ShouldOperator -Module Pester -ErrorAction Ignore)) {
    throw 'Should -BeHealthy, -BeReady and -BeActive are Pester operators: Import-Module Pester (5.7 or later) first, then run this file again.'
}

# The operators live in a module of their own, with their helpers: Pester runs an operator in the test's scope, but
# the operator still finds its helpers here, where no test can shadow them.
$null = New-Module -Name KubeFromScratch.LabAssertions -ScriptBlock {
    function Get-KfsItem($ActualValue) {
        # Piped values arrive as an array; -ActualValue $nodes as an array inside it.
        foreach ($value in @($ActualValue)) {
            foreach ($item in @($value)) {
                if ($null -ne $item) { $item }
            }
        }
    }

    function Get-KfsKind($Item) {
        # The module's type name, also for objects that were serialised (Deserialized.KubeFromScratch.KubeNode).
        foreach ($name in $Item.PSObject.TypeNames) {
            if ($name -match '^(?:Deserialized\.)?KubeFromScratch\.(\w+)$') { return $Matches[1] }
        }
    }

    function Join-KfsList([object[]] $Item) {
        # core-01 / core-01 and core-02 / core-01, core-02 and core-03
        $Item = @($Item | ForEach-Object { "$_" })
        if ($Item.Count -le 1) { return "$Item" }
        ($Item[0..($Item.Count - 2)] -join ', ') + ' and ' + $Item[-1]
    }

    function Group-KfsItem([object[]] $Item, [scriptblock] $Key) {
        # Like Group-Object, but the groups come in the order their first item came (Group-Object sorts them).
        $groups = [ordered]@{}
        foreach ($i in $Item) {
            $k = "$(& $Key $i)"
            if (-not $groups.Contains($k)) { $groups[$k] = [Collections.Generic.List[object]]::new() }
            $groups[$k].Add($i)
        }
        foreach ($k in $groups.Keys) { [pscustomobject]@{ Name = $k; Group = $groups[$k].ToArray(); Count = $groups[$k].Count } }
    }

    function Format-KfsBecause([string] $Because) {
        # Pester's own wording: "Expected X, because Y, but Z."
        if ([string]::IsNullOrWhiteSpace($Because)) { return '' }
        " because $($Because.Trim().TrimEnd('.')),"
    }

    function Get-KfsConnectedHostName {
        try { @(KubeFromScratch\Get-KubeHost -ErrorAction Ignore | ForEach-Object Name) } catch { @() }
    }

    function Get-KfsHostSelection([string[]] $Name) {
        # "Get-KubeHost" when the names are every connected host (a slide skipped everywhere), else the names.
        $names = @($Name | Sort-Object -Unique)
        $connected = @(Get-KfsConnectedHostName | Sort-Object -Unique)
        if ($connected.Count -gt 0 -and $connected.Count -eq $names.Count -and -not (Compare-Object $connected $names)) {
            return 'Get-KubeHost'
        }
        'Get-KubeHost ' + ($names -join ', ')
    }

    function New-KfsResult([bool] $Succeeded, [string[]] $Message) {
        [pscustomobject]@{ Succeeded = $Succeeded; FailureMessage = ($Message -join [Environment]::NewLine) }
    }

    function Test-KfsType([object[]] $Item, [string[]] $Kind, [string] $Operator, [string] $Takes) {
        # A message for the first object of a kind the operator does not know, else $null.
        foreach ($i in $Item) {
            if ((Get-KfsKind $i) -notin $Kind) {
                $shown = "$i"
                if ($shown.Length -gt 60) { $shown = $shown.Substring(0, 57) + '...' }
                return "Should -$Operator takes $Takes, but got $($i.GetType().FullName) '$shown'."
            }
        }
    }

    function Get-KfsUnitFix([string] $Unit, [string[]] $HostName, [bool] $Stop) {
        $selection = Get-KfsHostSelection $HostName
        switch ($Unit) {
            'kube-kubelet.service' { if ($Stop) { "$selection | Stop-KubeletNode" } else { "$selection | Start-KubeletNode -Wait" } }
            'kube-proxy.service' { if ($Stop) { "$selection | Stop-KubeProxy" } else { "$selection | Start-KubeProxy" } }
            default {
                $verb = if ($Stop) { 'stop' } else { 'start' }
                "$selection | Invoke-KubeHostCommand 'sudo systemctl $verb $Unit'" +
                $(if (-not $Stop) { " (Get-KubeJournal $($HostName -join ', ') -Unit $Unit tells why it is not running)" })
            }
        }
    }

    $beActive = {
        param($ActualValue, [switch] $Negate, [string] $Because)
        $items = @(Get-KfsItem $ActualValue)
        $b = Format-KfsBecause $Because
        if ($items.Count -eq 0) {
            return New-KfsResult $false "Expected systemd units to be $(if ($Negate) { 'not ' })active,$b but got nothing. Pipe Get-KubeUnit's output to it, as in: Get-KubeHost | Get-KubeUnit -Unit kube-proxy | Should -BeActive"
        }
        $wrong = Test-KfsType $items 'KubeUnitStatus' 'BeActive' 'KubeUnitStatus objects (from Get-KubeUnit, Start-KubeProxy or Stop-KubeProxy)'
        if ($wrong) { return New-KfsResult $false $wrong }

        $messages = foreach ($group in Group-KfsItem $items { $args[0].Unit }) {
            $unit = $group.Name
            $all = Join-KfsList $group.Group.Host
            # On one host only, "on core-01" once is enough.
            $on = { param($h) if ($group.Count -gt 1) { " on $(Join-KfsList $h)" } }
            $bad = @($group.Group | Where-Object { ($_.ActiveState -eq 'active') -eq [bool] $Negate })
            if ($bad.Count -eq 0) { continue }
            if ($Negate) {
                $states = (Group-KfsItem $bad { $args[0].SubState } | ForEach-Object { "active ($($_.Name))$(& $on $_.Group.Host)" }) -join '; '
                "Expected $unit not to be active on $all,$b but it is $states. Run: $(Get-KfsUnitFix $unit $bad.Host $true)"
                continue
            }
            $missing = @($bad | Where-Object LoadState -EQ 'not-found')
            $stopped = @($bad | Where-Object LoadState -NE 'not-found')
            $states = @(
                Group-KfsItem $stopped { "$($args[0].ActiveState) ($($args[0].SubState))" } | ForEach-Object { "$($_.Name)$(& $on $_.Group.Host)" }
                if ($missing) { "not installed$(& $on $missing.Host) (LoadState not-found; Install-KubeUnit puts the workshop's units in place)" }
            ) -join '; '
            $fix = if ($stopped) { " Run: $(Get-KfsUnitFix $unit $stopped.Host $false)" }
            "Expected $unit to be active on $all,$b but it is $states.$fix"
        }
        New-KfsResult (-not $messages) $messages
    }

    function Get-KfsNodeHost($Node) {
        # The connected host a node runs on: the kubelet names its node after the host, or reports its address.
        foreach ($h in @(try { KubeFromScratch\Get-KubeHost -ErrorAction Ignore } catch { })) {
            if ($h.Name -eq $Node.Name -or ($Node.InternalIP -and $h.HostName -eq $Node.InternalIP)) { return $h.Name }
        }
    }

    function Test-KfsReady($Item) {
        switch (Get-KfsKind $Item) {
            'KubeNode' { [bool] $Item.Ready }
            'KubeDeployment' { [bool] $Item.Complete }
            'KubeDaemonSet' { [bool] $Item.Complete }
            'KubePod' { $Item.Phase -eq 'Succeeded' -or ($Item.Phase -eq 'Running' -and $Item.Containers -gt 0 -and $Item.ReadyContainers -eq $Item.Containers) }
        }
    }

    $beReady = {
        param($ActualValue, [switch] $Negate, [string] $Because)
        $items = @(Get-KfsItem $ActualValue)
        $b = Format-KfsBecause $Because
        if ($items.Count -eq 0) {
            return New-KfsResult $false "Expected nodes, pods, deployments or DaemonSets to be $(if ($Negate) { 'not ' })ready,$b but got nothing. Pipe them to it, as in: Get-KubeNode | Should -BeReady"
        }
        $wrong = Test-KfsType $items 'KubeNode', 'KubeDeployment', 'KubeDaemonSet', 'KubePod' 'BeReady' 'KubeNode, KubePod, KubeDeployment or KubeDaemonSet objects (from Get-KubeNode, Get-KubePod, Get-KubeDeployment, Install-WeaveNet -Wait)'
        if ($wrong) { return New-KfsResult $false $wrong }

        $messages = foreach ($group in Group-KfsItem $items { Get-KfsKind $args[0] }) {
            $kind = $group.Name
            $bad = @($group.Group | Where-Object { (Test-KfsReady $_) -eq [bool] $Negate })
            if ($bad.Count -eq 0) { continue }
            $many = $group.Count -gt 1
            # "core-02 is NotReady" among several; "it is NotReady" when it is the only one.
            $subject = { param($item) if ($many) { $item.Name } else { 'it' } }
            $label = switch ($kind) {
                'KubeNode' { if ($many) { 'nodes' } else { 'node' } }
                'KubePod' { if ($many) { 'pods' } else { 'pod' } }
                'KubeDeployment' { if ($many) { 'deployments' } else { 'deployment' } }
                'KubeDaemonSet' { if ($many) { 'DaemonSets' } else { 'DaemonSet' } }
            }
            $names = if ($kind -eq 'KubeNode') { $group.Group.Name } else { $group.Group | ForEach-Object { "$($_.Namespace)/$($_.Name)" } }
            $state = if ($kind -eq 'KubeNode') { 'Ready' } else { 'ready' }
            if ($Negate) {
                $who = if ($many) { Join-KfsList $bad.Name } else { 'it' }
                "Expected $label $(Join-KfsList $names) not to be $state,$b but $who $(if ($bad.Count -gt 1) { 'are' } else { 'is' }) $state."
                continue
            }

            switch ($kind) {
                'KubeNode' {
                    $problems = $bad | ForEach-Object { "$(& $subject $_) is $($_.Status)" }
                    $onHosts = @($bad | ForEach-Object { Get-KfsNodeHost $_ } | Where-Object { $_ })
                    $orphans = @($bad | Where-Object { -not (Get-KfsNodeHost $_) } | ForEach-Object Name)
                    $fix = if ($onHosts) { " Run: $(Get-KfsHostSelection $onHosts) | Start-KubeletNode -Wait" }
                    if ($orphans) { $fix += " Run: Start-KubeletNode -Wait on the $(if ($orphans.Count -gt 1) { 'hosts' } else { 'host' }) of $(Join-KfsList $orphans) (connect $(if ($orphans.Count -gt 1) { 'them' } else { 'it' }) first: Connect-KubeHost)" }
                    "Expected $label $(Join-KfsList $names) to be Ready,$b but $(Join-KfsList $problems).$fix"
                }
                'KubePod' {
                    $problems = $bad | ForEach-Object {
                        $where = if ($_.Node) { "on $($_.Node)" } else { 'on no node yet' }
                        "$(& $subject $_) is $($_.Status) with $($_.ReadyContainers)/$($_.Containers) containers ready $where"
                    }
                    $weave = @($bad | Where-Object { $_.OwnerKind -eq 'DaemonSet' -and $_.OwnerName -eq 'weave-net' })
                    $nodes = @($bad | Where-Object { $_.Node } | ForEach-Object Node | Sort-Object -Unique)
                    $fix = if ($weave.Count -eq $bad.Count) { ' Run: Install-WeaveNet -Wait' }
                    elseif ($nodes) { " Pods run only on Ready nodes: Get-KubeNode $($nodes -join ', ') shows theirs." }
                    else { ' A pod is placed only on a Ready node: Get-KubeNode shows whether there is one.' }
                    "Expected $label $(Join-KfsList $names) to be ready,$b but $(Join-KfsList $problems).$fix"
                }
                'KubeDeployment' {
                    foreach ($d in $bad) {
                        $lag = if ($d.ObservedGeneration -lt $d.Generation) { '; its controller has not caught up with its latest change yet' }
                        "Expected deployment $($d.Namespace)/$($d.Name) to be ready,$b but $($d.ReadyReplicas)/$($d.Replicas) replicas are ready ($($d.UpdatedReplicas) up to date, $($d.AvailableReplicas) available$lag). Its pods tell why: Get-KubePod -Namespace $($d.Namespace); they run only on Ready nodes (Get-KubeNode)."
                    }
                }
                'KubeDaemonSet' {
                    foreach ($d in $bad) {
                        $what = if ($d.Desired -eq 0) { 'it runs no pod: no node is Ready for it (Get-KubeNode)' }
                        else { "$($d.ReadyNumber)/$($d.Desired) pods are ready ($($d.UpToDate) up to date, $($d.Available) available)" }
                        $fix = if ($d.Name -eq 'weave-net') { ' Run: Install-WeaveNet -Wait' } elseif ($d.Desired -gt 0) { " Its pods tell why: Get-KubePod -Namespace $($d.Namespace)." }
                        "Expected DaemonSet $($d.Namespace)/$($d.Name) to be ready,$b but $what.$fix"
                    }
                }
            }
        }
        New-KfsResult (-not $messages) $messages
    }

    $beHealthy = {
        param($ActualValue, [switch] $Negate, [string] $Because)
        $items = @(Get-KfsItem $ActualValue)
        $b = Format-KfsBecause $Because
        if ($items.Count -eq 0) {
            return New-KfsResult $false "Expected etcd health results to be $(if ($Negate) { 'not ' })healthy,$b but got nothing. Pipe Test-EtcdHealth's output to it, as in: Test-EtcdHealth | Should -BeHealthy"
        }
        $wrong = Test-KfsType $items 'EtcdMemberHealth', 'EtcdClusterHealth' 'BeHealthy' 'EtcdMemberHealth and EtcdClusterHealth objects (from Test-EtcdHealth; for Test-EtcdHealth -Quiet use Should -BeTrue)'
        if ($wrong) { return New-KfsResult $false $wrong }

        $members = @($items | Where-Object { (Get-KfsKind $_) -eq 'EtcdMemberHealth' })
        $clusters = @($items | Where-Object { (Get-KfsKind $_) -eq 'EtcdClusterHealth' })
        $memberName = { if ($_.Name) { $_.Name } else { $_.MemberId } }
        $messages = @(
            $bad = @($members | Where-Object { [bool] $_.IsHealthy -eq [bool] $Negate })
            if ($bad -and $Negate) {
                "Expected etcd $(if ($members.Count -gt 1) { 'members' } else { 'member' }) $(Join-KfsList ($members | ForEach-Object $memberName)) not to be healthy,$b but $(Join-KfsList ($bad | ForEach-Object $memberName)) $(if ($bad.Count -gt 1) { 'are' } else { 'is' }) healthy."
            }
            elseif ($bad) {
                # etcdctl's line, with the member's name after its id: "member ff32f4b39b9c47bd (core-03) is unreachable: ..."
                $problems = $bad | ForEach-Object {
                    $line = if ($_.Name) { $_.Status -replace "^member $([regex]::Escape($_.MemberId))", "member $($_.MemberId) ($($_.Name))" } else { $_.Status }
                    $line + $(if ($_.Error -and $_.Status -notlike "*$($_.Error)*") { " ($($_.Error.Trim().TrimEnd('.')))" })
                }
                $connected = @(Get-KfsConnectedHostName)
                $onHosts = @($bad | Where-Object { $_.Name -and $_.Name -in $connected } | ForEach-Object Name)
                $elsewhere = @($bad | Where-Object { -not $_.Name -or $_.Name -notin $connected } | ForEach-Object $memberName)
                $fix = if ($onHosts) { " Run: $(Get-KfsHostSelection $onHosts) | Invoke-KubeHostCommand 'sudo systemctl start etcd' (Get-KubeJournal $($onHosts -join ', ') -Unit etcd tells why it stopped)" }
                if ($elsewhere) { $fix += " Connect the host of $(Join-KfsList $elsewhere) (Connect-KubeHost); Get-KubeUnit -Unit etcd and Get-KubeJournal -Unit etcd then tell why etcd is not running there." }
                "Expected etcd $(if ($members.Count -gt 1) { 'members' } else { 'member' }) $(Join-KfsList ($members | ForEach-Object $memberName)) to be healthy,$b but $(Join-KfsList $problems).$fix"
            }
            foreach ($c in $clusters | Where-Object { [bool] $_.IsHealthy -eq [bool] $Negate }) {
                if ($Negate) { "Expected the etcd cluster not to be healthy,$b but cluster is healthy." ; continue }
                $see = if (-not $members) { ' Test-EtcdHealth lists each member''s health.' }
                "Expected the etcd cluster to be healthy,$b but cluster is $("$($c.State)".ToLowerInvariant()): $($c.HealthyMembers) of $($c.Members) members are healthy.$see"
            }
        )
        New-KfsResult ($messages.Count -eq 0) $messages
    }

    $operators = [ordered]@{ BeHealthy = $beHealthy; BeReady = $beReady; BeActive = $beActive }
    foreach ($name in $operators.Keys) {
        try {
            Pester\Add-ShouldOperator -Name $name -Test $operators[$name] -SupportsArrayInput
        }
        catch {
            # Another definition under the same name (another version of this module, or another module's BeReady)
            # cannot be replaced in a running session.
            Write-Warning "Should -$name is already registered with another definition, which stays in use: $($_.Exception.Message) Start a new session to use KubeFromScratch's."
        }
    }
}
