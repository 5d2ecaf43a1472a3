#Requires -Version 7.4
<#
.SYNOPSIS
    What the slide checks share; each check file dot-sources it in its BeforeAll.

.DESCRIPTION
    When the session lacks what a slide needs (no host, no master, no API, no node for a host), these helpers stop the
    check with a message that ends in "Run: <pipeline>", the fix that Test-KubeLab's summary shows.
#>

function Get-KubeLabHostSelection([string[]] $Name) {
    # "Get-KubeHost" when the names are every connected host, else "Get-KubeHost core-02, core-03".
    $names = @($Name | Sort-Object -Unique)
    $connected = @(Get-KubeHost | ForEach-Object Name | Sort-Object -Unique)
    if ($connected.Count -gt 0 -and $connected.Count -eq $names.Count -and -not (Compare-Object $connected $names)) {
        return 'Get-KubeHost'
    }
    'Get-KubeHost ' + ($names -join ', ')
}

function Join-KubeLabList([object[]] $Item) {
    # core-01 / core-01 and core-02 / core-01, core-02 and core-03
    $Item = @($Item | ForEach-Object { "$_" })
    if ($Item.Count -le 1) { return "$Item" }
    ($Item[0..($Item.Count - 2)] -join ', ') + ' and ' + $Item[-1]
}

function Get-KubeLabHost {
    <#
        The connected hosts: all, the master (-Master: role Master) or the workers (-Worker: every other host).
        None at all stops the check with slide 1's fix.
    #>
    param([switch] $Master, [switch] $Worker)
    $hosts = @(Get-KubeHost)
    if ($hosts.Count -eq 0) {
        throw 'No host is connected in this session. Run: Get-VagrantHost -Path . | Connect-KubeHost'
    }
    if ($Master) {
        $masters = @($hosts | Where-Object Role -EQ 'Master')
        if ($masters.Count -eq 0) {
            throw "No connected host has the role Master, so the checks cannot tell which host is the master. Run: Get-KubeHost $($hosts[0].Name) | Connect-KubeHost -Role Master"
        }
        return $masters
    }
    if ($Worker) {
        $workers = @($hosts | Where-Object Role -NE 'Master')
        if ($workers.Count -eq 0) {
            throw "Only the master ($(Join-KubeLabList $hosts.Name)) is connected; the workers are not. Run: Get-VagrantHost -Path . | Connect-KubeHost"
        }
        return $workers
    }
    $hosts
}

function Assert-KubeLabApi {
    <# Every slide from 3 on talks to the Kubernetes API; without a connection, stop with Connect-KubeApi's fix. #>
    try {
        $null = Get-KubeNode -ErrorAction Stop
    }
    catch {
        if ("$($_.FullyQualifiedErrorId)" -notlike 'KubeApiNotConnected*') { throw }
        # The deck's insecure API address is the master's, port 8080; through Vagrant's forwarded ports (127.0.0.1)
        # only SSH reaches the master, so go through it.
        $master = @(Get-KubeHost | Where-Object Role -EQ 'Master') | Select-Object -First 1
        $server = if (-not $master) { 'http://172.17.8.101:8080' }
        elseif ($master.HostName -match '^(127\.|localhost$|::1$)') { "http://172.17.8.101:8080 -ViaHost $($master.Name)" }
        else { "http://$($master.HostName):8080" }
        throw "No Kubernetes API is connected in this session. Run: Connect-KubeApi -Server $server"
    }
}

function Get-KubeLabNode {
    <#
        The node of each host (named after the host, or with the host's address); a host without one stops the check:
        its kubelet has not registered it.
    #>
    param([Parameter(Mandatory)][object[]] $KubeHost)
    Assert-KubeLabApi
    $nodes = @(Get-KubeNode)
    $found = [Collections.Generic.List[object]]::new()
    $absent = [Collections.Generic.List[string]]::new()
    foreach ($h in $KubeHost) {
        $node = $nodes | Where-Object { $_.Name -eq $h.Name -or ($_.InternalIP -and $_.InternalIP -eq $h.HostName) } | Select-Object -First 1
        if ($node) { $found.Add($node) } else { $absent.Add($h.Name) }
    }
    if ($absent.Count -gt 0) {
        $have = if ($absent.Count -gt 1) { 'have no node in the cluster yet: their kubelets have' } else { 'has no node in the cluster yet: its kubelet has' }
        throw "$(Join-KubeLabList $absent) $have not registered one. Run: $(Get-KubeLabHostSelection $absent) | Start-KubeletNode -Wait"
    }
    $found.ToArray()
}
