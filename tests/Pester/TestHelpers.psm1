#Requires -Version 7.4
<#
    Shared helpers for the KubeFromScratch Pester tests.

    Lab tests talk to the local lab (tests/lab/lab.sh: core-01..03 on 172.17.8.0/24). They run only after
    `lab.sh check-network` and `lab.sh status` succeed; otherwise their Describe blocks are skipped with the
    reason, and Lab.Tests.ps1 turns that skip into a failure when $env:CI is 'true'.

    Network rule: tests connect only to loopback and 172.17.8.0/24.
#>
Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).Path
$script:LabDir = Join-Path $script:RepoRoot 'out/lab'
$script:LabScript = Join-Path $script:RepoRoot 'tests/lab/lab.sh'
$RepoRoot = $script:RepoRoot

function Get-KfsModulePath {
    <# The built module (out/KubeFromScratch, or $env:KFS_MODULE_PATH when set), as Import-Module takes it. #>
    [OutputType([string])]
    param()
    # build.ps1 names the manifest; the tests want the module folder (they look for files in it).
    if ($env:KFS_MODULE_PATH) {
        if ($env:KFS_MODULE_PATH -like '*.psd1') { return (Split-Path -Parent $env:KFS_MODULE_PATH) }
        return $env:KFS_MODULE_PATH
    }
    Join-Path $script:RepoRoot 'out/KubeFromScratch'
}

function Get-LabPath {
    <# A file of the lab's client side (keys, configs) under out/lab. #>
    [OutputType([string])]
    param([Parameter(Mandatory)][string] $ChildPath)
    Join-Path $script:LabDir $ChildPath
}

function Get-LabSkipReason {
    <#
        $null when the lab can be used, else why not. Checks, in order: Linux, root, lab.sh present,
        `lab.sh check-network` (the bridge carries 172.17.8.0/24, so nothing leaves loopback and the lab), and
        `lab.sh status` (all three hosts up with sshd answering).
    #>
    [OutputType([string])]
    param()
    if (-not $IsLinux) { return 'the lab runs only on Linux (systemd-nspawn)' }
    if ((& id -u) -ne '0') { return 'the lab needs root (systemd-nspawn, network namespaces)' }
    if (-not (Test-Path -LiteralPath $script:LabScript)) { return "$script:LabScript does not exist" }
    $out = & bash $script:LabScript check-network 2>&1
    if ($LASTEXITCODE -ne 0) {
        return "tests/lab/lab.sh check-network failed (exit $LASTEXITCODE): $(($out | Out-String).Trim())"
    }

    $out = & bash $script:LabScript status 2>&1
    if ($LASTEXITCODE -ne 0) {
        return "tests/lab/lab.sh status says the lab is not up (run tests/lab/lab.sh up): $(($out | Out-String).Trim())"
    }

    foreach ($file in 'vagrant-ssh-config.txt', 'ssh_config', 'id_ed25519') {
        if (-not (Test-Path -LiteralPath (Join-Path $script:LabDir $file))) { return "out/lab/$file is missing (run tests/lab/lab.sh up)" }
    }

    $null
}

function Assert-LabOrSkip {
    <#
        For one It that stands for the lab as a whole: fails in CI ($env:CI -eq 'true') when the lab is
        unavailable, is skipped with the reason elsewhere, passes when the lab is usable.
    #>
    param([string] $Reason = (Get-LabSkipReason))
    if (-not $Reason) { return }
    if ($env:CI -eq 'true') { throw "The lab is required in CI but unavailable: $Reason" }
    Set-ItResult -Skipped -Because $Reason
}

function Invoke-LabLab {
    <# Runs tests/lab/lab.sh with the given arguments; throws when it fails. #>
    param([Parameter(Mandatory, ValueFromRemainingArguments)][string[]] $Arguments)
    $out = & bash $script:LabScript @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "lab.sh $($Arguments -join ' ') failed (exit $LASTEXITCODE): $(($out | Out-String).Trim())" }
    $out
}

function Invoke-LabSsh {
    <#
        Runs a command on a lab host with OpenSSH's own client (out/lab/ssh_config, user core unless -User), not
        with the module under test, so checks of what the module did do not depend on the module.
        Returns stdout lines; throws on a non-zero exit unless -AllowFailure.
    #>
    param(
        [Parameter(Mandatory, Position = 0)][ValidateSet('core-01', 'core-02', 'core-03')][string] $HostName,
        [Parameter(Mandatory, Position = 1)][string] $Command,
        [string] $User,
        [switch] $AllowFailure
    )
    $target = if ($User) { "$User@$HostName" } else { $HostName }
    $out = & ssh -F (Join-Path $script:LabDir 'ssh_config') -o BatchMode=yes $target -- $Command 2>$null
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) {
        throw "ssh $target '$Command' failed with exit $LASTEXITCODE"
    }
    $out
}

function New-LabKnownHostsPath {
    <# A path for a fresh known_hosts file (not created): in Pester's TestDrive when there is one, so it goes with it. #>
    [OutputType([string])]
    param()
    $testDrive = Get-Variable -Name TestDrive -Scope Global -ValueOnly -ErrorAction Ignore
    $folder = if ($testDrive -and (Test-Path -LiteralPath $testDrive)) { $testDrive } else { [IO.Path]::GetTempPath() }
    Join-Path $folder "kfs-known_hosts-$([guid]::NewGuid().ToString('N'))"
}

function New-LabSession {
    <#
        Connects core-01..03 the way a workshop user does (Get-VagrantHost | Connect-KubeHost), trusting their
        keys into a fresh temporary known_hosts (or -KnownHostsFile). Returns the KubeHost objects.
    #>
    param([string] $KnownHostsFile = (New-LabKnownHostsPath))
    Get-VagrantHost -SshConfig (Get-Content -Raw -LiteralPath (Join-Path $script:LabDir 'vagrant-ssh-config.txt')) |
        Connect-KubeHost -KnownHostsFile $KnownHostsFile -AcceptNewHostKey
}

function Get-PwshCommandLine {
    <#
        How to start another pwsh like this one: the pwsh executable, or `dotnet <pwsh.dll>` when pwsh runs as a
        local dotnet tool (then the process is dotnet itself).
    #>
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @{ FilePath = $exe; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    @{ FilePath = $exe; Prefix = @() }
}

function Invoke-Isolated {
    <#
        Runs a script block in a fresh `pwsh -NoProfile -NonInteractive` child (current folder: the repository),
        with the module imported first unless -NoImport, and returns its output (deserialised). A terminating
        error in the child is rethrown here with the child's message. For tests that must not share any state
        (loaded assemblies, sessions) with this process.
    #>
    param(
        [Parameter(Mandatory, Position = 0)][scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @(),
        [switch] $NoImport
    )
    $dir = Join-Path ([IO.Path]::GetTempPath()) "kfs-isolated-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $dir
    try {
        $argsFile = Join-Path $dir 'args.xml'
        $outFile = Join-Path $dir 'out.xml'
        $errFile = Join-Path $dir 'error.txt'
        $scriptFile = Join-Path $dir 'run.ps1'
        Export-Clixml -LiteralPath $argsFile -InputObject $ArgumentList -Depth 5
        $import = if ($NoImport) { '' } else { "Import-Module -Name '$((Get-KfsModulePath) -replace "'", "''")' -ErrorAction Stop" }
        @"
`$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath '$($script:RepoRoot -replace "'", "''")'
try {
    $import
    `$__kfsArgs = [object[]](Import-Clixml -LiteralPath '$argsFile')
    `$__kfsOut = & {
$ScriptBlock
} @__kfsArgs
    Export-Clixml -LiteralPath '$outFile' -InputObject @(`$__kfsOut) -Depth 5
}
catch {
    Set-Content -LiteralPath '$errFile' -Value (`$_ | Out-String)
    exit 1
}
"@ | Set-Content -LiteralPath $scriptFile
        $pwsh = Get-PwshCommandLine
        $stderr = & $pwsh.FilePath @($pwsh.Prefix) -NoProfile -NonInteractive -File $scriptFile 2>&1 | Out-String
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $outFile)) {
            $why = if (Test-Path -LiteralPath $errFile) { Get-Content -Raw -LiteralPath $errFile } else { $stderr }
            throw "The isolated pwsh failed (exit $LASTEXITCODE): $why"
        }
        Import-Clixml -LiteralPath $outFile
    }
    finally {
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-YamlDotNet1121Path {
    <#
        YamlDotNet 11.2.1 from the NuGet package folder the Pester package restore fills ($env:NUGET_PACKAGES, else
        ~/.nuget/packages): an old YamlDotNet another module could have loaded, to prove the module's own (newer)
        copy stays private. $null when the package has not been restored.
    #>
    [OutputType([string])]
    param()
    # The folders the restore of tests/Pester/PesterPackage.proj used (as build.ps1 finds Pester), then the defaults.
    $roots = [Collections.Generic.List[string]]::new()
    $assets = Join-Path $script:RepoRoot 'tests/Pester/obj/project.assets.json'
    if (Test-Path -LiteralPath $assets) {
        $folders = (Get-Content -Raw -LiteralPath $assets | ConvertFrom-Json).packageFolders
        if ($folders) { $folders.PSObject.Properties.Name | ForEach-Object { $roots.Add($_) } }
    }
    if ($env:NUGET_PACKAGES) { $roots.Add($env:NUGET_PACKAGES) }
    $roots.Add((Join-Path $HOME '.nuget/packages'))
    foreach ($root in $roots) {
        foreach ($tfm in 'netstandard2.1', 'netstandard2.0', 'net6.0') {
            $dll = Join-Path $root "yamldotnet/11.2.1/lib/$tfm/YamlDotNet.dll"
            if (Test-Path -LiteralPath $dll) { return $dll }
        }
    }
    $null
}

function Assert-KfsError {
    <#
        Pins an error record the way a script would inspect it: FullyQualifiedErrorId begins with the stable id,
        the category, the target object, and optionally text the message must contain.
    #>
    param(
        [Parameter(Mandatory, Position = 0)][AllowNull()] $ErrorRecord,
        [Parameter(Mandatory)][string] $Id,
        [Parameter(Mandatory)][System.Management.Automation.ErrorCategory] $Category,
        [Parameter(Mandatory)][AllowNull()] $TargetObject,
        [string[]] $MessageContains = @()
    )
    $ErrorRecord | Should -Not -BeNullOrEmpty -Because "an error $Id was expected"
    @($ErrorRecord).Count | Should -Be 1 -Because "exactly one $Id error was expected, got: $(@($ErrorRecord) | ForEach-Object FullyQualifiedErrorId)"
    $ErrorRecord = @($ErrorRecord)[0]
    $ErrorRecord.FullyQualifiedErrorId | Should -Match "^$([regex]::Escape($Id))(,|$)"
    # A record that came back from Invoke-Isolated is deserialised: its category and details are flattened.
    $deserialised = $null -eq $ErrorRecord.PSObject.Properties['CategoryInfo']
    $actualCategory = if ($deserialised) { [System.Management.Automation.ErrorCategory]$ErrorRecord.ErrorCategory_Category } else { $ErrorRecord.CategoryInfo.Category }
    $actualCategory | Should -Be $Category
    $ErrorRecord.TargetObject | Should -Be $TargetObject
    # The message a user sees: ErrorDetails when the cmdlet set it, else the exception's.
    $details = if ($deserialised) { $ErrorRecord.PSObject.Properties['ErrorDetails_Message']?.Value } elseif ($ErrorRecord.ErrorDetails) { $ErrorRecord.ErrorDetails.Message }
    $message = if ($details) { $details } else { $ErrorRecord.Exception.Message }
    foreach ($text in $MessageContains) {
        $message | Should -BeLikeExactly "*$([WildcardPattern]::Escape($text))*"
    }
}

function Get-FreeLoopbackPort {
    <# A TCP port on 127.0.0.1 nothing listens on right now. #>
    [OutputType([int])]
    param()
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-Until {
    <# Polls a condition every -IntervalMs until it is true or -TimeoutSec passes; returns whether it became true. #>
    param(
        [Parameter(Mandatory, Position = 0)][scriptblock] $Condition,
        [double] $TimeoutSec = 10,
        [int] $IntervalMs = 200
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    do {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds $IntervalMs
    } while ([DateTime]::UtcNow -lt $deadline)
    [bool](& $Condition)
}

function New-TestCredential {
    <# A PSCredential from a user name and a plain-text (lab-only) password. #>
    param([Parameter(Mandatory)][string] $UserName, [Parameter(Mandatory)][string] $Password)
    [pscredential]::new($UserName, (ConvertTo-SecureString -String $Password -AsPlainText -Force))
}

function ConvertTo-PosixQuoted {
    <# Quotes one value for a POSIX shell command line the test itself sends (single quotes, ' as '\''). #>
    [OutputType([string])]
    param([Parameter(Mandatory, Position = 0)][AllowEmptyString()][string] $Value)
    "'" + $Value.Replace("'", "'\''") + "'"
}

function Get-TestApiServerPath {
    <#
        The lab's Kubernetes API stand-in (tests/LabApiServer), built: $env:KFS_TEST_APISERVER, else the copy
        lab.sh published (out/lab/apiserver), else one published here once into out/test-apiserver.
    #>
    [OutputType([string])]
    param()
    if ($env:KFS_TEST_APISERVER) { return $env:KFS_TEST_APISERVER }
    $lab = Join-Path $script:LabDir 'apiserver/LabApiServer.dll'
    if (Test-Path -LiteralPath $lab) { return $lab }
    $out = Join-Path $script:RepoRoot 'out/test-apiserver'
    $dll = Join-Path $out 'LabApiServer.dll'
    if (-not (Test-Path -LiteralPath $dll)) {
        $log = & dotnet publish (Join-Path $script:RepoRoot 'tests/LabApiServer/LabApiServer') -c Release -o $out --nologo 2>&1
        if ($LASTEXITCODE -ne 0) { throw "publishing the LabApiServer failed: $(($log | Out-String).Trim())" }
    }
    $dll
}

function Start-TestApiServer {
    <#
        Starts the Kubernetes API stand-in on 127.0.0.1 (a free port, or -Port to come back on the same one after
        a restart) and waits until it answers. Returns @{ Url; Port; Process }. Stop it with Stop-TestApiServer.
    #>
    param([int] $Port = (Get-FreeLoopbackPort), [int] $NodeGraceSeconds = 40)
    $dll = Get-TestApiServerPath
    $url = "http://127.0.0.1:$Port"
    $log = Join-Path ([IO.Path]::GetTempPath()) "kfs-apiserver-$Port-$PID.log"
    $process = Start-Process -FilePath dotnet -ArgumentList $dll, '--urls', $url, '--node-grace-seconds', $NodeGraceSeconds `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
    $ok = Wait-Until -TimeoutSec 30 -IntervalMs 100 {
        try { (Invoke-WebRequest -Uri "$url/healthz" -TimeoutSec 2 -SkipHttpErrorCheck).StatusCode -eq 200 } catch { $false }
    }
    if (-not $ok) {
        $process | Stop-Process -Force -ErrorAction SilentlyContinue
        throw "the LabApiServer did not answer at $url within 30 s: $(Get-Content -Raw -LiteralPath $log -ErrorAction SilentlyContinue)"
    }
    [pscustomobject]@{ Url = $url; Port = $Port; Process = $process }
}

function Stop-TestApiServer {
    <# Stops a server Start-TestApiServer started, and waits until its port is free. #>
    param([Parameter(Mandatory, ValueFromPipeline)] $Server)
    process {
        if ($Server -and -not $Server.Process.HasExited) {
            $Server.Process | Stop-Process -Force -ErrorAction SilentlyContinue
            $null = $Server.Process.WaitForExit(10000)
        }
    }
}

function Register-TestNode {
    <#
        Registers a node with the API stand-in as a kubelet does (POST /api/v1/nodes), Ready or not, with its
        InternalIP. Plain REST with Invoke-RestMethod, not the module under test.
    #>
    param(
        [Parameter(Mandatory)][string] $Server,
        [Parameter(Mandatory)][string] $Name,
        [string] $Address = '127.0.0.1',
        [switch] $Ready,
        [string[]] $Role = @()
    )
    $labels = @{ 'kubernetes.io/hostname' = $Name; 'kubernetes.io/os' = 'linux' }
    foreach ($r in $Role) { $labels["node-role.kubernetes.io/$r"] = '' }
    $now = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
    $node = @{
        apiVersion = 'v1'; kind = 'Node'
        metadata   = @{ name = $Name; labels = $labels }
        status     = @{
            capacity   = @{ cpu = '2'; memory = '2048Mi'; pods = '110' }
            addresses  = @(@{ type = 'InternalIP'; address = $Address }, @{ type = 'Hostname'; address = $Name })
            nodeInfo   = @{ kubeletVersion = 'v1.33.1'; osImage = 'Debian GNU/Linux 12 (bookworm)' }
            conditions = @(@{ type = 'Ready'; status = $(if ($Ready) { 'True' } else { 'False' }); reason = $(if ($Ready) { 'KubeletReady' } else { 'KubeletNotReady' }); lastHeartbeatTime = $now; lastTransitionTime = $now })
        }
    }
    Invoke-RestMethod -Method Post -Uri "$Server/api/v1/nodes" -ContentType 'application/json' -Body ($node | ConvertTo-Json -Depth 10)
}

function Send-TestHeartbeat {
    <# A kubelet's Ready heartbeat (PATCH /api/v1/nodes/NAME/status, strategic merge). #>
    param([Parameter(Mandatory)][string] $Server, [Parameter(Mandatory)][string] $Name, [ValidateSet('True', 'False')][string] $Status = 'True')
    $now = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
    $body = @{ status = @{ conditions = @(@{ type = 'Ready'; status = $Status; reason = 'KubeletReady'; lastHeartbeatTime = $now }) } } | ConvertTo-Json -Depth 6
    Invoke-RestMethod -Method Patch -Uri "$Server/api/v1/nodes/$Name/status" -ContentType 'application/strategic-merge-patch+json' -Body $body
}

function Invoke-Kubectl {
    <#
        Runs the machine's real kubectl (the referee) against -Server; -Version 1.33 picks the static kubectl.1.33
        beside the launcher, the default is the launcher's own (1.32). Returns stdout lines; throws on a non-zero
        exit unless -AllowFailure (then $LASTEXITCODE tells).
    #>
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Mandatory)][string] $Server,
        [ValidateSet('1.32', '1.33')][string] $Version = '1.32',
        [switch] $AllowFailure,
        # kubectl's own arguments; put them after -- so that -o, -n and friends reach kubectl.
        [Parameter(Mandatory, ValueFromRemainingArguments)][string[]] $Arguments
    )
    # The static builds beside the target of the machine's kubectl launcher.
    $launcher = (Get-Command kubectl -CommandType Application | Select-Object -First 1).Source
    $exe = Join-Path (Split-Path -Parent (& readlink -f $launcher)) "kubectl.$Version"
    $out = & $exe --server $Server @Arguments 2>&1
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) { throw "kubectl $($Arguments -join ' ') failed (exit $LASTEXITCODE): $(($out | Out-String).Trim())" }
    $out | ForEach-Object { "$_" }
}

Export-ModuleMember -Function * -Variable RepoRoot
