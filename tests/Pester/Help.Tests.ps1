#Requires -Version 7.4
# Every exported cmdlet has real help (built from en-US/<Cmdlet>.md into the module's MAML) and the
# markdown names exactly the cmdlet's parameters, so help cannot drift from the code.

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $cmdlets = (Import-PowerShellDataFile (Join-Path $repoRoot 'KubeFromScratch.psd1')).CmdletsToExport |
        ForEach-Object {
            @{ Name = $_; HasMarkdown = Test-Path -LiteralPath (Join-Path $repoRoot "en-US/$_.md") }
        }
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $modulePath = if ($env:KFS_MODULE_PATH) { $env:KFS_MODULE_PATH } else { Join-Path $repoRoot 'out/KubeFromScratch/KubeFromScratch.psd1' }
    Import-Module $modulePath -Force -ErrorAction Stop
    $commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
}

Describe 'Help for <Name>' -Tag 'Help' -ForEach $cmdlets {
    BeforeAll {
        $markdownPath = Join-Path $repoRoot "en-US/$Name.md"
        $command = Get-Command -Name $Name -Module KubeFromScratch -ErrorAction Ignore
        $help = if ($command) { Get-Help -Name $Name -Full -ErrorAction Ignore }
        $noMarkdown = "en-US/$Name.md does not exist yet, so $Name has no help"
    }

    It 'has a markdown page en-US/<Name>.md' {
        $HasMarkdown | Should -BeTrue -Because $noMarkdown
    }

    It 'is exported by the built module' {
        $command | Should -Not -BeNullOrEmpty -Because "the manifest exports $Name"
    }

    It 'shows a synopsis' -Skip:(-not $HasMarkdown) {
        # Without MAML, Get-Help makes up a synopsis from the syntax ("Get-KubeHost [[-Name] ...").
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\s" -Because 'the synopsis must come from en-US/<Name>.md, not be generated from the syntax'
    }

    It 'shows a description' -Skip:(-not $HasMarkdown) {
        $text = @($help.PSObject.Properties['description']?.Value | ForEach-Object { $_.Text }) -join ''
        $text.Trim() | Should -Not -BeNullOrEmpty -Because 'the DESCRIPTION section must not be empty'
    }

    It 'has at least one example, and every example''s code parses' -Skip:(-not $HasMarkdown) {
        $examples = @($help.PSObject.Properties['examples']?.Value.example)
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            # Older pages put a prompt in front of the code; it is not part of the code.
            $code = ($example.code -split "`r?`n" | ForEach-Object { $_ -replace '^PS [^>]*>\s?', '' }) -join "`n"
            $tokens = $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref] $tokens, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "'$($example.title.Trim('- '))' must parse: $($errors.Message -join '; ')"
        }
    }

    It 'describes every parameter' -Skip:(-not $HasMarkdown) {
        $parameters = @($help.PSObject.Properties['parameters']?.Value.parameter)
        $expected = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })
        foreach ($name in $expected) {
            $entry = $parameters | Where-Object name -EQ $name
            $entry | Should -Not -BeNullOrEmpty -Because "-$name must appear in the help"
            (@($entry.description | ForEach-Object { $_.Text }) -join '').Trim() |
                Should -Not -BeNullOrEmpty -Because "-$name needs a description in en-US/$Name.md"
        }
    }

    It 'documents exactly the cmdlet''s parameters (no drift)' -Skip:(-not $HasMarkdown) {
        $documented = @(Select-String -LiteralPath $markdownPath -Pattern '^###\s+-(\S+)\s*$' |
                ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object)
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters } | Sort-Object)
        $missing = @($actual | Where-Object { $_ -notin $documented })
        $extra = @($documented | Where-Object { $_ -notin $actual })
        $missing | Should -BeNullOrEmpty -Because "en-US/$Name.md must document every parameter of $Name"
        $extra | Should -BeNullOrEmpty -Because "en-US/$Name.md documents parameters $Name does not have"
    }
}
