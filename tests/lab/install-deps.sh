#!/usr/bin/env bash
# Install what tests/lab/lab.sh needs on a Debian/Ubuntu machine (as root).
# Idempotent and quiet: does nothing when everything is installed; runs
# `apt-get update` only when a package has no install candidate.
set -euo pipefail

# etcd-client: lab.sh and the tests run the real etcdctl against the lab's etcd
# members from this machine (same 3.4 as in the hosts).
# containernetworking-plugins: lab.sh builds the release mirror's CNI tarballs from its /usr/lib/cni.
# python3: the release mirror's HTTP server (tests/lab/mirror.py, standard library only).
PKGS=(systemd-container debootstrap iproute2 openssh-client curl etcd-client pssh tmux
      containernetworking-plugins python3)

[[ $(id -u) -eq 0 ]] || { echo "install-deps.sh: must run as root" >&2; exit 1; }

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
((${#missing[@]})) || exit 0

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT

need_update=0
for p in "${missing[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [[ -n $cand && $cand != "(none)" ]] || need_update=1
done
if ((need_update)); then
    apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
echo "install-deps.sh: installed ${missing[*]}"
