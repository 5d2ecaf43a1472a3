#Requires -Version 7.4
<#
.SYNOPSIS
    The "Kubernetes from scratch" workshop as KubeFromScratch pipelines, slide by slide, against the local lab.

.DESCRIPTION
    Run by `./build.ps1 -Task Demo` after the lab is up (tests/lab/lab.sh writes out/lab/). Each slide prints its
    title, what the attendee typed, and the typed result of the pipeline that replaces it. The slides whose
    cmdlets have not landed yet (the Kubernetes API: nodes, Weave Net, the demo app) are named at the end.
    Against your own hosts, replace the lab's specs and mirror with yours (see README.md).
#>
[CmdletBinding()]
param(
    # The module to import; the build output by default.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KubeFromScratch/KubeFromScratch.psd1'),

    # The lab's state folder (vagrant-ssh-config.txt and the release mirror are there).
    [string] $LabDirectory = (Join-Path $PSScriptRoot '../out/lab'),

    # Where release files come from: the lab's mirror, laid out like dl.k8s.io and github.com.
    [uri] $BaseUrl = 'http://172.17.8.1:8080'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module $ModulePath

function Show-Slide([string] $Number, [string] $Title, [string] $Typed) {
    Write-Host "`n# Slide ${Number}: $Title" -ForegroundColor Cyan
    Write-Host "  (the deck: $Typed)" -ForegroundColor DarkGray
}

Show-Slide 1 'reach the hosts' 'vagrant up; vagrant ssh core-01'
# The lab stands in for `vagrant up`; its ssh-config has the shape `vagrant ssh-config` prints. First contact
# records each host key in the demo's own known_hosts (trust on first use, like answering "yes" to ssh).
$sshConfig = Get-Content -Raw -LiteralPath (Join-Path $LabDirectory 'vagrant-ssh-config.txt')
$knownHosts = Join-Path $LabDirectory 'known_hosts_demo'
$specs = Get-VagrantHost -SshConfig $sshConfig
$specs | Where-Object Name -EQ 'core-01' | Connect-KubeHost -Role Master -AcceptNewHostKey -KnownHostsFile $knownHosts | Out-Null
$specs | Where-Object Name -NE 'core-01' | Connect-KubeHost -Role Worker -AcceptNewHostKey -KnownHostsFile $knownHosts | Out-Null
Get-KubeHost | Format-Table
Get-KubeHost | Invoke-KubeHostCommand -Command 'hostname; uptime' | Format-Table

Show-Slide 2 'etcd is healthy' 'etcdctl cluster-health'
Get-KubeHost -Role Master | Test-EtcdHealth | Out-Host

Show-Slide 3 'the kubelet on the master, with systemd' 'sudo systemctl enable kube-kubelet && sudo systemctl start kube-kubelet'
Get-KubeHost core-01 | Start-KubeletNode | Format-Table

Show-Slide 4 'the kubelet''s log' 'journalctl -fu kube-kubelet'
# In an interactive session: Get-KubeJournal core-01 -Unit kube-kubelet -Follow (Ctrl-C ends it).
Get-KubeJournal core-01 -Unit kube-kubelet -Lines 5 | Out-Host

Show-Slide 6 'the kubelet on the workers' 'ssh core@172.17.8.102 "sudo systemctl enable kube-kubelet && ..." (and .103)'
Get-KubeHost -Role Worker | Start-KubeletNode | Format-Table

Show-Slide 7 'kube-proxy on every host' 'sudo systemctl enable kube-proxy && sudo systemctl start kube-proxy'
Get-KubeHost | Start-KubeProxy | Format-Table
Get-KubeUnit | Format-Table

Show-Slide 11 'the CNI loopback plugin on every host' 'curl -L .../cni-v0.3.0.tgz | tar xvzC /opt/cni/bin ./loopback'
# Today's plugins tarball with its published .sha256, from the lab's mirror (Debian's build of the plugins).
$cniRoot = Join-Path $LabDirectory 'mirror/containernetworking/plugins/releases/download'
$cniVersion = (Get-ChildItem -Directory -LiteralPath $cniRoot | Select-Object -First 1).Name.TrimStart('v')
Get-KubeHost | Install-CniPlugin -Name loopback -Version $cniVersion -BaseUrl $BaseUrl | Format-Table
Get-KubeHost | Invoke-KubeHostCommand -Command 'CNI_COMMAND=VERSION /opt/cni/bin/loopback' | Format-Table Host, Output

Show-Slide 15 'production readiness: TLS for etcd' 'openssl/cfssl by hand'
$pki = Join-Path $LabDirectory 'demo-pki'
$ca = New-KubeCertificateAuthority $pki -CommonName etcd-ca
Get-KubeHost -Role Master | New-KubeCertificate EtcdServer -CaPath $ca.Path -Path $pki | Test-KubeCertificate -CaPath $ca.Path -ServerName 172.17.8.101 | Format-Table

Write-Host "`nSlides 5, 8-10, 12-14 (kubectl get nodes, Weave Net, the nginx demo and its NodePort) come with the Kubernetes API cmdlets." -ForegroundColor DarkGray
Get-KubeHost | Disconnect-KubeHost
