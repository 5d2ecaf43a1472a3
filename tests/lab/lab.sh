#!/usr/bin/env bash
# KubeFromScratch local test lab: three Debian hosts (core-01..03) as
# systemd-nspawn containers on a private bridge, standing in for the
# workshop's Vagrant VMs. See tests/lab/README.md.
#
#   lab.sh up [--tls]         bring the lab up with a healthy 3-member etcd
#                             cluster (idempotent; fast when healthy); --tls:
#                             etcd with TLS and client certificates
#   lab.sh down [--purge]     tear everything down (--purge: also keys, PKI, logs)
#   lab.sh status             print mode and host states; exit 0 iff all three are up
#   lab.sh stop-host NAME     power one host off (keeps its layer)
#   lab.sh start-host NAME    boot a stopped host again
#   lab.sh etcd-stop NAME     systemctl stop etcd on one host
#   lab.sh etcd-start NAME    systemctl start etcd on one host, wait until healthy
#   lab.sh link-down NAME     cut one host off the network (its veth down)
#   lab.sh link-up NAME       reconnect it
#   lab.sh api-stop           stop the Kubernetes API server stand-in (http://172.17.8.101:8080)
#   lab.sh api-start          start it (idempotent; waits until /healthz answers)
#   lab.sh api-restart        restart it: a fresh, empty cluster (its state is in memory)
#   lab.sh check-network      exit 0 iff kfsbr0 carries 172.17.8.0/24
#   lab.sh ssh NAME [CMD...]  ssh into a host as core (convenience)
#   lab.sh prune-cache        delete cached root file systems not in use
#
# `up` also starts the release mirror (http://172.17.8.1:8080, out/lab/mirror: the
# stand-in kubelet/kube-proxy, the real kubectl 1.33.1, CNI plugin tarballs, the
# weave stand-in) and, once the hosts are up, the Kubernetes API server STAND-IN
# (tests/LabApiServer/LabApiServer, published into out/lab/apiserver when its
# sources change) in core-01's network namespace at the deck's insecure address
# http://172.17.8.101:8080 (log out/lab/logs/apiserver.log; a running, answering
# server is left alone). `down` stops both; `stop-host core-01` stops the API
# server with its host and `start-host core-01` starts it again.
#
# Environment: KFS_LAB_DIR (default <repo>/out/lab), KFS_LAB_CACHE (default
# /var/cache/kubefromscratch), KFS_LAB_STATE (default
# /var/lib/kubefromscratch/lab), KFS_LAB_MIRROR (default: the Debian mirror
# apt uses), KFS_LAB_STOP_TIMEOUT (default 15 s), KFS_LAB_BOOT_TIMEOUT
# (default 90 s), KFS_LAB_ETCD_TIMEOUT (default 60 s: wait for etcd health),
# KFS_LAB_MODULE (built module for --tls; default <repo>/out/KubeFromScratch),
# KFS_LAB_KUBECTL (the real kubectl v1.33.1 put into the image and the mirror;
# default: kubectl.1.33 beside the target of this machine's `kubectl`),
# KFS_LAB_NODE_GRACE (the API server's --node-grace-seconds, default 40: a node
# without heartbeats turns NotReady after it; `up` restarts a running server
# with another grace only when this is set), KFS_LAB_API_TIMEOUT (default 30 s:
# wait for the API server's /healthz).
#
# Network rule: nothing in the lab connects anywhere but loopback and
# 172.17.8.0/24. Hosts have no default route and no DNS.
set -euo pipefail

# Close the descriptors inherited from the caller (beyond 0-2, and but the one
# bash reads this script from), so that the long-lived processes `up` starts
# (hosts, mirror, API server) never hold a caller's lock: `flock FILE lab.sh up`
# would otherwise leave FILE locked for as long as the lab runs. The caller's
# own descriptor keeps its lock until lab.sh returns.
for _fd in /proc/$$/fd/*; do
    _fd=${_fd##*/}
    if [[ $_fd =~ ^[0-9]+$ ]] && ((_fd > 2)) && ! [[ /proc/$$/fd/$_fd -ef ${BASH_SOURCE[0]} ]]; then
        { eval "exec $_fd>&-"; } 2>/dev/null || true
    fi
done
unset _fd

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
IMAGE_DIR=$SCRIPT_DIR/image
LAB_DIR=$(realpath -m -- "${KFS_LAB_DIR:-$REPO_ROOT/out/lab}")
CACHE_DIR=${KFS_LAB_CACHE:-/var/cache/kubefromscratch}
STATE_DIR=${KFS_LAB_STATE:-/var/lib/kubefromscratch/lab}
STATE_DIR=${STATE_DIR%/}
LOCK_FILE=$STATE_DIR.lock          # outside STATE_DIR: survives `down`
STOP_TIMEOUT=${KFS_LAB_STOP_TIMEOUT:-15}
BOOT_TIMEOUT=${KFS_LAB_BOOT_TIMEOUT:-90}
ETCD_TIMEOUT=${KFS_LAB_ETCD_TIMEOUT:-60}
PKI_DIR=$LAB_DIR/pki                # TLS lab: CA and certificates (New-LabPki.ps1)
MODULE_DIR=${KFS_LAB_MODULE:-$REPO_ROOT/out/KubeFromScratch}   # built module, for --tls
WANT_MODE=plain                     # up: plain or tls (--tls)
MIRROR_ADDR=172.17.8.1              # release mirror: the bridge side, like a Vagrant host-only network's host
MIRROR_PORT=8080
MIRROR_DIR=$LAB_DIR/mirror
MIRROR_FORMAT=1                     # bump to force a mirror rebuild
KUBE_VERSION=1.33.1                 # the release the mirror (and the image's kubectl) carries
WEAVE_VERSION=2.8.1                 # the weave release path the mirror serves its weave stand-in under
WEAVE_STANDIN=$SCRIPT_DIR/standins/weave

SUITE=bookworm
IMAGE_FORMAT=1                     # bump to force a rootfs rebuild
BRIDGE=kfsbr0
BRIDGE_CIDR=172.17.8.1/24
SUBNET=172.17.8.0/24
HOSTS=(core-01 core-02 core-03)
USERS=(core nosudo)
KEY_NAMES=(id_ed25519 id_ed25519_pass id_rsa id_ecdsa)
KEY_PASSPHRASE=lab-passphrase

# ---------------------------------------------------------------- helpers --
log()  { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
now()  { date +%s.%N; }
since(){ awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

host_ip()   { printf '172.17.8.10%s' "${1#core-0}"; }
netns_of()  { printf 'kfs-%s' "$1"; }
veth_host() { printf 'kfsv-%s' "$1"; }   # <= 15 chars
veth_tmp()  { printf 'kfsp-%s' "$1"; }   # renamed to eth0 inside the netns
host_dir()  { printf '%s/hosts/%s' "$STATE_DIR" "$1"; }
pid_file()  { printf '%s/nspawn.pid' "$(host_dir "$1")"; }
log_file()  { printf '%s/logs/%s.log' "$LAB_DIR" "$1"; }

valid_host() {
    local h
    for h in "${HOSTS[@]}"; do [[ $1 == "$h" ]] && return 0; done
    die "unknown host '$1' (expected one of: ${HOSTS[*]})"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

need_tools() {
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    [[ ${#missing[@]} -eq 0 ]] || die "missing tools: ${missing[*]} (run tests/lab/install-deps.sh)"
}

# Serialise mutating commands (one lab per machine: fixed names and IPs).
take_lock() {
    mkdir -p "$(dirname "$LOCK_FILE")"
    exec 9>"$LOCK_FILE"
    if ! flock -w 900 9; then die "timed out waiting for $LOCK_FILE"; fi
}

# Unmount anything below DIR, then delete it without crossing file systems.
safe_rm() {
    local dir=$1 m
    [[ -n $dir && $dir != / ]] || die "safe_rm: refusing '$dir'"
    [[ -e $dir || -L $dir ]] || return 0
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$dir" '{ gsub(/\\040/, " ", $5); if ($5 == d || index($5, d "/") == 1) print $5 }' \
                 /proc/self/mountinfo | sort -r)
    rm -rf --one-file-system -- "$dir"
}

# ---------------------------------------------------------------- image ----
image_hash() {
    {
        printf 'format=%s suite=%s\n' "$IMAGE_FORMAT" "$SUITE"
        # The real kubectl copied into the image by customize.d/50-kube-node.sh (not a file under image/).
        printf 'kubectl=%s\n' "$(kubectl_identity)"
        cd "$IMAGE_DIR"
        find . \( -type f -o -type l \) -print | LC_ALL=C sort | while read -r f; do
            printf '== %s %s\n' "$f" "$(stat -c %a "$f")"
            if [[ -L $f ]]; then readlink "$f"; else cat "$f"; fi
        done
    } | sha256sum | cut -c1-16
}

rootfs_path() { printf '%s/rootfs-%s' "$CACHE_DIR" "$(image_hash)"; }

# The real kubectl v1.33.1 for the image (/opt/bin/kubectl) and the mirror: this
# machine's kubectl dispatches to static builds beside its target.
kubectl_source() {
    if [[ -n ${KFS_LAB_KUBECTL:-} ]]; then printf '%s\n' "$KFS_LAB_KUBECTL"; return; fi
    local k; k=$(command -v kubectl 2>/dev/null) || return 0
    printf '%s/kubectl.1.33\n' "$(dirname "$(readlink -f "$k")")"
}
kubectl_identity() {   # cheap (no hashing of ~60 MB): path, size, mtime
    local k; k=$(kubectl_source)
    if [[ -n $k && -f $k ]]; then stat -L -c '%n %s %Y' -- "$k"; else printf 'missing\n'; fi
}
need_kubectl() {
    local k what; k=$(kubectl_source)
    what=${k:-"kubectl.1.33 beside the target of this machine's kubectl (there is no kubectl on PATH)"}
    [[ -n $k && -x $k ]] ||
        die "the lab needs the real kubectl v$KUBE_VERSION for its image and release mirror, but $what is not there. This machine's kubectl (a launcher dispatching to static builds beside its target) provides it; or point KFS_LAB_KUBECTL at a kubectl v1.33.1 binary. Do not apt-install kubernetes-client for this."
    # Read it whole first: `| grep -q` would end the pipe early and, with pipefail, fail at random (SIGPIPE).
    local out; out=$("$k" version --client 2>&1) || true
    [[ $'\n'$out$'\n' == *$'\n'"Client Version: v$KUBE_VERSION"$'\n'* ]] ||
        die "$k is not kubectl v$KUBE_VERSION (it says: ${out%%$'\n'*}); set KFS_LAB_KUBECTL to a kubectl v$KUBE_VERSION"
    export KFS_LAB_KUBECTL=$k
}

package_list() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$IMAGE_DIR/packages.txt" | grep -v '^$' | paste -sd, -
}

# The Debian mirror apt on this machine uses for $SUITE (deb822 .sources or
# one-line .list), unless KFS_LAB_MIRROR is set.
detect_mirror() {
    if [[ -n ${KFS_LAB_MIRROR:-} ]]; then printf '%s\n' "$KFS_LAB_MIRROR"; return; fi
    local f uri=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        uri=$(awk -v suite="$SUITE" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ") && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = ""; suites = ""; uris = ""; enabled = ""
            }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
              if (key == "types") types = $0; else if (key == "suites") suites = $0
              else if (key == "uris") uris = $0; else if (key == "enabled") enabled = tolower($0) }
            END { if (!found) flush() }' "$f")
        [[ -n $uri ]] && break
    done
    if [[ -z $uri ]]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk -v suite="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                                    if ($(i+1) == suite) { print $i; exit } }')
    fi
    [[ -n $uri ]] || die "cannot find a Debian $SUITE mirror in apt sources; set KFS_LAB_MIRROR"
    printf '%s\n' "${uri%/}"
}

ensure_rootfs() {
    local dest tmp mirror pkgs started blog proxy=""
    dest=$(rootfs_path)
    if [[ -d $dest ]]; then return 0; fi
    need_tools debootstrap
    mkdir -p "$CACHE_DIR" "$LAB_DIR/logs"
    # Leftovers of interrupted builds (we hold the lock, so none is running).
    for tmp in "$CACHE_DIR"/.rootfs-*.tmp.*; do
        [[ -e $tmp ]] && { log "removing stale partial build $tmp"; safe_rm "$tmp"; }
    done
    tmp=$CACHE_DIR/.${dest##*/}.tmp.$$
    BUILD_TMP=$tmp
    mirror=$(detect_mirror)
    pkgs=$(package_list)
    eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null || true)"
    blog=$LAB_DIR/logs/rootfs-build.log
    log "building root file system ${dest##*/} from $mirror (log: $blog)"
    started=$(now)
    # Own process group (setsid), waited for with `wait` so that an
    # interrupt reaches our trap at once and on_exit can stop the whole build.
    setsid env ${proxy:+http_proxy=$proxy} debootstrap --variant=minbase --components=main \
        --include="$pkgs" "$SUITE" "$tmp" "$mirror" </dev/null >"$blog" 2>&1 9>&- &
    BUILD_PID=$!
    if ! wait "$BUILD_PID"; then
        BUILD_PID=""
        tail -n 20 "$blog" >&2
        die "debootstrap failed (full log: $blog)"
    fi
    BUILD_PID=""
    log "debootstrap done in $(since "$started") s; customising"
    if ! "$IMAGE_DIR/customize.sh" "$tmp" >>"$blog" 2>&1; then
        tail -n 20 "$blog" >&2
        die "image/customize.sh failed (full log: $blog)"
    fi
    printf 'KFS_IMAGE=%s\nKFS_IMAGE_BUILT=%s\nKFS_IMAGE_PACKAGES=%s\n' \
        "${dest##*/}" "$(date -u +%FT%TZ)" "$pkgs" > "$tmp/etc/kfs-image-release"
    mv -T "$tmp" "$dest"           # atomic publish
    BUILD_TMP=""
    log "root file system ready in $(since "$started") s: $dest ($(du -sh "$dest" | cut -f1))"
}

# ---------------------------------------------------------------- keys -----
ensure_keys() {
    mkdir -p "$LAB_DIR" "$LAB_DIR/logs"
    chmod 0755 "$LAB_DIR"
    local k
    for k in "${KEY_NAMES[@]}"; do
        if [[ -f $LAB_DIR/$k && -f $LAB_DIR/$k.pub ]]; then continue; fi
        rm -f "$LAB_DIR/$k" "$LAB_DIR/$k.pub"
        case $k in
            id_ed25519)      ssh-keygen -q -t ed25519 -N '' -C "kfs-lab-ed25519" -f "$LAB_DIR/$k" ;;
            id_ed25519_pass) ssh-keygen -q -t ed25519 -N "$KEY_PASSPHRASE" -C "kfs-lab-ed25519-passphrase" -f "$LAB_DIR/$k" ;;
            id_rsa)          ssh-keygen -q -t rsa -b 3072 -N '' -C "kfs-lab-rsa" -f "$LAB_DIR/$k" ;;
            id_ecdsa)        ssh-keygen -q -t ecdsa -b 256 -N '' -C "kfs-lab-ecdsa" -f "$LAB_DIR/$k" ;;
        esac
        log "generated lab key $LAB_DIR/$k"
    done
    for k in "${KEY_NAMES[@]}"; do chmod 0600 "$LAB_DIR/$k"; chmod 0644 "$LAB_DIR/$k.pub"; done
}

authorized_keys() { local k; for k in "${KEY_NAMES[@]}"; do cat "$LAB_DIR/$k.pub"; done; }
keys_digest() { authorized_keys | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- layers ---
# Create UPPER/REL (and parents) with owner and mode copied from ROOTFS/REL,
# so the overlay does not change the merged directory's attributes.
mkdir_like() {
    local rootfs=$1 upper=$2 rel=$3 part path=""
    local IFS=/
    for part in $rel; do
        [[ -n $part ]] || continue
        path+=/$part
        [[ -d $upper$path ]] && continue
        mkdir "$upper$path"
        if [[ -d $rootfs$path ]]; then
            chown "$(stat -c %u:%g "$rootfs$path")" "$upper$path"
            chmod "$(stat -c %a "$rootfs$path")" "$upper$path"
        fi
    done
}

user_ids() { awk -F: -v u="$2" '$1 == u { print $3 ":" $4 }' "$1/etc/passwd"; }

prepare_upper() {
    local h=$1 rootfs=$2 upper u ids t h2
    upper=$(host_dir "$h")/upper
    mkdir -p "$upper"
    chmod 0755 "$upper"
    mkdir_like "$rootfs" "$upper" etc/ssh
    printf '%s\n' "$h" > "$upper/etc/hostname"
    {
        printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n'
        for h2 in "${HOSTS[@]}"; do printf '%s\t%s\n' "$(host_ip "$h2")" "$h2"; done
    } > "$upper/etc/hosts"
    tr -d '-' < /proc/sys/kernel/random/uuid > "$upper/etc/machine-id"
    chmod 0444 "$upper/etc/machine-id"
    for t in ed25519 ecdsa rsa; do
        ssh-keygen -q -t "$t" -N '' -C "root@$h" -f "$upper/etc/ssh/ssh_host_${t}_key"
    done
    for u in "${USERS[@]}"; do
        ids=$(user_ids "$rootfs" "$u")
        [[ -n $ids ]] || die "user $u missing from image"
        mkdir_like "$rootfs" "$upper" "home/$u/.ssh"
        authorized_keys > "$upper/home/$u/.ssh/authorized_keys"
        chown "$ids" "$upper/home/$u/.ssh/authorized_keys"
        chmod 0600 "$upper/home/$u/.ssh/authorized_keys"
    done
    prepare_etcd "$h" "$rootfs" "$upper"
    # The image's kube-kubelet.service takes --node-ip=${NODE_IP} from here.
    mkdir_like "$rootfs" "$upper" etc/kubernetes
    printf '# KubeFromScratch lab: this host'"'"'s address for kube-kubelet.service (written by tests/lab/lab.sh).\nNODE_IP=%s\n' \
        "$(host_ip "$h")" > "$upper/etc/kubernetes/node.env"
    chmod 0644 "$upper/etc/kubernetes/node.env"
}

# ---------------------------------------------------------------- etcd -----
# Every host runs an etcd member: Debian's etcd.service (enabled in the
# image), configured only through /etc/default/etcd, which prepare_etcd writes
# into the host's layer (as is the data dir, /var/lib/etcd/default: `down`
# wipes it, `up` starts a fresh cluster). Member names, peer URLs and the
# default cluster token are the workshop's, so in plain mode the member ids
# are the deck's: core-01 6ae27f9fa2984b1d, core-02 25d6ce33763c5524,
# core-03 ff32f4b39b9c47bd. (TLS mode's https peer URLs give other ids.)
ETCD_PKI=/etc/etcd/pki                 # inside the hosts (TLS mode)
ETCD_DATA=/var/lib/etcd/default        # Debian's default

# The running lab's mode (plain or tls); empty when no lab was built.
lab_mode() { cat "$STATE_DIR/mode" 2>/dev/null || true; }
etcd_scheme() { if [[ $1 == tls ]]; then printf https; else printf http; fi; }
etcd_endpoint() { printf '%s://%s:2379' "$(etcd_scheme "$(lab_mode)")" "$(host_ip "$1")"; }
etcd_endpoints() { local h e=""; for h in "${HOSTS[@]}"; do e+=${e:+,}$(etcd_endpoint "$h"); done; printf '%s' "$e"; }

etcd_env() {   # /etc/default/etcd for HOST in MODE
    local h=$1 mode=$2 sc ip h2 cluster=""
    sc=$(etcd_scheme "$mode"); ip=$(host_ip "$h")
    for h2 in "${HOSTS[@]}"; do cluster+=${cluster:+,}$h2=$sc://$(host_ip "$h2"):2380; done
    printf '# KubeFromScratch lab: etcd member %s, %s mode (written by tests/lab/lab.sh).\n' "$h" "$mode"
    printf '# The cluster token is the default (etcd-cluster), as in the workshop.\n'
    printf 'ETCD_NAME=%s\n' "$h"
    printf 'ETCD_DATA_DIR=%s\n' "$ETCD_DATA"
    printf 'ETCD_LISTEN_PEER_URLS=%s://%s:2380\n' "$sc" "$ip"
    printf 'ETCD_LISTEN_CLIENT_URLS=%s://%s:2379,%s://127.0.0.1:2379\n' "$sc" "$ip" "$sc"
    printf 'ETCD_ADVERTISE_CLIENT_URLS=%s://%s:2379\n' "$sc" "$ip"
    printf 'ETCD_INITIAL_ADVERTISE_PEER_URLS=%s://%s:2380\n' "$sc" "$ip"
    printf 'ETCD_INITIAL_CLUSTER=%s\n' "$cluster"
    printf 'ETCD_INITIAL_CLUSTER_STATE=new\n'
    printf 'ETCD_ENABLE_V2=true\n'
    if [[ $mode == tls ]]; then
        printf 'ETCD_CLIENT_CERT_AUTH=true\n'
        printf 'ETCD_TRUSTED_CA_FILE=%s/ca.crt\n' "$ETCD_PKI"
        printf 'ETCD_CERT_FILE=%s/etcd-server.crt\n' "$ETCD_PKI"
        printf 'ETCD_KEY_FILE=%s/etcd-server.key\n' "$ETCD_PKI"
        printf 'ETCD_PEER_CLIENT_CERT_AUTH=true\n'
        printf 'ETCD_PEER_TRUSTED_CA_FILE=%s/ca.crt\n' "$ETCD_PKI"
        printf 'ETCD_PEER_CERT_FILE=%s/etcd-peer.crt\n' "$ETCD_PKI"
        printf 'ETCD_PEER_KEY_FILE=%s/etcd-peer.key\n' "$ETCD_PKI"
    fi
}

prepare_etcd() {
    local h=$1 rootfs=$2 upper=$3 ids uid gid f
    mkdir_like "$rootfs" "$upper" etc/default
    etcd_env "$h" "$WANT_MODE" > "$upper/etc/default/etcd"
    chmod 0644 "$upper/etc/default/etcd"
    [[ $WANT_MODE == tls ]] || return 0
    ids=$(user_ids "$rootfs" etcd)
    [[ -n $ids ]] || die "user etcd missing from image"
    uid=${ids%:*}; gid=${ids#*:}
    install -d -m 0755 -o 0 -g 0 "$upper/etc/etcd"
    install -d -m 0750 -o "$uid" -g "$gid" "$upper$ETCD_PKI"
    install -m 0644 -o "$uid" -g "$gid" "$PKI_DIR/ca.crt" "$upper$ETCD_PKI/ca.crt"
    for f in etcd-server etcd-peer; do
        install -m 0644 -o "$uid" -g "$gid" "$PKI_DIR/$h/$f.crt" "$upper$ETCD_PKI/$f.crt"
        install -m 0600 -o "$uid" -g "$gid" "$PKI_DIR/$h/$f.key" "$upper$ETCD_PKI/$f.key"
    done
}

pki_files() {
    local h
    printf '%s\n' "$PKI_DIR/ca.crt" "$PKI_DIR/etcd-healthcheck-client.crt" "$PKI_DIR/etcd-healthcheck-client.key"
    for h in "${HOSTS[@]}"; do
        printf '%s\n' "$PKI_DIR/$h/etcd-server.crt" "$PKI_DIR/$h/etcd-server.key" "$PKI_DIR/$h/etcd-peer.crt" "$PKI_DIR/$h/etcd-peer.key"
    done
}
pki_digest() { local f; pki_files | while read -r f; do cat "$f"; done | sha256sum | cut -c1-16; }

# TLS mode: CA and certificates made by the module's own cmdlets
# (New-LabPki.ps1); they are reused while valid, like the SSH keys.
need_module() {
    [[ -f $MODULE_DIR/KubeFromScratch.psd1 ]] ||
        die "up --tls makes the etcd certificates with the module's own cmdlets, but the module is not built ($MODULE_DIR has no KubeFromScratch.psd1). Build it first: dotnet tool run pwsh -- -NoProfile -File ./build.ps1 -Task Build"
    need_tools dotnet
}

ensure_pki() {
    local plog=$LAB_DIR/logs/pki.log started
    need_module
    started=$(now)
    if ! (cd "$REPO_ROOT" && dotnet pwsh -NoProfile -NonInteractive -File tests/lab/New-LabPki.ps1 -Path "$PKI_DIR" -ModulePath "$MODULE_DIR") \
            </dev/null >"$plog" 2>&1 9>&-; then
        tail -n 20 "$plog" >&2
        die "making the lab PKI with tests/lab/New-LabPki.ps1 failed (log: $plog)"
    fi
    local f
    while read -r f; do [[ -s $f ]] || die "New-LabPki.ps1 did not write $f"; done < <(pki_files)
    log "lab PKI ready in $(since "$started") s: $PKI_DIR (CA etcd-ca)"
}

# etcdctl (v3) on this machine against the lab, with the client certificate
# in TLS mode.
etcdctl_lab() {
    local args=(--dial-timeout=2s --command-timeout=5s)
    if [[ $(lab_mode) == tls ]]; then
        args+=(--cacert="$PKI_DIR/ca.crt" --cert="$PKI_DIR/etcd-healthcheck-client.crt"
               --key="$PKI_DIR/etcd-healthcheck-client.key")
    fi
    ETCDCTL_API=3 etcdctl "${args[@]}" "$@"
}

# Healthy = `endpoint health --cluster` through core-01 succeeds and reports
# all three members healthy (a member that has not published its client URLs
# yet would otherwise just be left out).
etcd_healthy() {
    local out
    out=$(etcdctl_lab --endpoints="$(etcd_endpoint core-01)" endpoint health --cluster -w json 2>&1) || return 1
    [[ $(grep -o '"health":true' <<< "$out" | wc -l) -eq ${#HOSTS[@]} ]]
}

etcd_member_healthy() { etcdctl_lab --endpoints="$(etcd_endpoint "$1")" endpoint health >/dev/null 2>&1; }

host_ssh() { ssh -F "$LAB_DIR/ssh_config" -o BatchMode=yes "$@"; }

etcd_diagnostics() {
    local h
    for h in "${HOSTS[@]}"; do
        printf -- '--- %s: etcd.service %s\n' "$h" \
            "$(host_ssh -o ConnectTimeout=2 "$h" 'systemctl is-active etcd' 2>/dev/null || echo '(no answer)')" >&2
        host_ssh -o ConnectTimeout=2 "$h" 'sudo journalctl -u etcd --no-pager -n 5 -o cat' 2>/dev/null | cut -c1-200 >&2 || true
    done
}

wait_etcd() {   # until the whole cluster is healthy, at most ETCD_TIMEOUT s
    local deadline started out
    started=$(now); deadline=$(( $(date +%s) + ETCD_TIMEOUT ))
    until etcd_healthy; do
        if (( $(date +%s) >= deadline )); then
            out=$(etcdctl_lab --endpoints="$(etcd_endpoint core-01)" endpoint health --cluster 2>&1 | tail -n 6 || true)
            printf '%s\n' "$out" >&2
            etcd_diagnostics
            die "etcd cluster not healthy after ${ETCD_TIMEOUT}s ($(lab_mode) mode): ETCDCTL_API=3 etcdctl --endpoints=$(etcd_endpoint core-01) endpoint health --cluster failed (see above; KFS_LAB_ETCD_TIMEOUT raises the limit)"
        fi
        sleep 0.5
    done
    log "etcd cluster healthy ($(lab_mode) mode, $(since "$started") s)"
}

wait_etcd_member() {
    local h=$1 deadline
    deadline=$(( $(date +%s) + ETCD_TIMEOUT ))
    until etcd_member_healthy "$h"; do
        if (( $(date +%s) >= deadline )); then
            etcd_diagnostics
            die "$h: etcd member not healthy after ${ETCD_TIMEOUT}s ($(etcd_endpoint "$h"))"
        fi
        sleep 0.5
    done
}

# systemctl start etcd on a host. Retried: right after a stop, a start can
# fail with status 219/CGROUP while the old cgroup is still being removed.
etcd_unit_start() {
    # shellcheck disable=SC2016
    timeout "$ETCD_TIMEOUT" ssh -F "$LAB_DIR/ssh_config" -o BatchMode=yes "$1" \
        'for i in 1 2 3; do sudo systemctl start etcd && exit 0; sudo systemctl reset-failed etcd 2>/dev/null; sleep 1; done; exit 1' \
        </dev/null 9>&-
}

link_is_down() {   # the host's bridge-side veth was set down (link-down)
    local vh; vh=$(veth_host "$1")
    ip link show dev "$vh" >/dev/null 2>&1 && ! ip -o link show dev "$vh" | grep -q '[<,]UP[,>]'
}

# ---------------------------------------------------------------- mirror ---
# The release mirror: out/lab/mirror served by tests/lab/mirror.py (Python's
# standard library) on http://172.17.8.1:8080, laid out like the upstream sites:
#   release/v1.33.1/bin/linux/amd64/{kubelet,kube-proxy,kubectl}(.sha256)
#       the image's stand-ins and the real kubectl 1.33.1
#   release/v1.33.0/bin/linux/amd64/kubelet(.sha256)
#       FAULT "corrupted download": the .sha256 does not match the file
#   containernetworking/plugins/releases/download/vX.Y.Z/cni-plugins-linux-amd64-vX.Y.Z.tgz(.sha256)
#       Debian's containernetworking-plugins (X.Y.Z = its upstream version), files at the archive root
#   containernetworking/cni/releases/download/v0.3.0/cni-v0.3.0.tgz
#       the deck's legacy layout: ./loopback only, and no .sha256 (upstream never had one)
#   weaveworks/weave/releases/download/v2.8.1/weave(.sha256)
#       STAND-IN weave script (tests/lab/standins/weave): `weave status peers` in the deck's format
# Everything is also under /slow/ (about 1 MiB/s): FAULT "slow download".
mirror_log() { printf '%s/logs/mirror.log' "$LAB_DIR"; }
mirror_pid_file() { printf '%s/mirror.pid' "$STATE_DIR"; }

cni_version() {   # upstream version of Debian's containernetworking-plugins: 1.1.1+ds1-3+b5 -> 1.1.1
    local v
    v=$(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null) || return 1
    v=${v#*:}; v=${v%-*}; v=${v%%+*}; v=${v%%~*}
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && printf '%s\n' "$v"
}

mirror_inputs() {
    printf 'format=%s kube=%s cni=%s\n' "$MIRROR_FORMAT" "$KUBE_VERSION" "$(cni_version)"
    kubectl_identity
    cat "$IMAGE_DIR/files/opt/bin/kubelet" "$IMAGE_DIR/files/opt/bin/kube-proxy" | sha256sum
    sha256sum < "$WEAVE_STANDIN"
    find /usr/lib/cni -maxdepth 1 -type f -printf '%f %s %T@\n' 2>/dev/null | LC_ALL=C sort
}

# FILE.sha256 as upstream publishes it: "<hex>  <filename>".
publish_sha() { (cd "$(dirname "$1")" && sha256sum -- "$(basename "$1")") > "$1.sha256"; }

# Reproducible .tgz of the given files of DIR at the archive root (./NAME, as upstream's tarballs).
make_tgz() {
    local out=$1 dir=$2; shift 2
    tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "${@/#/./}" | gzip -n > "$out"
}

ensure_mirror_files() {
    local stamp=$LAB_DIR/mirror.stamp want cni tmp rel stage f plugins
    want=$(mirror_inputs | sha256sum | cut -c1-16)
    if [[ -d $MIRROR_DIR && $(cat "$stamp" 2>/dev/null) == "$want" ]]; then return 0; fi
    cni=$(cni_version) || die "Debian's containernetworking-plugins is not installed (tests/lab/install-deps.sh installs it; the mirror's CNI tarballs are built from it)"
    [[ -x /usr/lib/cni/loopback ]] || die "/usr/lib/cni/loopback is missing (reinstall containernetworking-plugins)"
    log "building the release mirror in $MIRROR_DIR (kubernetes v$KUBE_VERSION, CNI plugins v$cni)"
    tmp=$LAB_DIR/.mirror.tmp.$$
    rm -rf --one-file-system -- "$tmp" "$LAB_DIR"/.mirror.tmp.* "$LAB_DIR/.mirror.old"
    rel=$tmp/release/v$KUBE_VERSION/bin/linux/amd64
    mkdir -p "$rel"
    install -m 0755 "$IMAGE_DIR/files/opt/bin/kubelet" "$rel/kubelet"
    install -m 0755 "$IMAGE_DIR/files/opt/bin/kube-proxy" "$rel/kube-proxy"
    install -m 0755 "$(kubectl_source)" "$rel/kubectl"
    for f in kubelet kube-proxy kubectl; do publish_sha "$rel/$f"; done
    # The corrupted download: a kubelet whose bytes differ from what its .sha256 (v1.33.1's) says.
    mkdir -p "$tmp/release/v1.33.0/bin/linux/amd64"
    sed 's/^VERSION=v1\.33\.1-standin$/VERSION=v1.33.0-standin/' "$rel/kubelet" > "$tmp/release/v1.33.0/bin/linux/amd64/kubelet"
    chmod 0755 "$tmp/release/v1.33.0/bin/linux/amd64/kubelet"
    cp "$rel/kubelet.sha256" "$tmp/release/v1.33.0/bin/linux/amd64/kubelet.sha256"
    cmp -s "$rel/kubelet" "$tmp/release/v1.33.0/bin/linux/amd64/kubelet" && die "mirror: the corrupted kubelet equals the good one"
    # The weave stand-in (tests/lab/standins/weave: `weave status peers` as the deck shows it) at the real release path.
    mkdir -p "$tmp/weaveworks/weave/releases/download/v$WEAVE_VERSION"
    install -m 0755 "$WEAVE_STANDIN" "$tmp/weaveworks/weave/releases/download/v$WEAVE_VERSION/weave"
    publish_sha "$tmp/weaveworks/weave/releases/download/v$WEAVE_VERSION/weave"
    # CNI plugins: today's layout (with .sha256) and the deck's legacy 0.3.0 tarball (./loopback, no .sha256).
    stage=$tmp/.cni
    mkdir -p "$stage" "$tmp/containernetworking/plugins/releases/download/v$cni" "$tmp/containernetworking/cni/releases/download/v0.3.0"
    find /usr/lib/cni -maxdepth 1 -type f -perm -u+x -exec install -m 0755 {} "$stage/" \;
    mapfile -t plugins < <(cd "$stage" && ls | LC_ALL=C sort)
    f=$tmp/containernetworking/plugins/releases/download/v$cni/cni-plugins-linux-amd64-v$cni.tgz
    make_tgz "$f" "$stage" "${plugins[@]}"
    publish_sha "$f"
    make_tgz "$tmp/containernetworking/cni/releases/download/v0.3.0/cni-v0.3.0.tgz" "$stage" loopback
    rm -rf "$stage"
    # Swap in (the server resolves paths per request, so it may keep running).
    [[ -d $MIRROR_DIR ]] && mv -T "$MIRROR_DIR" "$LAB_DIR/.mirror.old"
    mv -T "$tmp" "$MIRROR_DIR"
    rm -rf --one-file-system -- "$LAB_DIR/.mirror.old"
    printf '%s\n' "$want" > "$stamp"
}

is_our_mirror() {
    local cmd
    [[ -n $1 ]] || return 1
    cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline") || return 1
    [[ $cmd == *"$SCRIPT_DIR/mirror.py --bind $MIRROR_ADDR --port $MIRROR_PORT "* ]]
}

mirror_pid() {   # the running mirror's pid (pid file, else a scan: after a killed `up`)
    local pid="" p
    [[ -f $(mirror_pid_file) ]] && pid=$(<"$(mirror_pid_file)")
    if is_our_mirror "$pid"; then printf '%s\n' "$pid"; return 0; fi
    # shellcheck disable=SC2013
    for p in $(grep -lsF -- "$SCRIPT_DIR/mirror.py" /proc/[0-9]*/cmdline); do
        p=${p#/proc/}; p=${p%/cmdline}
        if is_our_mirror "$p"; then printf '%s\n' "$p"; return 0; fi
    done
    return 1
}

mirror_answers() { curl -fsS -o /dev/null --max-time 2 "http://$MIRROR_ADDR:$MIRROR_PORT/release/v$KUBE_VERSION/bin/linux/amd64/kubelet.sha256" 2>/dev/null; }

mirror_start() {   # idempotent; needs the bridge
    local pid _
    ensure_mirror_files
    if pid=$(mirror_pid) && mirror_answers; then return 0; fi
    [[ -n ${pid:-} ]] && mirror_stop
    need_tools python3 curl
    mkdir -p "$STATE_DIR" "$LAB_DIR/logs"
    printf '==== mirror start %s\n' "$(date -u +%FT%TZ)" >> "$(mirror_log)"
    # setsid: own session; 9>&-: it must not hold the lab lock.
    setsid python3 "$SCRIPT_DIR/mirror.py" --bind "$MIRROR_ADDR" --port "$MIRROR_PORT" --directory "$MIRROR_DIR" \
        </dev/null >>"$(mirror_log)" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" > "$(mirror_pid_file)"
    # Until python has exec'd, /proc/PID/cmdline is still the forked shell's, so only "is it alive" is asked here.
    for _ in $(seq 100); do
        mirror_answers && { log "release mirror up: http://$MIRROR_ADDR:$MIRROR_PORT/ (pid $pid, log $(mirror_log))"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 10 "$(mirror_log)" >&2 || true
    die "the release mirror did not come up on http://$MIRROR_ADDR:$MIRROR_PORT/ (log: $(mirror_log))"
}

mirror_stop() {
    local pid _
    while pid=$(mirror_pid); do
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 30); do is_our_mirror "$pid" || break; sleep 0.1; done
        is_our_mirror "$pid" && kill -KILL "$pid" 2>/dev/null
        sleep 0.1
    done
    rm -f "$(mirror_pid_file)"
}

# ---------------------------------------------------------------- apiserver
# The Kubernetes API server STAND-IN (tests/LabApiServer/LabApiServer: ASP.NET Core, state in memory; the real
# kube-apiserver cannot be downloaded here) at the deck's insecure address, http://172.17.8.101:8080. It runs in
# core-01's network namespace (as the deck's API server runs on core-01) but as a process of this machine, not
# inside the container: `ip netns exec kfs-core-01 dotnet out/lab/apiserver/LabApiServer.dll --urls ...`.
# Published once into out/lab/apiserver (again when its sources change: apiserver.stamp, like the mirror's);
# pid file in the lab state, log out/lab/logs/apiserver.log. A restart is a fresh, empty cluster.
API_HOST=core-01
API_ADDR=172.17.8.101               # = host_ip core-01
API_PORT=8080
API_SRC=$REPO_ROOT/tests/LabApiServer/LabApiServer
API_DIR=$LAB_DIR/apiserver
API_TIMEOUT=${KFS_LAB_API_TIMEOUT:-30}
API_BUILD_LOCK=/tmp/kfs-build.lock  # dotnet builds on this machine take turns (2 cores)
api_url() { printf 'http://%s:%s' "$API_ADDR" "$API_PORT"; }
api_log() { printf '%s/logs/apiserver.log' "$LAB_DIR"; }
api_pid_file() { printf '%s/apiserver.pid' "$STATE_DIR"; }
api_grace() {   # KFS_LAB_NODE_GRACE, else 40 (the real node-monitor-grace-period)
    local g=${KFS_LAB_NODE_GRACE:-40}
    [[ $g =~ ^[0-9]+([.][0-9]+)?$ ]] || die "KFS_LAB_NODE_GRACE must be a number of seconds (got '$g')"
    printf '%s\n' "$g"
}

api_inputs() {   # what the published server is built from
    local f
    printf 'dotnet=%s\n' "$(dotnet --version 2>/dev/null || echo missing)"
    for f in "$REPO_ROOT/global.json" "$REPO_ROOT/Directory.Build.props" "$REPO_ROOT/Directory.Packages.props"; do
        [[ -f $f ]] && { printf '== %s\n' "${f#"$REPO_ROOT"/}"; cat "$f"; }
    done
    (cd "$API_SRC" && find . \( -name bin -o -name obj -o -name tools \) -prune -o -type f -print | LC_ALL=C sort |
        while read -r f; do printf '== %s\n' "$f"; cat "$f"; done)
}
api_stamp_want() { api_inputs | sha256sum | cut -c1-16; }

need_api_tools() {
    command -v dotnet >/dev/null 2>&1 ||
        die "the lab's Kubernetes API server stand-in (tests/LabApiServer/LabApiServer) needs the .NET SDK (dotnet) on this machine"
    [[ -f $API_SRC/LabApiServer.csproj ]] || die "$API_SRC/LabApiServer.csproj is missing"
}

# Publish the server into out/lab/apiserver when it is missing or its sources changed (~30-60 s on 2 cores).
# Into a temporary folder first, swapped in whole, so a running server keeps its files and a failed build
# leaves the previous one.
ensure_api_build() {
    local stamp=$LAB_DIR/apiserver.stamp want tmp blog=$LAB_DIR/logs/apiserver-build.log started
    want=$(api_stamp_want)
    if [[ -f $API_DIR/LabApiServer.dll && $(cat "$stamp" 2>/dev/null) == "$want" ]]; then return 0; fi
    need_api_tools
    mkdir -p "$LAB_DIR/logs"
    tmp=$LAB_DIR/.apiserver.tmp.$$
    rm -rf --one-file-system -- "$LAB_DIR"/.apiserver.tmp.* "$LAB_DIR/.apiserver.old"
    log "building the Kubernetes API server stand-in into $API_DIR (log: $blog)"
    started=$(now)
    # setsid + wait, as for debootstrap: an interrupt reaches our trap at once, and on_exit stops the build.
    # --disable-build-servers: no compiler or MSBuild server may outlive the build (it would hold the build lock).
    setsid env DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
        flock "$API_BUILD_LOCK" dotnet publish "$API_SRC" -c Release -o "$tmp" --nologo --disable-build-servers \
        </dev/null >"$blog" 2>&1 9>&- &
    BUILD_PID=$!
    if ! wait "$BUILD_PID"; then
        BUILD_PID=""
        tail -n 20 "$blog" >&2
        rm -rf --one-file-system -- "$tmp"
        die "dotnet publish of the API server stand-in failed (full log: $blog)"
    fi
    BUILD_PID=""
    [[ -f $tmp/LabApiServer.dll ]] || die "dotnet publish wrote no LabApiServer.dll (log: $blog)"
    [[ -d $API_DIR ]] && mv -T "$API_DIR" "$LAB_DIR/.apiserver.old"
    mv -T "$tmp" "$API_DIR"
    rm -rf --one-file-system -- "$LAB_DIR/.apiserver.old"
    printf '%s\n' "$want" > "$stamp"
    log "API server stand-in built in $(since "$started") s"
}

is_our_api() {
    local cmd
    [[ -n $1 ]] || return 1
    cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline") || return 1
    [[ $cmd == *"$API_DIR/LabApiServer.dll --urls $(api_url) "* ]]
}

api_pid() {   # the running server's pid (pid file, else a scan: after a killed `up`)
    local pid="" p
    [[ -f $(api_pid_file) ]] && pid=$(<"$(api_pid_file)")
    if is_our_api "$pid"; then printf '%s\n' "$pid"; return 0; fi
    # shellcheck disable=SC2013
    for p in $(grep -lsF -- "$API_DIR/LabApiServer.dll" /proc/[0-9]*/cmdline); do
        p=${p#/proc/}; p=${p%/cmdline}
        if is_our_api "$p"; then printf '%s\n' "$p"; return 0; fi
    done
    return 1
}

api_running_grace() {   # --node-grace-seconds of the running server
    local cmd; cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline") || return 1
    [[ $cmd =~ --node-grace-seconds\ ([^ ]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

# Probed only on the lab's bridge (network rule), and only when it is there.
api_answers() { check_network && curl -fsS -o /dev/null --max-time 2 "$(api_url)/healthz" 2>/dev/null; }

# Idempotent: a running, answering server from the current build (and, when KFS_LAB_NODE_GRACE is set, with that
# grace) is left alone, with its cluster state. Needs core-01's network namespace (the lab up).
api_start() {
    local pid grace _ why=""
    ensure_api_build
    grace=$(api_grace)
    if pid=$(api_pid); then
        if [[ $(cat "$STATE_DIR/apiserver.stamp" 2>/dev/null) != "$(cat "$LAB_DIR/apiserver.stamp" 2>/dev/null)" ]]; then
            why="its build changed"
        elif [[ -n ${KFS_LAB_NODE_GRACE:-} && $(api_running_grace "$pid") != "$grace" ]]; then
            why="KFS_LAB_NODE_GRACE=$grace asked, it runs with $(api_running_grace "$pid")"
        elif api_answers; then
            return 0
        else
            why="it does not answer"
        fi
        log "restarting the API server stand-in (pid $pid): $why"
        api_stop
    fi
    need_api_tools
    [[ -e /run/netns/$(netns_of "$API_HOST") ]] || die "no network namespace $(netns_of "$API_HOST") for the API server (lab.sh up)"
    check_network || die "the lab network is not up (lab.sh up)"
    mkdir -p "$STATE_DIR" "$LAB_DIR/logs"
    printf '==== apiserver start %s (node grace %s s)\n' "$(date -u +%FT%TZ)" "$grace" >> "$(api_log)"
    # setsid: own session (setsid and ip netns exec both exec, so $! becomes dotnet's pid); 9>&-: it must not hold
    # the lab lock.
    setsid env DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        ip netns exec "$(netns_of "$API_HOST")" dotnet "$API_DIR/LabApiServer.dll" --urls "$(api_url)" --node-grace-seconds "$grace" \
        </dev/null >>"$(api_log)" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" > "$(api_pid_file)"
    cp "$LAB_DIR/apiserver.stamp" "$STATE_DIR/apiserver.stamp"
    # Until dotnet has exec'd, /proc/PID/cmdline is still the forked shell's, so only "is it alive" is asked here.
    for _ in $(seq $((API_TIMEOUT * 5))); do
        api_answers && { log "API server stand-in up: $(api_url) (pid $pid, node grace $grace s, log $(api_log))"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 10 "$(api_log)" >&2 || true
    kill -0 "$pid" 2>/dev/null && { kill -TERM "$pid" 2>/dev/null; sleep 1; kill -KILL "$pid" 2>/dev/null; }
    rm -f "$(api_pid_file)"
    die "the API server stand-in did not answer on $(api_url)/healthz within ${API_TIMEOUT}s (log: $(api_log))"
}

api_stop() {
    local pid _
    while pid=$(api_pid); do
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do is_our_api "$pid" || break; sleep 0.1; done
        is_our_api "$pid" && kill -KILL "$pid" 2>/dev/null
        sleep 0.1
    done
    rm -f "$(api_pid_file)" "$STATE_DIR/apiserver.stamp"
}

# ---------------------------------------------------------------- network --
net_up_bridge() {
    if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" type bridge
    fi
    sysctl -q -w "net.ipv6.conf.$BRIDGE.disable_ipv6=1" >/dev/null 2>&1 || true
    ip addr replace "$BRIDGE_CIDR" dev "$BRIDGE"
    ip link set dev "$BRIDGE" up
}

net_up_host() {
    local h=$1 ns vh vt
    ns=$(netns_of "$h"); vh=$(veth_host "$h"); vt=$(veth_tmp "$h")
    [[ -e /run/netns/$ns ]] || ip netns add "$ns"
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    if ! ip -n "$ns" link show dev eth0 >/dev/null 2>&1 || ! ip link show dev "$vh" >/dev/null 2>&1; then
        ip link del "$vh" 2>/dev/null || true
        ip -n "$ns" link del eth0 2>/dev/null || true
        ip link del "$vt" 2>/dev/null || true
        ip link add "$vh" type veth peer name "$vt"
        ip link set dev "$vt" netns "$ns"
        ip -n "$ns" link set dev "$vt" name eth0
    fi
    sysctl -q -w "net.ipv6.conf.$vh.disable_ipv6=1" >/dev/null 2>&1 || true
    ip link set dev "$vh" master "$BRIDGE"
    ip link set dev "$vh" up
    ip -n "$ns" addr replace "$(host_ip "$h")/24" dev eth0
    ip -n "$ns" link set dev lo up
    ip -n "$ns" link set dev eth0 up
}

check_network() {
    ip link show dev "$BRIDGE" >/dev/null 2>&1 || return 1
    ip -o -4 addr show dev "$BRIDGE" | grep -qw "${BRIDGE_CIDR//./\\.}" || return 1
    [[ -n $(ip route show "$SUBNET" dev "$BRIDGE" 2>/dev/null) ]] || return 1
    ip route get "$(host_ip core-01)" 2>/dev/null | grep -q "dev $BRIDGE " || return 1
}

# ---------------------------------------------------------------- hosts ----
# PID of this host's systemd-nspawn, if running. Checks the pid file, then
# (for an interrupted `up`) scans for an nspawn bound to the host's netns.
nspawn_pid() {
    local h=$1 pid="" pf p
    pf=$(pid_file "$h")
    [[ -f $pf ]] && pid=$(<"$pf")
    if [[ -n $pid ]] && is_our_nspawn "$pid" "$h"; then printf '%s\n' "$pid"; return 0; fi
    # shellcheck disable=SC2013  # /proc/PID/cmdline paths contain no spaces
    for p in $(grep -lsxzF -- "--network-namespace-path=/run/netns/$(netns_of "$h")" /proc/[0-9]*/cmdline); do
        p=${p#/proc/}; p=${p%/cmdline}
        if is_our_nspawn "$p" "$h"; then printf '%s\n' "$p"; return 0; fi
    done
    return 1
}

is_our_nspawn() {
    local comm cmd
    comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
    [[ $comm == systemd-nspawn ]] || return 1
    cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline") || return 1   # 2> first: the process may be gone
    [[ $cmd == *" --network-namespace-path=/run/netns/$(netns_of "$2") "* ]]
}

host_running() { nspawn_pid "$1" >/dev/null; }

ssh_probe() {   # key login as core works
    ssh -F "$LAB_DIR/ssh_config" -o BatchMode=yes -o ConnectTimeout=2 "$1" true >/dev/null 2>&1
}

boot_host() {
    local h=$1 rootfs=$2 pf lf
    pf=$(pid_file "$h"); lf=$(log_file "$h")
    mkdir -p "$(dirname "$lf")"
    printf '==== %s boot %s (rootfs %s)\n' "$h" "$(date -u +%FT%TZ)" "${rootfs##*/}" >> "$lf"
    rm -f "$pf"
    # setsid: own session, no controlling tty; bash writes its own pid and
    # execs nspawn, so the pid file holds nspawn's pid. 9>&-: the container
    # must not inherit (and hold forever) the lab lock.
    # shellcheck disable=SC2016  # $$ and $@ are for the inner bash
    setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$pf" \
        systemd-nspawn --quiet --boot --register=no --keep-unit \
            --machine="$h" \
            --network-namespace-path="/run/netns/$(netns_of "$h")" \
            --directory="$rootfs" \
            --overlay="$rootfs:$(host_dir "$h")/upper:/" \
            --console=read-only --link-journal=no \
            --resolv-conf=off --timezone=off \
        </dev/null >>"$lf" 2>&1 9>&- &
    local _
    for _ in $(seq 50); do [[ -s $pf ]] && break; sleep 0.1; done
    [[ -s $pf ]] || die "$h: systemd-nspawn did not start (log: $lf)"
}

wait_ssh() {   # wait until key login works on all given hosts
    local deadline h pending=("$@") still
    deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
    while ((${#pending[@]})); do
        still=()
        for h in "${pending[@]}"; do
            if ! host_running "$h"; then
                tail -n 25 "$(log_file "$h")" >&2 || true
                die "$h: systemd-nspawn exited during boot (log: $(log_file "$h"))"
            fi
            ssh_probe "$h" || still+=("$h")
        done
        pending=("${still[@]+"${still[@]}"}")
        ((${#pending[@]})) || break
        if (( $(date +%s) >= deadline )); then
            for h in "${pending[@]}"; do tail -n 25 "$(log_file "$h")" >&2 || true; done
            die "timed out after ${BOOT_TIMEOUT}s waiting for sshd on: ${pending[*]}"
        fi
        sleep 0.5
    done
}

# Power hosts off: SIGTERM (clean poweroff), SIGKILL after STOP_TIMEOUT.
stop_hosts() {
    local h pid deadline alive p
    declare -A pids=()
    for h in "$@"; do
        if pid=$(nspawn_pid "$h"); then pids[$h]=$pid; kill -TERM "$pid" 2>/dev/null || true; fi
    done
    deadline=$(( $(date +%s) + STOP_TIMEOUT ))
    while :; do
        alive=0
        for h in "${!pids[@]}"; do is_our_nspawn "${pids[$h]}" "$h" && alive=1; done
        ((alive)) || break
        (( $(date +%s) < deadline )) || break
        sleep 0.2
    done
    for h in "${!pids[@]}"; do
        if is_our_nspawn "${pids[$h]}" "$h"; then
            log "$h: no clean poweroff after ${STOP_TIMEOUT}s; SIGKILL"
            kill -KILL "${pids[$h]}" 2>/dev/null || true
        fi
    done
    # Anything still living in a host's netns (e.g. the container's init
    # after nspawn was SIGKILLed) belongs to the lab: kill it by pid.
    for h in "$@"; do
        if [[ -e /run/netns/$(netns_of "$h") ]]; then
            for p in $(ip netns pids "$(netns_of "$h")" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        fi
        rm -f "$(pid_file "$h")"
    done
    deadline=$(( $(date +%s) + 10 ))
    for h in "${!pids[@]}"; do
        while is_our_nspawn "${pids[$h]}" "$h"; do
            (( $(date +%s) < deadline )) || { log "$h: systemd-nspawn ${pids[$h]} survives SIGKILL"; break; }
            sleep 0.1
        done
    done
}

# ---------------------------------------------------------------- outputs --
write_client_files() {
    local h t kh=$LAB_DIR/known_hosts
    {
        printf '# KubeFromScratch test lab (generated by tests/lab/lab.sh; do not edit)\n'
        for h in "${HOSTS[@]}"; do
            printf '\nHost %s\n  HostName %s\n  User core\n  Port 22\n' "$h" "$(host_ip "$h")"
            printf '  IdentityFile %s\n  IdentitiesOnly yes\n' "$LAB_DIR/id_ed25519"
            printf '  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n' "$kh"
            printf '  StrictHostKeyChecking yes\n  ConnectTimeout 5\n  LogLevel ERROR\n'
        done
    } > "$LAB_DIR/ssh_config"
    # Host keys were generated by us, so known_hosts is written from them
    # (no trust-on-first-use); entries match both the name and the IP.
    : > "$kh.tmp"
    for h in "${HOSTS[@]}"; do
        for t in ed25519 ecdsa rsa; do
            printf '%s,%s %s\n' "$h" "$(host_ip "$h")" \
                "$(cut -d' ' -f1,2 "$(host_dir "$h")/upper/etc/ssh/ssh_host_${t}_key.pub")" >> "$kh.tmp"
        done
    done
    mv -f "$kh.tmp" "$kh"
    # Exactly the shape of `vagrant ssh-config` for the three machines.
    {
        for h in "${HOSTS[@]}"; do
            printf 'Host %s\n  HostName %s\n  User core\n  Port 22\n' "$h" "$(host_ip "$h")"
            printf '  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  PasswordAuthentication no\n'
            printf '  IdentityFile %s\n  IdentitiesOnly yes\n  LogLevel FATAL\n\n' "$LAB_DIR/id_ed25519"
        done
    } > "$LAB_DIR/vagrant-ssh-config.txt"
    chmod 0644 "$LAB_DIR/ssh_config" "$kh" "$LAB_DIR/vagrant-ssh-config.txt"
}

# If invoked through sudo, hand out/lab back to the invoking user.
fix_owner() {
    if [[ -n ${SUDO_UID:-} && -n ${SUDO_GID:-} && -d $LAB_DIR ]]; then
        chown -R "$SUDO_UID:$SUDO_GID" "$LAB_DIR" 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------- commands -
# A completed `up` in the wanted mode (plain/tls) whose image, keys, PKI and
# output dir still match this checkout.
lab_consistent() {
    local rootfs
    check_network || return 1
    [[ -f $STATE_DIR/complete ]] || return 1
    rootfs=$(rootfs_path)
    [[ $(cat "$STATE_DIR/rootfs" 2>/dev/null) == "$rootfs" && -d $rootfs ]] || return 1
    [[ $(cat "$STATE_DIR/keys" 2>/dev/null) == "$(keys_digest 2>/dev/null)" ]] || return 1
    [[ $(cat "$STATE_DIR/lab-dir" 2>/dev/null) == "$LAB_DIR" ]] || return 1
    [[ $(lab_mode) == "$WANT_MODE" ]] || return 1
    if [[ $WANT_MODE == tls ]]; then
        [[ $(cat "$STATE_DIR/pki" 2>/dev/null) == "$(pki_digest 2>/dev/null)" ]] || return 1
    fi
    [[ -f $LAB_DIR/ssh_config && -f $LAB_DIR/known_hosts && -f $LAB_DIR/vagrant-ssh-config.txt ]] || return 1
}

# Consistent lab where every host is either healthy or cleanly powered off
# (stop-host): `up` just boots the powered-off ones, keeping their layers.
# Prints the powered-off hosts.
lab_resumable() {
    local h
    lab_consistent || return 1
    for h in "${HOSTS[@]}"; do
        if host_running "$h"; then
            ssh_probe "$h" || return 1
        else
            [[ -d $(host_dir "$h")/upper ]] || return 1
            printf '%s\n' "$h"
        fi
    done
}

lab_healthy() {
    local h
    lab_consistent || return 1
    for h in "${HOSTS[@]}"; do host_running "$h" || return 1; done
    local probe_pids=() rc=0 p
    for h in "${HOSTS[@]}"; do ssh_probe "$h" & probe_pids+=($!); done
    for p in "${probe_pids[@]}"; do wait "$p" || rc=1; done
    return $rc
}

teardown() {
    local h
    api_stop
    mirror_stop
    stop_hosts "${HOSTS[@]}"
    for h in "${HOSTS[@]}"; do
        ip link del "$(veth_host "$h")" 2>/dev/null || true
        ip link del "$(veth_tmp "$h")" 2>/dev/null || true
        if [[ -e /run/netns/$(netns_of "$h") ]]; then ip netns del "$(netns_of "$h")" 2>/dev/null || true; fi
    done
    if ip link show dev "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
    safe_rm "$STATE_DIR"
    rm -f "$LAB_DIR/ssh_config" "$LAB_DIR/known_hosts" "$LAB_DIR/known_hosts.tmp" "$LAB_DIR/vagrant-ssh-config.txt"
}

UP_IN_PROGRESS=0
BUILD_TMP=""
BUILD_PID=""
on_exit() {
    local rc=$?
    if [[ -n $BUILD_PID ]] && kill -0 "$BUILD_PID" 2>/dev/null; then
        log "stopping the interrupted root file system build"
        kill -TERM -- "-$BUILD_PID" 2>/dev/null || true
        local _
        for _ in $(seq 50); do kill -0 "$BUILD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$BUILD_PID" 2>/dev/null || true
        sleep 0.5
    fi
    if [[ -n $BUILD_TMP ]]; then safe_rm "$BUILD_TMP" || true; fi
    if ((UP_IN_PROGRESS)) && ((rc != 0)); then
        log "up failed (exit $rc); tearing the half-built lab down (host logs: $LAB_DIR/logs)"
        teardown >/dev/null 2>&1 || true
    fi
    exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cmd_up() {
    need_root
    while (($#)); do
        case $1 in
            --tls) WANT_MODE=tls ;;
            *) die "up: unknown option '$1' (usage: lab.sh up [--tls])" ;;
        esac
        shift
    done
    need_tools ip ssh ssh-keygen systemd-nspawn setsid flock timeout etcdctl python3 curl
    need_api_tools                            # the API server stand-in, before anything is torn down
    api_grace >/dev/null
    [[ $WANT_MODE == tls ]] && need_module    # before anything is torn down
    need_kubectl                              # for the image and the mirror, before anything is torn down
    cni_version >/dev/null || die "Debian's containernetworking-plugins is not installed (run tests/lab/install-deps.sh; the release mirror's CNI tarballs are built from it)"
    take_lock
    local started rootfs h
    started=$(now)
    mkdir -p "$LAB_DIR/logs"
    ensure_api_build                          # a failed build touches nothing (it runs once the hosts are up)
    if [[ -f $LAB_DIR/ssh_config ]] && lab_healthy && etcd_healthy; then
        mirror_start
        api_start
        log "lab already up and healthy ($WANT_MODE mode, $(since "$started") s)"
        return 0
    fi
    # Undo the test faults on an otherwise intact lab: links cut with
    # link-down, etcd stopped with etcd-stop (or crashed).
    if [[ -f $LAB_DIR/ssh_config ]] && lab_consistent; then
        for h in "${HOSTS[@]}"; do
            if host_running "$h" && link_is_down "$h"; then
                log "$h: restoring its link (was cut with link-down)"
                ip link set dev "$(veth_host "$h")" up
            fi
        done
        if lab_healthy; then
            log "etcd cluster not healthy: starting etcd on every host"
            if ( local starts=() p rc=0
                 for h in "${HOSTS[@]}"; do etcd_unit_start "$h" >/dev/null 2>&1 & starts+=($!); done
                 for p in "${starts[@]}"; do wait "$p" || rc=1; done
                 ((rc == 0)) || die "systemctl start etcd failed on a host"
                 wait_etcd ) && mirror_start && api_start; then
                log "lab up in $(since "$started") s ($WANT_MODE mode): ${HOSTS[*]}"
                return 0
            fi
            log "etcd did not recover; rebuilding the lab from scratch"
        fi
    fi
    local stopped_list stopped=()
    if stopped_list=$(lab_resumable) && [[ -n $stopped_list ]]; then
        mapfile -t stopped <<< "$stopped_list"
        log "booting powered-off host(s): ${stopped[*]}"
        rootfs=$(<"$STATE_DIR/rootfs")
        if ( for h in "${stopped[@]}"; do net_up_host "$h"; boot_host "$h" "$rootfs"; done
             wait_ssh "${stopped[@]}"; wait_etcd ) && mirror_start && api_start; then
            log "lab up in $(since "$started") s ($WANT_MODE mode): ${HOSTS[*]}"
            return 0
        fi
        log "booting powered-off hosts failed; rebuilding the lab from scratch"
    fi
    if [[ -n $(lab_mode) && $(lab_mode) != "$WANT_MODE" ]]; then
        log "lab is in $(lab_mode) mode, $WANT_MODE asked: tearing down and rebuilding"
    elif [[ -d $STATE_DIR ]] || ip link show dev "$BRIDGE" >/dev/null 2>&1 || [[ -e /run/netns/$(netns_of core-01) ]]; then
        log "lab present but not healthy (or out of date): tearing down first"
    fi
    teardown
    UP_IN_PROGRESS=1
    ensure_rootfs
    rootfs=$(rootfs_path)
    ensure_keys
    [[ $WANT_MODE == tls ]] && ensure_pki
    mkdir -p "$STATE_DIR/hosts"
    printf '%s\n' "$rootfs" > "$STATE_DIR/rootfs"
    printf '%s\n' "$WANT_MODE" > "$STATE_DIR/mode"
    [[ $WANT_MODE == tls ]] && pki_digest > "$STATE_DIR/pki"
    printf '%s\n' "$LAB_DIR" > "$STATE_DIR/lab-dir"
    keys_digest > "$STATE_DIR/keys"
    net_up_bridge
    local jobs=() j
    for h in "${HOSTS[@]}"; do
        net_up_host "$h"
        prepare_upper "$h" "$rootfs" & jobs+=($!)
    done
    for j in "${jobs[@]}"; do wait "$j" || die "preparing host layers failed"; done
    write_client_files
    for h in "${HOSTS[@]}"; do : > "$(log_file "$h")"; boot_host "$h" "$rootfs"; done
    wait_ssh "${HOSTS[@]}"
    check_network || die "network check failed after up"
    wait_etcd
    mirror_start
    api_start
    touch "$STATE_DIR/complete"
    fix_owner
    UP_IN_PROGRESS=0
    log "lab up in $(since "$started") s ($WANT_MODE mode): ${HOSTS[*]} (ssh -F $LAB_DIR/ssh_config core-01)"
}

cmd_down() {
    need_root
    local purge=0
    [[ ${1:-} == --purge ]] && purge=1
    take_lock
    local started tmp k; started=$(now)
    teardown
    for tmp in "$CACHE_DIR"/.rootfs-*.tmp.*; do [[ -e $tmp ]] && safe_rm "$tmp"; done
    if ((purge)); then
        # Only what the lab wrote (KFS_LAB_DIR may point anywhere).
        for k in "${KEY_NAMES[@]}"; do rm -f "$LAB_DIR/$k" "$LAB_DIR/$k.pub"; done
        rm -rf --one-file-system -- "$PKI_DIR"
        rm -rf --one-file-system -- "$MIRROR_DIR"
        rm -f "$LAB_DIR/mirror.stamp" "$LAB_DIR/apiserver.stamp"
        rm -rf --one-file-system -- "$API_DIR"
        rm -f "$LAB_DIR"/logs/core-0[1-3].log "$LAB_DIR/logs/rootfs-build.log" "$LAB_DIR/logs/pki.log" "$LAB_DIR/logs/mirror.log" \
            "$LAB_DIR/logs/apiserver.log" "$LAB_DIR/logs/apiserver-build.log"
        rmdir "$LAB_DIR/logs" "$LAB_DIR" 2>/dev/null || true
    fi
    log "lab down ($(since "$started") s)$( ((purge)) && echo '; keys, PKI, mirror, API server build and logs purged')"
}

# Exit status: 0 iff all three hosts are up (sshd answers); etcd's health is
# reported but does not count (tests stop members on purpose).
cmd_status() {
    local h all=0 state detail probes mode net=0 healthy=0 etcd_probe=0 pid
    if check_network; then echo "network  $BRIDGE $BRIDGE_CIDR: ok"; net=1; else echo "network  $BRIDGE $BRIDGE_CIDR: missing"; all=1; fi
    mode=$(lab_mode)
    [[ -n $mode ]] && ((net)) && command -v etcdctl >/dev/null 2>&1 && etcd_probe=1
    case $mode in
        plain) echo "mode     plain (etcd on http://172.17.8.10N:2379)" ;;
        tls)   echo "mode     tls (etcd on https://172.17.8.10N:2379 with client certificates; CA and client certificate in $PKI_DIR)" ;;
        *)     echo "mode     - (no lab built)" ;;
    esac
    # Probe sshd on the running hosts and the etcd members, in parallel.
    probes=$(mktemp -d)
    for h in "${HOSTS[@]}"; do
        if host_running "$h"; then
            touch "$probes/$h.running"
            if [[ -f $LAB_DIR/ssh_config ]]; then
                { ssh_probe "$h" && touch "$probes/$h.ssh"; } &
            fi
            if ((etcd_probe)); then
                { etcd_member_healthy "$h" && touch "$probes/$h.etcd"; } &
            fi
        fi
    done
    wait
    for h in "${HOSTS[@]}"; do
        if [[ -e $probes/$h.running ]]; then
            if [[ -e $probes/$h.ssh ]]; then state=up; detail="ssh ok"
            elif link_is_down "$h"; then state=down; detail="link down: lab.sh link-up $h"
            else state=down; detail="booting or sshd not answering"; fi
            if [[ -e $probes/$h.etcd ]]; then detail+=", etcd healthy"; healthy=$((healthy + 1))
            elif ((etcd_probe)); then detail+=", etcd not healthy"; fi
        else
            state=down; detail="powered off"
        fi
        [[ $state == up ]] || all=1
        printf '%-8s %-13s %-5s (%s)\n' "$h" "$(host_ip "$h")" "$state" "$detail"
    done
    rm -rf "$probes"
    if mirror_pid >/dev/null; then
        # Probed only on the lab's bridge (network rule).
        if ((net)) && mirror_answers; then echo "mirror   http://$MIRROR_ADDR:$MIRROR_PORT/ (pid $(mirror_pid))"
        else echo "mirror   http://$MIRROR_ADDR:$MIRROR_PORT/ not answering (pid $(mirror_pid))"; fi
    else
        echo "mirror   not running (lab.sh up starts it)"
    fi
    if pid=$(api_pid); then
        if ((net)) && api_answers; then echo "api      $(api_url) (stand-in; pid $pid, node grace $(api_running_grace "$pid") s)"
        else echo "api      $(api_url) not answering (pid $pid)"; fi
    else
        echo "api      not running (lab.sh up or api-start starts it)"
    fi
    if [[ -n $mode ]] && ! ((etcd_probe)); then
        echo "etcd     unknown (no network or no etcdctl on this machine: tests/lab/install-deps.sh)"
    elif [[ -n $mode ]]; then
        if ((healthy == ${#HOSTS[@]})); then echo "etcd     healthy: $healthy of ${#HOSTS[@]} members"
        else echo "etcd     not healthy: $healthy of ${#HOSTS[@]} members answer"; fi
    fi
    return $all
}

cmd_stop_host() {
    need_root
    local h=${1:?usage: lab.sh stop-host NAME}
    valid_host "$h"
    take_lock
    if ! host_running "$h"; then log "$h already powered off"; return 0; fi
    local started; started=$(now)
    # The API server stand-in lives in core-01's network namespace: it goes down with its host (cleanly).
    if [[ $h == "$API_HOST" ]] && api_pid >/dev/null; then api_stop; log "$h: API server stand-in stopped with its host"; fi
    stop_hosts "$h"
    # Like a powered-off VM: no one answers ARP for its address any more
    # (connects fail with "No route to host", not "Connection refused").
    ip -n "$(netns_of "$h")" link set dev eth0 down 2>/dev/null || true
    log "$h powered off ($(since "$started") s)"
}

cmd_start_host() {
    need_root
    local h=${1:?usage: lab.sh start-host NAME}
    valid_host "$h"
    take_lock
    [[ -d $(host_dir "$h")/upper && -f $STATE_DIR/rootfs ]] || die "lab is not up (no layer for $h); run lab.sh up"
    local rootfs started; rootfs=$(<"$STATE_DIR/rootfs"); started=$(now)
    [[ -d $rootfs ]] || die "root file system $rootfs is gone; run lab.sh down && lab.sh up"
    if host_running "$h"; then
        wait_ssh "$h"
        [[ $h == "$API_HOST" && -f $STATE_DIR/complete ]] && api_start
        log "$h already running"; return 0
    fi
    net_up_bridge
    net_up_host "$h"
    boot_host "$h" "$rootfs"
    wait_ssh "$h"
    # Its etcd member rejoins at boot; with fewer than two hosts running there
    # is no quorum to rejoin, so only wait when there is one.
    local running=0 h2
    for h2 in "${HOSTS[@]}"; do host_running "$h2" && running=$((running + 1)); done
    if ((running >= 2)) && [[ -n $(lab_mode) ]]; then
        wait_etcd_member "$h"
        log "$h booted, etcd member healthy ($(since "$started") s)"
    else
        log "$h booted ($(since "$started") s; etcd waits for a quorum of running hosts)"
    fi
    # ... and comes back with it, as a fresh (empty) cluster.
    [[ $h == "$API_HOST" && -f $STATE_DIR/complete ]] && api_start
    return 0
}

# The lab must be up (hosts and layers) for the fault commands.
need_running_host() {
    [[ -f $STATE_DIR/complete && -f $LAB_DIR/ssh_config ]] || die "lab is not up; run lab.sh up"
    host_running "$1" || die "$1 is powered off (lab.sh start-host $1)"
}

cmd_etcd_stop() {
    need_root
    local h=${1:?usage: lab.sh etcd-stop NAME}
    valid_host "$h"
    take_lock
    need_running_host "$h"
    local started; started=$(now)
    host_ssh "$h" 'sudo systemctl stop etcd' </dev/null 9>&- || die "$h: systemctl stop etcd failed"
    log "$h: etcd stopped ($(since "$started") s)"
}

cmd_etcd_start() {
    need_root
    local h=${1:?usage: lab.sh etcd-start NAME}
    valid_host "$h"
    need_tools etcdctl timeout
    take_lock
    need_running_host "$h"
    local started; started=$(now)
    etcd_unit_start "$h" || { etcd_diagnostics; die "$h: systemctl start etcd failed (or did not finish in ${ETCD_TIMEOUT}s; a member needs a quorum of running members to start)"; }
    wait_etcd_member "$h"
    log "$h: etcd started, member healthy ($(since "$started") s)"
}

# The "member cut off" fault: the host keeps running (etcd included), but its
# bridge-side veth is down, so nothing reaches it and it reaches no one.
cmd_link() {
    need_root
    local dir=$1 h=${2:?usage: lab.sh link-down|link-up NAME}
    valid_host "$h"
    take_lock
    need_running_host "$h"
    ip link set dev "$(veth_host "$h")" "$dir"
    if [[ $dir == up ]]; then
        wait_ssh "$h"
        log "$h: link up (reconnected)"
    else
        log "$h: link down (cut off; lab.sh link-up $h reconnects)"
    fi
}

# The API server stand-in's fault hooks. Its state is in memory, so api-restart (and api-stop + api-start) gives a
# fresh, empty cluster: nodes must register again.
cmd_api() {
    need_root
    local what=$1 started pid; started=$(now)
    take_lock
    if [[ $what == stop ]]; then
        if api_pid >/dev/null; then api_stop; log "API server stand-in stopped ($(since "$started") s)"
        else log "API server stand-in was not running"; fi
        return 0
    fi
    need_running_host "$API_HOST"
    if [[ $what == restart ]]; then api_stop
    elif pid=$(api_pid) && api_answers; then log "API server stand-in already running: $(api_url) (pid $pid)"; fi
    api_start
    [[ $what == restart ]] && log "API server stand-in restarted: an empty cluster ($(since "$started") s)"
    return 0
}

cmd_prune_cache() {
    need_root
    take_lock
    local keep inuse d
    keep=$(rootfs_path); inuse=$(cat "$STATE_DIR/rootfs" 2>/dev/null || true)
    for d in "$CACHE_DIR"/rootfs-* "$CACHE_DIR"/.rootfs-*.tmp.*; do
        [[ -e $d && $d != "$keep" && $d != "$inuse" ]] || continue
        log "removing $d"; safe_rm "$d"
    done
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        up)            cmd_up "$@" ;;
        down)          cmd_down "$@" ;;
        status)        cmd_status "$@" ;;
        stop-host)     cmd_stop_host "$@" ;;
        start-host)    cmd_start_host "$@" ;;
        etcd-stop)     cmd_etcd_stop "$@" ;;
        etcd-start)    cmd_etcd_start "$@" ;;
        link-down)     cmd_link down "$@" ;;
        link-up)       cmd_link up "$@" ;;
        api-start)     cmd_api start ;;
        api-stop)      cmd_api stop ;;
        api-restart)   cmd_api restart ;;
        check-network) check_network ;;
        ssh)           valid_host "${1:-}"; exec ssh -F "$LAB_DIR/ssh_config" "$@" ;;
        prune-cache)   cmd_prune_cache ;;
        -h|--help|help) usage ;;
        *)             usage >&2; exit 2 ;;
    esac
}

main "$@"
