#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates KubeFromScratch.

.DESCRIPTION
    Tasks (several may be given; each runs at most once, in the order given, after what it needs):

      Build    dotnet publish + help; lays out out/KubeFromScratch/ (module root, en-US/, Dependencies/).
      Package  Build, then a .nupkg in out/package/ made with PSResourceGet (works offline).
      Test     Package, lab up (root on Linux), xunit, Pester in a separate pwsh, lab down if it started it.
               Prints 'N passed, N failed' last; exits non-zero if anything failed or nothing ran.
      LabUp    tests/lab/install-deps.sh, then tests/lab/lab.sh up (--tls with -Tls).
      LabDown  tests/lab/lab.sh down.
      Demo     Build, LabUp, then examples/Workshop.ps1 in a new pwsh.
      Clean    Removes out/ and every bin/ and obj/; refuses while the lab is up.

    Needs only the .NET SDK: run it as `dotnet tool restore && dotnet tool run pwsh -- -NoProfile -File ./build.ps1`.

.EXAMPLE
    dotnet tool run pwsh -- -NoProfile -File ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'LabUp', 'LabDown', 'Demo', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # LabUp/Demo/Test: start the lab with TLS between the components (lab.sh up --tls).
    [switch] $Tls,

    # Test: do not start or use the lab; lab tests skip. Not allowed with CI=true (CI runs every test).
    [switch] $NoLab,

    # Test: run only Pester tests with these tags (e.g. Package, Help, Lab).
    [string[]] $PesterTag,

    # Test: skip Pester tests with these tags.
    [string[]] $ExcludePesterTag
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleName = 'KubeFromScratch'
$ModuleOut = Join-Path $Out $ModuleName
$StagingDir = Join-Path $Out 'staging'
$PackageOut = Join-Path $Out 'package'
$TestResults = Join-Path $Out 'test-results'
$LabScript = Join-Path $Root 'tests/lab/lab.sh'
$LabDepsScript = Join-Path $Root 'tests/lab/install-deps.sh'
$IsCI = $env:CI -eq 'true'

# Each task runs at most once per invocation (Test needs Package needs Build).
$script:TasksDone = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    <#
    Runs a program, its output going to the console (never into the caller's return value); throws when it
    exits non-zero.
    #>
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    Write-Verbose "$FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-PwshCommand {
    <#
    The pwsh running this script: a plain pwsh, or the dotnet tool (then the process is `dotnet` and pwsh.dll
    sits in $PSHOME). Returns the program and the arguments that come before pwsh's own.
    #>
    $processPath = [Environment]::ProcessPath
    $leaf = [IO.Path]::GetFileNameWithoutExtension($processPath)
    if ($leaf -eq 'pwsh') {
        return @{ FilePath = $processPath; Prefix = @() }
    }

    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if ($leaf -eq 'dotnet' -and (Test-Path -LiteralPath $pwshDll)) {
        return @{ FilePath = $processPath; Prefix = @($pwshDll) }
    }

    $onPath = Get-Command pwsh -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($onPath) {
        return @{ FilePath = $onPath.Source; Prefix = @() }
    }

    throw "Cannot find a pwsh to start (this process is '$processPath'). Run build.ps1 with pwsh 7.4 or later."
}

function Invoke-Pwsh {
    <# Runs a script in a new `pwsh -NoProfile` (-NonInteractive unless -Interactive); returns its exit code. #>
    param([Parameter(Mandatory)] [string] $ScriptPath, [string[]] $ArgumentList = @(), [switch] $Interactive)
    $pwsh = Get-PwshCommand
    $arguments = @($pwsh.Prefix) + @('-NoProfile')
    if (-not $Interactive) { $arguments += '-NonInteractive' }
    $arguments += @('-File', $ScriptPath) + $ArgumentList
    & $pwsh.FilePath @arguments | Out-Host
    return $LASTEXITCODE
}

function Test-IsLinuxRoot {
    return $IsLinux -and ((& id -u) -eq '0')
}

function Test-LabUp {
    <# lab.sh's contract: `lab.sh status` exits 0 iff all hosts are up (and answer ssh). #>
    if (-not (Test-IsLinuxRoot) -or -not (Test-Path -LiteralPath $LabScript)) {
        return $false
    }
    & bash $LabScript status *> $null
    return $LASTEXITCODE -eq 0
}

function Test-LabRunning {
    <# Whether any lab host is running at all (fully up, booting, or half torn down). #>
    if (-not $IsLinux -or -not (Test-Path -LiteralPath $LabScript)) {
        return $false
    }
    $lines = & bash $LabScript status 2>$null
    if ($LASTEXITCODE -eq 0) {
        return $true
    }
    # Host lines read "core-01  172.17.8.101  down  (powered off)"; anything else means a host is running.
    return [bool] ($lines | Where-Object { $_ -match '^\S+\s+\d+\.\d+\.\d+\.\d+\s' -and $_ -notmatch '\(powered off\)' })
}

function Invoke-LabUp {
    if (-not $IsLinux) {
        throw 'The lab runs on Linux only (systemd-nspawn containers); see tests/lab/README.md.'
    }
    if (-not (Test-IsLinuxRoot)) {
        throw 'The lab must be started as root: sudo dotnet tool run pwsh -- -NoProfile -File ./build.ps1 -Task LabUp'
    }
    if (-not (Test-Path -LiteralPath $LabScript)) {
        throw "The lab script '$LabScript' does not exist in this checkout."
    }
    if (Test-Path -LiteralPath $LabDepsScript) {
        Write-Step 'Installing the lab''s packages (tests/lab/install-deps.sh)'
        Invoke-Native bash @($LabDepsScript)
    }
    else {
        Write-Warning "'$LabDepsScript' does not exist; assuming the lab's packages are installed."
    }
    Write-Step "Starting the lab (tests/lab/lab.sh up$(if ($Tls) { ' --tls' }))"
    $labArgs = @('up') + $(if ($Tls) { @('--tls') } else { @() })
    Invoke-Native bash (@($LabScript) + $labArgs)
}

function Invoke-LabDown {
    if (-not (Test-Path -LiteralPath $LabScript)) {
        Write-Warning "'$LabScript' does not exist; nothing to bring down."
        return
    }
    if (-not (Test-IsLinuxRoot)) {
        throw 'The lab must be stopped as root: sudo dotnet tool run pwsh -- -NoProfile -File ./build.ps1 -Task LabDown'
    }
    Write-Step 'Stopping the lab (tests/lab/lab.sh down)'
    Invoke-Native bash @($LabScript, 'down')
}

function Invoke-Task([string] $Name) {
    if (-not $script:TasksDone.Add($Name)) {
        return
    }
    & "Invoke-$($Name)Task"
}

function Invoke-BuildTask {
    Write-Step "Build ($Configuration)"
    $publishDir = Join-Path $StagingDir 'publish'
    $helpFile = Join-Path $StagingDir "en-US/$ModuleName.dll-Help.xml"
    foreach ($dir in $publishDir, (Split-Path $helpFile)) {
        if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
    }

    Invoke-Native dotnet @('publish', (Join-Path $Root "src/$ModuleName/$ModuleName.csproj"),
        '-c', $Configuration, '-o', $publishDir, '--nologo', '-v:minimal')

    Write-Step 'Help (en-US/*.md -> MAML)'
    Invoke-Native dotnet @('run', '--project', (Join-Path $Root 'src/KubeFromScratch.HelpBuilder/KubeFromScratch.HelpBuilder.csproj'),
        '-c', $Configuration, '-v:quiet', '--', '--source', (Join-Path $Root 'en-US'), '--output', $helpFile)

    Write-Step "Layout $ModuleOut"
    # Start from nothing so files from an earlier build (a dependency since dropped) cannot linger.
    if (Test-Path -LiteralPath $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $dependencies = Join-Path $ModuleOut 'Dependencies'
    $help = Join-Path $ModuleOut 'en-US'
    $null = New-Item -ItemType Directory -Path $ModuleOut, $dependencies, $help -Force

    # Module root: only what PowerShell loads in the default load context.
    Copy-Item -LiteralPath (Join-Path $Root "$ModuleName.psd1") -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $Root "src/$ModuleName/$ModuleName.Format.ps1xml") -Destination $ModuleOut
    foreach ($name in "$ModuleName.dll", "$ModuleName.Models.dll") {
        Copy-Item -LiteralPath (Join-Path $publishDir $name) -Destination $ModuleOut
    }
    Copy-Item -LiteralPath $helpFile -Destination $help
    Copy-Item -Path (Join-Path $Root 'en-US/about_*.help.txt') -Destination $help

    # Labs/: Test-KubeLab's Pester checks (one file per slide), their helpers and the Should operators, as script.
    Copy-Item -LiteralPath (Join-Path $Root "src/$ModuleName/Labs") -Destination (Join-Path $ModuleOut 'Labs') -Recurse

    # Dependencies/: the engine and every third-party assembly, loaded by the module's private
    # AssemblyLoadContext. Models stays out so only one copy of the output types can ever load.
    $rootOnly = @("$ModuleName.dll", "$ModuleName.Models.dll")
    $neverShip = @('System.Management.Automation.dll')  # PowerShell's own; the host provides it
    Get-ChildItem -LiteralPath $publishDir -File -Filter '*.dll' |
        Where-Object { $_.Name -notin $rootOnly -and $_.Name -notin $neverShip -and $_.Name -notlike 'Microsoft.PowerShell.*' } |
        Copy-Item -Destination $dependencies
    $enginePdb = Join-Path $publishDir "$ModuleName.Engine.pdb"
    if (Test-Path -LiteralPath $enginePdb) { Copy-Item -LiteralPath $enginePdb -Destination $dependencies }
    $runtimes = Join-Path $publishDir 'runtimes'
    if (Test-Path -LiteralPath $runtimes) {
        # RID-specific assets (native libraries) of a dependency; the load context resolves them from here.
        Copy-Item -LiteralPath $runtimes -Destination $dependencies -Recurse
    }

    Assert-ModuleLayout
    $count = (Get-ChildItem -LiteralPath $dependencies -Filter '*.dll').Count
    Write-Host "Built $ModuleOut ($count assemblies in Dependencies/)."
}

function Assert-ModuleLayout {
    <# Fails the build when the layout would break isolation or miss an assembly at run time. #>
    $problems = [System.Collections.Generic.List[string]]::new()
    $expectedRoot = @("$ModuleName.psd1", "$ModuleName.dll", "$ModuleName.Models.dll", "$ModuleName.Format.ps1xml", 'en-US', 'Dependencies', 'Labs')
    $actualRoot = (Get-ChildItem -LiteralPath $ModuleOut -Force).Name
    foreach ($extra in $actualRoot | Where-Object { $_ -notin $expectedRoot }) { $problems.Add("unexpected file at the module root: $extra") }
    foreach ($missing in $expectedRoot | Where-Object { $_ -notin $actualRoot }) { $problems.Add("missing at the module root: $missing") }
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleOut "en-US/$ModuleName.dll-Help.xml"))) { $problems.Add("missing en-US/$ModuleName.dll-Help.xml") }
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleOut 'Labs/Assertions.ps1'))) { $problems.Add('missing Labs/Assertions.ps1 (the Should operators)') }
    if (-not (Get-ChildItem -LiteralPath (Join-Path $ModuleOut 'Labs') -Filter '*.Tests.ps1' -ErrorAction Ignore)) { $problems.Add('no lab checks (Labs/NN-name.Tests.ps1)') }
    foreach ($sma in Get-ChildItem -LiteralPath $ModuleOut -Recurse -Filter 'System.Management.Automation.dll') {
        $problems.Add("PowerShell's own assembly must not ship: $($sma.FullName)")
    }

    # Every assembly reference from the engine and its dependencies must resolve to Dependencies/, the
    # default-context Models assembly, or the shared framework; otherwise the first call fails at run time.
    $dependencies = Join-Path $ModuleOut 'Dependencies'
    if (-not (Test-Path -LiteralPath (Join-Path $dependencies "$ModuleName.Engine.dll"))) { $problems.Add("missing Dependencies/$ModuleName.Engine.dll") }
    $shipped = @{}
    foreach ($file in Get-ChildItem -LiteralPath $ModuleOut -Recurse -Filter '*.dll') {
        $shipped[[IO.Path]::GetFileNameWithoutExtension($file.Name)] = $file.FullName
    }
    $framework = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    foreach ($file in Get-ChildItem -LiteralPath $dependencies -Filter '*.dll') {
        foreach ($reference in Get-AssemblyReference -Path $file.FullName) {
            if ($shipped.ContainsKey($reference) -or $reference -in 'netstandard', 'mscorlib') { continue }
            if (Test-Path -LiteralPath (Join-Path $framework "$reference.dll")) { continue }
            $problems.Add("$($file.Name) references $reference, which is neither in the module nor in the .NET runtime")
        }
    }

    if ($problems.Count -gt 0) {
        throw "The module layout in $ModuleOut is wrong:`n  $($problems -join "`n  ")"
    }
}

function Get-AssemblyReference([string] $Path) {
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        if (-not $pe.HasMetadata) { return }
        $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        foreach ($handle in $reader.AssemblyReferences) {
            $reader.GetString($reader.GetAssemblyReference($handle).Name)
        }
        $pe.Dispose()
    }
    finally {
        $stream.Dispose()
    }
}

function Invoke-PackageTask {
    Invoke-Task Build
    Write-Step "Package -> $PackageOut"
    if (Test-Path -LiteralPath $PackageOut) { Remove-Item -LiteralPath $PackageOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $PackageOut

    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    # A throw-away repository with a unique name: nothing of the user's PSResourceGet setup is touched, and
    # a local file repository needs no network.
    $repository = "KubeFromScratchBuild-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    Register-PSResourceRepository -Name $repository -Uri $PackageOut -Trusted
    try {
        Publish-PSResource -Path $ModuleOut -Repository $repository -SkipDependenciesCheck
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }

    $package = Get-ChildItem -LiteralPath $PackageOut -Filter '*.nupkg' | Select-Object -First 1
    if (-not $package) { throw "Publish-PSResource wrote no .nupkg to $PackageOut." }
    Write-Host "Packaged $($package.FullName)"
}

function Get-PesterModulePath {
    <#
    Restores tests/Pester/PesterPackage.proj (a PackageDownload of Pester from NuGet) and returns the path of
    Pester.psd1 in the global packages folder that restore used (NUGET_PACKAGES, nuget.config, or default).
    #>
    $project = Join-Path $Root 'tests/Pester/PesterPackage.proj'
    Invoke-Native dotnet @('restore', $project, '--nologo', '-v:quiet')
    [xml] $proj = Get-Content -LiteralPath $project -Raw
    # Several versions may be listed ([6.2.0];[5.7.1]): the first runs the tests, the others are for tests that need them.
    $version = ($proj.SelectSingleNode("//PackageDownload[@Include='Pester']").GetAttribute('Version') -split ';')[0].Trim().Trim('[', ']')
    $assets = Get-Content -LiteralPath (Join-Path $Root 'tests/Pester/obj/project.assets.json') -Raw | ConvertFrom-Json
    foreach ($folder in $assets.packageFolders.PSObject.Properties.Name) {
        $candidate = Join-Path $folder "pester/$version"
        if (Test-Path -LiteralPath $candidate) {
            $psd1 = Get-ChildItem -LiteralPath $candidate -Recurse -Filter 'Pester.psd1' | Select-Object -First 1
            if ($psd1) { return $psd1.FullName }
        }
    }
    throw "Pester $version was restored but Pester.psd1 was not found under: $($assets.packageFolders.PSObject.Properties.Name -join ', ')."
}

function Invoke-XunitTests {
    <#
        Runs every xunit project (the engine's tests and the lab API server's, which drive the real kubectl) and
        returns @{ Passed; Failed; Ok } summed from their TRX files; Ok is false when a project could not run.
    #>
    $projects = @(
        'tests/KubeFromScratch.Tests/KubeFromScratch.Tests.csproj'
        'tests/LabApiServer/LabApiServer.Tests/LabApiServer.Tests.csproj'
    )
    $total = @{ Passed = 0; Failed = 0; Ok = $true }
    foreach ($project in $projects) {
        $name = [IO.Path]::GetFileNameWithoutExtension($project)
        Write-Step "xunit (dotnet test $name)"
        $trx = Join-Path $TestResults "$name.trx"
        if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx -Force }
        & dotnet test (Join-Path $Root $project) -c $Configuration --nologo `
            --logger "trx;LogFileName=$name.trx" --logger 'console;verbosity=normal' --results-directory $TestResults | Out-Host
        $exitCode = $LASTEXITCODE
        if (-not (Test-Path -LiteralPath $trx)) {
            Write-Host "dotnet test $name exited with $exitCode and wrote no results (did the test project build?)." -ForegroundColor Red
            $total.Ok = $false
            continue
        }
        [xml] $doc = Get-Content -LiteralPath $trx -Raw
        $ns = [System.Xml.XmlNamespaceManager]::new($doc.NameTable)
        $ns.AddNamespace('t', $doc.DocumentElement.NamespaceURI)
        $counters = $doc.SelectSingleNode('/t:TestRun/t:ResultSummary/t:Counters', $ns)
        $count = { param($name) $value = $counters.GetAttribute($name); if ($value) { [int] $value } else { 0 } }
        $failed = (& $count failed) + (& $count error) + (& $count timeout) + (& $count aborted)
        $total.Passed += (& $count passed)
        $total.Failed += $failed
        # A non-zero exit with no failed test means the run itself broke (e.g. the test host crashed).
        if ($exitCode -ne 0 -and $failed -eq 0) { $total.Ok = $false }
        Write-Host "xunit ${name}: $(& $count passed) passed, $failed failed, $(& $count notExecuted) skipped"
    }
    Write-Host "xunit: $($total.Passed) passed, $($total.Failed) failed"
    return $total
}

function Invoke-PesterTests {
    <# Runs Pester in a separate pwsh (the module's DLLs must not load into this process); returns counts. #>
    Write-Step 'Pester (separate pwsh)'
    $pester = Get-PesterModulePath
    $summary = Join-Path $TestResults 'pester-summary.json'
    if (Test-Path -LiteralPath $summary) { Remove-Item -LiteralPath $summary -Force }
    $runner = Join-Path $TestResults 'run-pester.ps1'
    Set-Content -LiteralPath $runner -Encoding utf8NoBOM -Value @'
param([string] $PesterPath, [string] $TestPath, [string] $ResultPath, [string] $SummaryPath, [string] $Tag, [string] $ExcludeTag)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.Exit = $false
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultPath
if ($Tag) { $config.Filter.Tag = $Tag -split ',' }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag -split ',' }
# The tests run under PowerShell's default preference, as a user's session does: a non-terminating error
# stays non-terminating unless a test asks otherwise.
$ErrorActionPreference = 'Continue'
$result = Invoke-Pester -Configuration $config
# A test file that fails to load or a failing BeforeAll is a failure too, not a silent zero.
[ordered] @{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
    NotRun  = $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8NoBOM
'@

    # Where the built module and the package are. Lab tests find the lab themselves (lab.sh status) and skip
    # with the reason when it is not up (fail in CI).
    $env:KFS_MODULE_PATH = Join-Path $ModuleOut "$ModuleName.psd1"
    $env:KFS_PACKAGE_PATH = $PackageOut
    $exitCode = Invoke-Pwsh -ScriptPath $runner -ArgumentList @(
        '-PesterPath', $pester, '-TestPath', (Join-Path $Root 'tests/Pester'),
        '-ResultPath', (Join-Path $TestResults 'pester.xml'), '-SummaryPath', $summary,
        '-Tag', ($PesterTag -join ','), '-ExcludeTag', ($ExcludePesterTag -join ','))
    if (-not (Test-Path -LiteralPath $summary)) {
        Write-Host "The Pester process exited with $exitCode and wrote no summary." -ForegroundColor Red
        return @{ Passed = 0; Failed = 0; Ok = $false }
    }
    $counts = Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json
    Write-Host "Pester: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    return @{ Passed = [int] $counts.Passed; Failed = [int] $counts.Failed; Ok = $true }
}

function Invoke-TestTask {
    Invoke-Task Package
    $null = New-Item -ItemType Directory -Path $TestResults -Force

    $lab = @{ Up = $false; StartedHere = $false; SkipReason = '' }
    if ($NoLab) {
        $lab.SkipReason = '-NoLab was given'
        if ($IsCI) { throw 'CI=true runs every test; -NoLab is not allowed.' }
        Write-Host 'Not using the lab (-NoLab); lab tests will skip.' -ForegroundColor Yellow
    }
    elseif (-not (Test-IsLinuxRoot)) {
        $lab.SkipReason = 'the lab needs root on Linux; run the tests as root to include the lab tests'
        if ($IsCI) { throw "CI=true but the lab cannot start: $($lab.SkipReason)." }
        Write-Host "Not starting the lab: $($lab.SkipReason)." -ForegroundColor Yellow
    }
    elseif (Test-LabUp) {
        Write-Host 'The lab is already up; using it and leaving it up.'
        $lab.Up = $true
    }
    else {
        try {
            Invoke-LabUp
            $lab.Up = $true
            $lab.StartedHere = $true
        }
        catch {
            $lab.SkipReason = "the lab did not start: $($_.Exception.Message)"
            if ($IsCI) { throw "CI=true and $($lab.SkipReason)" }
            Write-Warning "Lab tests will be skipped: $($lab.SkipReason)"
        }
    }

    $xunit = $pester = $null
    try {
        $xunit = Invoke-XunitTests
        $pester = Invoke-PesterTests
    }
    finally {
        if ($lab.StartedHere) {
            try { Invoke-LabDown } catch { Write-Warning "Bringing the lab down failed: $($_.Exception.Message)" }
        }
    }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $ok = $xunit.Ok -and $pester.Ok -and $failed -eq 0 -and ($passed + $failed) -gt 0
    if (-not $xunit.Ok) { Write-Host 'xunit did not run to completion.' -ForegroundColor Red }
    if (-not $pester.Ok) { Write-Host 'Pester did not run to completion.' -ForegroundColor Red }
    if ($passed + $failed -eq 0) { Write-Host 'No tests ran.' -ForegroundColor Red }
    Write-Host "$passed passed, $failed failed"
    if (-not $ok) { exit 1 }
}

function Invoke-LabUpTask {
    Invoke-LabUp
}

function Invoke-LabDownTask {
    Invoke-LabDown
}

function Invoke-DemoTask {
    Invoke-Task Build
    Invoke-Task LabUp
    Write-Step 'Demo: examples/Workshop.ps1'
    $exitCode = Invoke-Pwsh -ScriptPath (Join-Path $Root 'examples/Workshop.ps1') -Interactive
    if ($exitCode -ne 0) { throw "examples/Workshop.ps1 failed with exit code $exitCode." }
    Write-Host 'The lab is still up. Stop it with: dotnet tool run pwsh -- -NoProfile -File ./build.ps1 -Task LabDown'
}

function Invoke-CleanTask {
    if (Test-LabRunning) {
        throw 'The lab is up; its state lives under out/lab. Run ./build.ps1 -Task LabDown first, then Clean.'
    }
    Write-Step 'Clean'
    # The lab's rootfs cache lives under /var/cache, outside the repository, and is kept.
    $targets = @(Get-Item -LiteralPath $Out -ErrorAction Ignore) +
        @(Get-ChildItem -LiteralPath (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -ErrorAction Ignore |
            Where-Object { $_.Name -in 'bin', 'obj' })
    foreach ($target in $targets | Where-Object { $_ -and (Test-Path -LiteralPath $_.FullName) }) {
        Write-Verbose "Removing $($target.FullName)"
        Remove-Item -LiteralPath $target.FullName -Recurse -Force
    }
}

Push-Location $Root
try {
    foreach ($name in $Task) {
        Invoke-Task $name
    }
}
finally {
    Pop-Location
}
