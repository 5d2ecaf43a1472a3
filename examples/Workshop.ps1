#Requires -Version 7.4
<#
.SYNOPSIS
    The "Kubernetes from scratch" workshop as KubeFromScratch pipelines, slide by slide, against the local lab.

.DESCRIPTION
    Run by `./build.ps1 -Task Demo` after the lab is up (tests/lab/lab.sh writes out/lab/). Each slide prints its
    title, what the attendee typed, and the typed result of the pipeline that replaces it.
    Against your own hosts, replace the lab's specs, API address and mirror with yours (see README.md).
#>
[CmdletBinding()]
param(
    # The module to import; the build output by default.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KubeFromScratch/KubeFromScratch.psd1'),

    # The lab's state folder (vagrant-ssh-config.txt and the release mirror are there).
    [string] $LabDirectory = (Join-Path $PSScriptRoot '../out/lab'),

    # Where release files come from: the lab's mirror, laid out like dl.k8s.io and github.com.
    [uri] $BaseUrl = 'http://172.17.8.1:8080',

    # The Kubernetes API: the deck's insecure address on the master (the lab's API server stand-in).
    [string] $ApiServer = 'http://172.17.8.101:8080'
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
Remove-Item -LiteralPath $knownHosts -ErrorAction Ignore   # every demo is a first contact (the lab's keys change when it is rebuilt)
$specs = Get-VagrantHost -SshConfig $sshConfig
$specs | Where-Object Name -EQ 'core-01' | Connect-KubeHost -Role Master -AcceptNewHostKey -KnownHostsFile $knownHosts | Out-Null
$specs | Where-Object Name -NE 'core-01' | Connect-KubeHost -Role Worker -AcceptNewHostKey -KnownHostsFile $knownHosts | Out-Null
Get-KubeHost | Format-Table
Get-KubeHost | Invoke-KubeHostCommand -Command 'hostname; uptime' | Format-Table

Show-Slide 2 'etcd is healthy' 'etcdctl cluster-health'
Get-KubeHost -Role Master | Test-EtcdHealth | Out-Host

Show-Slide 3 'the kubelet on the master, with systemd' 'sudo systemctl enable kube-kubelet && sudo systemctl start kube-kubelet'
Connect-KubeApi -Server $ApiServer | Format-Table
Get-KubeHost core-01 | Start-KubeletNode -Wait -TimeoutSec 120 | Format-Table

Show-Slide 4 'the kubelet''s log' 'journalctl -fu kube-kubelet'
# In an interactive session: Get-KubeJournal core-01 -Unit kube-kubelet -Follow (Ctrl-C ends it).
Get-KubeJournal core-01 -Unit kube-kubelet -Lines 5 | Out-Host

Show-Slide 5 'the master node is there' 'kubectl get nodes'
Get-KubeNode | Format-Table

Show-Slide 6 'the kubelet on the workers' 'ssh core@172.17.8.102 "sudo systemctl enable kube-kubelet && ..." (and .103)'
Get-KubeHost -Role Worker | Start-KubeletNode -Wait -TimeoutSec 120 | Format-Table
Get-KubeNode | Format-Table

Show-Slide 7 'kube-proxy on every host' 'sudo systemctl enable kube-proxy && sudo systemctl start kube-proxy'
Get-KubeHost | Start-KubeProxy | Format-Table
Get-KubeUnit | Format-Table

Show-Slide 8 'the pod network: Weave Net' 'kubectl create -f https://git.io/weave-kube'
# git.io is gone and Weave Net is archived: the module ships Weave Net 2.8.1's manifest, pinned by SHA-256.
Install-WeaveNet -Wait -TimeoutSec 180 | Format-Table

Show-Slide 9 'the system pods' 'kubectl get pods --namespace=kube-system'
Get-KubePod -Namespace kube-system | Format-Table

Show-Slide 10 'the weave script and its peers' 'sudo curl -L git.io/weave -o /opt/bin/weave; weave status peers'
Get-KubeHost | Install-WeaveBinary -BaseUrl $BaseUrl | Format-Table
Get-WeavePeer core-01 | Out-Host

Show-Slide 11 'the CNI loopback plugin on every host' 'curl -L .../cni-v0.3.0.tgz | tar xvzC /opt/cni/bin ./loopback'
# Today's plugins tarball with its published .sha256, from the lab's mirror (Debian's build of the plugins).
$cniRoot = Join-Path $LabDirectory 'mirror/containernetworking/plugins/releases/download'
$cniVersion = (Get-ChildItem -Directory -LiteralPath $cniRoot | Select-Object -First 1).Name.TrimStart('v')
Get-KubeHost | Install-CniPlugin -Name loopback -Version $cniVersion -BaseUrl $BaseUrl | Format-Table
Get-KubeHost | Invoke-KubeHostCommand -Command 'CNI_COMMAND=VERSION /opt/cni/bin/loopback' | Format-Table Host, Output

Show-Slide 12 'the demo app' 'kubectl run my-nginx --image=nginx --replicas=2 --port=80'
if (Get-KubeDeployment my-nginx -ErrorAction Ignore) { Remove-KubeDeployment my-nginx }   # a second run starts over
New-KubeDeployment my-nginx -Image nginx -Replicas 2 -Port 80 -Wait -TimeoutSec 120 | Format-Table
Get-KubePod | Format-Table

Show-Slide 13 'its service' 'kubectl expose deployment my-nginx --target-port=80 --port=8080 --type=NodePort'
if (Get-KubeService my-nginx -ErrorAction Ignore) { Remove-KubeService my-nginx }
New-KubeService my-nginx -Port 8080 -TargetPort 80 -Type NodePort | Format-Table

Show-Slide 14 'its NodePort URLs' 'kubectl get -o yaml service/my-nginx | grep nodePort; open http://172.17.8.101:NODEPORT'
# Open one in a browser, or let every node's URL answer an HTTP GET. (In the lab, the kube-proxy stand-in answers
# for the service with a page saying so: no containers run there.)
# kube-proxy opens a new node port once it sees the service (about a second): try for up to 30 s.
$deadline = [DateTime]::UtcNow.AddSeconds(30)
do {
    $urls = @(Get-KubeServiceUrl my-nginx | Test-KubeServiceUrl)
    if ($urls.Count -and -not @($urls | Where-Object { -not $_.Reachable }).Count) { break }
    Start-Sleep -Milliseconds 500
} while ([DateTime]::UtcNow -lt $deadline)
$urls | Format-Table
if (@($urls | Where-Object { -not $_.Reachable }).Count -gt 0 -or $urls.Count -eq 0) {
    throw "Not every NodePort URL of my-nginx answers: $(($urls | Where-Object { -not $_.Reachable } | ForEach-Object { "$($_.Url) ($($_.Error))" }) -join ', ')"
}

Show-Slide 15 'production readiness: TLS for etcd' 'openssl/cfssl by hand'
$pki = Join-Path $LabDirectory 'demo-pki'
$ca = New-KubeCertificateAuthority $pki -CommonName etcd-ca
Get-KubeHost -Role Master | New-KubeCertificate EtcdServer -CaPath $ca.Path -Path $pki | Test-KubeCertificate -CaPath $ca.Path -ServerName 172.17.8.101 | Format-Table

Disconnect-KubeApi
Get-KubeHost | Disconnect-KubeHost
